"""Reports: how a model was mapped and how it ran.

So far the mapping and provenance reports (:mod:`spinnc.report.mapping`);
plots and report.html are still to come.
"""

from .mapping import (mapping_report, mapping_text, provenance_text, routing_table,
                      write_mapping_report, write_provenance_report)

__all__ = ["mapping_report", "mapping_text", "write_mapping_report", "provenance_text",
           "routing_table", "write_provenance_report"]

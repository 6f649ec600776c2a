"""Reports: how a model was mapped and how it ran.

So far the mapping report (:mod:`spinnc.report.mapping`: mapping.json and
mapping.txt); plots and report.html are still to come.
"""

from .mapping import mapping_report, mapping_text, write_mapping_report

__all__ = ["mapping_report", "mapping_text", "write_mapping_report"]

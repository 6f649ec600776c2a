"""Reports: how a model was mapped and how it ran.

Text and JSON (:mod:`spinnc.report.mapping`), plots as PNG
(:mod:`spinnc.report.plots`) and one self-contained report.html
(:mod:`spinnc.report.html`).
"""

from .html import mapping_html, run_html, write_mapping_html, write_report
from .mapping import (mapping_report, mapping_text, provenance_text, routing_table,
                      write_mapping_report, write_provenance_report)
from .plots import machine_map, write_mapping_plots, write_plots

__all__ = ["mapping_report", "mapping_text", "write_mapping_report", "provenance_text",
           "routing_table", "write_provenance_report", "machine_map", "write_plots",
           "write_mapping_plots", "run_html", "mapping_html", "write_report",
           "write_mapping_html"]

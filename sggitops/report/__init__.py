"""Report formats of `sggitops validate`: text, json, junit, codequality, sarif.

`REPORTERS` is the registry keyed by format name (the CLI's `-o` choices); `write_reports` writes
several reports from one run, `parse_output_option` parses one `-o FORMAT[=FILE]` value.
"""

from sggitops.report.model import Report, Summary, fingerprints
from sggitops.report.registry import REPORTERS, Reporter, parse_output_option, write_atomic, write_reports
from sggitops.report.text import render_text, text_report

__all__ = [
    "REPORTERS",
    "Report",
    "Reporter",
    "Summary",
    "fingerprints",
    "parse_output_option",
    "render_text",
    "text_report",
    "write_atomic",
    "write_reports",
]

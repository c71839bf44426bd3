"""The report: a run's ``index.qmd`` rendered to self-contained HTML and to PDF."""

from personas.report.render import render_report

__all__ = ["render_report"]

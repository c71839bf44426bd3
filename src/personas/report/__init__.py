"""The report: a saved run's ``index.qmd``, rendered to self-contained HTML and to PDF.

Takes a saved :class:`~personas.run.Run` (never the stage objects); gives ``index.qmd`` with
every number and chart already computed (``build``), then ``index.html`` / ``index.pdf``
(``render``: the Quarto CLI when installed, else the bundled pandoc and typst). ``study_page``
writes ``reports/<study>/index.html`` over a study's waves; :func:`write_report` does
both steps for one run in one call. Templates are package data.
"""

from personas.report.render import render_report
from personas.report.write import write_report

__all__ = ["write_report", "render_report"]

"""The report in one call: :func:`write_report` builds a saved run's ``index.qmd`` and renders it.

``build`` (the source, every number and chart computed) and ``render`` (Quarto, or the bundled
pandoc and typst) stay separate steps for those who want one without the other; this is what
``personas run`` and ``personas report`` do with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from personas.report import build, render
from personas.run.files import Run

__all__ = ["write_report"]


def write_report(
    run: Run, *, to: str | Iterable[str] = ("html",), engine: str = "auto"
) -> dict[str, Path]:
    """Build the report of ``run`` in its folder and render it to the formats in ``to``.

    Parameters
    ----------
    run : Run
        A saved run (:func:`personas.load_run`). The report is written into ``run.path``; to
        replace the report of a run others may be reading, use ``personas report`` (it
        renders in a copy and swaps it in).
    to : "html", "pdf" or both
    engine : "auto", "quarto" or "pandoc"
        See :func:`personas.report.render.render_report`.

    Returns
    -------
    dict
        The rendered files by format, e.g. ``{"html": Path(".../index.html")}``.

    Examples
    --------
    >>> from personas import load_run, write_report
    >>> write_report(load_run("reports/jobsite/wave-1"), to=["html", "pdf"])  # doctest: +SKIP
    {'html': PosixPath('reports/jobsite/wave-1/index.html'), 'pdf': ...}
    """
    build.build_report(run)  # looked up at call time: tests (and users) may wrap either step
    return render.render_report(run.path, to=to, engine=engine)

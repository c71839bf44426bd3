"""Write a run's report source: ``index.qmd``, its charts and the renderer's support files.

The report reads only the saved run (:func:`personas.run.files.load_run`): ``summary.json``
and the CSV files, never the stage objects. Everything is computed here, before rendering:
the document holds plain Quarto markdown, the charts' Vega-Lite specs and their SVG
fallbacks, and no code cell, so it renders the same with the Quarto CLI or with the bundled
pandoc (:func:`personas.report.render.render_report`).

Sections, designers first: the verdict; the persona cards; the map; hand-made vs data-driven;
the tensions; how this was done (the decision journal); changes since the baseline wave.
"""

from __future__ import annotations

import os
from pathlib import Path

from personas._atomic import write_text_atomic
from personas.charts import MAX_POINTS
from personas.report import _build_context as ctx
from personas.report._build_charts import build_charts
from personas.report._build_escape import Markdown, environment
from personas.report._build_instrument import no_tensions_note, one_pole_notes
from personas.report._build_lca import lca_section
from personas.report._build_text import verdict_paragraph
from personas.report._build_trust import method_trust_notes
from personas.report._build_typing import typing_section
from personas.report._build_waves import wave_notes
from personas.report._build_weights import weights_notes
from personas.report.render import chart_bootstrap_html, write_support_files
from personas.run.files import Run, load_run

__all__ = ["build_report", "report_source"]

TEMPLATE = "index.qmd.j2"


def report_source(run: Run, *, charts: dict, typing: Markdown | None = None) -> str:
    """The text of ``index.qmd`` for ``run``, given its chart blocks (see :func:`build_report`).

    Parameters
    ----------
    run : Run
        A saved run, as :func:`personas.run.files.load_run` reads it.
    charts : dict
        Chart name -> :class:`~personas.report._build_charts.ChartBlock`.
    typing : Markdown, optional
        The screener section (:func:`~personas.report._build_typing.typing_section`).
    """
    summary = run.typed
    cards = ctx.persona_cards(summary)
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            **ctx.study_lines(summary),
            verdict=Markdown(" ".join(verdict_paragraph(summary))),
            map_note=(
                ctx.map_note(summary, len(run.embedding), max_points=MAX_POINTS)
                if not run.embedding.empty
                else None
            ),
            cards=cards,
            verdicts=ctx.verdict_rows(summary),
            new_segments=ctx.new_segment_notes(summary),
            confirm=summary.thresholds.get("confirm"),
            tensions=ctx.tension_notes(summary),
            exclusions=ctx.exclusion_rows(summary),
            method=ctx.method_notes(summary),
            trust=method_trust_notes(summary),
            waves=wave_notes(summary),
            charts=charts,
            apart=[
                (c["name"], charts[f"apart-{c['id']}"])
                for c in cards
                if f"apart-{c['id']}" in charts
            ],
            bootstrap=Markdown(chart_bootstrap_html()),
            summary=summary,
            typing=typing,
            one_pole=one_pole_notes(summary.tensions, summary.questions),
            no_tensions=no_tensions_note(summary),
            lca=lca_section(summary, charts),
            weights=weights_notes(summary.weights),
        )
    )


def build_report(run: Run | str | os.PathLike) -> Path:
    """Write ``index.qmd``, ``charts/*.svg``, ``report.css`` and ``_vega.html`` into a run folder.

    Parameters
    ----------
    run : Run or path
        A saved run, or the folder of one (read with :func:`personas.run.files.load_run`).

    Returns
    -------
    Path
        The written ``index.qmd``. Render it with
        :func:`personas.report.render.render_report`.

    Raises
    ------
    InputError
        The folder is not a complete run (from :func:`~personas.run.files.load_run`).

    Examples
    --------
    >>> from personas.report.build import build_report
    >>> from personas.report.render import render_report
    >>> qmd = build_report("tests/fixtures/run_jobsite")  # doctest: +SKIP
    >>> render_report(qmd.parent, to=["html", "pdf"])  # doctest: +SKIP
    """
    if not isinstance(run, Run):
        run = load_run(run)
    folder = Path(run.path)
    blocks = build_charts(run, folder)
    text = report_source(run, charts=blocks, typing=typing_section(run, folder))
    write_support_files(folder)
    # the run folder is held by whoever writes the run (or by nobody, for ``personas report``)
    return write_text_atomic(folder / "index.qmd", text, lock=False)

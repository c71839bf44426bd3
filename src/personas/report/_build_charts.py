"""The report's charts: built once from the run, written as SVG (for PDF) and as chart blocks.

Each chart becomes ``charts/<name>.svg`` (drawn by vl-convert, so the PDF needs no browser)
and a block of Quarto markdown from :func:`personas.report.render.chart_block` holding the
Vega-Lite spec for the HTML page. The chart's description is its alt text. User text reaches
a spec only as data values, titles, descriptions, sort orders and scale domains (never as a
field name, an expression or a URL), and every string of the spec is made printable first
(:func:`~personas.report._build_escape.clean_spec`): vl-convert aborts the whole process on a
control character, and Vega refuses a sort order holding U+2028.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import vl_convert

from personas import charts
from personas.report._build_escape import Markdown, clean_spec
from personas.report._build_lca import lca_charts
from personas.report._pandoc import pdf_font
from personas.report.render import chart_block
from personas.run.files import Run

__all__ = ["ChartBlock", "build_charts", "pdf_svg"]

#: The widest a PDF chart's SVG may be, in pixels. typst shrinks a wider image to the column
#: (about 460 pt on A4), so this keeps 13 px chart text at 9-10 pt on paper.
PDF_WIDTH = 620
_WIDTH = re.compile(r'<svg[^>]*?\bwidth="([\d.]+)"')


@dataclass(frozen=True)
class ChartBlock:
    """One chart of the report: its name, alt text and the markdown that shows it."""

    name: str
    alt: str
    markdown: Markdown


def _vl_version() -> str | None:
    """The Vega-Lite version Altair writes, if vl-convert knows it (else vl-convert's default)."""
    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vl_convert.get_vegalite_versions() else None


def _with_font(node, font: str):
    """``node`` with every ``font``/``*Font`` setting of the spec set to ``font``."""
    if isinstance(node, dict):
        return {
            key: font if key == "font" or key.endswith("Font") and isinstance(value, str)
            else _with_font(value, font)
            for key, value in node.items()
        }  # fmt: skip
    if isinstance(node, list):
        return [_with_font(item, font) for item in node]
    return node


def _svg_width(svg: str) -> float:
    found = _WIDTH.search(svg)
    return float(found.group(1)) if found else 0.0


def pdf_svg(spec: dict, *, font: str | None = None, max_width: int = PDF_WIDTH, **options) -> str:
    """The static SVG of a chart for the PDF: measured in the PDF's font, at most ``max_width``.

    vl-convert lays text out with the fonts it has and typst draws the SVG's text with its
    own: when the two differ, a label measured narrow is drawn wide and runs off the image
    (clipped at the page edge). Naming the font typst uses (:func:`pdf_font`) makes both
    agree. A chart wider than ``max_width`` is drawn again with its plot narrowed by the
    excess, so that the PDF does not shrink its text below print size.
    """
    spec = _with_font(copy.deepcopy(spec), font or pdf_font())
    svg = vl_convert.vegalite_to_svg(spec, **options)
    excess = _svg_width(svg) - max_width
    narrow = (spec.get("usermeta") or {}).get("narrow", True)  # False: typst scales it
    if excess > 0 and narrow and isinstance(spec.get("width"), int | float):
        spec["width"] = max(160, int(spec["width"] - excess))
        svg = vl_convert.vegalite_to_svg(spec, **options)
    return svg


def _persona_charts(run: Run) -> list[tuple[str, object, str]]:
    """(name, chart, caption) of the designer-facing sections, in reading order."""
    s = run.typed
    colors = charts.segment_colors(s)
    out = [("shares", charts.shares_chart(s), "How big each persona is")]
    for seg in sorted(s.segments, key=lambda x: x.id):
        if seg.distinctive:
            chart = charts.persona_card_chart(seg, color=colors[seg.id])
            out.append((f"apart-{seg.id}", chart, f"What sets {seg.name} apart"))
    if not run.embedding.empty:
        chart = charts.map_chart(
            run.embedding,
            run.landmarks,
            s.segments,
            population=s.embedding.n if s.embedding else None,
            random_state=int(s.seed or 0),
        )
        out.append(("map", chart, "Who answered alike"))
    if s.personas and s.similarity is not None and s.similarity.values:
        chart = charts.similarity_heatmap(s)
        out.append(("similarity", chart, "Hand-made personas against the data"))
    if s.tensions:
        out.append(("tensions", charts.tension_chart(s), "Where each persona stands"))
    return out


def _method_charts(run: Run) -> list[tuple[str, object, str]]:
    """(name, chart, caption) of the method section: exclusions, then how k was chosen."""
    summary = run.typed
    out = []
    if summary.respondents.excluded:
        chart = charts.exclusions_chart(summary)
        out.append(("exclusions", chart, "Who was set aside, and why"))
    if summary.lca is not None:  # latent classes: BIC beside the k-modes sweep (_build_lca)
        return out + lca_charts(summary)
    rows = summary.selection
    if not rows:
        return out
    sel = summary.selection_summary
    found = summary.thresholds
    limits = {
        "stable": float(found.get("stable", charts.HENNIG_STABLE)),
        "doubtful": float(found.get("doubtful", charts.HENNIG_DOUBTFUL)),
    }
    chosen = summary.k if sel is None or "chosen" in sel.absent else sel.chosen
    best = sel.best_silhouette if sel else None
    knee = sel.knee if sel else None
    return out + [
        ("elbow", charts.elbow_chart(rows, knee=knee, chosen=chosen),
         "Cost by number of segments"),
        ("silhouette", charts.silhouette_chart(rows, chosen=chosen, best=best),
         "Silhouette by number of segments"),
        ("stability", charts.stability_chart(rows, chosen=chosen, **limits),
         "Stability by number of segments"),
    ]  # fmt: skip


def build_charts(run: Run, folder: Path) -> dict[str, ChartBlock]:
    """Build every chart, write ``folder/charts/<name>.svg`` and return the blocks by name.

    Stale SVGs of an earlier build (a segment that no longer exists) are removed.
    """
    out_dir = folder / "charts"
    out_dir.mkdir(parents=True, exist_ok=True)
    version = _vl_version()
    blocks: dict[str, ChartBlock] = {}
    for name, chart, caption in _persona_charts(run) + _method_charts(run):
        spec = clean_spec(chart.to_dict())  # user text: no control characters (see clean_spec)
        options = {"vl_version": version} if version else {}
        svg = pdf_svg(spec, **options)
        (out_dir / f"{name}.svg").write_text(svg, encoding="utf-8")
        alt_text = charts.alt_text(spec)
        blocks[name] = ChartBlock(
            name, alt_text, Markdown(chart_block(name, spec, alt=alt_text, caption=caption))
        )
    for stale in out_dir.glob("*.svg"):
        if stale.stem not in blocks:
            stale.unlink()
    return blocks

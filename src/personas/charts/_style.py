"""The look every chart of a report shares: palette, fonts, titles, alt text, label wrapping.

Private to :mod:`personas.charts`. One fixed colour per segment id (Okabe–Ito, safe for the
common forms of colour blindness) so that a segment keeps its colour in every chart of a
report, and across waves when segment ids are aligned.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping

import altair as alt

from personas.run.schema import SegmentRecord, Summary, as_summary

__all__ = [
    "PALETTE",
    "segment_colors",
    "segment_records",
    "alt_text",
    "finish",
    "wrap",
    "pct",
    "FONT",
    "INK",
    "MUTED",
    "RULE",
    "segment_scale",
]

#: Okabe & Ito (2008), ordered for a white page: strong colours first, look-alike pairs
#: (blue / sky blue, orange / vermillion) apart, yellow late (weak on white), black last;
#: then two of Paul Tol's muted colours for k = 9 and 10.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
    "#882255",  # wine (Tol)
    "#44AA99",  # teal (Tol)
)

FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
    '"Liberation Sans", Arial, sans-serif'
)
INK = "#1f2933"
MUTED = "#5b6776"
RULE = "#d5dbe3"
GRID = "#edf0f4"


def segment_records(summary_or_segments) -> list[SegmentRecord]:
    """The segments of a :class:`Summary` (or of a ``summary.json`` dict), or the given list.

    A list may hold :class:`SegmentRecord` objects or their JSON dicts (checked on the way in:
    an incomplete dict raises :class:`~personas.errors.InputError` naming the missing field).
    """
    if isinstance(summary_or_segments, Summary | Mapping):
        return list(as_summary(summary_or_segments).segments)
    return [
        s if isinstance(s, SegmentRecord) else SegmentRecord.from_json(s)
        for s in summary_or_segments
    ]


def segment_colors(summary) -> dict[int, str]:
    """The colour of every segment, by segment id.

    Parameters
    ----------
    summary : Summary, or list of SegmentRecord
        A run's summary (``run.typed``, or its ``summary.json`` dict) or its segments.

    Returns
    -------
    dict
        ``{segment id: "#RRGGBB"}``. A segment's ``color`` field (a palette index, set when a
        wave is aligned with a baseline so that a segment keeps its colour across waves) wins;
        otherwise segment ``i`` (1-based) gets ``PALETTE[i - 1]`` (cycling after ten), so every
        chart of a report shows a segment in the same colour.
    """
    colors = {}
    for seg in segment_records(summary):
        index = seg.id - 1 if seg.color is None else seg.color
        colors[seg.id] = PALETTE[index % len(PALETTE)]
    return colors


def segment_scale(segments: Iterable[SegmentRecord]) -> alt.Scale:
    """A colour scale mapping segment *names* to their fixed colours, in id order."""
    segs = sorted(segment_records(segments), key=lambda s: s.id)
    colors = segment_colors(segs)
    return alt.Scale(domain=[s.name for s in segs], range=[colors[s.id] for s in segs])


def alt_text(chart) -> str:
    """The text description of a chart, for use as its alt text.

    Every builder in :mod:`personas.charts` sets ``description=`` on the top-level chart; this
    reads it back (from the object, or from its Vega-Lite dict).
    """
    text = getattr(chart, "description", alt.Undefined)
    if isinstance(text, str) and text:
        return text
    spec = chart if isinstance(chart, Mapping) else chart.to_dict()
    text = spec.get("description")
    if not text:
        raise ValueError("this chart has no description; build it with personas.charts")
    return text


def wrap(text: str, width: int = 34, *, max_lines: int = 3) -> list[str]:
    """Split a long label into lines (Vega draws a list of strings as a multi-line label)."""
    lines = textwrap.wrap(" ".join(str(text).split()), width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    return lines


def pct(value: float, *, digits: int = 0) -> str:
    """``0.282 -> '28%'``."""
    return f"{100 * value:.{digits}f}%"


def finish(
    chart,
    *,
    title: str,
    description: str,
    subtitle: str | None = None,
    title_limit: int | None = None,
):
    """Give a chart its title, alt-text description and the house style.

    The style is applied with ``configure_*`` so that the returned chart is complete on its own
    (it cannot be layered further, by design: builders return finished charts).
    ``title_limit`` (pixels) ends a longer title in an ellipsis: for titles holding user text.
    """
    params = {"text": title, "anchor": "start"}
    if title_limit:
        params["limit"] = title_limit
    if subtitle:
        params["subtitle"] = subtitle
    return (
        chart.properties(title=alt.TitleParams(**params), description=description)
        .configure(font=FONT, background="white", padding=8)
        .configure_view(stroke=None)
        .configure_title(
            fontSize=17,
            fontWeight=600,
            color=INK,
            subtitleFontSize=13.5,
            subtitleColor=MUTED,
            subtitlePadding=6,
            offset=14,
        )
        .configure_axis(
            labelFontSize=13,
            titleFontSize=13,
            titleFontWeight="normal",
            labelColor=INK,
            titleColor=MUTED,
            domainColor=RULE,
            tickColor=RULE,
            gridColor=GRID,
            labelPadding=6,
            titlePadding=10,
        )
        .configure_legend(
            labelFontSize=13,
            titleFontSize=13,
            titleFontWeight="normal",
            titleColor=MUTED,
            labelColor=INK,
            orient="bottom",
            direction="horizontal",
            columns=3,
            symbolSize=110,
            labelLimit=260,
        )
        .configure_text(font=FONT, color=INK, fontSize=13)
    )

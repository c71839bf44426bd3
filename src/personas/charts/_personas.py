"""Persona charts: how big each persona is, what sets it apart, hand-made vs data-driven.

Private to :mod:`personas.charts`; import the builders from there.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from personas.charts._style import INK, finish, pct, segment_colors, segment_records, segment_scale
from personas.charts._style import wrap as _wrap
from personas.run.schema import Distinctive, SegmentRecord, Summary, as_summary

__all__ = [
    "shares_chart",
    "persona_card_chart",
    "similarity_heatmap",
    "answer_label",
    "VERDICT_WORDS",
]

VERDICT_WORDS = {
    "confirmed": "confirmed",
    "merged": "merged",
    "split": "split",
    "unsupported": "not supported",
}
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_PLAIN_AXIS = {"ticks": False, "domain": False}


def answer_label(item: Distinctive) -> str:
    """A short label for one distinctive answer: the statement, with the answer if not True."""
    text = " ".join(str(item.text or item.question).split())
    answer = str(item.label or ("" if item.answer is None else item.answer))
    if answer.strip().lower() in _TRUE:
        return text
    if answer.strip().lower() in _FALSE:
        return f"Not true: {text}"
    return f"{text} → {answer}"


def _shares_frame(segments: list[SegmentRecord]) -> pd.DataFrame:
    intervals = [s.share_ci or [s.share, s.share] for s in segments]
    frame = pd.DataFrame(
        {
            "persona": [s.name for s in segments],
            "share": [float(s.share) for s in segments],
            "lo": [float(lo) for lo, _ in intervals],
            "hi": [float(hi) for _, hi in intervals],
            "size": [s.size for s in segments],
        }
    )
    frame["label"] = [pct(v) for v in frame["share"]]
    frame["interval"] = [f"{pct(a)}–{pct(b)}" for a, b in zip(frame.lo, frame.hi, strict=True)]
    return frame


def shares_chart(summary: Summary | Mapping):
    """Segment shares as bars, with 95% interval error bars and the share written at the end.

    ``summary`` is a run's :class:`Summary` (``run.typed``; a ``summary.json`` dict is read as one).
    """
    segs = sorted(segment_records(summary), key=lambda s: s.id)
    frame = _shares_frame(segs)
    tooltip = [
        alt.Tooltip("persona:N", title="Persona"),
        alt.Tooltip("label:N", title="Share"),
        alt.Tooltip("interval:N", title="95% interval"),
        alt.Tooltip("size:Q", title="People"),
    ]
    axis = alt.Axis(labelLimit=260, labelFontSize=13.5, **_PLAIN_AXIS)
    base = alt.Chart(frame).encode(y=alt.Y("persona:N", sort=None, title=None, axis=axis))
    x = alt.X(
        "share:Q",
        title="Share of respondents",
        scale=alt.Scale(domain=[0, max(frame["hi"].max(), 0.05) * 1.12]),
        axis=alt.Axis(format="%", grid=False, tickCount=5),
    )
    color = alt.Color("persona:N", scale=segment_scale(segs), legend=None)
    bars = base.mark_bar(cornerRadiusEnd=3, height={"band": 0.68})
    bars = bars.encode(x=x, color=color, tooltip=tooltip)
    whisker = base.mark_rule(color=INK, strokeWidth=1.5).encode(x="lo:Q", x2="hi")
    text = base.mark_text(align="left", dx=6, fontWeight=600).encode(x="hi:Q", text="label:N")
    parts = "; ".join(f"{r.persona}: {r.label} ({r.interval})" for r in frame.itertuples())
    return finish(
        (bars + whisker + text).properties(width=520, height=40 * len(frame)),
        title="How big each persona is",
        subtitle="Share of respondents; the thin line is the 95% interval.",
        description="Bar chart of the share of respondents in each data-driven persona, with "
        f"95% intervals. {parts}.",
    )


#: A card's answer labels come wrapped twice, wide and narrow, joined by this separator; the
#: axis shows the narrow lines once the plot is narrower than ``NARROW_PLOT`` pixels (a phone,
#: where charts.js narrows the plot until the chart fits): labels wrapped for a desktop would
#: otherwise take most of a phone's width.
LABEL_FORMS = "\u241e"
NARROW_PLOT = 200


def _card_key(item: Distinctive) -> str:
    label = answer_label(item)
    return "\n".join(_wrap(label, 44)) + LABEL_FORMS + "\n".join(_wrap(label, 24))


def _card_frame(items: list[Distinctive]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "key": [_card_key(d) for d in items],
            "share": [float(d.share) for d in items],
            "overall": [float(d.overall or 0.0) for d in items],
            "difference": [float(d.difference or 0.0) for d in items],
        },
        columns=["key", "share", "overall", "difference"],
    )
    frame = frame.sort_values("difference", ascending=False, kind="stable")
    frame["label"] = [pct(v) for v in frame["share"]]
    frame["everyone"] = [pct(v) for v in frame["overall"]]
    return frame


def persona_card_chart(segment: SegmentRecord | Mapping, *, color: str | None = None, top: int = 6):
    """The answers that most set one segment apart: share in the segment vs everyone.

    Bars are the segment (in its colour), the black tick is everyone, so a long gap between
    the bar end and the tick is a distinctive answer. Sorted from most over- to most
    under-represented.
    """
    (segment,) = segment_records([segment])
    color = color or segment_colors([segment])[segment.id]
    items = sorted(segment.distinctive, key=lambda d: -abs(d.difference or 0.0))[:top]
    frame = _card_frame(items)
    form = f"split(datum.label, '{LABEL_FORMS}')[width < {NARROW_PLOT} ? 1 : 0]"
    axis = alt.Axis(labelExpr=f"split({form}, '\\n')", labelLimit=330, labelPadding=10,
                    **_PLAIN_AXIS)  # fmt: skip
    tooltip = [
        alt.Tooltip("label:N", title="This persona"),
        alt.Tooltip("everyone:N", title="Everyone"),
    ]
    base = alt.Chart(frame).encode(
        y=alt.Y("key:N", sort=frame["key"].tolist(), title=None, axis=axis), tooltip=tooltip
    )
    x = alt.X("share:Q", title="Share who give this answer", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format="%", tickCount=5))  # fmt: skip
    bars = base.mark_bar(color=color, cornerRadiusEnd=3, height={"band": 0.62}).encode(x=x)
    tick = base.mark_tick(color=INK, thickness=2.5, size=26).encode(x="overall:Q")
    text = base.mark_text(align="left", dx=6, fontWeight=600).encode(x="share:Q", text="label:N")
    parts = "; ".join(
        f"“{answer_label(d)}”: {pct(d.share)} vs {pct(d.overall or 0.0)} of everyone"
        for d in sorted(items, key=lambda d: -(d.difference or 0.0))
    )
    return finish(
        (bars + tick + text).properties(width=360, height=52 * max(len(frame), 1)),
        title=f"What sets {segment.name} apart",
        title_limit=700,  # a long name: the tab above the chart shows it in full
        subtitle="Bar: this persona. Black tick: everyone.",
        description=f"Bar chart of the answers that most set {segment.name} apart, as the "
        f"share of this persona giving each answer against the share of everyone. "
        f"{parts or 'No answer stands out'}.",
    )


def _heat_frame(summary: Summary) -> pd.DataFrame:
    sim = summary.similarity
    personas = {p.id: p for p in summary.personas}
    names = {s.id: s.name for s in summary.segments}
    rows = []
    for pid, values in zip(sim.personas, sim.values, strict=True):
        p = personas.get(pid)
        verdict = (p.verdict if p else None) or ""
        label = f"{(p.name if p else None) or pid} ({VERDICT_WORDS.get(verdict, verdict)})"
        matched = set(p.segments) if p else set()
        for sid, value in zip(sim.segments, values, strict=True):
            segment = names.get(int(sid), f"Segment {sid}")
            rows.append([label, segment, "\n".join(_wrap(segment, 14)), float(value),
                         pct(float(value)), int(sid) in matched])  # fmt: skip
    return pd.DataFrame(rows, columns=["persona", "segment", "column", "value", "text", "match"])


def _heat_layers(frame: pd.DataFrame) -> alt.LayerChart:
    x_axis = alt.Axis(labelAngle=0, labelExpr="split(datum.label, '\\n')", labelFontWeight=600,
                      **_PLAIN_AXIS)  # fmt: skip
    base = alt.Chart(frame).encode(
        x=alt.X("column:N", sort=list(dict.fromkeys(frame["column"])),
                title="Data-driven persona", axis=x_axis),
        y=alt.Y("persona:N", sort=list(dict.fromkeys(frame["persona"])),
                title=None, axis=alt.Axis(labelLimit=280, **_PLAIN_AXIS)),
        tooltip=[alt.Tooltip("persona:N", title="Hand-made persona"),
                 alt.Tooltip("segment:N", title="Data-driven persona"),
                 alt.Tooltip("text:N", title="Agreement")],
    )  # fmt: skip
    legend = alt.Legend(title="Agreement", format="%", orient="right", direction="vertical",
                        gradientLength=160)  # fmt: skip
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("value:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), legend=legend)
    )
    outline = base.transform_filter("datum.match").mark_rect(fill=None, stroke=INK, strokeWidth=2.5)
    ink = alt.condition("datum.value > 0.7", alt.value("white"), alt.value(INK))
    text = base.mark_text(fontWeight=600).encode(text="text:N", color=ink)
    return cells + outline + text


def similarity_heatmap(summary: Summary | Mapping):
    """Agreement of every hand-made persona with every data-driven segment, values written in.

    Rows say each persona's verdict; the cells a persona was matched to are outlined.
    """
    frame = _heat_frame(as_summary(summary))
    n_rows, n_cols = frame["persona"].nunique(), frame["segment"].nunique()
    matched = frame[frame["match"]]
    parts = "; ".join(f"{r.persona} matches {r.segment} at {r.text}" for r in matched.itertuples())
    return finish(
        # usermeta narrow=False: a grid of written-in values cannot get narrower (its cells
        # would overprint); where it does not fit, it scrolls sideways at full size.
        _heat_layers(frame).properties(
            width=min(112 * n_cols, 720), height=44 * n_rows, usermeta={"narrow": False}
        ),
        title="Hand-made personas against the data",
        subtitle="Rows: hand-made personas and their verdict. Columns: data-driven personas. "
        "Outlined: the match.",
        description=f"Grid of agreement between {n_rows} hand-made personas (rows) and "
        f"{n_cols} data-driven personas (columns); darker is closer. "
        f"{parts or 'No hand-made persona was matched'}.",
    )

"""The tensions chart: one line per tension, from pole a to pole b, personas placed on it.

Private to :mod:`personas.charts`; import :func:`tension_chart` from there.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from personas.charts._style import MUTED, RULE, finish, segment_colors, segment_scale
from personas.run.schema import Summary, TensionRecord, as_summary

__all__ = ["tension_chart", "pole_value"]

_SCALE = alt.Scale(domain=[-1.0, 1.0], nice=False)
_COLUMNS = ["tension", "name", "kind", "position", "stroke"]


def pole_value(value) -> float | None:
    """A persona's tension position as a number: ``a`` -> -1, ``b`` -> 1, ``mid`` -> 0."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"a": -1.0, "b": 1.0, "mid": 0.0}.get(value.strip().lower())
    return float(value)


def _label(tension: TensionRecord) -> str:
    return tension.label or tension.id


def _positions(summary: Summary, tensions: list[TensionRecord]) -> pd.DataFrame:
    """Segments (``kind="data"``) and hand-made personas on every tension they have."""
    colors = segment_colors(summary)
    rows = []
    for seg in summary.segments:
        for t in tensions:
            value = seg.tensions.get(t.id)
            if value is not None:
                rows.append([_label(t), seg.name, "data", float(value), colors[seg.id]])
    for p in summary.personas:
        matched = [colors[s] for s in p.segments if s in colors]
        for t in tensions:
            value = pole_value(p.tensions.get(t.id))
            if value is not None:
                name = p.name or p.id
                rows.append([_label(t), name, "hand-made", value, (matched or [MUTED])[0]])
    return _dodge(pd.DataFrame(rows, columns=_COLUMNS))


def _dodge(marks: pd.DataFrame) -> pd.DataFrame:
    """Nudge hand-made markers that share a spot inward, so that none hides another."""
    made = marks["kind"].eq("hand-made")
    rank = marks[made].groupby(["tension", "position"]).cumcount()
    inward = np.where(marks.loc[made, "position"] > 0, -1.0, 1.0)
    marks["shown"] = marks["position"]
    marks.loc[made, "shown"] = marks.loc[made, "position"] + inward * 0.055 * rank
    data = marks["kind"].eq("data")
    for _, group in marks[data].groupby("tension", sort=False):
        marks.loc[group.index, "shown"] = spread_apart(group["position"], gap=DOT_GAP)
    return marks


#: The least distance between two data-driven dots on one line (a dot is ~15 px of 560).
DOT_GAP = 0.055


def spread_apart(values: pd.Series, *, gap: float, lo: float = -1.0, hi: float = 1.0):
    """``values`` moved apart so that no two are closer than ``gap`` (within ``[lo, hi]``),
    each as little as a left-to-right then right-to-left sweep allows; order is kept.
    The tooltips still give the exact positions."""
    order = np.argsort(values.to_numpy(), kind="stable")
    xs = values.to_numpy(dtype=float)[order].copy()
    for i in range(1, len(xs)):
        xs[i] = max(xs[i], xs[i - 1] + gap)
    xs[-1:] = np.minimum(xs[-1:], hi)
    for i in range(len(xs) - 2, -1, -1):
        xs[i] = min(xs[i], xs[i + 1] - gap)
    out = np.empty_like(xs)
    out[order] = np.clip(xs, lo, hi)
    return out


def _axis_layers(axes: pd.DataFrame, y: alt.Y) -> list:
    """The grey line of each tension, its midpoint, and the pole texts under both ends."""
    base = alt.Chart(axes)
    # Each pole text gets at most half the line (a long one ends in an ellipsis).
    ends = dict(baseline="top", dy=14, fontSize=12.5, color=MUTED, limit=270)
    return [
        base.mark_rule(color=RULE, strokeWidth=3).encode(
            y=y, x=alt.X("lo:Q", scale=_SCALE, axis=None), x2="hi"
        ),
        base.mark_tick(color=RULE, thickness=2, size=12).encode(
            y=y, x=alt.XDatum(0.0, scale=_SCALE, axis=None)
        ),
        base.mark_text(align="left", **ends).encode(
            y=y, x=alt.XDatum(-1.0, scale=_SCALE, axis=None), text="a:N"
        ),
        base.mark_text(align="right", **ends).encode(
            y=y, x=alt.XDatum(1.0, scale=_SCALE, axis=None), text="b:N"
        ),
    ]


def _marker_layers(summary: Summary, marks: pd.DataFrame, y: alt.Y) -> list:
    tooltip = [
        alt.Tooltip("name:N", title="Persona"),
        alt.Tooltip("kind:N", title="Kind"),
        alt.Tooltip("position:Q", format="+.2f", title="Position (−1 to +1)"),
    ]
    made = (
        alt.Chart(marks[marks["kind"] == "hand-made"])
        .mark_point(shape="diamond", size=140, filled=False, strokeWidth=2, yOffset=-17, opacity=1)
        .encode(
            y=y,
            x=alt.X("shown:Q", scale=_SCALE, axis=None),
            tooltip=tooltip,
            color=alt.Color("stroke:N", scale=None),
        )
    )
    color = alt.Color("name:N", scale=segment_scale(summary.segments), title="Data-driven persona")
    dots = (
        alt.Chart(marks[marks["kind"] == "data"])
        .mark_circle(size=170, opacity=0.9, stroke="white", strokeWidth=1)
        .encode(y=y, x=alt.X("position:Q", scale=_SCALE, axis=None), tooltip=tooltip, color=color)
    )
    return [made, dots]


def tension_chart(summary: Summary | Mapping):
    """One axis per tension, pole a on the left and pole b on the right, with the pole texts
    written at the ends; segments are coloured dots, hand-made personas outlined diamonds in
    the colour of the segment they were matched to (grey when unmatched).

    Tensions are ordered by how much they separate the segments (most first). ``summary`` is
    a run's :class:`Summary` (``run.typed``; a ``summary.json`` dict is read as one).
    """
    summary = as_summary(summary)
    tensions = sorted(summary.tensions, key=lambda t: -(t.separation or 0))
    order = [_label(t) for t in tensions]
    axes = pd.DataFrame(
        {
            "tension": order,
            "a": [t.a or "" for t in tensions],
            "b": [t.b or "" for t in tensions],
            "lo": -1.0,
            "hi": 1.0,
        }
    )
    marks = _positions(summary, tensions)
    y = alt.Y(
        "tension:N",
        sort=order,
        title=None,
        axis=alt.Axis(
            ticks=False,
            domain=False,
            labelFontWeight=600,
            labelFontSize=13.5,
            labelPadding=14,
            labelLimit=200,
            labelBaseline="bottom",
        ),
    )
    layers = _axis_layers(axes, y) + _marker_layers(summary, marks, y)
    return finish(
        # narrow=False: the pole texts at both ends of a line would run into each other.
        alt.layer(*layers).properties(width=560, height=alt.Step(74), usermeta={"narrow": False}),
        title="Where each persona stands on each tension",
        subtitle="Dots: data-driven personas. Outlined diamonds above the line: where "
        "the hand-made persona they match was expected.",
        description=_description(summary, axes, marks[marks["kind"] == "data"]),
    )


def _description(summary: Summary, axes: pd.DataFrame, data: pd.DataFrame) -> str:
    parts = []
    for row in axes.itertuples():
        here = data[data["tension"] == row.tension].sort_values("position")
        if here.empty:
            continue
        lo, hi = here.iloc[0], here.iloc[-1]
        parts.append(
            f"{row.tension} (from “{row.a}” to “{row.b}”): {lo['name']} is nearest "
            f"“{row.a}”, {hi['name']} nearest “{row.b}”"
        )
    return (
        f"One line per tension, ordered by how much it separates the "
        f"{len(summary.segments)} data-driven personas, with each persona placed "
        "between the two poles. " + "; ".join(parts) + "."
    )

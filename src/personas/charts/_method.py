"""Method charts: how k was chosen (elbow, silhouette, stability) and who was set aside.

The k-sweep charts draw any form of the sweep: an in-memory
:class:`~personas.segment.Selection` (``analysis.segmentation.selection``, its knee and chosen
k included), its ``table``, a saved run's ``run.typed.selection`` records or the plain rows of
``summary.json``. No run has to be saved to disk to draw them.

Private to :mod:`personas.charts`; import the builders from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from personas.charts._style import INK, MUTED, RULE, finish, pct
from personas.run.schema import Summary, as_summary
from personas.segment.model import Selection

__all__ = [
    "elbow_chart",
    "silhouette_chart",
    "stability_chart",
    "exclusions_chart",
    "HENNIG_STABLE",
    "HENNIG_DOUBTFUL",
]

#: Hennig (2007, "Cluster-wise assessment of cluster stability"): above 0.75 a cluster is
#: stable; 0.6-0.75 shows a pattern whose membership is doubtful; below that it is unstable.
HENNIG_STABLE = 0.75
HENNIG_DOUBTFUL = 0.6

_LINE = "#3d5a80"
_MARK = "#D55E00"
_WIDTH, _HEIGHT = 560, 260


#: A k sweep in any of the forms the charts take (see the module docstring).
Sweep = Selection | pd.DataFrame | Sequence[Mapping] | Sequence[object]
_FROM_SWEEP = object()  # "take it from the Selection" (None is a real value: no knee)


def _table(selection: Sweep) -> pd.DataFrame:
    """One row per k tried, whatever form the sweep came in."""
    if isinstance(selection, Selection):
        return selection.table
    if isinstance(selection, pd.DataFrame):
        return selection
    return pd.DataFrame([r.to_json() if hasattr(r, "to_json") else dict(r) for r in selection])


def _given(value, selection: Sweep, attribute: str):
    """``value`` if the caller gave one, else the Selection's own (None for plain rows)."""
    if value is not _FROM_SWEEP:
        return value
    return getattr(selection, attribute) if isinstance(selection, Selection) else None


def _frame(selection_rows: Sweep, column: str) -> pd.DataFrame:
    """The usable rows of the k sweep for one criterion: status ok and a value present."""
    frame = _table(selection_rows)
    if frame.empty or column not in frame:
        return pd.DataFrame({"k": pd.Series(dtype=int), column: pd.Series(dtype=float)})
    if "status" in frame:
        frame = frame[frame["status"].fillna("ok").eq("ok")]
    frame = frame[["k", column]].dropna()
    return frame.astype({"k": int, column: float}).sort_values("k").reset_index(drop=True)


def _k_axis(frame: pd.DataFrame) -> alt.X:
    ks = frame["k"].tolist() or [2, 3]
    return alt.X(
        "k:Q",
        title="Number of segments (k)",
        scale=alt.Scale(domain=[min(ks), max(ks)], nice=False),
        axis=alt.Axis(values=ks, format="d", grid=False),
    )


def _curve(frame: pd.DataFrame, column: str, y: alt.Y, fmt: str) -> alt.LayerChart:
    base = alt.Chart(frame).encode(
        _k_axis(frame),
        y,
        tooltip=[alt.Tooltip("k:Q", title="k"), alt.Tooltip(f"{column}:Q", format=fmt)],
    )
    return base.mark_line(color=_LINE, strokeWidth=2.5) + base.mark_circle(
        color=_LINE, size=55, opacity=1
    )


def _marker(frame: pd.DataFrame, column: str, k: int | None, label: str) -> list:
    """A highlighted point with a label above it, for the knee or the chosen k."""
    point = frame[frame["k"] == k]
    if k is None or point.empty:
        return []
    point = point.assign(label=label)
    base = alt.Chart(point).encode(x="k:Q", y=f"{column}:Q")
    rule = alt.Chart(point).mark_rule(color=_MARK, strokeDash=[4, 4]).encode(x="k:Q")
    dot = base.mark_point(shape="circle", size=220, strokeWidth=2.5, color=_MARK, filled=False)
    text = base.mark_text(
        align="left", dx=12, dy=-14, fontSize=13, fontWeight=600, color=_MARK
    ).encode(text="label:N")
    return [rule, dot, text]


def elbow_chart(selection_rows: Sweep, *, knee=_FROM_SWEEP, chosen=_FROM_SWEEP):
    """Cost over k with the elbow (knee) marked and labelled.

    Parameters
    ----------
    selection_rows : Selection, DataFrame or list of rows
        The k sweep: ``analysis.segmentation.selection``, or one row per k with ``k``, ``cost``
        and ``status`` (``summary["selection"]``, ``run.typed.selection``).
    knee : int or None
        The kneedle elbow (None when the curve has none: the chart then says so); default: the
        Selection's own, None for plain rows.
    chosen : int or None
        The k the run used, labelled too when it differs from the knee; default as ``knee``.

    Examples
    --------
    >>> import pandas as pd
    >>> from personas.charts import alt_text
    >>> from personas.segment import Selection
    >>> sweep = Selection(pd.DataFrame({"k": [2, 3, 4, 5], "cost": [90.0, 50.0, 40.0, 36.0],
    ...                                 "status": "ok"}), chosen=3, knee=3)
    >>> text = alt_text(elbow_chart(sweep))  # the knee and chosen k come from the Selection
    >>> "bends most at k = 3" in text, "The run uses k = 3." in text
    (True, True)
    """
    knee = _given(knee, selection_rows, "knee")
    chosen = _given(chosen, selection_rows, "chosen")
    frame = _frame(selection_rows, "cost")
    y = alt.Y(
        "cost:Q",
        title="Cost (lower = tighter segments)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(format="~s", tickCount=5),
    )
    if knee is not None and knee == chosen:
        label = f"Elbow at k = {knee}, chosen"
    elif knee is not None:
        label = f"Elbow at k = {knee}"
    else:
        label = ""
    layers = [_curve(frame, "cost", y, ",.0f"), *_marker(frame, "cost", knee, label)]
    if chosen is not None and chosen != knee:
        layers += _marker(frame, "cost", chosen, f"Chosen: k = {chosen}")
    elbow_words = (
        f"bends most at k = {knee} (the elbow)" if knee is not None else "has no clear elbow"
    )
    description = (
        f"Line chart of the clustering cost for k = {_k_range(frame)}. Cost falls as k grows; "
        f"the curve {elbow_words}." + (f" The run uses k = {chosen}." if chosen else "")
    )
    return finish(
        alt.layer(*layers).properties(width=_WIDTH, height=_HEIGHT),
        title="Where adding segments stops paying off",
        subtitle="The elbow is where the curve flattens: more segments add little.",
        description=description,
    )


def silhouette_chart(selection_rows: Sweep, *, chosen=_FROM_SWEEP, best=_FROM_SWEEP):
    """Silhouette over k (higher = segments better separated), the chosen k marked.

    ``selection_rows`` as for :func:`elbow_chart`; ``chosen`` and ``best`` default to the
    Selection's ``chosen`` and ``best_silhouette`` (for plain rows: none marked, and the best
    is found in the rows).
    """
    chosen = _given(chosen, selection_rows, "chosen")
    best = _given(best, selection_rows, "best_silhouette")
    frame = _frame(selection_rows, "silhouette")
    if best is None and not frame.empty:
        best = int(frame.loc[frame["silhouette"].idxmax(), "k"])
    y = alt.Y(
        "silhouette:Q",
        title="Silhouette (higher = better separated)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(format=".2f", tickCount=5),
    )
    layers = [_curve(frame, "silhouette", y, ".3f")]
    if chosen is not None:
        label = f"Chosen: k = {chosen}" + (", the best" if best == chosen else "")
        layers += _marker(frame, "silhouette", chosen, label)
    description = (
        f"Line chart of the silhouette for k = {_k_range(frame)}; it is highest at k = {best}."
        if best is not None
        else "No silhouette was computed."
    )
    if chosen is not None:
        description += f" The run uses k = {chosen}."
    return finish(
        alt.layer(*layers).properties(width=_WIDTH, height=_HEIGHT),
        title="How clearly the segments separate",
        subtitle="Silhouette: near 0 means overlapping segments, near 1 crisp ones.",
        description=description,
    )


def _bands(stable: float, doubtful: float) -> alt.LayerChart:
    bands = pd.DataFrame(
        {
            "lo": [0.0, doubtful, stable],
            "hi": [doubtful, stable, 1.0],
            "label": [
                f"unstable (below {doubtful:g})",
                f"doubtful ({doubtful:g}–{stable:g})",
                f"stable (above {stable:g})",
            ],
            "fill": ["#ffffff", "#f3f4f6", "#e6eef8"],
        }
    )
    rect = (
        alt.Chart(bands)
        .mark_rect(opacity=1)
        .encode(y="lo:Q", y2="hi", color=alt.Color("fill:N", scale=None))
    )
    text = (
        alt.Chart(bands.assign(mid=(bands["lo"] + bands["hi"]) / 2))
        .mark_text(align="left", baseline="middle", dx=8, fontSize=12, color=MUTED)
        .encode(y="mid:Q", x=alt.value("width"), text="label:N")  # at the plot's right edge
    )
    return rect + text


def stability_chart(
    selection_rows: Sweep,
    *,
    chosen=_FROM_SWEEP,
    stable: float = HENNIG_STABLE,
    doubtful: float = HENNIG_DOUBTFUL,
):
    """Stability (mean adjusted Rand index of refits) by k, with Hennig's bands shaded.

    The bands mark ``stable`` (above 0.75), ``doubtful`` (0.6–0.75) and unstable (below 0.6),
    the thresholds Hennig (2007) gives for bootstrap cluster stability. ``selection_rows`` as
    for :func:`elbow_chart`; ``chosen`` defaults to the Selection's.
    """
    chosen = _given(chosen, selection_rows, "chosen")
    frame = _frame(selection_rows, "stability")
    y = alt.Y(
        "stability:Q",
        title="Stability (1 = same segments every time)",
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format=".1f", tickCount=5, grid=False),
    )
    layers = [_bands(stable, doubtful), _curve(frame, "stability", y, ".2f")]
    if chosen is not None:
        layers += _marker(frame, "stability", chosen, f"Chosen: k = {chosen}")
    stable_ks = frame.loc[frame["stability"] >= stable, "k"].tolist()
    description = (
        f"Line chart of stability for k = {_k_range(frame)}, over bands marking "
        f"stable (above {stable:g}), doubtful ({doubtful:g} to {stable:g}) and "
        f"unstable results. Stable at k = {_list(stable_ks) or 'no k tried'}."
    )
    if chosen is not None:
        description += f" The run uses k = {chosen}."
    return finish(
        alt.layer(*layers).properties(width=_WIDTH, height=_HEIGHT),
        title="Would the same segments come back?",
        subtitle="The analysis was rerun on resampled data; 1 means identical segments.",
        description=description,
    )


def exclusions_chart(summary: Summary | Mapping):
    """Respondents set aside, by reason (bars, largest first, counts and shares labelled).

    ``summary`` is a run's :class:`Summary` (``run.typed``; a ``summary.json`` dict is read
    as one).
    """
    people = as_summary(summary).respondents
    loaded = people.loaded
    counts = pd.DataFrame(
        sorted(people.excluded.items(), key=lambda kv: -kv[1]),
        columns=["reason", "count"],
    )
    counts["reason"] = [r[:1].upper() + r[1:] for r in counts["reason"].astype(str)]
    counts["label"] = [
        f"{n:,} ({pct(n / loaded, digits=1)})" if loaded else f"{n:,}" for n in counts["count"]
    ]
    total = int(counts["count"].sum())
    base = alt.Chart(counts).encode(
        y=alt.Y(
            "reason:N",
            sort=None,
            title=None,
            axis=alt.Axis(labelLimit=240, ticks=False, domain=False),
        ),
        x=alt.X(
            "count:Q",
            title="Respondents set aside",
            axis=alt.Axis(format="d", grid=False, tickMinStep=1),
        ),
        tooltip=[alt.Tooltip("reason:N", title="Reason"), alt.Tooltip("count:Q", title="People")],
    )
    chart = base.mark_bar(
        color="#8a99ab", cornerRadiusEnd=3, height={"band": 0.7}
    ) + base.mark_text(align="left", dx=6, color=INK, fontSize=13).encode(text="label:N")
    parts = "; ".join(f"{r}: {n:,}" for r, n in zip(counts["reason"], counts["count"], strict=True))
    description = (
        f"Bar chart of the {total:,} of {loaded:,} respondents set aside before the "
        f"analysis, by reason. {parts or 'Nobody was set aside.'}"
    )
    return finish(
        chart.properties(width=480, height=max(60, 34 * len(counts))),
        title=f"Why {total:,} of {loaded:,} respondents were set aside",
        subtitle="Each person is counted once, under the first reason found.",
        description=description,
    ).configure_axisY(domainColor=RULE)


def _k_range(frame: pd.DataFrame) -> str:
    ks = frame["k"].tolist()
    return f"{min(ks)} to {max(ks)}" if ks else "none"


def _list(items: Sequence) -> str:
    items = [str(i) for i in items]
    return (
        items[0]
        if len(items) == 1
        else ", ".join(items[:-1]) + " and " + items[-1]
        if items
        else ""
    )

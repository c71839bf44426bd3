"""The map of respondents (UMAP), and the one rule for Altair's 5,000-row limit.

Private to :mod:`personas.charts`. Altair refuses to embed more than 5,000 rows by default.
Rather than switching the limit off (a 50,000-point map makes a slow, heavy HTML page and a
huge SVG), :func:`sample_points` draws a seeded sample of at most ``max_points`` respondents,
stratified by segment (each segment keeps its share, largest remainders rounded up), and the
chart's description says how many points it shows out of how many.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from personas.charts._labels import Plot, place_labels, text_width
from personas.charts._outlines import CORE, segment_outlines
from personas.charts._style import INK, finish, segment_records, segment_scale
from personas.run.schema import SegmentRecord

__all__ = ["map_chart", "sample_points", "label_positions", "MAX_POINTS"]

#: Altair's default row limit; the map never embeds more points than this.
MAX_POINTS = 5000


def _quotas(sizes: pd.Series, total: int) -> pd.Series:
    """Proportional allocation of ``total`` across groups, largest remainders first."""
    exact = sizes / sizes.sum() * total
    quota = np.floor(exact).astype(int)
    short = total - int(quota.sum())
    order = (exact - quota).sort_values(ascending=False, kind="stable").index[:short]
    quota[order] += 1
    return quota.clip(upper=sizes)


def sample_points(
    embedding: pd.DataFrame, *, max_points: int = MAX_POINTS, random_state: int = 0
) -> pd.DataFrame:
    """At most ``max_points`` rows of ``embedding``, a seeded sample stratified by segment.

    Returns the frame unchanged when it is small enough. Otherwise every segment keeps its
    share of the points (to within one point) and the same ``random_state`` always draws the
    same respondents. The original row order is kept.
    """
    if len(embedding) <= max_points:
        return embedding
    rng = np.random.default_rng(random_state)
    sizes = embedding.groupby("segment", sort=True).size()
    quota = _quotas(sizes, max_points)
    shuffled = embedding.iloc[rng.permutation(len(embedding))]
    rank = shuffled.groupby("segment", sort=False).cumcount()
    keep = rank.to_numpy() < shuffled["segment"].map(quota).to_numpy()
    return shuffled[keep].sort_index()


def _points(embedding: pd.DataFrame, segments: Sequence[SegmentRecord]) -> pd.DataFrame:
    names = {s.id: s.name for s in segments}
    frame = embedding[["respondent", "x", "y", "segment"]].copy()
    frame["segment"] = frame["segment"].astype(int)
    frame["persona"] = frame["segment"].map(names).fillna("Unassigned")
    return frame


def _sample_sentence(shown: int, drawn: int, population: int | None, random_state: int) -> str:
    text = f"Each dot is one respondent: {shown:,} are shown"
    if shown < drawn:
        text += (
            f", a random sample of the {drawn:,} on the map, drawn in proportion to each "
            f"persona's size (seed {random_state}) to keep the page light"
        )
    if population and population > drawn:
        text += f". The map itself was made from {drawn:,} of the {population:,} respondents"
    return text + "."


def _merge_coinciding(marks: pd.DataFrame, *, tolerance: float = 0.02) -> pd.DataFrame:
    """One landmark per place: personas drawn at (nearly) the same point share one diamond
    and one label ("The Survivor / The Quick Win"), instead of overprinting each other.

    ``tolerance`` is a share of the map's extent (the larger of its width and height).
    """
    extent = max(np.ptp(marks["x"]), np.ptp(marks["y"]), 1e-9) if len(marks) else 1.0
    cell = extent * tolerance
    keys = list(zip((marks["x"] / cell).round(), (marks["y"] / cell).round(), strict=True))
    grouped = marks.assign(_key=keys).groupby("_key", sort=False)
    return pd.DataFrame(
        {
            "persona": grouped["persona"].agg(" / ".join),
            "name": grouped["name"].agg(" / ".join),
            "x": grouped["x"].mean(),
            "y": grouped["y"].mean(),
        }
    ).reset_index(drop=True)


#: Size of the map's plot, in pixels, and the room left around the outermost dots.
WIDTH, HEIGHT, PAD = 640, 460, 0.06
LABEL_SIZE = 13.5


def _domains(points: pd.DataFrame, marks: pd.DataFrame | None) -> tuple[tuple, tuple]:
    """The x and y ranges of the map: every dot and diamond, plus a margin of ``PAD``."""
    frames = [points[["x", "y"]]] + ([marks[["x", "y"]]] if marks is not None else [])
    both = pd.concat(frames)
    out = []
    for axis in ("x", "y"):
        lo, hi = float(both[axis].min()), float(both[axis].max())
        pad = max(hi - lo, 1e-9) * PAD
        out.append((lo - pad, hi + pad))
    return out[0], out[1]


def label_positions(marks: pd.DataFrame, points: pd.DataFrame, plot: Plot) -> pd.DataFrame:
    """``marks`` with ``lx, ly``: where each label goes (data units), beside its diamond,
    off the dots where it can be, and never on another label (:func:`place_labels`)."""
    ax, ay = plot.to_pixels(marks["x"], marks["y"])
    dx, dy = plot.to_pixels(points["x"], points["y"])
    sizes = np.column_stack(
        [[text_width(t, LABEL_SIZE) for t in marks["name"]], np.full(len(marks), LABEL_SIZE + 4)]
    )
    centres = place_labels(
        np.column_stack([ax, ay]), sizes, plot, dots=np.column_stack([dx, dy]), clearance=10
    )
    lx, ly = plot.to_data(centres[:, 0], centres[:, 1])
    return marks.assign(lx=lx, ly=ly)


def _landmark_layers(marks: pd.DataFrame | None, points: pd.DataFrame, plot: Plot) -> list:
    if marks is None or marks.empty:
        return []
    marks = label_positions(marks, points, plot)
    marks["kind"] = "Hand-made persona"
    tooltip = [
        alt.Tooltip("name:N", title="Hand-made persona"),
        alt.Tooltip("kind:N", title="Shown as"),
    ]
    base = alt.Chart(marks).encode(x="x:Q", y="y:Q", tooltip=tooltip)
    leader = base.mark_rule(color=INK, strokeWidth=0.8, opacity=0.6).encode(x2="lx:Q", y2="ly:Q")
    diamond = base.mark_point(
        shape="diamond", size=190, filled=True, fill="white", stroke=INK, strokeWidth=2, opacity=1
    )
    # limit: a long persona name ends in an ellipsis (full name in the tooltip) instead of
    # stretching the map.
    text = dict(align="center", baseline="middle", fontSize=LABEL_SIZE, fontWeight=600, limit=240)
    at = alt.Chart(marks).encode(x="lx:Q", y="ly:Q", text="name:N", tooltip=tooltip)
    halo = at.mark_text(**text, stroke="white", strokeWidth=4, strokeJoin="round", opacity=0.9)
    label = at.mark_text(**text, color=INK)
    return [leader, diamond, halo, label]


def _outline_layer(points, x_domain, y_domain, segments) -> list:
    """The segments' outlines (see :mod:`personas.charts._outlines`), or none to draw."""
    outlines = segment_outlines(points)
    if outlines.empty:
        return []
    line = (
        alt.Chart(outlines)
        .mark_line(interpolate="linear-closed", strokeWidth=1.6, opacity=0.9)
        .encode(
            x=alt.X("x:Q", axis=None, scale=alt.Scale(domain=list(x_domain), nice=False)),
            y=alt.Y("y:Q", axis=None, scale=alt.Scale(domain=list(y_domain), nice=False)),
            color=alt.Color("persona:N", scale=segment_scale(segments), legend=None),
            detail="persona:N",
            order="order:Q",
        )
    )
    return [line]


def _dot_size(n: int) -> int:
    """Dot area in square pixels: larger for a small map, smaller for thousands of dots."""
    return int(np.clip(60000 / max(n, 1), 28, 90))


def map_chart(
    embedding: pd.DataFrame,
    landmarks: pd.DataFrame,
    segments: Sequence[SegmentRecord],
    *,
    population: int | None = None,
    max_points: int = MAX_POINTS,
    random_state: int = 0,
):
    """The UMAP map: respondents coloured by segment, hand-made personas as labelled diamonds.

    Parameters
    ----------
    embedding : DataFrame
        ``embedding.csv``: ``respondent, x, y, segment``.
    landmarks : DataFrame
        ``landmarks.csv``: ``persona, name, x, y`` (where each hand-made persona would sit).
    segments : list of SegmentRecord
        ``run.typed.segments``: ids, names (legend and tooltips) and colours (their JSON
        dicts are read as records).
    population : int, optional
        How many respondents the run kept (``run.typed.embedding.n``), stated when the
        embedding itself covers only a sample.
    max_points, random_state
        At most ``max_points`` dots are drawn: see :func:`sample_points`. The description says
        how many points are shown out of how many.
    """
    segments = segment_records(segments)
    points = _points(
        sample_points(embedding, max_points=max_points, random_state=random_state), segments
    )
    marks = (
        _merge_coinciding(landmarks[["persona", "name", "x", "y"]])
        if landmarks is not None and not landmarks.empty
        else None
    )
    x_domain, y_domain = _domains(points, marks)
    plot = Plot(WIDTH, HEIGHT, x_domain, y_domain)
    # Dots large and half transparent: a segment reads as an area, and where dots pile up
    # the colour deepens instead of a few dots hiding hundreds.
    dots = (
        alt.Chart(points)
        .mark_circle(size=_dot_size(len(points)), opacity=0.45, strokeWidth=0)
        .encode(
            x=alt.X("x:Q", axis=None, scale=alt.Scale(domain=list(x_domain), nice=False)),
            y=alt.Y("y:Q", axis=None, scale=alt.Scale(domain=list(y_domain), nice=False)),
            color=alt.Color(
                "persona:N", scale=segment_scale(segments), title="Data-driven persona"
            ),
            tooltip=[
                alt.Tooltip("persona:N", title="Data-driven persona"),
                alt.Tooltip("respondent:N", title="Respondent"),
            ],
        )
    )
    outlines = _outline_layer(points, x_domain, y_domain, segments)
    sample = _sample_sentence(len(points), len(embedding), population, random_state)
    names = ", ".join(landmarks["name"].astype(str)) if landmarks is not None else ""
    description = (
        "Map of respondents: people who answered alike sit close together. Dots are coloured "
        f"by data-driven persona ({len(segments)} in all). {sample} A line in each colour "
        f"outlines where {CORE:.0%} of that persona's respondents sit."
        + (
            f" White diamonds mark where the hand-made personas would sit: {names}."
            if names
            else ""
        )
    )
    chart = alt.layer(dots, *outlines, *_landmark_layers(marks, points, plot)).properties(
        width=WIDTH, height=HEIGHT
    )
    return finish(
        chart,
        title="Who answered alike",
        subtitle="Close dots gave similar answers. Diamonds are the hand-made personas.",
        description=description,
    )

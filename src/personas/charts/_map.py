"""The map of respondents (UMAP), and the one rule for Altair's 5,000-row limit.

Private to :mod:`personas.charts`. Altair refuses to embed more than 5,000 rows by default.
Rather than switching the limit off (a 50,000-point map makes a slow, heavy HTML page and a
huge SVG), :func:`sample_points` draws a seeded sample of at most ``max_points`` respondents,
stratified by segment (each segment keeps its share, largest remainders rounded up), and the
chart's description says how many points it shows out of how many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from personas.charts._style import INK, finish, segment_scale

__all__ = ["map_chart", "sample_points", "MAX_POINTS"]

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


def _points(embedding: pd.DataFrame, segments: Sequence[Mapping]) -> pd.DataFrame:
    names = {int(s["id"]): s["name"] for s in segments}
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


def _landmark_layers(landmarks: pd.DataFrame) -> list:
    if landmarks is None or landmarks.empty:
        return []
    marks = _merge_coinciding(landmarks[["persona", "name", "x", "y"]])
    marks["kind"] = "Hand-made persona"
    base = alt.Chart(marks).encode(
        x="x:Q",
        y="y:Q",
        tooltip=[
            alt.Tooltip("name:N", title="Hand-made persona"),
            alt.Tooltip("kind:N", title="Shown as"),
        ],
    )
    diamond = base.mark_point(
        shape="diamond", size=190, filled=True, fill="white", stroke=INK, strokeWidth=2, opacity=1
    )
    # limit: a long persona name ends in an ellipsis (full name in the tooltip) instead of
    # stretching the map.
    text = dict(align="center", baseline="bottom", dy=-11, fontSize=13.5, fontWeight=600, limit=240)
    halo = base.mark_text(
        **text, stroke="white", strokeWidth=4, strokeJoin="round", opacity=0.9
    ).encode(text="name:N")
    label = base.mark_text(**text, color=INK).encode(text="name:N")
    return [diamond, halo, label]


def map_chart(
    embedding: pd.DataFrame,
    landmarks: pd.DataFrame,
    segments: Sequence[Mapping],
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
    segments : list of dict
        ``summary["segments"]``: ids, names (legend and tooltips) and colours.
    population : int, optional
        How many respondents the run kept (``summary["embedding"]["n"]``), stated when the
        embedding itself covers only a sample.
    max_points, random_state
        At most ``max_points`` dots are drawn: see :func:`sample_points`. The description says
        how many points are shown out of how many.
    """
    points = _points(
        sample_points(embedding, max_points=max_points, random_state=random_state), segments
    )
    dots = (
        alt.Chart(points)
        .mark_circle(size=34, opacity=0.85, stroke="white", strokeWidth=0.4)
        .encode(
            x=alt.X("x:Q", axis=None, scale=alt.Scale(zero=False, nice=False, padding=16)),
            y=alt.Y("y:Q", axis=None, scale=alt.Scale(zero=False, nice=False, padding=16)),
            color=alt.Color(
                "persona:N", scale=segment_scale(segments), title="Data-driven persona"
            ),
            tooltip=[
                alt.Tooltip("persona:N", title="Data-driven persona"),
                alt.Tooltip("respondent:N", title="Respondent"),
            ],
        )
    )
    sample = _sample_sentence(len(points), len(embedding), population, random_state)
    names = ", ".join(landmarks["name"].astype(str)) if landmarks is not None else ""
    description = (
        "Map of respondents: people who answered alike sit close together. Dots are coloured "
        f"by data-driven persona ({len(segments)} in all). {sample}"
        + (
            f" White diamonds mark where the hand-made personas would sit: {names}."
            if names
            else ""
        )
    )
    chart = alt.layer(dots, *_landmark_layers(landmarks)).properties(width=640, height=460)
    return finish(
        chart,
        title="Who answered alike",
        subtitle="Close dots gave similar answers. Diamonds are the hand-made personas.",
        description=description,
    )

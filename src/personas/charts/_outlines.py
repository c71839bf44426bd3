"""Outlines of each segment's cloud on the map, so that a segment reads as an area.

Private to :mod:`personas.charts`. Where thousands of dots pile up, a segment's dots hide the
dots of the segment beneath them and only the top colour is seen. An outline around the bulk
of each segment (the convex hull of its central points; the farthest ones left out, so that a
few stray respondents do not stretch it across the map) shows where every segment lies, even
where its dots are covered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import ConvexHull, QhullError

__all__ = ["segment_outlines", "CORE"]

#: Share of each segment's points, nearest its median, that its outline encloses.
CORE = 0.9


def _outline(xy: np.ndarray, core: float) -> np.ndarray | None:
    """The hull vertices (in drawing order) of the ``core`` share of ``xy`` nearest its median."""
    distance = np.linalg.norm(xy - np.median(xy, axis=0), axis=1)
    central = xy[distance <= np.quantile(distance, core)]
    if len(central) < 3:
        return None
    try:
        hull = ConvexHull(central)
    except QhullError:  # all points on one line: no area to outline
        return None
    return central[hull.vertices]


def segment_outlines(points: pd.DataFrame, *, core: float = CORE) -> pd.DataFrame:
    """One closed outline per segment with at least three points not on a line.

    Parameters
    ----------
    points : DataFrame
        ``x, y, segment, persona``: the dots of the map.
    core : float
        Share of each segment's points (those nearest its median) inside its outline.

    Returns
    -------
    DataFrame
        ``segment, persona, order, x, y``: the outline's corners in drawing order (Vega's
        ``linear-closed`` interpolation joins the last corner back to the first).

    Examples
    --------
    >>> square = pd.DataFrame({"x": [0, 1, 1, 0, 0.5], "y": [0, 0, 1, 1, 0.5],
    ...                        "segment": 0, "persona": "A"})
    >>> len(segment_outlines(square, core=1.0))
    4
    """
    frames = []
    for (segment, persona), group in points.groupby(["segment", "persona"], sort=True):
        corners = _outline(group[["x", "y"]].to_numpy(dtype=float), core)
        if corners is None:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "segment": segment,
                    "persona": persona,
                    "order": np.arange(len(corners)),
                    "x": corners[:, 0],
                    "y": corners[:, 1],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["segment", "persona", "order", "x", "y"])
    return pd.concat(frames, ignore_index=True)

"""The fitted model as plain JSON, and :func:`assign_codes`, which applies it to answers.

The model holds the centres as answer codes (segment 1 first), the method's dissimilarity and
what it needs (the [0, 1] rescaling of numeric items, k-prototypes' gamma and which items are
categorical), and the 50th/95th percentiles of the training respondents' distances to their
centre, so that a new respondent far from every centre can be flagged later.

Dissimilarities (the same as the algorithms'):

* ``matching`` (k-modes): number of items answered differently from the centre;
* ``euclidean`` (k-means): Euclidean distance on the rescaled items;
* ``kprototypes``: squared Euclidean distance on the rescaled numeric items plus gamma times
  the number of categorical items answered differently.

* ``posterior`` (latent class analysis): the most probable class; the "distance" is one minus
  its posterior probability (see :mod:`personas.segment._lca_model`).

Ties go to the lowest segment id, i.e. the largest segment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from personas.errors import InputError, Problem
from personas.segment import _kmodes_data
from personas.segment._lca_model import assign_lca

__all__ = ["assign_codes", "build_model", "distance_percentiles"]

SCHEMA = "personas/segment-model@1"
_ROWS = 65536
DISTANCE = {"kmodes": "matching", "kmeans": "euclidean", "kprototypes": "kprototypes"}


def build_model(space, centers: np.ndarray, *, random_state: int) -> dict:
    """The JSON-ready model for ``centers`` (answer codes, one row per segment, id order)."""
    numeric = [int(j) for j in space.numeric]
    return {
        "schema": SCHEMA,
        "method": space.method,
        "distance": DISTANCE[space.method],
        "items": list(space.items),
        "types": list(space.types),
        "k": int(centers.shape[0]),
        "centers": [[float(v) for v in row] for row in centers],
        "numeric": numeric,
        "categorical": [int(j) for j in space.categorical],
        "scaling": {space.items[j]: [float(space.lo[j]), float(space.hi[j])] for j in numeric},
        "gamma": None if space.gamma is None else float(space.gamma),
        "random_state": int(random_state),
    }


def distance_percentiles(labels: np.ndarray, distances: np.ndarray, k: int) -> dict:
    """50th and 95th percentiles of the distances, overall and per segment id."""

    def pct(values):
        if values.size == 0:
            return {"50": None, "95": None}
        p50, p95 = np.percentile(values, [50, 95])
        return {"50": float(p50), "95": float(p95)}

    return {
        "overall": pct(distances),
        "segments": {str(s): pct(distances[labels == s]) for s in range(1, k + 1)},
    }


def assign_codes(model: dict, answers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Put respondents into the model's segments.

    Parameters
    ----------
    model
        ``Segmentation.model`` (or the same dict read back from ``model.json``).
    answers
        Answer codes, one column per item of the model (other columns are ignored). For k-modes a
        missing or unknown answer counts as a difference; numeric items must be complete.

    Returns
    -------
    labels, distances
        Segment id (1..k) of each row and its dissimilarity to that segment's centre.
    """
    items = list(model["items"])
    missing = [q for q in items if q not in answers.columns]
    if missing:
        raise InputError(
            [Problem(f"the answers have no column for item {q!r}", column=q) for q in missing]
        )
    codes = answers[items].to_numpy(dtype=np.float64)
    if model.get("method") == "lca":  # posteriors, not distances (personas.segment._lca_model)
        return assign_lca(model, codes)
    with threadpool_limits(limits=1, user_api="blas"):  # skinny products: 1 thread is faster
        dist = _dissimilarities(model, codes)
    labels = dist.argmin(axis=1)
    return labels.astype(np.int64) + 1, dist[np.arange(dist.shape[0]), labels].astype(np.float64)


def _dissimilarities(model: dict, codes: np.ndarray) -> np.ndarray:
    """(n, k) dissimilarities of answer codes to the model's centres."""
    centers = np.asarray(model["centers"], dtype=np.float64)
    numeric = np.asarray(model["numeric"], dtype=np.intp)
    categorical = np.asarray(model["categorical"], dtype=np.intp)
    items = model["items"]
    bad = [items[j] for j in numeric if np.isnan(codes[:, j]).any()]
    if bad:
        raise InputError(
            [
                Problem(
                    f"item {q!r} has missing answers; {model['method']} needs every numeric answer",
                    column=q,
                    hint="impute or drop those respondents",
                )
                for q in bad
            ]
        )
    dist = np.zeros((codes.shape[0], centers.shape[0]))
    if numeric.size:
        scale = np.array([model["scaling"][items[j]] for j in numeric], dtype=np.float64)
        lo, width = scale[:, 0], scale[:, 1] - scale[:, 0]
        c = (centers[:, numeric] - lo) / width
        c_sq = (c**2).sum(axis=1)[None, :]
        for a in range(0, codes.shape[0], _ROWS):  # blocks: no n x d temporaries
            x = (codes[a : a + _ROWS, numeric] - lo) / width
            sq = (x**2).sum(axis=1)[:, None] - 2 * x @ c.T + c_sq
            dist[a : a + _ROWS] = np.maximum(sq, 0.0)
    if categorical.size:
        mismatches = _mismatches(codes[:, categorical], centers[:, categorical])
        dist += mismatches * (model["gamma"] if model["method"] == "kprototypes" else 1.0)
    if model["method"] == "kmeans":
        dist = np.sqrt(dist)
    return dist


def _mismatches(codes: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Number of columns in which each row differs from each centre (one-hot products)."""
    categories = [np.unique(centers[:, j]) for j in range(centers.shape[1])]
    enc = _kmodes_data.prepare(
        _kmodes_data.encode_with(codes, categories), [len(c) for c in categories]
    )
    center_codes = _kmodes_data.encode_with(centers, categories).astype(np.intp)
    return _kmodes_data.distances(enc, center_codes).astype(np.float64)

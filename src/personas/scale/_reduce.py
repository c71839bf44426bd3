"""The map and reduce steps of a batch k-modes pass, on plain pandas/numpy (no Dask here).

One partition's rows are encoded with the dataset-wide categories (found by a first pass:
:func:`categories_map`, :func:`categories_reduce`) and :func:`pass_map` returns what a batch
update needs from them: the answer counts per cluster per item (``k x d x m`` integers), the
cluster sizes, the cost (sum of matching dissimilarities to the nearest centroid), how many rows
changed cluster since the previous centroids, and the partition's costliest row (the refill of an
emptied cluster). :func:`pass_reduce` sums these over partitions. Integer sums do not depend on
the order of the partitions, so the reduced counts, and the modes taken from them
(:func:`new_modes`), are exactly those of the same rows held in memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from personas.segment import _kmodes_data as data

__all__ = [
    "assign_map",
    "categories_map",
    "categories_reduce",
    "encode_partition",
    "new_modes",
    "pass_map",
    "pass_reduce",
]


def categories_map(frame: pd.DataFrame, items: list[str]) -> dict:
    """Per item: the sorted distinct answers of this partition and its count of missing cells."""
    out = {}
    for item in items:
        column = frame[item]
        missing = int(column.isna().sum())
        out[item] = (np.unique(column.dropna().to_numpy()), missing)
    out["__rows__"] = len(frame)
    return out


def categories_reduce(parts: list[dict], items: list[str]) -> tuple[list[np.ndarray], dict, int]:
    """Dataset-wide sorted categories per item, missing cells per item, and the row count."""
    categories, missing = [], {}
    for item in items:
        values = [p[item][0] for p in parts]
        categories.append(_union(values))
        missing[item] = sum(p[item][1] for p in parts)
    return categories, missing, sum(p["__rows__"] for p in parts)


def _union(values: list[np.ndarray]) -> np.ndarray:
    if not values:
        return np.array([])
    return np.unique(np.concatenate(values))


def encode_partition(frame: pd.DataFrame, items: list[str], categories: list[np.ndarray]):
    """The partition's item columns as the fitted k-modes encoding (:class:`Encoded`)."""
    X = frame[items].to_numpy()
    codes = data.encode_with(X, categories)
    return data.prepare(codes, [len(c) for c in categories])


def pass_map(
    frame: pd.DataFrame,
    items: list[str],
    categories: list[np.ndarray],
    centroids: np.ndarray,
    previous: np.ndarray | None,
) -> dict:
    """One partition's share of a batch pass with centroid codes ``centroids``.

    ``counts`` (k, d, m) int64 and ``sizes`` (k,) of the rows' nearest centroid (lowest index on
    ties); ``cost``; ``moved``: rows whose nearest centroid under ``previous`` differs (0 when
    ``previous`` is None); ``worst``: (largest distance to the nearest centroid, its row in the
    partition, that row's codes), or None for an empty partition.
    """
    enc = encode_partition(frame, items, categories)
    k = centroids.shape[0]
    dist = data.distances(enc, centroids)
    labels = dist.argmin(axis=1)
    nearest = dist[np.arange(enc.n), labels].astype(np.float64)
    moved = 0
    if previous is not None and enc.n:
        moved = int((data.distances(enc, previous).argmin(axis=1) != labels).sum())
    worst = None
    if enc.n:
        row = int(nearest.argmax())  # first row at the largest distance
        worst = (float(nearest[row]), row, enc.codes[row].astype(np.intp))
    return {
        "counts": data.counts(enc, labels, k),
        "sizes": np.bincount(labels, minlength=k).astype(np.int64),
        "cost": float(nearest.sum()),
        "moved": moved,
        "worst": worst,
    }


def pass_reduce(parts: list[dict]) -> dict:
    """Sum of :func:`pass_map` over partitions (given in the dataset's order).

    ``worst`` is the dataset's first row at the largest distance: the largest value, the
    first partition holding it, the first row there, as ``argmax`` over all rows in order.
    """
    counts = sum(p["counts"] for p in parts)
    sizes = sum(p["sizes"] for p in parts)
    worst = None
    for p in parts:
        if p["worst"] is not None and (worst is None or p["worst"][0] > worst[0]):
            worst = p["worst"]
    return {
        "counts": counts,
        "sizes": sizes,
        "cost": float(sum(p["cost"] for p in parts)),
        "moved": int(sum(p["moved"] for p in parts)),
        "worst": None if worst is None else worst[2],
    }


def new_modes(reduced: dict, n_cats: np.ndarray) -> np.ndarray:
    """Each cluster's mode per item (smallest code on ties), as the in-memory batch update
    (:func:`personas.segment._kmodes_weighted.weighted_modes`) takes it; an empty cluster takes
    the dataset's costliest row."""
    counts = reduced["counts"].astype(np.float64)
    m = counts.shape[2]
    valid = np.arange(m)[None, :] < np.asarray(n_cats)[:, None]
    counts[:, ~valid] = -1.0
    modes = counts.argmax(axis=2).astype(np.intp)
    for c in np.flatnonzero(reduced["sizes"] <= 0):
        modes[c] = reduced["worst"]
    return modes


def assign_map(
    frame: pd.DataFrame,
    items: list[str],
    categories: list[np.ndarray],
    centroids: np.ndarray,
    keep: list[str] = (),
) -> pd.DataFrame:
    """The ``keep`` columns, nearest centroid (``cluster``, 0-based) and its ``distance``."""
    enc = encode_partition(frame, items, categories)
    dist = data.distances(enc, centroids)
    labels = dist.argmin(axis=1)
    return pd.DataFrame(
        {
            **{c: frame[c].to_numpy() for c in keep},
            "cluster": labels.astype(np.int64),
            "distance": dist[np.arange(enc.n), labels].astype(np.float64),
        },
        index=frame.index,
    )

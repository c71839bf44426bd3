"""The map and reduce steps of a Lloyd k-means pass, on plain pandas/numpy (no Dask here).

Everything is float64 and *centred*: each partition subtracts the dataset's mean (found by a
first pass, :func:`moments_map` / :func:`moments_reduce`, which also gives the per-item
variance that scales the tolerance), as scikit-learn's ``KMeans.fit`` centres ``X`` and the
initial centres before its Lloyd iterations. :func:`pass_map` returns what one update needs
from a partition: per-cluster sums (``k x d``), sizes, inertia, rows whose nearest centre
changed since the previous centres, and the partition's ``k`` rows farthest from their centre
(the candidates for an emptied cluster). :func:`pass_reduce` merges them in the dataset's order
and :func:`new_centers` reproduces scikit-learn's update step: relocation of empty clusters to
the farthest rows, then the average (including its treatment of a cluster left empty).
Float sums depend on the order of additions, so the centres agree with the in-memory fit to
rounding (~1e-15 relative), not bitwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "assign_map",
    "moments_map",
    "moments_reduce",
    "nearest",
    "new_centers",
    "pass_map",
    "pass_reduce",
]


def _values(frame: pd.DataFrame, items: list[str], mean: np.ndarray | None = None) -> np.ndarray:
    X = np.ascontiguousarray(frame[items].to_numpy(dtype=np.float64, na_value=np.nan))
    if mean is not None:
        X -= mean
    return X


def moments_map(frame: pd.DataFrame, items: list[str]) -> dict:
    """Rows, missing and infinite cells per item, and the partition's mean and sum of squared
    deviations per item (for a parallel variance, Chan et al.)."""
    X = _values(frame, items)
    n = X.shape[0]
    finite = np.isfinite(X)
    with np.errstate(invalid="ignore"):  # a non-finite cell stops the fit: its moments unused
        mean = X.mean(axis=0) if n else np.zeros(len(items))
        m2 = ((X - mean) ** 2).sum(axis=0) if n else np.zeros(len(items))
    return {
        "rows": n,
        "missing": np.isnan(X).sum(axis=0),
        "infinite": (~finite & ~np.isnan(X)).sum(axis=0),
        "mean": mean,
        "m2": m2,
    }


def moments_reduce(parts: list[dict]) -> dict:
    """Rows, missing and infinite cells per item, mean and (population) variance per item."""
    n, mean, m2 = 0, None, None
    for p in parts:
        if p["rows"] == 0:
            continue
        if mean is None:
            n, mean, m2 = p["rows"], p["mean"].copy(), p["m2"].copy()
            continue
        total = n + p["rows"]
        with np.errstate(invalid="ignore"):
            delta = p["mean"] - mean
            mean = mean + delta * (p["rows"] / total)
            m2 = m2 + p["m2"] + delta**2 * (n * p["rows"] / total)
        n = total
    return {
        "rows": n,
        "missing": sum(p["missing"] for p in parts),
        "infinite": sum(p["infinite"] for p in parts),
        "mean": mean,
        "var": None if mean is None else m2 / n,
    }


def nearest(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Each row's nearest centre, as scikit-learn's Lloyd E-step takes it: the argmin of
    ``||c||^2 - 2 x.c`` (lowest index on ties)."""
    norms = np.einsum("ij,ij->i", centers, centers)
    return (norms - 2.0 * (X @ centers.T)).argmin(axis=1)


def pass_map(
    frame: pd.DataFrame,
    items: list[str],
    mean: np.ndarray,
    centers: np.ndarray,
    previous: np.ndarray | None,
    part: int,
    against: np.ndarray | None = None,
) -> dict:
    """One partition's share of a Lloyd pass with (centred) centres ``centers``.

    ``sums`` (k, d) and ``sizes`` (k,) of the rows' nearest centre; ``inertia``: sum of squared
    distances to ``against[label]`` (default ``centers``); ``moved``: rows whose nearest centre
    under ``previous`` differs (0 when None); ``far``: the partition's (at most) ``k`` rows
    farthest from their centre, as (distance, partition ``part``, row, label, row values),
    largest first, the first row on ties.
    """
    X = _values(frame, items, mean)
    k, d = centers.shape
    if X.shape[0] == 0:
        return {"sums": np.zeros((k, d)), "sizes": np.zeros(k, np.int64), "inertia": 0.0,
                "moved": 0, "far": []}  # fmt: skip
    labels = nearest(X, centers)
    moved = 0 if previous is None else int((nearest(X, previous) != labels).sum())
    ref = centers if against is None else against
    dist = ((X - ref[labels]) ** 2).sum(axis=1)
    onehot = (labels[None, :] == np.arange(k)[:, None]).astype(np.float64)
    return {
        "sums": onehot @ X,
        "sizes": np.bincount(labels, minlength=k).astype(np.int64),
        "inertia": float(dist.sum()),
        "moved": moved,
        "far": _farthest(X, labels, dist, k, part),
    }


def _farthest(X, labels, dist, k, part) -> list[tuple]:
    top = min(k, len(dist))
    cut = dist[np.argpartition(-dist, top - 1)[:top]].min()
    rows = np.flatnonzero(dist >= cut)  # every tie at the cut, in row order
    rows = rows[np.argsort(-dist[rows], kind="stable")][:top]
    return [(float(dist[r]), part, int(r), int(labels[r]), X[r].copy()) for r in rows]


def pass_reduce(parts: list[dict]) -> dict:
    """Sum of :func:`pass_map` over partitions (given in the dataset's order); ``far``: the
    dataset's rows farthest from their centre, largest first (the first row on ties)."""
    far = sorted((f for p in parts for f in p["far"]), key=lambda f: (-f[0], f[1], f[2]))
    k = parts[0]["sizes"].shape[0]
    return {
        "sums": sum(p["sums"] for p in parts),
        "sizes": sum(p["sizes"] for p in parts),
        "inertia": float(sum(p["inertia"] for p in parts)),
        "moved": int(sum(p["moved"] for p in parts)),
        "far": far[:k],
    }


def new_centers(reduced: dict) -> tuple[np.ndarray, int]:
    """The next centres and how many empty clusters were relocated, as scikit-learn's dense
    Lloyd update (``_relocate_empty_clusters_dense`` then ``_average_centers``).

    An empty cluster takes the next farthest row (largest distance to its centre first), which
    leaves its own cluster; none moves when every row sits on its centre. A cluster still
    without rows then copies the row of the heaviest cluster as it stands in the loop over
    clusters: its mean when that cluster comes earlier, its (not yet divided) sum when later.
    scikit-learn orders three or more simultaneous relocations by ``np.argpartition``, which
    does not specify that order; here it is always largest first (identical for one or two).
    """
    sums = reduced["sums"].copy()
    weight = reduced["sizes"].astype(np.float64)
    empty = np.flatnonzero(weight == 0)
    relocated = 0
    far = reduced["far"]
    if len(empty) and far and far[0][0] > 0:
        for cluster, (_, _, _, label, x) in zip(empty, far, strict=False):
            sums[label] -= x
            sums[cluster] = x
            weight[cluster] = 1.0
            weight[label] -= 1.0
            relocated += 1
    heaviest = int(np.argmax(weight))
    for j in range(len(weight)):  # over clusters (k), in order: the copy below depends on it
        if weight[j] > 0:
            sums[j] *= 1.0 / weight[j]
        else:
            sums[j] = sums[heaviest]
    return sums, relocated


def assign_map(
    frame: pd.DataFrame,
    items: list[str],
    mean: np.ndarray,
    centers: np.ndarray,
    keep: list[str] = (),
) -> pd.DataFrame:
    """The ``keep`` columns, nearest centre (``cluster``, 0-based) and the squared Euclidean
    distance to it (``sq_distance``, the row's share of the inertia)."""
    X = _values(frame, items, mean)
    labels = nearest(X, centers) if len(X) else np.zeros(0, np.intp)
    return pd.DataFrame(
        {
            **{c: frame[c].to_numpy() for c in keep},
            "cluster": labels.astype(np.int64),
            "sq_distance": ((X - centers[labels]) ** 2).sum(axis=1),
        },
        index=frame.index,
    )

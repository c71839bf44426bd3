"""One small adapter per algorithm: fit k clusters in a :class:`Space`.

Every adapter returns a :class:`Fit` with the cluster of each row (0..k-1, the algorithm's own
numbering), the centres *as answer codes* (one row per cluster, one column per item) and the
cost the algorithm minimises (k-modes: sum of mismatches; k-means: inertia on the rescaled
items; k-prototypes: squared Euclidean + gamma x mismatches). With survey weights
(``Space.weights``) every cost is the weighted sum and every centre the weighted mode / mean.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from personas.segment._kmodes_weighted import fit_weighted
from personas.segment._kprototypes import kprototypes
from personas.segment._space import Space
from personas.segment.kmodes import fit_encoded


@lru_cache(maxsize=1)
def _threads() -> ThreadpoolController:
    """One controller of the loaded BLAS libraries (numpy's, loaded on import), reused by
    every fit: a fresh ``threadpool_limits`` scans every loaded library each time, which cost
    about 4 ms a fit, a tenth of a small k sweep (measured with cProfile in a plan wave)."""
    return ThreadpoolController()


# Restarts of the fit on all respondents, as a multiple of ``n_init`` (the bootstrap refits and
# the structure test keep ``n_init``): that fit gives the silhouette and the segments, and at
# large k its iterations often stop in a local minimum that merges a small segment into a
# large one and splits another. Measured on held-out seeds of benchmarks/bench_choose_k.py
# (n = 800, noise 10-20%, equal or one-8% shares): with 4x restarts of that one fit per k the
# planted k came back at k = 6 and 8 in 99% of boolean and likert studies instead of 96%
# (boolean k = 8 with the 8% segment at 10% noise: 75% -> 100%), and at k = 4 and 8 in 98% of
# mixed ones instead of 93%, for about 20% more time; 4x restarts of every refit too gave
# 99% on the mixed ones for 3.2x the time.
FULL_FIT_RESTARTS = 4

#: Up to this many respondents the fit on all respondents gets every extra restart; above it,
#: the extra restarts shrink so that they cost about what they cost here (at least ``n_init``
#: starts): 16 starts per k made the k = 2..10 sweep at 100,000 respondents take 9.9 s instead
#: of 5.1 s, and a fixed-k segment() at 1,000,000 7.9 s instead of 2.8 s
#: (benchmarks/bench_scale.py), while the cells where the restarts help are small studies. The
#: issue's grid stops at 20,000, so every cell of bench_choose_k.py keeps them.
RESTART_ROWS = 20_000


def full_fit_restarts(n_init: int, n: int) -> int:
    """Restarts of the fit on all ``n`` respondents (see ``FULL_FIT_RESTARTS``, ``RESTART_ROWS``).

    >>> full_fit_restarts(4, 800), full_fit_restarts(4, 50_000), full_fit_restarts(4, 10**6)
    (16, 7, 4)
    """
    most = n_init * FULL_FIT_RESTARTS
    if n <= RESTART_ROWS:
        return most
    return max(n_init, min(most, math.ceil(most * RESTART_ROWS / n)))


class FitFailed(Exception):
    """k clusters could not be formed (too few distinct rows, an empty cluster, ...)."""


@dataclass(frozen=True)
class Fit:
    labels: np.ndarray  # (n,) 0..k-1
    centers: np.ndarray  # (k, d) answer codes
    cost: float


def fit(space: Space, k: int, *, random_state: int, n_init: int) -> Fit:
    """Cluster ``space`` into ``k`` groups; raises :class:`FitFailed` when that is impossible."""
    if k > space.n:
        raise FitFailed(f"there are only {space.n} respondents")
    if space.patterns is not None and k > space.patterns:
        raise FitFailed(f"there are only {space.patterns} distinct answer patterns")
    with warnings.catch_warnings():
        # fewer distinct rows than k (in a resample): the fit is degenerate, not usable
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            if space.method == "kmodes":
                result = _fit_kmodes(space, k, random_state, n_init)
            elif space.method == "kmeans":
                result = _fit_kmeans(space, k, random_state, n_init)
            else:
                result = _fit_kprototypes(space, k, random_state, n_init)
        except ConvergenceWarning as warning:
            raise FitFailed(str(warning)) from None
    sizes = np.bincount(result.labels, minlength=k)
    if (sizes == 0).any():
        raise FitFailed(f"{int((sizes == 0).sum())} of the {k} segments came out empty")
    return result


def _fit_kmodes(space: Space, k: int, random_state: int, n_init: int) -> Fit:
    with _threads().limit(limits=1, user_api="blas"):
        if space.weights is not None:
            centroids, labels, cost, _ = fit_weighted(
                space.enc,
                space.weights,
                n_clusters=k,
                n_init=n_init,
                max_iter=100,
                random_state=random_state,
            )
        else:
            centroids, labels, cost, _ = fit_encoded(
                space.enc,
                n_clusters=k,
                init="k-modes++",
                n_init=n_init,
                max_iter=100,
                random_state=random_state,
            )
    centers = np.column_stack(
        [space.categories[j][centroids[:, j]] for j in range(centroids.shape[1])]
    ).astype(np.float64)
    return Fit(np.asarray(labels, dtype=np.intp), centers, float(cost))


def _fit_kmeans(space: Space, k: int, random_state: int, n_init: int) -> Fit:
    km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state)
    km.fit(space.scaled, sample_weight=space.weights)  # None: unweighted
    centers = space.lo + km.cluster_centers_ * (space.hi - space.lo)
    return Fit(km.labels_.astype(np.intp), centers, float(km.inertia_))


def _fit_kprototypes(space: Space, k: int, random_state: int, n_init: int) -> Fit:
    num, cat = space.numeric, space.categorical
    labels, centres_num, centres_cat, cost = kprototypes(
        space.scaled,
        space.enc,
        k,
        gamma=space.gamma,
        n_init=n_init,
        random_state=random_state,
        weights=space.weights,
    )
    if centres_num is None:
        raise FitFailed("fewer distinct answer patterns than segments")
    centers = np.empty((k, len(space.items)))
    centers[:, num] = space.lo[num] + centres_num * (space.hi - space.lo)[num]
    for column, j in enumerate(cat):
        centers[:, j] = space.categories[j][centres_cat[:, column]]
    return Fit(np.asarray(labels, dtype=np.intp), centers, float(cost))

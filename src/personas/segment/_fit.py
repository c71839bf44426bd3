"""One small adapter per algorithm: fit k clusters in a :class:`Space`.

Every adapter returns a :class:`Fit` with the cluster of each row (0..k-1, the algorithm's own
numbering), the centres *as answer codes* (one row per cluster, one column per item) and the
cost the algorithm minimises (k-modes: sum of mismatches; k-means: inertia on the rescaled
items; k-prototypes: squared Euclidean + gamma x mismatches). With survey weights
(``Space.weights``) every cost is the weighted sum and every centre the weighted mode / mean.
"""

from __future__ import annotations

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

#: Above this many respondents the starts of the fit on all respondents are screened on a
#: seeded sample of this size (see :func:`full_fit`). 16 starts on all respondents made the
#: k = 2..10 sweep at 100,000 take 9.9 s instead of 5.4 s and a fixed-k fit at 1,000,000 7.9 s
#: instead of 2.8 s (benchmarks/bench_scale.py); 4 starts there lost the planted k in 2 of 20
#: studies at n = 100,000 (bench_choose_k.py --grid huge) that 16 recovered; screened, all 20
#: came back, the sweep took 6.8 s and the fixed-k fit 2.4 s. A segment of 8% still has 1,600
#: members in the sample, enough for a start to find it.
SCREEN_ROWS = 20_000


def full_fit_phrase(n_init: int, n: int) -> str:
    """How the fit on all ``n`` respondents was made, for the journal.

    >>> full_fit_phrase(4, 800)
    'best of 16 restarts for the fit on all respondents'
    >>> full_fit_phrase(4, 100_000)  # doctest: +NORMALIZE_WHITESPACE
    'best of 16 restarts for the fit on all respondents (screened on a sample of 20,000:
    the 4 best run again on all)'
    """
    restarts = n_init * FULL_FIT_RESTARTS
    phrase = f"best of {restarts} restarts for the fit on all respondents"
    if n > SCREEN_ROWS and restarts > n_init:
        phrase += f" (screened on a sample of {SCREEN_ROWS:,}: the {n_init} best run again on all)"
    return phrase


def full_fit(space: Space, k: int, *, random_state: int, n_init: int) -> Fit:
    """The fit on all respondents: the best of ``FULL_FIT_RESTARTS`` x ``n_init`` starts.

    Up to ``SCREEN_ROWS`` respondents every start runs on all of them. Above, every start runs
    on a seeded sample of ``SCREEN_ROWS`` respondents (unweighted: only the start is taken from
    it), the ``n_init`` with the lowest cost there run again on all respondents from the
    centres they reached, and the best of those is kept: the many starts that find a small
    segment cost a sample's time, not the whole wave's.
    """
    restarts = n_init * FULL_FIT_RESTARTS
    if space.n <= SCREEN_ROWS or restarts <= n_init:
        return fit(space, k, random_state=random_state, n_init=restarts)
    rng = np.random.default_rng(random_state)
    sample = space.rows(np.sort(rng.choice(space.n, SCREEN_ROWS, replace=False)))
    seeds = np.random.RandomState(random_state).randint(np.iinfo(np.int32).max, size=restarts)
    screened = []
    for seed in seeds:
        try:
            screened.append(fit(sample, k, random_state=int(seed), n_init=1))
        except FitFailed:
            continue
    finals = []
    for trial in sorted(screened, key=lambda f: f.cost)[:n_init]:
        try:
            finals.append(fit(space, k, random_state=random_state, n_init=1, start=trial.centers))
        except FitFailed:
            continue
    if not finals:  # no start worked on the sample: start on all respondents as usual
        return fit(space, k, random_state=random_state, n_init=n_init)
    return min(finals, key=lambda f: f.cost)


class FitFailed(Exception):
    """k clusters could not be formed (too few distinct rows, an empty cluster, ...)."""


@dataclass(frozen=True)
class Fit:
    labels: np.ndarray  # (n,) 0..k-1
    centers: np.ndarray  # (k, d) answer codes
    cost: float


def fit(
    space: Space, k: int, *, random_state: int, n_init: int, start: np.ndarray | None = None
) -> Fit:
    """Cluster ``space`` into ``k`` groups; raises :class:`FitFailed` when that is impossible.

    ``start``: (k, d) centres as answer codes (a :class:`Fit`'s ``centers``) to run once from,
    instead of ``n_init`` seeded starts.
    """
    if k > space.n:
        raise FitFailed(f"there are only {space.n} respondents")
    if space.patterns is not None and k > space.patterns:
        raise FitFailed(f"there are only {space.patterns} distinct answer patterns")
    with warnings.catch_warnings():
        # fewer distinct rows than k (in a resample): the fit is degenerate, not usable
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            if space.method == "kmodes":
                result = _fit_kmodes(space, k, random_state, n_init, start)
            elif space.method == "kmeans":
                result = _fit_kmeans(space, k, random_state, n_init, start)
            else:
                result = _fit_kprototypes(space, k, random_state, n_init, start)
        except ConvergenceWarning as warning:
            raise FitFailed(str(warning)) from None
    sizes = np.bincount(result.labels, minlength=k)
    if (sizes == 0).any():
        raise FitFailed(f"{int((sizes == 0).sum())} of the {k} segments came out empty")
    return result


def _codes(space: Space, centers: np.ndarray, columns) -> np.ndarray:
    """Answer codes of ``centers`` as category indices of ``space`` (the encoded start)."""
    found = [np.searchsorted(space.categories[j], centers[:, j]) for j in columns]
    return np.column_stack(found).astype(np.intp) if found else np.empty((len(centers), 0), int)


def _scaled(space: Space, centers: np.ndarray, columns) -> np.ndarray:
    lo, hi = space.lo[columns], space.hi[columns]
    return (centers[:, columns] - lo) / (hi - lo)


def _fit_kmodes(space: Space, k: int, random_state: int, n_init: int, start=None) -> Fit:
    init = None if start is None else _codes(space, start, range(start.shape[1]))
    with _threads().limit(limits=1, user_api="blas"):
        if space.weights is not None:
            centroids, labels, cost, _ = fit_weighted(
                space.enc,
                space.weights,
                n_clusters=k,
                n_init=n_init,
                max_iter=100,
                random_state=random_state,
                init=init,
            )
        else:
            centroids, labels, cost, _ = fit_encoded(
                space.enc,
                n_clusters=k,
                init="k-modes++" if init is None else init,
                n_init=n_init,
                max_iter=100,
                random_state=random_state,
            )
    centers = np.column_stack(
        [space.categories[j][centroids[:, j]] for j in range(centroids.shape[1])]
    ).astype(np.float64)
    return Fit(np.asarray(labels, dtype=np.intp), centers, float(cost))


def _fit_kmeans(space: Space, k: int, random_state: int, n_init: int, start=None) -> Fit:
    if start is None:
        km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state)
    else:
        init = _scaled(space, start, space.numeric)
        km = KMeans(n_clusters=k, init=init, n_init=1, random_state=random_state)
    km.fit(space.scaled, sample_weight=space.weights)  # None: unweighted
    centers = space.lo + km.cluster_centers_ * (space.hi - space.lo)
    return Fit(km.labels_.astype(np.intp), centers, float(km.inertia_))


def _fit_kprototypes(space: Space, k: int, random_state: int, n_init: int, start=None) -> Fit:
    num, cat = space.numeric, space.categorical
    init = None if start is None else (_scaled(space, start, num), _codes(space, start, cat))
    labels, centres_num, centres_cat, cost = kprototypes(
        space.scaled,
        space.enc,
        k,
        gamma=space.gamma,
        n_init=n_init,
        random_state=random_state,
        weights=space.weights,
        init=init,
    )
    if centres_num is None:
        raise FitFailed("fewer distinct answer patterns than segments")
    centers = np.empty((k, len(space.items)))
    centers[:, num] = space.lo[num] + centres_num * (space.hi - space.lo)[num]
    for column, j in enumerate(cat):
        centers[:, j] = space.categories[j][centres_cat[:, column]]
    return Fit(np.asarray(labels, dtype=np.intp), centers, float(cost))

"""Bootstrap stability of a clustering (Hennig 2007, ``fpc::clusterboot``).

For each resample (respondents drawn with replacement) the algorithm is refitted from scratch
and compared with the full-data clustering on the resampled respondents (with their
multiplicity): the adjusted Rand index of the two partitions, and for every original cluster
the Jaccard similarity with its best-matching refitted cluster. Averaged over resamples, a
cluster with Jaccard >= 0.75 is *stable*, below 0.6 *unstable* (Hennig's reading). A resample
in which the refit fails (an empty cluster) counts as 0 for every measure.

Large waves are resampled ``m`` out of ``n`` (``m = min(n, boot_size)``): stability of the
method at that sample size, which is conservative for the full wave.

With survey weights, respondents are drawn with probability proportional to their weight (a
weighted bootstrap): each resample then stands for the weighted population, the refit on it is
unweighted, and the comparison on the drawn rows is weighted by how often each was drawn.
"""

from __future__ import annotations

import warnings

import numpy as np

from personas.segment._fit import FitFailed, fit
from personas.segment._space import Space

STABLE = 0.75
UNSTABLE = 0.6


def contingency(reference: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """``(k, k)`` int64 table: respondents in reference cluster ``i`` and refitted cluster ``j``."""
    return np.bincount(reference * k + labels, minlength=k * k).reshape(k, k).astype(np.int64)


def adjusted_rand(table: np.ndarray) -> float:
    """Adjusted Rand index from a contingency table, with scikit-learn's formula and integer
    arithmetic (``sklearn.metrics.adjusted_rand_score`` gives the same float): the sweep
    compares ~100 refits, and rebuilding a sparse table from the labels for each was a tenth
    of the sweep's time."""
    n = int(table.sum())
    sum_squares = int((table**2).sum())
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    tp = sum_squares - n
    fp = int((table @ cols).sum()) - sum_squares
    fn = int((table.T @ rows).sum()) - sum_squares
    tn = n * n - fp - fn - sum_squares
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def best_jaccard(reference: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """For each reference cluster, the largest Jaccard with a cluster of ``labels``
    (NaN for a reference cluster absent from the sample)."""
    return _best_jaccard(contingency(reference, labels, k))


def _best_jaccard(table: np.ndarray) -> np.ndarray:
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    union = rows[:, None] + cols[None, :] - table
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = table / union
    return np.where(rows > 0, np.nan_to_num(jaccard).max(axis=1), np.nan)


def resamples(n: int, k: int, *, n_boot: int, boot_size: int, random_state: int, weights=None):
    """The ``n_boot`` resamples of k: (rows drawn with replacement, seed of the refit).

    Seeds come from ``(random_state, k)`` so a k's stability does not depend on the other ks.
    With ``weights``, rows are drawn with probability proportional to them.
    """
    rng = np.random.default_rng([random_state, k])
    m = min(n, boot_size)
    p = None if weights is None else np.asarray(weights, dtype=np.float64) / np.sum(weights)
    out = []
    for _ in range(n_boot):
        index = rng.integers(0, n, size=m) if p is None else rng.choice(n, size=m, p=p)
        out.append((index, int(rng.integers(2**31 - 1))))
    return out


def refit(space: Space, index: np.ndarray, k: int, *, seed: int, n_init: int):
    """Labels of a refit on the resampled rows, or None when the refit fails."""
    try:
        return fit(space.rows(index), k, random_state=seed, n_init=n_init).labels
    except FitFailed:
        return None


def compare(labels: np.ndarray, draws, refits, k: int) -> tuple[float, np.ndarray]:
    """(mean adjusted Rand index, mean best Jaccard per cluster) of the refits against the
    full-data ``labels`` on the resampled rows; a failed refit (None) counts as 0."""
    if not draws:
        return float("nan"), np.full(k, np.nan)
    aris = np.zeros(len(draws))
    jaccards = np.zeros((len(draws), k))
    for b, ((index, _), new) in enumerate(zip(draws, refits, strict=True)):
        if new is not None:
            table = contingency(labels[index], new, k)
            aris[b] = adjusted_rand(table)
            jaccards[b] = _best_jaccard(table)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a cluster absent from every resample
        return float(aris.mean()), np.nanmean(jaccards, axis=0)


def bootstrap(
    space: Space,
    labels: np.ndarray,
    k: int,
    *,
    n_boot: int,
    boot_size: int,
    n_init: int,
    random_state: int,
) -> tuple[float, np.ndarray]:
    """(mean adjusted Rand index, mean best Jaccard per cluster) over ``n_boot`` refits."""
    draws = resamples(
        space.n,
        k,
        n_boot=n_boot,
        boot_size=boot_size,
        random_state=random_state,
        weights=space.weights,
    )
    refits = [refit(space, index, k, seed=seed, n_init=n_init) for index, seed in draws]
    return compare(labels, draws, refits, k)

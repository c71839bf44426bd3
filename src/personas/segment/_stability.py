"""Bootstrap stability of a clustering (Hennig 2007, ``fpc::clusterboot``).

For each resample (respondents drawn with replacement) the algorithm is refitted from scratch
and compared with the full-data clustering on the resampled respondents (with their
multiplicity): the adjusted Rand index of the two partitions, and for every original cluster
the Jaccard similarity with its best-matching refitted cluster. Averaged over resamples, a
cluster with Jaccard >= 0.75 is *stable*, below 0.6 *unstable* (Hennig's reading). A resample
in which the refit fails (an empty cluster) counts as 0 for every measure.

Large waves are resampled ``m`` out of ``n`` (``m = min(n, boot_size)``): stability of the
method at that sample size, which is conservative for the full wave.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.metrics import adjusted_rand_score

from personas.segment._fit import FitFailed, fit
from personas.segment._space import Space

STABLE = 0.75
UNSTABLE = 0.6


def best_jaccard(reference: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """For each reference cluster, the largest Jaccard with a cluster of ``labels``
    (NaN for a reference cluster absent from the sample)."""
    table = np.bincount(reference * k + labels, minlength=k * k).reshape(k, k)
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    union = rows[:, None] + cols[None, :] - table
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = table / union
    return np.where(rows > 0, np.nan_to_num(jaccard).max(axis=1), np.nan)


def bootstrap(
    space: Space,
    labels: np.ndarray,
    k: int,
    *,
    n_boot: int,
    boot_size: int,
    n_init: int,
    random_state: int,
    tick: Callable[[int], None] | None = None,
) -> tuple[float, np.ndarray]:
    """(mean adjusted Rand index, mean best Jaccard per cluster) over ``n_boot`` refits.

    Seeds come from ``(random_state, k)`` so a k's stability does not depend on the other ks.
    """
    if n_boot == 0:
        return float("nan"), np.full(k, np.nan)
    rng = np.random.default_rng([random_state, k])
    m = min(space.n, boot_size)
    aris = np.zeros(n_boot)
    jaccards = np.zeros((n_boot, k))
    for b in range(n_boot):
        index = rng.integers(0, space.n, size=m)
        seed = int(rng.integers(2**31 - 1))
        try:
            refit = fit(space.rows(index), k, random_state=seed, n_init=n_init)
        except FitFailed:
            refit = None
        if refit is not None:
            aris[b] = adjusted_rand_score(labels[index], refit.labels)
            jaccards[b] = best_jaccard(labels[index], refit.labels, k)
        if tick is not None:
            tick(b + 1)
    return float(aris.mean()), np.nanmean(jaccards, axis=0)

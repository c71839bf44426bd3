"""Which respondents a large wave's map shows (private to :mod:`personas.embed.core`).

A map of more than ``sample_size`` respondents is fitted on a stratified sample with
proportional allocation: every stratum gets its share of the sample rounded by the largest
remainder method, so each stratum's count is within one respondent of proportional and the
counts add up to exactly ``sample_size``. The strata are the segments when they are known;
when the map starts before segmentation has finished (the usual case in
:func:`personas.analyze`), they are a provisional k-means of the same answers, which the
segments are made of too. Waves no larger than ``sample_size`` are drawn whole.

sklearn's ``StratifiedShuffleSplit`` is not used: it refuses strata with a single member and
more strata than sample rows, both of which a segmentation may legitimately produce.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PROXY_CLUSTERS", "allocate", "stratified_positions", "proxy_strata", "draw"]

#: Clusters of the provisional k-means that stratifies a sample before the segments exist.
PROXY_CLUSTERS = 10


def allocate(sizes: np.ndarray, total: int) -> np.ndarray:
    """Proportional allocation of ``total`` rows over strata of ``sizes`` (largest remainder).

    Examples
    --------
    >>> allocate(np.array([5, 3, 2]), 5).tolist()
    [3, 1, 1]
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    quota = sizes * (total / sizes.sum())
    counts = np.floor(quota).astype(np.int64)
    short = int(total - counts.sum())
    # Largest fractional part first; ties go to the earlier stratum (stable sort).
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[:short]] += 1
    return np.minimum(counts, sizes)


def stratified_positions(strata: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted row positions of a proportional stratified sample of ``total`` rows.

    Vectorised: one random permutation, a stable sort by stratum, and each stratum keeps its
    first ``allocate(...)`` rows in permuted order.
    """
    codes, _ = pd.factorize(pd.Series(strata), sort=True, use_na_sentinel=False)
    counts = allocate(np.bincount(codes), total)
    shuffled = rng.permutation(len(codes))
    by_stratum = shuffled[np.argsort(codes[shuffled], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(np.bincount(codes))[:-1]])
    rank = np.arange(len(codes)) - starts[codes[by_stratum]]
    return np.sort(by_stratum[rank < counts[codes[by_stratum]]])


def proxy_strata(features: np.ndarray, *, random_state: int) -> np.ndarray:
    """Provisional segments to stratify on before the real ones are known (k-means)."""
    from sklearn.cluster import MiniBatchKMeans

    k = min(PROXY_CLUSTERS, len(features))
    model = MiniBatchKMeans(n_clusters=k, n_init=3, batch_size=4096, random_state=random_state)
    return model.fit_predict(features)


def draw(
    features: np.ndarray, labels: pd.Series | None, *, sample_size: int, random_state: int
) -> tuple[np.ndarray, str]:
    """Row positions to embed (sorted: file order) and how they were chosen, in words."""
    n = len(features)
    if n <= sample_size:
        return np.arange(n), "all respondents"
    rng = np.random.default_rng(random_state)
    if labels is not None:
        return stratified_positions(labels.to_numpy(), sample_size, rng), "stratified by segment"
    strata = proxy_strata(features, random_state=random_state)
    how = f"stratified by a provisional {PROXY_CLUSTERS}-cluster k-means of the answers"
    return stratified_positions(strata, sample_size, rng), how

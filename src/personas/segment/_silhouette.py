"""Silhouette scores with the dissimilarity of each algorithm.

* k-modes (matching / Hamming): exact at any size in O(n k d), without an n x n matrix. The
  mean dissimilarity of respondent i to cluster c is the average over questions of the share
  of c answering differently from i, i.e. ``(n_c d - S[i, c]) / (n_c d)`` where ``S[i, c]`` is
  the number of (member, question) pairs of c that agree with i, one matrix product of i's
  one-hot answers with c's answer counts. In i's own cluster i agrees with itself on every
  question and the mean runs over the ``n_c - 1`` others. Equal to
  ``sklearn.metrics.silhouette_score(X, labels, metric="hamming")``.
* k-means (Euclidean on the rescaled items): scikit-learn's ``silhouette_score``, exact up to
  10,000 respondents, above that on a random sample of 10,000 (the size is recorded).
* k-prototypes: a Gower-like distance (mean over items of |difference| on the rescaled numeric
  items and of mismatch on the categorical ones) on a random sample of at most 2,000.

With survey weights (``Space.weights``) the score is the weighted mean of the per-respondent
silhouettes (each respondent's own silhouette as above), so that the silhouette describes the
weighted population; samples are drawn as without weights.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.metrics import silhouette_samples, silhouette_score

from personas.segment import _kmodes_data
from personas.segment._space import Space

EUCLIDEAN_SAMPLE = 10_000
GOWER_SAMPLE = 2_000


def silhouette(space: Space, labels: np.ndarray, k: int, *, random_state: int):
    """(mean silhouette, sample size or None when exact)."""
    if k < 2 or k >= space.n:
        return float("nan"), None
    if space.method == "kmodes":
        return matching_silhouette(space.enc, labels, k, weights=space.weights), None
    if space.method == "kmeans" and space.weights is not None:
        return _weighted_euclidean(space, labels, random_state)
    if space.method == "kmeans":
        sample = EUCLIDEAN_SAMPLE if space.n > EUCLIDEAN_SAMPLE else None
        score = silhouette_score(
            space.scaled,
            labels,
            metric="euclidean",
            sample_size=sample,
            random_state=random_state,
        )
        return float(score), sample
    return _gower_silhouette(space, labels, random_state)


def matching_silhouette(
    enc: _kmodes_data.Encoded, labels: np.ndarray, k: int, *, weights=None
) -> float:
    """Exact mean silhouette under the matching (Hamming) dissimilarity, in O(n k d); the
    ``weights``-weighted mean of the per-respondent silhouettes when weights are given."""
    n, d = enc.n, enc.d
    counts = _kmodes_data.counts(enc, labels, k).astype(np.float64)  # (k, d, m)
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    # agreements S = const + onehot @ W, as in _kmodes_data.distances but with counts
    W = np.zeros((enc.width + 1, k))
    W[-1] = counts[:, :, 0].sum(axis=1)
    for j in range(d):
        span = slice(enc.offsets[j], enc.offsets[j] + enc.n_cats[j] - 1)
        W[span] = (counts[:, j, 1 : enc.n_cats[j]] - counts[:, j, :1]).T
    total = np.empty(n)
    for a in range(0, n, 65536):
        b = min(n, a + 65536)
        block = enc.onehot[a:b] if enc.onehot is not None else _kmodes_data._onehot_block(enc, a, b)
        agree = block.astype(np.float64) @ W  # (rows, k)
        own = labels[a:b]
        differ = sizes * d - agree  # mismatching (member, question) pairs per cluster
        rows = np.arange(b - a)
        with np.errstate(divide="ignore", invalid="ignore"):
            intra = differ[rows, own] / ((sizes[own] - 1) * d)
            inter_all = differ / (sizes * d)
            inter_all[rows, own] = np.inf
            inter = inter_all.min(axis=1)
            s = (inter - intra) / np.maximum(intra, inter)
        total[a:b] = np.nan_to_num(s)  # singletons (0/0) score 0, as in scikit-learn
    if weights is not None:
        return float(np.average(total, weights=weights))
    return float(total.mean())


def _weighted_euclidean(space: Space, labels: np.ndarray, random_state: int):
    """Weighted mean of the Euclidean per-respondent silhouettes (sampled as unweighted)."""
    index, sample = np.arange(space.n), None
    if space.n > EUCLIDEAN_SAMPLE:
        index = np.random.RandomState(random_state).permutation(space.n)[:EUCLIDEAN_SAMPLE]
        sample = EUCLIDEAN_SAMPLE
    if np.unique(labels[index]).size < 2:
        return float("nan"), sample
    scores = silhouette_samples(space.scaled[index], labels[index], metric="euclidean")
    return float(np.average(scores, weights=space.weights[index])), sample


def _gower_silhouette(space: Space, labels: np.ndarray, random_state: int):
    n = space.n
    index = np.arange(n)
    sample = None
    if n > GOWER_SAMPLE:
        index = np.sort(np.random.default_rng(random_state).choice(n, GOWER_SAMPLE, replace=False))
        sample = GOWER_SAMPLE
    if np.unique(labels[index]).size < 2:
        return float("nan"), sample
    num = space.scaled[index]
    cat = space.codes[index][:, space.categorical]
    dist = np.zeros((index.size, index.size))
    if num.shape[1]:
        dist += cdist(num, num, metric="cityblock")
    if cat.shape[1]:
        dist += cdist(cat, cat, metric="hamming") * cat.shape[1]
    dist /= len(space.items)
    if space.weights is not None:
        scores = silhouette_samples(dist, labels[index], metric="precomputed")
        return float(np.average(scores, weights=space.weights[index])), sample
    return float(silhouette_score(dist, labels[index], metric="precomputed")), sample

"""Initial centroids for k-modes, as the kmodes package 0.12.2 chooses them, vectorised.

Each function draws the same random numbers, in the same order, as its counterpart in
``kmodes.util.init_methods`` / ``kmodes.kmodes._k_modes_single`` and breaks ties the same way,
so that a given seed gives the same initial centroids (on integer-encoded data).
"""

from __future__ import annotations

import numpy as np

from personas.segment._kmodes_data import Encoded, distances


def init_huang(enc: Encoded, k: int, rng: np.random.RandomState) -> np.ndarray:
    """Huang (1997): draw each column of each centroid from that column's answer frequencies,
    then replace each centroid by the nearest respondent not already used as a centroid."""
    n, d = enc.n, enc.d
    centroids = np.empty((k, d), dtype=np.intp)
    for j in range(d):
        # kmodes draws from the sorted column; the i-th sorted value is found from the
        # cumulative counts instead of sorting n values.
        cumulative = np.cumsum(np.bincount(enc.codes[:, j], minlength=enc.n_cats[j]))
        centroids[:, j] = np.searchsorted(cumulative, rng.choice(n, k), side="right")
    dist = distances(enc, centroids)
    equal = (dist == 0).sum(axis=1)  # how many current centroids each respondent equals
    for ik in range(k):
        # Same order as kmodes (np.argsort of the int64 distances, default kind), then the first
        # respondent that does not equal any current centroid (or the last one).
        order = np.argsort(dist[:, ik].astype(np.int64))
        free = np.flatnonzero(equal[order] == 0)
        pick = order[free[0]] if free.size else order[-1]
        centroids[ik] = enc.codes[pick]
        equal -= dist[:, ik] == 0
        dist[:, ik] = distances(enc, centroids[ik : ik + 1])[:, 0]
        equal += dist[:, ik] == 0
    return centroids


def init_cao(enc: Encoded, k: int) -> np.ndarray:
    """Cao et al. (2009): the densest respondent first, then repeatedly the respondent with
    the largest ``min(density x dissimilarity)`` to the centroids chosen so far."""
    n, d = enc.n, enc.d
    density = np.zeros(n)
    for j in range(d):  # same summation order as kmodes, so ties in argmax resolve the same
        column = enc.codes[:, j]
        density += np.bincount(column, minlength=enc.n_cats[j])[column] / float(n) / float(d)
    centroids = np.empty((k, d), dtype=np.intp)
    centroids[0] = enc.codes[np.argmax(density)]
    weighted = np.empty((k, n))
    for ik in range(1, k):
        weighted[ik - 1] = distances(enc, centroids[ik - 1 : ik])[:, 0].astype(np.int64) * density
        centroids[ik] = enc.codes[np.argmax(weighted[:ik].min(axis=0))]
    return centroids


def init_random(enc: Encoded, k: int, rng: np.random.RandomState) -> np.ndarray:
    """``k`` respondents drawn at random, with replacement (as kmodes does)."""
    return enc.codes[rng.choice(enc.n, k)].astype(np.intp)


def distinct_rows_at_least(codes: np.ndarray, k: int) -> tuple[bool, np.ndarray | None]:
    """Whether ``codes`` has more than ``k`` distinct rows; if not, the distinct rows (sorted).

    A 64-bit row hash certifies "more than k" in O(n d) for the usual case; hash collisions can
    only merge rows, so the exact (slower) ``np.unique(axis=0)`` runs only when few distinct
    hashes are seen.
    """
    weights = np.random.RandomState(12345).randint(1, 2**62, size=codes.shape[1], dtype=np.int64)
    hashed = codes.astype(np.int64) @ (weights | 1)
    if np.unique(hashed[: 4 * (k + 1)]).size > k or np.unique(hashed).size > k:
        return True, None
    unique = np.unique(codes, axis=0)
    return unique.shape[0] > k, unique

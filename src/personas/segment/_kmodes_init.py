"""Initial centroids for k-modes, as the kmodes package 0.12.2 chooses them, vectorised.

Each function draws the same random numbers, in the same order, as its counterpart in
``kmodes.util.init_methods`` / ``kmodes.kmodes._k_modes_single`` and breaks ties the same way,
so that a given seed gives the same initial centroids (on integer-encoded data).

:func:`init_plusplus` is personas' own addition ("k-modes++"): the D² seeding of k-means++
(Arthur & Vassilvitskii 2007) with the matching dissimilarity. It spreads the initial centroids
over distinct answer patterns, so that a small, crisp segment is not lost in a local minimum
where a large, diffuse one is split instead; ``segment`` uses it.
"""

from __future__ import annotations

import numpy as np

from personas.segment._kmodes_data import Encoded, distances


def init_huang(enc: Encoded, k: int, rng: np.random.RandomState) -> np.ndarray:
    """Huang (1997): draw each column of each centroid from that column's answer frequencies,
    then replace each centroid by the nearest respondent not already used as a centroid."""
    n, d = enc.n, enc.d
    centroids = np.empty((k, d), dtype=np.intp)
    cumulative = np.cumsum(_column_counts(enc), axis=1)
    for j in range(d):
        # kmodes draws from the sorted column; the i-th sorted value is found from the
        # cumulative counts instead of sorting n values.
        centroids[:, j] = np.searchsorted(cumulative[j], rng.choice(n, k), side="right")
    dist = distances(enc, centroids)
    equal = (dist == 0).sum(axis=1)  # how many current centroids each respondent equals
    for ik in range(k):
        # Same order as kmodes (np.argsort of the int64 distances, default kind), then the first
        # respondent that does not equal any current centroid (or the last one).
        order = np.argsort(dist[:, ik].astype(np.int64))
        free = equal[order] == 0
        pick = order[free.argmax()] if free.any() else order[-1]
        centroids[ik] = enc.codes[pick]
        equal -= dist[:, ik] == 0
        dist[:, ik] = distances(enc, centroids[ik : ik + 1])[:, 0]
        equal += dist[:, ik] == 0
    return centroids


def _column_counts(enc: Encoded) -> np.ndarray:
    """``(d, m)`` number of respondents giving each code in each column."""
    if enc.onehot is not None:  # column sums of the one-hot answers (exact below 2**24 rows)
        sums = enc.onehot.sum(axis=0, dtype=np.float64)[:-1].astype(np.int64)
        out = np.zeros((enc.d, enc.m), dtype=np.int64)
        for j in range(enc.d):
            out[j, 1 : enc.n_cats[j]] = sums[enc.offsets[j] : enc.offsets[j] + enc.n_cats[j] - 1]
        out[:, 0] = enc.n - out.sum(axis=1)
        return out
    return np.stack([np.bincount(enc.codes[:, j], minlength=enc.m) for j in range(enc.d)])


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

    A 64-bit row hash certifies "more than k" cheaply, first on a prefix of the rows, then on
    all of them; hash collisions can only merge rows, so the exact (slower)
    ``np.unique(axis=0)`` runs only when few distinct hashes are seen.
    """
    weights = np.random.RandomState(12345).randint(1, 2**62, size=codes.shape[1], dtype=np.int64)
    weights |= 1

    def hashed(rows):
        return rows.astype(np.int64) @ weights

    if np.unique(hashed(codes[: 4 * (k + 1)])).size > k:
        return True, None
    step = 16384
    all_hashes = np.concatenate([hashed(codes[a : a + step]) for a in range(0, len(codes), step)])
    if np.unique(all_hashes).size > k:
        return True, None
    unique = np.unique(codes, axis=0)
    return unique.shape[0] > k, unique


def init_plusplus(
    enc: Encoded, k: int, rng: np.random.RandomState, *, max_rows: int = 20_000
) -> np.ndarray:
    """k-modes++: each next centroid is a respondent drawn with probability proportional to the
    squared number of answers in which it differs from its nearest centroid so far.

    Draws from a seeded sample of at most ``max_rows`` respondents on large data; the loop runs
    over the k centroids, each step one distance product against the one-hot answers (the
    stability refits call this hundreds of times per sweep, so it avoids a pass over the codes).
    """
    n = enc.n
    rows = np.sort(rng.choice(n, max_rows, replace=False)) if n > max_rows else None
    sample = enc if rows is None else enc.take(rows)
    size = sample.n
    picks = [int(rng.randint(size))]
    nearest = distances(sample, sample.codes[picks[0]][None].astype(np.intp))[:, 0]
    nearest = nearest.astype(np.float64)
    for _ in range(1, k):
        weight = nearest**2
        total = weight.sum()
        pick = int(rng.randint(size)) if total == 0 else int(rng.choice(size, p=weight / total))
        picks.append(pick)
        step = distances(sample, sample.codes[pick][None].astype(np.intp))[:, 0]
        np.minimum(nearest, step, out=nearest)
    return sample.codes[picks].astype(np.intp)

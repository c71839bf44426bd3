"""Weighted k-modes: each respondent counts with its survey weight.

The exact one-respondent-at-a-time moves of :mod:`personas.segment._kmodes_iter` reproduce the
kmodes package, which has no weights. With weights the cost is the *weighted* sum of matching
dissimilarities ``sum_i w_i * mismatches(x_i, centre(i))``, and the centre that minimises a
cluster's share of it is, column by column, the answer with the largest summed weight (the
weighted mode). The run alternates the two steps for everyone at once (Lloyd's scheme, as
``_kprototypes`` does):

1. seeding by weighted k-modes++: each next centre is a respondent drawn with probability
   proportional to ``w_i * D_i^2`` (D: mismatches to the nearest centre so far; the first
   with probability proportional to ``w_i``), on a seeded sample of at most 20,000;
2. every respondent goes to its nearest centre (lowest index on ties);
3. every centre becomes its cluster's weighted mode (weighted counts from one ``bincount``
   with weights per block, smallest code on ties); a cluster with no weight left takes the
   respondent with the largest weighted cost;
4. repeat until nobody moves or the cost stops decreasing; the best of ``n_init`` runs wins.

With every weight equal this minimises the same cost as unweighted k-modes (the batch scheme
may stop in another local minimum than kmodes' online one); unweighted fits never come here.
"""

from __future__ import annotations

import numpy as np

from personas.segment._kmodes_data import Encoded, distances, weighted_counts

_SEED_ROWS = 20_000


def weighted_plusplus(
    enc: Encoded, weights: np.ndarray, k: int, rng: np.random.RandomState
) -> np.ndarray:
    """Weighted k-modes++ seeding: centre codes ``(k, d)``."""
    n = enc.n
    rows = np.sort(rng.choice(n, _SEED_ROWS, replace=False)) if n > _SEED_ROWS else np.arange(n)
    codes, w = enc.codes[rows], weights[rows]
    total = w.sum()
    first = int(rng.choice(len(rows), p=w / total)) if total > 0 else int(rng.randint(len(rows)))
    picks = [first]
    nearest = (codes != codes[first]).sum(axis=1).astype(np.float64)
    for _ in range(1, k):
        score = w * nearest**2
        total = score.sum()
        pick = (
            int(rng.randint(len(rows)))
            if total == 0
            else int(rng.choice(len(rows), p=score / total))
        )
        picks.append(pick)
        nearest = np.minimum(nearest, (codes != codes[pick]).sum(axis=1))
    return codes[picks].astype(np.intp)


def weighted_modes(enc: Encoded, labels: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    """Each cluster's weighted mode per column (smallest code on ties): ``(k, d)`` codes."""
    counts = weighted_counts(enc, labels, k, weights)
    valid = np.arange(enc.m)[None, :] < enc.n_cats[:, None]  # (d, m)
    counts[:, ~valid] = -1.0  # codes a column does not have never win
    return counts.argmax(axis=2).astype(np.intp)


def run_weighted(enc: Encoded, weights: np.ndarray, start: np.ndarray, max_iter: int):
    """One weighted run from centre codes ``start``: (centres, labels, cost, iterations)."""
    centres = np.array(start, dtype=np.intp)
    k = centres.shape[0]
    dist = distances(enc, centres).astype(np.float64)
    labels = dist.argmin(axis=1)
    cost = float(weights @ dist[np.arange(enc.n), labels])
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        held = np.bincount(labels, weights=weights, minlength=k)
        new = weighted_modes(enc, labels, k, weights)
        for c in np.flatnonzero(held <= 0):  # no weight left: restart at the costliest answer
            worst = int((weights * dist[np.arange(enc.n), labels]).argmax())
            new[c] = enc.codes[worst]
        dist = distances(enc, new).astype(np.float64)
        moved = dist.argmin(axis=1)
        new_cost = float(weights @ dist[np.arange(enc.n), moved])
        if new_cost > cost:  # no better: keep the previous centres
            break
        centres, cost = new, new_cost
        done = np.array_equal(moved, labels)
        labels = moved
        if done:
            break
    return centres, labels, cost, iterations


def fit_weighted(
    enc: Encoded, weights: np.ndarray, *, n_clusters: int, n_init: int, max_iter: int,
    random_state, init: np.ndarray | None = None,
):  # fmt: skip
    """Best of ``n_init`` weighted runs: (centre codes, labels, weighted cost, iterations).

    ``init`` (k x d centre codes): one run from there instead.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if init is not None:
        return run_weighted(enc, weights, init, max_iter)
    seeds = np.random.RandomState(random_state).randint(np.iinfo(np.int32).max, size=n_init)
    best = None
    for seed in seeds:
        rng = np.random.RandomState(seed)
        start = weighted_plusplus(enc, weights, n_clusters, rng)
        result = run_weighted(enc, weights, start, max_iter)
        if best is None or result[2] < best[2]:
            best = result
    return best

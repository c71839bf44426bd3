"""k-prototypes for mixed answers (Huang 1997), in batch form.

The cost is Huang's: squared Euclidean distance on the numeric items plus ``gamma`` times the
number of categorical items answered differently. The kmodes package's ``KPrototypes`` moves
respondents one at a time and updates two means after every move, in a Python loop (minutes for
a few thousand respondents); here the two steps alternate for everyone at once, as in Lloyd's
k-means:

1. seeding by greedy k-means++ (candidate centres drawn with probability proportional to the
   mixed cost to the nearest centre chosen so far, the one that lowers the total cost most
   kept);
2. assign every respondent to its cheapest centre (lowest index on ties);
3. move every centre to its cluster's means (numeric) and modes (categorical, smallest code on
   ties); a cluster left empty takes the respondent with the highest cost;
4. repeat until no respondent changes cluster (or ``max_iter``); the best of ``n_init`` runs by
   cost wins.

With survey weights ``w`` the seeding draws the first centre ∝ ``w`` and the next ∝ ``w x cost``,
the centres are weighted means and weighted modes (weighted counts from ``bincount``), and the
cost is ``sum_i w_i x cost_i``. ``weights=None`` runs the unweighted code unchanged.
"""

from __future__ import annotations

import numpy as np

from personas.segment import _kmodes_data
from personas.segment._kmodes_weighted import weighted_modes


def mixed_cost(num, enc, centres_num, centres_cat, gamma: float) -> np.ndarray:
    """(n, k) cost of every respondent to every centre."""
    cost = np.zeros((num.shape[0], centres_num.shape[0]))
    if num.shape[1]:
        sq = (num**2).sum(axis=1)[:, None] - 2 * num @ centres_num.T
        cost += np.maximum(sq + (centres_num**2).sum(axis=1)[None, :], 0.0)
    if enc is not None and enc.d:
        cost += gamma * _kmodes_data.distances(enc, centres_cat)
    return cost


def kprototypes(
    num,
    enc,
    k: int,
    *,
    gamma: float,
    n_init: int,
    random_state: int,
    max_iter: int = 100,
    weights=None,
    init=None,
):
    """Best of ``n_init`` runs: (labels, numeric centres, categorical centre codes, cost).

    ``init`` (numeric centres, categorical centre codes): one run from there instead.
    """
    seeds = np.random.RandomState(random_state).randint(
        np.iinfo(np.int32).max, size=1 if init is not None else n_init
    )
    best = None
    for seed in seeds:
        rng = np.random.RandomState(seed)
        if weights is None:
            result = _run(num, enc, k, gamma, rng, max_iter, start=init)
        else:
            result = _run_weighted(num, enc, k, gamma, rng, max_iter, weights, start=init)
        if best is None or result[3] < best[3]:
            best = result
    return best


def _seed(num, enc, k, gamma, rng, w=None, trials=None):
    """Greedy k-means++ seeding with the mixed cost; None when fewer than k distinct respondents.

    As scikit-learn's k-means++: each new centre is the best of ``2 + int(ln k)`` candidates
    drawn with probability proportional to (``w`` x) the cost to the nearest centre so far,
    "best" meaning the lowest total cost once it is added. Plain k-means++ (one candidate) often
    starts two centres in one large segment and none in a small one (``trials=1`` is that draw).
    """
    n = num.shape[0]
    trials = trials or 2 + int(np.log(k))
    picks = [rng.randint(n) if w is None else rng.choice(n, p=w / w.sum())]
    nearest = _cost_to(num, enc, picks, gamma)[:, 0]
    for _ in range(1, k):
        score = nearest if w is None else w * nearest
        total = score.sum()
        if total <= 0:
            return None
        candidates = rng.choice(n, size=trials, p=score / total)
        reach = np.minimum(nearest[:, None], _cost_to(num, enc, candidates, gamma))
        potential = reach.sum(axis=0) if w is None else w @ reach
        best = int(potential.argmin())
        picks.append(candidates[best])
        nearest = reach[:, best]
    picks = np.array(picks)
    cat = enc.codes[picks].astype(np.intp) if enc is not None else np.empty((k, 0), np.intp)
    return num[picks].copy(), cat


def _cost_to(num, enc, rows, gamma) -> np.ndarray:
    """(n, len(rows)) mixed cost of every respondent to the respondents ``rows``."""
    cat = enc.codes[rows].astype(np.intp) if enc is not None else None
    return mixed_cost(num, enc, num[rows], cat, gamma)


def _run(num, enc, k, gamma, rng, max_iter, start=None):
    start = _seed(num, enc, k, gamma, rng) if start is None else start
    if start is None:
        return np.zeros(num.shape[0], dtype=np.intp), None, None, np.inf
    centres_num, centres_cat = start
    labels = None
    for _ in range(max_iter):
        cost = mixed_cost(num, enc, centres_num, centres_cat, gamma)
        new = cost.argmin(axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        sizes = np.bincount(labels, minlength=k)
        for c in np.flatnonzero(sizes == 0):  # empty: the costliest respondent starts it again
            worst = int(cost[np.arange(labels.size), labels].argmax())
            labels[worst] = c
            sizes = np.bincount(labels, minlength=k)
        centres_num = _means(num, labels, k, sizes)
        if enc is not None and enc.d:
            centres_cat = _kmodes_data.counts(enc, labels, k).argmax(axis=2)
    cost = mixed_cost(num, enc, centres_num, centres_cat, gamma)
    labels = cost.argmin(axis=1)
    return labels, centres_num, centres_cat, float(cost.min(axis=1).sum())


def _means(num, labels, k, sizes) -> np.ndarray:
    if not num.shape[1]:
        return np.empty((k, 0))
    sums = np.stack(
        [np.bincount(labels, weights=num[:, j], minlength=k) for j in range(num.shape[1])], axis=1
    )
    return sums / np.maximum(sizes, 1)[:, None]


def _run_weighted(num, enc, k, gamma, rng, max_iter, weights, start=None):
    """One weighted run: weighted means and modes, weighted cost."""
    w = np.asarray(weights, dtype=np.float64)
    start = _seed(num, enc, k, gamma, rng, w) if start is None else start
    if start is None:
        return np.zeros(num.shape[0], dtype=np.intp), None, None, np.inf
    centres_num, centres_cat = start
    labels = None
    for _ in range(max_iter):
        cost = mixed_cost(num, enc, centres_num, centres_cat, gamma)
        new = cost.argmin(axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        held = np.bincount(labels, weights=w, minlength=k)
        for c in np.flatnonzero(held <= 0):  # no weight: the costliest respondent restarts it
            worst = int((w * cost[np.arange(labels.size), labels]).argmax())
            labels[worst] = c
            held = np.bincount(labels, weights=w, minlength=k)
        centres_num = _weighted_means(num, labels, k, w, held)
        if enc is not None and enc.d:
            centres_cat = weighted_modes(enc, labels, k, w)
    cost = mixed_cost(num, enc, centres_num, centres_cat, gamma)
    labels = cost.argmin(axis=1)
    return labels, centres_num, centres_cat, float(w @ cost[np.arange(labels.size), labels])


def _weighted_means(num, labels, k, w, held) -> np.ndarray:
    if not num.shape[1]:
        return np.empty((k, 0))
    sums = np.stack(
        [np.bincount(labels, weights=num[:, j] * w, minlength=k) for j in range(num.shape[1])],
        axis=1,
    )
    return sums / np.where(held > 0, held, 1.0)[:, None]

"""Is there cluster structure at all? A permutation test of the chosen k's cost.

The statistic is the gap of Tibshirani, Walther and Hastie (2001) at the chosen k, with
column-permuted data as the reference: each item's answers are shuffled on their own, which
keeps every answer frequency (the marginals) and removes every association between items, i.e.
exactly the data that has no segments. On a sample of ``m = min(n, SAMPLE)`` respondents the
algorithm is fitted at k on the real answers and on ``PERMUTATIONS`` permuted copies;

    gap = mean(log cost_null) - log cost_real,   z = gap / sd(log cost_null)

and the p-value is ``(1 + #{null costs <= real cost}) / (1 + PERMUTATIONS)`` (so never below
``1 / (1 + PERMUTATIONS)``: a handful of permutations cannot give more). The segments are
*clear* when the real clustering is tighter than every permuted one, by a margin: ``z >=
Z_MIN`` and ``gap >= GAP_MIN`` (the clustering removes at least 2% more cost than it does on
structureless data with the same answer rates). Otherwise the run reports "no clear segments".
Cost: ``1 + PERMUTATIONS`` fits at one k on at most ``SAMPLE`` respondents. With survey
weights the test stays unweighted, on the respondents as sampled: it asks whether the answers
are associated at all, which reweighting neither creates nor removes (a sample drawn with
replacement in proportion to the weights would repeat rows, which no permuted copy repeats,
and so make every weighted wave look clustered).
"""

from __future__ import annotations

import numpy as np

from personas.segment import _kmodes_data
from personas.segment._fit import FitFailed, fit
from personas.segment._space import Space

PERMUTATIONS = 5
SAMPLE = 2_000
Z_MIN = 3.0
GAP_MIN = 0.02


def _reshuffled(space: Space, columns: np.ndarray) -> Space:
    """``space`` with item j of row i taken from row ``columns[i, j]`` (one shuffle per item)."""
    d = columns.shape[1]
    enc = None
    if space.enc is not None:
        cat = space.categorical
        moved = space.enc.codes[columns[:, cat], np.arange(cat.size)[None, :]]
        enc = _kmodes_data.prepare(moved, space.enc.n_cats)
    codes = (
        np.empty((columns.shape[0], 0))
        if space.method == "kmodes"
        else space.codes[columns, np.arange(d)[None, :]]
    )
    return Space(space.method, space.items, space.types, codes, space.lo, space.hi,
                 space.numeric, space.categorical, space.gamma, enc, space.categories)  # fmt: skip


def structure_test(
    space: Space,
    k: int,
    *,
    n_init: int,
    random_state: int,
    permutations: int = PERMUTATIONS,
    sample: int = SAMPLE,
) -> dict:
    """The gap of the k-clustering against column-permuted data (see the module docstring).

    Returns a JSON-ready dict: ``k, permutations, sample, gap, z, p_value, clear`` (and
    ``statistic``, ``reference``); ``clear`` is None when the fits failed.
    """
    rng = np.random.default_rng([random_state, 13])
    m = min(space.n, sample)
    index = np.sort(rng.choice(space.n, m, replace=False)) if m < space.n else np.arange(m)
    d = len(space.items)
    out = {"statistic": "gap (log cost) at the chosen k", "reference": "column-permuted answers",
           "k": int(k), "permutations": int(permutations), "sample": int(m)}  # fmt: skip
    try:
        real = fit(space.rows(index), k, random_state=random_state, n_init=n_init).cost
        null = []
        for _ in range(permutations):
            columns = np.column_stack([rng.permutation(index) for _ in range(d)])
            seed = int(rng.integers(2**31 - 1))
            null.append(fit(_reshuffled(space, columns), k, random_state=seed, n_init=n_init).cost)
    except FitFailed:
        return {**out, "gap": None, "z": None, "p_value": None, "clear": None}
    logs = np.log(np.maximum(null, 1e-12))
    gap = float(logs.mean() - np.log(max(real, 1e-12)))
    sd = float(logs.std(ddof=1)) if permutations > 1 else 0.0
    z = gap / sd if sd > 0 else (float("inf") if gap > 0 else 0.0)
    p = (1 + int((np.asarray(null) <= real).sum())) / (1 + permutations)
    clear = bool(z >= Z_MIN and gap >= GAP_MIN)
    z_out = round(z, 2) if np.isfinite(z) else None
    return {**out, "gap": round(gap, 4), "z": z_out, "p_value": round(p, 4), "clear": clear}

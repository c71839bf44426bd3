"""Raking (iterative proportional fitting, Deming & Stephan 1940), in a few lines of numpy.

Each respondent belongs to one category of every margin (age group, gender, region, ...).
Starting from equal weights (or base weights), each pass visits the margins in turn and
multiplies the weight of everyone in category ``c`` by ``target share of c / current weighted
share of c``, so that margin matches exactly; later margins disturb earlier ones a little, less
with every pass. It stops when every category's weighted share is within ``tolerance`` of its
target (*converged*) or after ``max_iterations`` passes (not converged: the margins may
contradict each other, e.g. a cell the targets need is empty). The weights are scaled to mean 1
(they sum to the number of respondents).

Weighted shares come from one ``np.bincount`` with weights per margin, so a pass costs
O(n x margins) and never loops over respondents. Because every update multiplies by a factor
of one category, the final weight of a respondent is a product of one factor per margin
(``RakeResult.factors``): anyone with the same categories gets the same weight, which is how
``personas weight`` also weights respondents that cleaning sets aside.

The library route was considered: ``samplics`` (0.6) raking works, but the package is archived
and warns on import that it is no longer maintained, and it pulls polars and statsmodels into
the environment; this IPF is the textbook algorithm and is checked against a hand computation
in ``tests/test_raking.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RakeResult", "rake"]


@dataclass(frozen=True)
class RakeResult:
    """Raking weights and how they were reached.

    ``weights`` (n,) mean 1; ``factors``: per margin, one multiplier per category (the weight
    of a respondent is ``base * prod of its categories' factors * scale``, ``scale`` the
    normalisation); ``iterations``; ``converged``; ``max_error``: the largest |weighted share
    - target| left; ``deff``: Kish's design effect ``n * sum w^2 / (sum w)^2``; ``n_eff``.
    """

    weights: np.ndarray
    factors: tuple[np.ndarray, ...]
    scale: float
    iterations: int
    converged: bool
    max_error: float
    deff: float
    n_eff: float


def rake(
    codes: list[np.ndarray],
    targets: list[np.ndarray],
    *,
    base: np.ndarray | None = None,
    max_iterations: int = 100,
    tolerance: float = 1e-4,
) -> RakeResult:
    """Rake weights so each margin's weighted shares match ``targets``.

    Parameters
    ----------
    codes
        Per margin, the category of each respondent as ``0 .. m-1`` (int arrays of length n).
    targets
        Per margin, the population share of each category (length m, adding up to 1).
    base
        Starting weights (default: all 1).
    max_iterations, tolerance
        Passes over the margins at most; the largest share error accepted as converged.

    Examples
    --------
    Two margins, five respondents: sex (f, f, f, m, m) raked to 50/50 and age (young, old,
    old, young, old) to 40/60.

    >>> result = rake([np.array([0, 0, 0, 1, 1]), np.array([0, 1, 1, 0, 1])],
    ...               [np.array([0.5, 0.5]), np.array([0.4, 0.6])])
    >>> result.converged, np.round(result.weights, 3).tolist()
    (True, [0.795, 0.853, 0.853, 1.205, 1.294])
    """
    n = codes[0].size if codes else 0
    w = np.ones(n) if base is None else np.asarray(base, dtype=np.float64).copy()
    factors = [np.ones(len(t)) for t in targets]
    targets = [np.asarray(t, dtype=np.float64) / np.sum(t) for t in targets]
    iterations, error = 0, _error(w, codes, targets)
    while error > tolerance and iterations < max_iterations:
        iterations += 1
        for m, (c, t) in enumerate(zip(codes, targets, strict=True)):
            share = np.bincount(c, weights=w, minlength=t.size) / w.sum()
            step = np.divide(t, share, out=np.zeros_like(t), where=share > 0)
            w *= step[c]
            factors[m] *= step
        error = _error(w, codes, targets)
    scale = n / w.sum() if w.sum() > 0 else 1.0
    w = w * scale
    squares = float((w**2).sum())
    n_eff = float(w.sum() ** 2 / squares) if squares > 0 else 0.0
    return RakeResult(
        weights=w,
        factors=tuple(factors),
        scale=float(scale),
        iterations=iterations,
        converged=bool(error <= tolerance),
        max_error=float(error),
        deff=float(n / n_eff) if n_eff > 0 else float("inf"),
        n_eff=n_eff,
    )


def _error(w: np.ndarray, codes, targets) -> float:
    """The largest |weighted share - target| over every category of every margin."""
    if w.sum() <= 0:
        return float("inf")
    worst = 0.0
    for c, t in zip(codes, targets, strict=True):
        share = np.bincount(c, weights=w, minlength=t.size) / w.sum()
        worst = max(worst, float(np.abs(share - t).max()))
    return worst

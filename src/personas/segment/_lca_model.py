"""A latent class model as plain JSON, and its posteriors computed with numpy.

The model of an LCA run (``method: "lca"`` in ``model.json``) holds, besides the common keys
(items, types, k, centres), the class weights ``class_weights`` (k numbers, segment 1 first)
and, per item, the answer codes ``categories[item]`` and the probability of each answer in
each class ``probabilities[item]`` (k rows of one probability per code). These are the
parameters StepMix estimated (class weights and the per-item category probabilities of its
``categorical`` measurement model), rounded to 6 places as every run file is, with every
probability floored at ``FLOOR`` so that an answer never seen in a class is unlikely, not
impossible.

The posterior probability of class c given answers x is

    P(c | x) ∝ w_c · Π_j p_c,j(x_j)

over the answered items j (a missing answer leaves the product unchanged, as StepMix's
``categorical_nan`` model does). :func:`posteriors` computes it in log space, one item at a
time (a gather of k numbers per respondent), never looping over respondents. It is the only
code that turns a model into memberships: the run's own labels and ``personas assign`` both
use it, so assigning the run's own respondents gives the run's labels.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp

__all__ = [
    "FLOOR",
    "encode",
    "posteriors",
    "log_likelihood",
    "parameters",
    "assign_lca",
    "uncertainty",
]

#: The smallest probability stored for an answer in a class (StepMix may estimate 0).
FLOOR = 1e-6


def encode(codes: np.ndarray, categories: list[np.ndarray]) -> np.ndarray:
    """Answer codes (n, d) as positions in each item's ``categories``; -1 for missing or unknown."""
    out = np.full(codes.shape, -1, dtype=np.int64)
    for j, cats in enumerate(categories):
        column = codes[:, j]
        pos = np.searchsorted(cats, column).clip(0, max(len(cats) - 1, 0))
        known = (
            np.isfinite(column) & (cats[pos] == column)
            if len(cats)
            else np.zeros_like(column, dtype=bool)
        )
        out[known, j] = pos[known]
    return out


def _log_joint(weights: np.ndarray, probs: list[np.ndarray], index: np.ndarray) -> np.ndarray:
    """(n, k) log w_c + Σ_j log p_c,j(x_j); missing answers (-1) add nothing."""
    joint = np.tile(np.log(weights), (index.shape[0], 1))
    for j, table in enumerate(probs):
        logs = np.log(table).T  # (m_j, k)
        answered = index[:, j] >= 0
        joint[answered] += logs[index[answered, j]]
    return joint


def posteriors(model: dict, codes: np.ndarray) -> np.ndarray:
    """(n, k) posterior class probabilities of answer ``codes`` (columns = model items)."""
    weights, probs, categories = _arrays(model)
    joint = _log_joint(weights, probs, encode(codes, categories))
    return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))


def log_likelihood(
    weights: np.ndarray,
    probs: list[np.ndarray],
    index: np.ndarray,
    sample_weight: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """The (weighted) log-likelihood of encoded answers and the (n, k) posteriors."""
    joint = _log_joint(weights, probs, index)
    rows = logsumexp(joint, axis=1)
    post = np.exp(joint - rows[:, None])
    total = float(rows.sum() if sample_weight is None else (sample_weight * rows).sum())
    return total, post


def parameters(estimator, n_categories: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Class weights (k,) and per-item (k, m_j) answer probabilities of a fitted StepMix."""
    found = estimator.get_parameters()
    weights = np.asarray(found["weights"], dtype=np.float64)
    pis = np.asarray(found["measurement"]["pis"], dtype=np.float64)
    k, width = pis.shape[0], pis.shape[1] // len(n_categories)
    blocks = pis.reshape(k, len(n_categories), width)
    probs = []
    for j, m in enumerate(n_categories):
        table = np.zeros((k, m))
        used = min(m, width)
        table[:, :used] = blocks[:, j, :used]
        probs.append(table)
    return weights, probs


def rounded(weights: np.ndarray, probs: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The parameters as the model file stores them: 6 places, floored at :data:`FLOOR`."""

    def keep(values):
        return np.maximum(np.round(values, 6), FLOOR)

    return keep(weights), [keep(t) for t in probs]


def _arrays(model: dict):
    items = model["items"]
    weights = np.asarray(model["class_weights"], dtype=np.float64)
    probs = [np.asarray(model["probabilities"][q], dtype=np.float64) for q in items]
    categories = [np.asarray(model["categories"][q], dtype=np.float64) for q in items]
    return weights, probs, categories


def assign_lca(model: dict, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segment ids (the most probable class, ties to the lower id) and 1 − that posterior."""
    post = posteriors(model, codes)
    labels = post.argmax(axis=1)
    return labels.astype(np.int64) + 1, uncertainty(post[np.arange(post.shape[0]), labels])


def uncertainty(best: np.ndarray) -> np.ndarray:
    """1 − the posterior of the class given, to 6 places (as the run files store it)."""
    return np.round(1.0 - best, 6)


def percentiles(labels: np.ndarray, distances: np.ndarray, k: int) -> dict:
    """The 50th/95th percentiles of 1 − posterior as values that occur (``method="higher"``),
    so that 6 places hold them exactly and at most 5% of the run's own respondents lie above
    the 95th (most are at 0: the far flag must not hinge on rounding)."""

    def pct(values):
        if values.size == 0:
            return {"50": None, "95": None}
        p50, p95 = np.percentile(values, [50, 95], method="higher")
        return {"50": float(p50), "95": float(p95)}

    return {
        "overall": pct(distances),
        "segments": {str(s): pct(distances[labels == s]) for s in range(1, k + 1)},
    }


def one_class_bic(
    index: np.ndarray, n_categories: list[int], sample_weight: np.ndarray | None = None
) -> float:
    """BIC of a single class (every answer independent: no segments), in closed form.

    Its answer probabilities are the (weighted) answer shares; its free parameters are counted
    as StepMix counts them (per item, the largest answer position seen).
    """
    n = index.shape[0]
    w = np.ones(n) if sample_weight is None else sample_weight
    probs, free = [], 0
    for j, m in enumerate(n_categories):
        answered = index[:, j] >= 0
        counts = np.bincount(index[answered, j], weights=w[answered], minlength=m)
        probs.append(np.maximum(counts / max(counts.sum(), 1e-300), FLOOR)[None, :])
        free += int(index[answered, j].max()) if answered.any() else 0
    loglik, _ = log_likelihood(np.ones(1), probs, index, sample_weight)
    return -2 * loglik + free * math.log(n)

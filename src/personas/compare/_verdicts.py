"""From a similarity matrix to verdicts: Hungarian matching plus thresholds.

The rules (``S`` = similarity of persona × segment, ``confirm`` = the threshold):

1. **Matching.** :func:`scipy.optimize.linear_sum_assignment` pairs personas and segments one
   to one, maximising first the *number* of pairs with ``S >= confirm`` and then the total
   similarity (weight ``[S >= confirm] + S / (n + 1)``: the second term can never outweigh one
   more supported pair). A persona matched with ``S >= confirm`` *owns* that segment. Because
   the count is maximised, a persona left without a segment of its own has every segment it
   reaches the threshold with owned by another persona.
2. **unsupported**: no segment reaches ``confirm``.
3. **merged**: a persona without a segment of its own joins its best segment (highest ``S``)
   and that segment's owner; every persona of such a group is *merged*, and each names the
   others. Merged wins over split: whether a persona stands on its own is the first question.
4. **split**: a persona owns a segment and is also the closest persona (highest ``S``) of at
   least one more segment that nobody owns, each at ``S >= confirm``.
5. **confirmed**: a persona that owns exactly one segment and nothing else.
6. **new segments**: segments no persona reaches ``confirm`` with.

Every segment is then exactly one of: owned (by one persona, or by a merged group), part of a
split, or new. Segment labels only index columns, so permuting them permutes the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["Decision", "decide"]


@dataclass
class Decision:
    """Positional outcome (persona / segment *indices*), turned into records by the caller."""

    match: np.ndarray
    best: np.ndarray
    verdict: list[str]
    segments: list[list[int]]
    merged_with: list[list[int]]
    groups: dict[int, list[int]] = field(default_factory=dict)
    extras: dict[int, int] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)

    def personas_of(self, k: int) -> list[int]:
        """The personas segment ``k`` stands for (empty for a new segment)."""
        if k in self.groups:
            return self.groups[k]
        if k in self.extras:
            return [self.extras[k]]
        return []


def _matching(s: np.ndarray, confirm: float) -> np.ndarray:
    n_p, n_k = s.shape
    match = np.full(n_p, -1)
    if n_p == 0 or n_k == 0:
        return match
    weight = (s >= confirm).astype(float) + s / (min(n_p, n_k) + 1)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    match[rows] = cols
    return match


def _best_segments(s: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Each persona's most similar segment; exact ties go to the larger segment."""
    if s.shape[1] == 0:
        return np.full(s.shape[0], -1)
    ties = np.broadcast_to(-shares, s.shape)
    return np.lexsort((ties, -s), axis=1)[:, 0]


def decide(similarity: np.ndarray, shares: np.ndarray, *, confirm: float) -> Decision:
    """Verdicts from a personas × segments similarity matrix (NaN = no common question)."""
    s = np.nan_to_num(np.asarray(similarity, dtype=float), nan=0.0)
    n_p, n_k = s.shape
    supported = s >= confirm
    match = _matching(s, confirm)
    best = _best_segments(s, np.asarray(shares, dtype=float))
    groups: dict[int, list[int]] = {}
    for p in range(n_p):
        if match[p] >= 0 and supported[p, match[p]]:
            groups.setdefault(int(match[p]), []).append(p)
    owners = {p for members in groups.values() for p in members}
    for p in range(n_p):
        if p not in owners and supported[p].any():
            groups.setdefault(int(best[p]), []).append(p)
    for members in groups.values():
        members.sort()
    extras: dict[int, int] = {}
    for k in range(n_k):
        if k not in groups and n_p and supported[:, k].any():
            extras[k] = int(np.argmax(s[:, k]))
    new = [k for k in range(n_k) if k not in groups and k not in extras]
    decision = Decision(match, best, [], [], [], groups, extras, new)
    for p in range(n_p):
        _judge(decision, p, supported[p].any())
    return decision


def _judge(d: Decision, p: int, supported: bool) -> None:
    own = sorted(k for k, members in d.groups.items() if p in members)
    mine = sorted(own + [k for k, q in d.extras.items() if q == p])
    partners = sorted({q for k in own for q in d.groups[k] if q != p})
    if not supported:
        verdict, mine = "unsupported", []
    elif partners:
        verdict = "merged"
    elif len(mine) >= 2:
        verdict = "split"
    else:
        verdict = "confirmed"
    d.verdict.append(verdict)
    d.segments.append(mine)
    d.merged_with.append(partners)

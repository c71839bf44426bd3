"""The order in which a survey shows its questions, and how it splits into pages.

Items are shuffled with a seeded generator, then laid out so that two items of the same tension
*and* pole never sit next to each other whenever some order allows it (neighbouring items that
ask the same thing invite answering by momentum). Attention checks are then spread through the
middle of the survey, never first or last.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from personas.instrument.model import Question

__all__ = ["arrange", "paginate"]


def _group(question: Question) -> tuple:
    """Items that must not be neighbours share a group: same tension and pole."""
    if question.tension is None:
        return ("", question.id)  # no tension: never clashes with anything
    return (question.tension, question.pole)


def _feasible(counts: Counter, previous: tuple) -> bool:
    """Can ``counts`` be laid out with no equal neighbours, not starting with ``previous``?"""
    total = sum(counts.values())
    for group, n in counts.items():
        limit = total // 2 if group == previous else math.ceil(total / 2)
        if n > limit:
            return False
    return True


def _interleave(items: list[Question], rng: np.random.Generator) -> list[Question]:
    """Order ``items`` (already shuffled) so equal groups are never adjacent where avoidable.

    Each step takes, in a random order of groups, the first group that differs from the
    previous one and leaves a feasible remainder. When none does (the input has too many items
    of one group), it takes the largest other group, which keeps the clashes to the minimum.
    """
    queues: dict[tuple, list[Question]] = {}
    for item in items:
        queues.setdefault(_group(item), []).append(item)
    counts = Counter({g: len(q) for g, q in queues.items()})
    order: list[Question] = []
    previous: tuple | None = None
    while len(order) < len(items):
        live = [g for g in queues if counts[g] > 0]
        candidates = [live[i] for i in rng.permutation(len(live)) if live[i] != previous]
        chosen = None
        for group in candidates:
            counts[group] -= 1
            ok = _feasible(counts, group)
            counts[group] += 1
            if ok:
                chosen = group
                break
        if chosen is None:
            others = sorted(candidates, key=lambda g: -counts[g])
            chosen = others[0] if others else previous
        counts[chosen] -= 1
        order.append(queues[chosen].pop(0))
        previous = chosen
    return order


def arrange(questions: tuple[Question, ...], *, random_state: int = 0) -> list[Question]:
    """The survey order: items shuffled and interleaved, attention checks spread in between.

    With ``k`` attention checks among ``n`` items, check ``j`` (in file order) follows item
    ``round(j * n / (k + 1))``, clamped so it is never first or last when ``n >= 2``: two checks
    land at about one third and two thirds of the survey.
    """
    rng = np.random.default_rng(random_state)
    items = [q for q in questions if not q.is_attention_check]
    checks = [q for q in questions if q.is_attention_check]
    shuffled = [items[i] for i in rng.permutation(len(items))]
    order = _interleave(shuffled, rng)
    n, k = len(order), len(checks)
    slots = [round(j * n / (k + 1)) for j in range(1, k + 1)]
    if n >= 2:
        slots = [min(max(s, 1), n - 1) for s in slots]
    # insert from the back (and later checks first) so earlier slots stay valid
    for slot, _, check in sorted(zip(slots, range(k), checks, strict=True), reverse=True):
        order.insert(slot, check)
    return order


def paginate(order: list[Question], *, per_page: int = 8) -> list[list[Question]]:
    """Split the order into pages of at most ``per_page`` questions, as even as possible."""
    if not order:
        return []
    n_pages = math.ceil(len(order) / per_page)
    bounds = np.linspace(0, len(order), n_pages + 1).round().astype(int)
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

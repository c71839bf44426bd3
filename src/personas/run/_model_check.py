"""The arrays of ``model.json`` that :class:`~personas.run.schema.Model` leaves unchecked.

``personas assign`` and ``--baseline`` compute with the centres, the numeric / categorical
column positions, the scaling of numeric items, k-prototypes' ``gamma`` and the distance
percentiles. A damaged file must be refused naming the field, not fail inside numpy (found by
``tests/test_fuzz.py``: a ragged ``centers`` row gave "inhomogeneous shape", exit code 1).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from personas.errors import Problem
from personas.run.schema import REWRITE_HINT

__all__ = ["model_problems"]


def model_problems(model: dict, *, file: str) -> list[Problem]:
    """Every problem with the computed fields of a ``model.json`` (empty: none, or no model)."""
    if not model:
        return []
    items = model.get("items")
    if not isinstance(items, list) or not all(isinstance(q, str) for q in items):
        return [_problem(file, "items", "expected a list of question ids")]
    problems: list[Problem] = []
    _check_centers(model, len(items), file, problems)
    positions = {}
    for key in ("numeric", "categorical"):
        value = model.get(key, [])
        if not (isinstance(value, list) and all(_index(j, len(items)) for j in value)):
            problems.append(_problem(file, key, f"expected positions 0..{len(items) - 1}"))
        else:
            positions[key] = value
    for j in positions.get("numeric", []):
        scale = (model.get("scaling") or {}) if isinstance(model.get("scaling"), dict) else {}
        pair = scale.get(items[j])
        if not (isinstance(pair, list) and len(pair) == 2 and all(map(_finite, pair))
                and pair[1] > pair[0]):  # fmt: skip
            problems.append(_problem(file, f"scaling.{items[j]}", "expected [low, high]"))
    if model.get("method") == "kprototypes" and not _finite(model.get("gamma")):
        problems.append(_problem(file, "gamma", "expected a number"))
    if not _percentiles(model.get("distance_percentiles", {})):
        problems.append(
            _problem(file, "distance_percentiles", "expected {overall: {95: number}, ...}")
        )
    return problems


def _check_centers(model: dict, d: int, file: str, problems: list[Problem]) -> None:
    k = model.get("k")
    try:
        centers = np.asarray(model.get("centers"), dtype=np.float64)
    except (TypeError, ValueError):
        centers = None
    shape_ok = centers is not None and centers.ndim == 2 and centers.shape == (k, d)
    if not shape_ok:
        problems.append(_problem(file, "centers", f"expected {k} rows of {d} numbers"))
    elif not np.isfinite(centers).all():
        problems.append(_problem(file, "centers", "holds a value that is not a finite number"))


def _percentiles(value) -> bool:
    if not isinstance(value, dict):
        return False
    overall = value.get("overall", {})
    segments = value.get("segments", {})
    if not isinstance(overall, dict) or not isinstance(segments, dict):
        return False
    tables = [overall, *segments.values()]
    if not all(
        isinstance(t, dict) and all(v is None or _number(v) for v in t.values()) for t in tables
    ):
        return False
    return all(_integer_text(key) for key in segments)


def _integer_text(key) -> bool:
    try:
        int(key)
    except (TypeError, ValueError):
        return False
    return True


def _number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _number_or_none(value) -> bool:
    return value is None or _number(value)


def _finite(value) -> bool:
    return _number(value) and math.isfinite(value)


def _index(value, n: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n


def _problem(file: str, path: str, message: str) -> Problem:
    return Problem(f"{path}: {message}", file=file, hint=REWRITE_HINT, code="run-model")

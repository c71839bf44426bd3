"""Respondent weights: read the weight column, refuse bad weights, flag extreme ones.

A survey weight says how many people of the population a respondent stands for. The column is
named by ``data.weight_column`` in the instrument (or ``--weights COLUMN`` on ``personas
run``). Every weight must be a finite number >= 0; a negative, missing or non-numeric weight is
an :class:`~personas.errors.InputError` listing every such row (file, row, column, value), and
so are weights that are zero for everyone (nothing would be left to count). A zero weight for
some respondents is allowed: they are read and cleaned but count for nothing in shares.
Weights above :data:`EXTREME` times the median are usable but suspicious: one respondent then
moves a share by as much as ten typical ones, so a :class:`~personas.errors.DataWarning` says
how many there are and the journal repeats it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from personas.errors import DataWarning, InputError, Problem
from personas.io._coerce import MissingCodes, coerce_numbers

__all__ = ["EXTREME", "read_weights", "weight_facts", "extreme_note"]

EXTREME = 10.0  # a weight above this many times the median is flagged
_SHOWN = 50  # bad rows listed one by one; more are summarised in one more problem


def read_weights(
    column: pd.Series,
    *,
    index: pd.Index,
    rows: np.ndarray,
    name: str,
    file: str,
    missing: MissingCodes,
) -> pd.Series:
    """The weights (float64, indexed like the respondents), or an :class:`InputError`.

    ``column`` is the raw weight column, ``rows`` the spreadsheet row of each cell, ``name``
    the column's name (for the messages). Warns (:class:`DataWarning`) about extreme weights.
    """
    coerced = coerce_numbers(column, missing=missing)
    values = coerced.codes
    raw = column.to_numpy(dtype=object)
    why = np.full(len(values), "", dtype=object)
    why[np.isnan(values)] = "missing weight"
    why[coerced.bad] = "not a number"
    why[~np.isnan(values) & (values < 0)] = "negative weight"
    bad = np.flatnonzero(why != "")
    problems = [
        Problem(
            f"{why[i]}: a weight must be a number >= 0",
            file=file,
            line=int(rows[i]),
            column=name,
            value=None if why[i] == "missing weight" else raw[i],
            hint="fix the weight in the file, or leave out data.weight_column / --weights "
            "for an unweighted run",
            code="bad-weight",
        )
        for i in bad[:_SHOWN]
    ]
    if bad.size > _SHOWN:
        problems.append(
            Problem(
                f"{bad.size - _SHOWN:,} more rows have bad weights (rows "
                f"{', '.join(str(int(r)) for r in rows[bad[_SHOWN : _SHOWN + 10]])} ...)",
                file=file,
                column=name,
                code="bad-weight",
            )
        )
    if not problems and len(values) and not (values > 0).any():
        problems.append(
            Problem(
                "every weight is zero: nobody would count",
                file=file,
                column=name,
                hint="check that data.weight_column (--weights) names the weight column",
                code="zero-weights",
            )
        )
    if problems:
        raise InputError(problems)
    weights = pd.Series(values, index=index, name="weight")
    note = extreme_note(weights, name=name)
    if note:
        warnings.warn(f"{file}: {note}", DataWarning, stacklevel=4)
    return weights


def extreme_note(weights: pd.Series, *, name: str) -> str | None:
    """A sentence about weights above ``EXTREME`` x the median, or None when there are none."""
    values = weights.to_numpy(dtype=np.float64)
    positive = values[values > 0]
    if positive.size == 0:
        return None
    median = float(np.median(positive))
    extreme = values > EXTREME * median
    if not extreme.any():
        return None
    count = int(extreme.sum())
    who = "1 respondent has" if count == 1 else f"{count:,} respondents have"
    return (
        f"{who} a weight above {EXTREME:g} times the median ({median:.3g}) in column "
        f"{name!r} (largest {values.max():.3g}): each counts as much as "
        f"{values.max() / median:.0f} typical respondents; consider trimming the weights"
    )


def weight_facts(weights: pd.Series | np.ndarray) -> dict:
    """What a report says about weights: range, sum, Kish effective n and design effect.

    ``n_eff = (sum w)^2 / sum w^2`` (Kish 1965) is the number of unweighted respondents that
    would give shares as precise as these weighted ones; ``deff = n / n_eff``.

    Examples
    --------
    >>> facts = weight_facts(np.array([1.0, 1.0, 2.0, 4.0]))
    >>> facts["n_eff"], facts["deff"]
    (2.9091, 1.375)
    """
    w = np.asarray(weights, dtype=np.float64)
    total, squares = float(w.sum()), float((w**2).sum())
    n_eff = total**2 / squares if squares > 0 else 0.0
    positive = w[w > 0]
    return {
        "n": int(w.size),
        "sum": round(total, 6),
        "min": float(w.min()) if w.size else None,
        "max": float(w.max()) if w.size else None,
        "median": float(np.median(positive)) if positive.size else None,
        "zero": int((w == 0).sum()),
        "n_eff": round(n_eff, 4),
        "deff": round(w.size / n_eff, 4) if n_eff > 0 else None,
    }

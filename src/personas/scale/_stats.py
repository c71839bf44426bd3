"""Dataset-wide values computed from per-partition counts, exactly as the in-memory path does.

Two cleaning steps look at the whole file, not one row: the speeder threshold (a third of the
median duration, when ``min_duration_seconds`` is unset) and the imputation (each item's mode
or median over the kept respondents, :func:`personas.cleaning.impute.fill_value`). Over
partitions each partition sends ``value, count`` pairs; summed, they give the same median and
mode as the whole column would, with memory bounded by the number of distinct values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from personas.instrument.model import Question

__all__ = ["fill_values", "median_from_counts"]


def _at(values: np.ndarray, cumulative: np.ndarray, position: int) -> float:
    """The value at ``position`` (0-based) of the sorted column the counts describe."""
    return float(values[np.searchsorted(cumulative, position, side="right")])


def median_from_counts(values: np.ndarray, counts: np.ndarray) -> float:
    """``np.median`` of the column holding each of ``values`` ``counts`` times (NaN if empty).

    >>> median_from_counts(np.array([3.0, 1.0, 2.0]), np.array([1, 2, 1]))
    1.5
    """
    order = np.argsort(values, kind="stable")
    values, cumulative = values[order], np.cumsum(counts[order])
    n = int(cumulative[-1]) if len(cumulative) else 0
    if n == 0:
        return float("nan")
    low, high = _at(values, cumulative, (n - 1) // 2), _at(values, cumulative, n // 2)
    return float(np.mean(np.array([low, high])))


def _fill_one(values: np.ndarray, counts: np.ndarray, question: Question) -> float:
    keep = counts > 0
    values, counts = values[keep], counts[keep]
    if len(values) == 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    if question.type in ("boolean", "choice"):
        return float(values[np.argmax(counts)])  # the first maximum: ties go to the smaller code
    if question.type == "likert":  # np.quantile(..., 0.5, method="lower")
        n = int(counts.sum())
        return _at(values, np.cumsum(counts), int(np.floor(0.5 * (n - 1))))
    return median_from_counts(values, counts)


def fill_values(counts: pd.DataFrame, questions: list[Question]) -> tuple[dict, dict]:
    """``(fills, record)`` from summed ``item, value, count`` (NaN value = missing count).

    ``fills`` maps each item with missing kept answers to its fill value; ``record`` is what
    ``CleanResponses.imputation`` would say for the whole dataset (``rule``, ``cells``,
    ``by_question``, ``values``, ``unfilled``).
    """
    totals = counts.groupby(["item", "value"], dropna=False)["count"].sum().reset_index()
    fills, record = {}, {"rule": "auto", "cells": 0, "by_question": {}, "values": {}}
    unfilled = []
    for question in questions:
        rows = totals[totals["item"] == question.id]
        holes = int(rows.loc[rows["value"].isna(), "count"].sum())
        if holes == 0:
            continue
        known = rows[rows["value"].notna()]
        fill = _fill_one(known["value"].to_numpy(float), known["count"].to_numpy(int), question)
        if np.isnan(fill):
            unfilled.append(question.id)
            continue
        fills[question.id] = fill
        record["by_question"][question.id] = holes
        record["values"][question.id] = fill
    record["cells"] = int(sum(record["by_question"].values()))
    if unfilled:
        record["unfilled"] = unfilled
    return fills, record

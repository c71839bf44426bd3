"""Fill the missing answers that survive cleaning, or keep them, and record what was done.

``impute="auto"`` fills each item's missing answers with one value computed from the *kept*
respondents:

* boolean and choice items: the mode (most frequent code; ties go to the smaller code, so the
  result never depends on row order);
* likert items: the lower median (always a point of the scale);
* number items: the median.

``impute="none"`` keeps NaN for algorithms that handle missing answers themselves. Either way
``CleanResponses.imputation`` says what happened: ``rule``, ``cells`` filled, ``by_question``
and ``values`` filled per item, ``methods`` used, and ``missing`` left afterwards.
An item nobody answered cannot be filled: it stays NaN, is listed under ``unfilled`` and a
:class:`~personas.errors.DataWarning` is issued.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from personas.errors import DataWarning
from personas.instrument.model import Instrument, Question

__all__ = ["impute", "fill_missing", "fill_value", "question_and_column"]

_METHODS = {"boolean": "mode", "choice": "mode", "likert": "lower median", "number": "median"}


def impute(
    answers: pd.DataFrame, instrument: Instrument, *, rule: str
) -> tuple[pd.DataFrame, dict]:
    """Return ``(filled answers, record)``; ``answers`` itself is never modified."""
    values = np.array(answers.to_numpy(dtype=float), dtype=float, order="F")  # a copy
    questions = [instrument.question(column) for column in answers.columns]
    record = fill_missing(values, questions, rule=rule)
    filled = pd.DataFrame(
        values, index=answers.index.copy(), columns=answers.columns.copy(), copy=False
    )
    return filled, record


def fill_missing(
    values: np.ndarray, questions: list[Question], *, rule: str, columns: dict | None = None
) -> dict:
    """Fill ``values`` (respondents x ``questions``) *in place*; return the record.

    ``columns`` (question id -> raw column of the file) lets the warning about an item nobody
    answered name the export's column as well as the question id.
    """
    record = {"rule": rule, "cells": 0, "by_question": {}, "values": {}, "methods": {}}
    if rule != "none":
        unfilled = []
        for j, question in enumerate(questions):
            holes = np.isnan(values[:, j])
            if not holes.any():
                continue
            fill = fill_value(values[:, j], question)
            if np.isnan(fill):
                unfilled.append(question.id)
                continue
            values[holes, j] = fill
            record["by_question"][question.id] = int(holes.sum())
            record["values"][question.id] = float(fill)
            record["methods"][question.id] = _METHODS[question.type]
        record["cells"] = int(sum(record["by_question"].values()))
        if unfilled:
            record["unfilled"] = unfilled
            warnings.warn(
                "no kept respondent answered "
                + ", ".join(question_and_column(q, columns) for q in unfilled)
                + "; their answers stay missing",
                DataWarning,
                stacklevel=3,
            )
    record["missing"] = int(np.isnan(values).sum())
    return record


def question_and_column(question_id: str, columns: dict | None) -> str:
    """``'q3'`` or, when the file's column is named otherwise, ``'q3' (column 'Q3_1')``.

    Examples
    --------
    >>> question_and_column("q3", {"q3": "Q3_1"}), question_and_column("q1", {"q1": "q1"})
    ("'q3' (column 'Q3_1')", "'q1'")
    """
    column = (columns or {}).get(question_id)
    if column is None or column == question_id:
        return repr(question_id)
    return f"{question_id!r} (column {column!r})"


def fill_value(values: np.ndarray, question: Question) -> float:
    """The value that fills ``question``'s missing answers (NaN if nobody answered)."""
    known = values[~np.isnan(values)]
    if len(known) == 0:
        return float("nan")
    if question.type in ("boolean", "choice"):
        counts = np.bincount(known.astype(np.intp))
        return float(np.argmax(counts))  # argmax takes the first: ties go to the smaller code
    if question.type == "likert":
        return float(np.quantile(known, 0.5, method="lower"))
    return float(np.median(known))

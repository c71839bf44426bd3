"""Draft from an SPSS ``.sav`` / ``.zsav`` or Stata ``.dta`` file: its own metadata.

Read with pyreadstat: variable labels become question texts, value labels the type (see
:mod:`personas.draft._infer`), SPSS user-missing codes (discrete values and ranges) and labels
that mean "no answer" become ``data.missing``. A missing code goes into ``data.missing`` (one
list for every column) only where it is not also a valid answer of another question; else its
label does, and SPSS files keep reading it as missing per variable either way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from personas.draft._infer import (
    find_duration_column,
    find_id_column,
    from_labels,
    from_values,
    is_nonanswer,
    question_ids,
)
from personas.draft.model import Draft, DraftQuestion
from personas.io._table import reading

__all__ = ["draft_labelled"]

_RANGE_CAP = 20  # a user-missing range wider than this is noted, not listed


def draft_labelled(path: Path, *, file: str, study_id: str, format: str) -> Draft:
    """A :class:`Draft` from an SPSS (``format="spss"``) or Stata (``"stata"``) file."""
    with reading(file, format, pyreadstat.ReadstatError):
        if format == "spss":
            frame, meta = pyreadstat.read_sav(
                str(path), user_missing=True, apply_value_formats=False
            )
        else:
            frame, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    texts = {
        c: (label or "").strip()
        for c, label in zip(meta.column_names, meta.column_labels, strict=True)
    }
    user, notes = _user_missing(meta.missing_ranges or {})
    id_column = find_id_column(frame, texts)
    duration = find_duration_column(frame.drop(columns=[id_column] if id_column else []), texts)
    columns = [c for c in frame.columns if c not in (id_column, duration)]
    questions, skipped, codes, labels = _columns(frame, meta, columns, texts, user)
    numbers = {  # each number question's answers, its own missing codes left out
        q.id: frame[q.column].mask(frame[q.column].isin(list(user.get(q.column, ()))))
        for q in questions
        if q.type == "number"
    }
    missing, more = _global_missing(codes, labels, questions, numbers)
    return Draft(
        study_id=study_id,
        title=(getattr(meta, "file_label", None) or "").strip() or study_id,
        source=path,
        format=format,
        questions=tuple(questions),
        id_column=id_column,
        duration_column=duration,
        missing=missing,
        skipped=tuple(skipped),
        notes=tuple(notes + more),
    )


def _columns(frame, meta, columns, texts, user):
    """Questions, skipped columns, missing codes (code -> its labels) and "no answer" labels."""
    ids = question_ids(columns)
    values = meta.variable_value_labels or {}
    measures = getattr(meta, "variable_measure", None) or {}
    questions, skipped, missing_codes, missing_texts = [], [], {}, []
    for column in columns:
        codes = user.get(column, set())
        labels = values.get(column, {})
        silent = {c: label for c, label in labels.items() if c in codes or is_nonanswer(label)}
        for code, label in silent.items():
            if code in codes:
                missing_codes.setdefault(code, []).append(label)
            else:
                missing_texts.append(label)
        for code in codes - set(silent):
            missing_codes.setdefault(code, [])
        answers = {c: label for c, label in labels.items() if c not in silent}
        drafted = _question(
            ids[column], column, texts.get(column) or column, frame[column], answers,
            codes | set(silent), measures.get(column),
        )  # fmt: skip
        if isinstance(drafted, DraftQuestion):
            questions.append(drafted)
        else:
            skipped.append((column, drafted))
    return questions, skipped, missing_codes, missing_texts


def _question(qid, column, text, series: pd.Series, labels, silent, measure):
    """One column's question, or the reason it is not drafted."""
    present = series.dropna()
    if len(present) and isinstance(present.iloc[0], (dt.date, dt.time, pd.Timestamp)):
        return "dates or times"
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "dates or times"
    present = present[~present.isin(list(silent))]
    if labels:
        observed = list(pd.unique(present))
        if present.dtype == object:
            observed = [v for v in observed if str(v).strip() != ""]
        measure = None if measure in (None, "unknown") else measure
        return from_labels(qid, column, text, labels, observed, measure=measure)
    return from_values(qid, column, text, present)


def _user_missing(ranges: dict) -> tuple[dict, list[str]]:
    """Column -> set of user-missing codes; notes for ranges too wide to list."""
    out, notes = {}, []
    for column, specs in ranges.items():
        codes = set()
        for spec in specs or []:
            low, high = spec.get("lo"), spec.get("hi")
            if low == high:
                codes.add(low)
            elif isinstance(low, (int, float)) and high - low <= _RANGE_CAP:
                codes.update(float(v) for v in np.arange(np.ceil(low), np.floor(high) + 1))
            else:
                notes.append(
                    f"Column {column!r} declares the user-missing range {low}..{high}: SPSS "
                    "files read it as missing by themselves; other formats need data.missing."
                )
        out[column] = codes
    return out, notes


def _global_missing(codes: dict, texts: list, questions, numbers: dict) -> tuple[tuple, list]:
    """``data.missing``: each code that is no valid answer elsewhere, else its label.

    ``numbers`` holds the column of each number question: a code found there is an answer.
    """
    missing, notes = [], []
    for code in sorted(codes, key=lambda c: (isinstance(c, str), str(c))):
        labels = codes[code]
        clash = [q.id for q in questions if _valid(q, code)]
        clash += [qid for qid, column in numbers.items() if bool((column == code).any())]
        if not clash:
            missing.append(int(code) if isinstance(code, float) and code.is_integer() else code)
        elif labels:
            texts.extend(labels)
        else:
            notes.append(
                f"The user-missing code {code} is also an answer to {', '.join(clash[:3])}: "
                "not in data.missing (SPSS files still read it as missing per variable)."
            )
    return tuple(missing) + tuple(dict.fromkeys(str(t) for t in texts)), notes


def _valid(question: DraftQuestion, code) -> bool:
    """True when ``code`` is an answer ``question`` allows (numbers: never blocks)."""
    try:
        number = float(code)
    except (TypeError, ValueError):
        return str(code) in question.options
    if question.type == "boolean":
        return number in (0.0, 1.0)
    if question.type == "likert":
        return question.scale[0] <= number <= question.scale[1]
    if question.type == "choice":
        return any(option == str(code) or option == f"{number:g}" for option in question.options)
    return False

"""Recognise Qualtrics exports and undo their extra header rows and preview responses.

A Qualtrics CSV/TSV/XLSX export has three header rows: the field names (``StartDate``,
``Q1``, ``Q5_3`` ...), the question texts, and a row of ``{"ImportId": "..."}`` JSON. The
second and third are skipped but still counted, so the first response is spreadsheet row 4.

Responses recorded while previewing or testing the survey are not respondents. They are
dropped here and recorded (never silently) with reason ``"preview response"`` or
``"test response"``, decided by ``Status`` (``"Survey Preview"`` / ``"Survey Test"``, or the
numeric codes 1 / 2 of numeric exports) or by ``DistributionChannel`` (``"preview"`` /
``"test"``), whichever columns exist.

A dropped response keeps its own id in ``exclusions.csv``: the instrument's ``data.id_column``
when the export has it, else the column whose ImportId is ``_recordId`` (``ResponseId``, or
``ResponseID`` in older exports), else ``ResponseId`` in any case; ``row-<n>`` only when the
export has none of these or the cell is empty.

When the instrument's ``data`` section names no id or duration column, ``ResponseId`` (the
``_recordId`` column) and ``Duration (in seconds)`` are used. When it names one the export
does not have (e.g. the ``respondent_id`` of simulated waves) but Qualtrics' own column is
there, that one is used instead, with a :class:`~personas.errors.DataWarning` and a line in
``Responses.source.notes`` (a plain CSV still gets the "not in the file" error).

Answers: choice texts and recode values
---------------------------------------
``personas instrument --to qualtrics`` writes each question's choices in order and Qualtrics
gives choice *k* the recode value *k* (``personas.instrument._qualtrics``): boolean 1 = True,
2 = False; choice *k* = the *k*-th option (code *k* - 1); likert *k* = the *k*-th scale point
(``min + k - 1``). A "numeric values" export holds these recodes, a "choice text" export the
texts (``True``, ``Mobile``, ``4 – Agree``). On top of the usual spellings
(:mod:`personas.io._coerce`), a Qualtrics export accepts the exact choice texts of our export
(HTML entities undone) and the recodes, decided per column from its *distinct* values:

* where the two readings cannot disagree (booleans, options that are not numbers, scales that
  start at 1, where recode *k* is point *k*), each value is read by whichever applies, so
  ``1``/``2``, ``True``/``False``, ``Yes``/``No`` and ``1``/``0`` all work;
* where they can (a 0..10 scale, whose recodes are 1..11; options that are numbers), the column
  is read as recodes only when *every* value in it is a recode and either one of them is not a
  scale point / option (``11``) or another column shows the file is a numeric export (all
  recodes, one of them no answer, e.g. a boolean ``2``); otherwise as scale points / options.
  When nothing in the file tells (``1``..``10`` only, and no other evidence) the column is read
  as scale points with a :class:`~personas.errors.DataWarning`: export choice text to be sure.

Columns read through recodes, and each such decision, are listed in ``Responses.source.notes``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personas.instrument._qualtrics import qualtrics_choices
from personas.instrument.model import Instrument, Question
from personas.io._coerce import (
    _INVALID,
    _MISSING,
    Coerced,
    MissingCodes,
    _as_number,
    _code,
    as_text,
    factorize,
    map_uniques,
    text_values,
)
from personas.io._table import RawTable

__all__ = ["is_qualtrics", "strip_qualtrics", "RecodeReader", "PREVIEW", "TEST"]

PREVIEW = "preview response"
TEST = "test response"
_STATUS = {"survey preview": PREVIEW, "1": PREVIEW, "survey test": TEST, "2": TEST}
_CHANNEL = {"preview": PREVIEW, "test": TEST}


def is_qualtrics(table: RawTable) -> bool:
    """True when the third row holds Qualtrics ``{"ImportId": ...}`` JSON cells."""
    frame = table.frame
    if len(frame) < 2:
        return False
    third = frame.iloc[1]
    return any(isinstance(cell, str) and cell.lstrip().startswith('{"ImportId"') for cell in third)


def strip_qualtrics(table: RawTable, *, id_column: str | None = None) -> RawTable:
    """Skip the two extra header rows and drop preview/test responses (recorded).

    ``id_column`` is the instrument's ``data.id_column``: a dropped response is recorded under
    the id it would have had as a respondent (see the module notes).
    """
    record_id = _record_id_column(table.frame)
    keep = np.ones(len(table.frame), dtype=bool)
    keep[:2] = False
    table = table.keep(
        keep,
        format="qualtrics",
        default_id=record_id or "ResponseId",
        default_duration="Duration (in seconds)",
    )
    reasons = _reasons(table.frame)
    dropped = reasons.notna().to_numpy()
    if not dropped.any():
        return table
    column = _id_column(list(table.frame.columns), id_column, record_id)
    ids = _ids(table.frame, table.rows, column)
    record = pd.DataFrame(
        {
            "respondent": ids[dropped],
            "row": table.rows[dropped],
            "reason": reasons[dropped].to_numpy(dtype=object),
        }
    )
    return table.keep(~dropped, dropped=record)


def _reasons(frame: pd.DataFrame) -> pd.Series:
    """The drop reason of each record (``None`` for real responses)."""
    reasons = pd.Series([None] * len(frame), dtype=object)
    for column, codes in (("DistributionChannel", _CHANNEL), ("Status", _STATUS)):
        if column in frame.columns:
            values = map_uniques(frame[column], lambda v, codes=codes: _reason(v, codes))
            reasons = reasons.where(pd.isna(values), values)
    return reasons


def _reason(value, codes: dict) -> str | None:
    return codes.get((as_text(value) or "").casefold())


def _record_id_column(frame: pd.DataFrame) -> str | None:
    """The column whose ImportId (third header row) is ``_recordId``: the response id."""
    for name, cell in zip(frame.columns, frame.iloc[1], strict=True):
        if isinstance(cell, str) and '"_recordId"' in cell.replace(" ", ""):
            return name
    return None


def _id_column(names: list, configured: str | None, record_id: str | None) -> str | None:
    """The id column respondents get: configured (exact, else one case-insensitive match),
    else the ``_recordId`` column, else ``ResponseId`` in any case."""
    for wanted in (configured, record_id, "ResponseId"):
        if wanted is None:
            continue
        if wanted in names:
            return wanted
        folded = [n for n in names if str(n).strip().casefold() == wanted.strip().casefold()]
        if len(folded) == 1:
            return folded[0]
    return None


def _ids(frame: pd.DataFrame, rows: np.ndarray, column: str | None) -> np.ndarray:
    fallback = np.array([f"row-{r}" for r in rows], dtype=object)
    if column is None:
        return fallback
    ids = text_values(frame[column])
    as_series = pd.Series(ids, dtype=object)
    empty = (as_series.isna() | (as_series == "")).to_numpy(dtype=bool)
    ids[empty] = fallback[empty]
    return ids


# --- answers: choice texts and recode values (see the module notes) -----------------------
_SHOWN = 8


@dataclass(frozen=True)
class _Readings:
    """Both readings of a column's distinct values (NaN where a reading does not apply)."""

    answers: np.ndarray
    recodes: np.ndarray
    missing: np.ndarray
    can_disagree: bool  # some number 1..n is an answer with another code than its recode

    @property
    def only_recode(self) -> bool:
        return bool((~np.isnan(self.recodes) & np.isnan(self.answers)).any())

    @property
    def all_recodes(self) -> bool:
        return bool((self.missing | ~np.isnan(self.recodes)).all())

    @property
    def numeric(self) -> bool:
        """Evidence of a numeric export: every value a recode, one of them no answer."""
        return self.all_recodes and self.only_recode

    @property
    def ambiguous(self) -> bool:
        """Every value is both an answer and a recode, and the two readings can disagree."""
        present = not self.missing.all()
        return self.can_disagree and present and self.all_recodes and not self.only_recode


class RecodeReader:
    """Code a Qualtrics export's boolean, likert and choice columns, recodes included.

    Call :meth:`code` for every such column; it returns ``None`` for an ambiguous column,
    whose reading depends on the rest of the file: call it again with ``settle=True`` once
    every column was seen. :meth:`notes` then says what was read how.
    """

    def __init__(self, *, missing: MissingCodes):
        self.missing = missing
        self.numeric = False
        self.recoded: list[str] = []
        self.inferred: list[str] = []
        self.guessed: list[str] = []

    @staticmethod
    def applies(question: Question) -> bool:
        return question.type in ("boolean", "likert", "choice")

    def code(self, column: pd.Series, question: Question, *, settle: bool = False):
        """Codes for one column (a :class:`Coerced`), or ``None`` to settle it later."""
        keys, uniques = factorize(column)
        readings = _readings(uniques, question, self.missing)
        if not settle:
            self.numeric |= readings.numeric
            if readings.ambiguous:
                return None
        lut = self._choose(readings, question.id)
        bad_lut = np.append(~readings.missing & np.isnan(lut), False)
        bad = np.flatnonzero(bad_lut[keys])
        values = np.asarray(uniques + [None], dtype=object)[keys[bad]]
        return Coerced(np.append(lut, np.nan)[keys], bad, values)

    def _choose(self, readings: _Readings, question_id: str) -> np.ndarray:
        """The codes of the distinct values under the reading the module notes prescribe."""
        if not readings.can_disagree:  # each value by whichever reading applies
            if readings.only_recode:
                self.recoded.append(question_id)
            return np.where(np.isnan(readings.answers), readings.recodes, readings.answers)
        if readings.numeric or (readings.ambiguous and self.numeric):
            self.recoded.append(question_id)
            if readings.ambiguous:
                self.inferred.append(question_id)
            return readings.recodes
        if readings.ambiguous:
            self.guessed.append(question_id)
        return readings.answers

    def notes(self, instrument: Instrument) -> tuple[list[str], list[str]]:
        """Plain-words notes for ``Source.notes`` and the subset worth a warning."""
        notes, warn = [], []
        if self.recoded:
            notes.append(
                "Read Qualtrics recode values (k = the k-th exported choice: 1 = True, "
                f"2 = False; the k-th option or scale point) in {len(self.recoded)} "
                f"question{'s' if len(self.recoded) > 1 else ''}: {_listed(self.recoded)}."
            )
        if self.inferred:
            notes.append(
                f"Read {_listed(self.inferred)} as recode positions although every value is "
                "also an answer, because other columns show a numeric export."
            )
        for qid in self.guessed:
            warn.append(
                f"Question {qid!r} ({_describe(instrument.question(qid))}) holds only numbers "
                "that are both answers and Qualtrics recode positions, and nothing else in the "
                "file shows a numeric export: read as answers; export choice text to be sure."
            )
        return notes + warn, warn


def _readings(uniques: list, question: Question, missing: MissingCodes) -> _Readings:
    choices = _export_choices(question)
    texts = {_fold(text): code for text, code in choices}
    n = len(uniques)
    answers, recodes = np.full(n, np.nan), np.full(n, np.nan)
    is_missing = np.zeros(n, dtype=bool)
    for i, value in enumerate(uniques):
        code = _code(value, question, missing, {})
        if code is _MISSING:
            is_missing[i] = True
            continue
        if code is _INVALID:
            code = texts.get(_fold(value))
        answers[i] = np.nan if code is None else code
        recodes[i] = _recode(value, choices)
    return _Readings(answers, recodes, is_missing, _can_disagree(question, choices, missing))


def _can_disagree(question: Question, choices: list, missing: MissingCodes) -> bool:
    """True when some recode k (as text) is also an answer, with another code."""
    for k, (_, code) in enumerate(choices, start=1):
        answer = _code(str(k), question, missing, {})
        if answer is not _MISSING and answer is not _INVALID and answer != code:
            return True
    return False


def _export_choices(question: Question) -> list[tuple[str, float]]:
    """(choice text, code) in the order of our Advanced Format export: recode = position."""
    by_label = {question.label(code): code for code in question.codes}
    return [(text, by_label[text]) for text in qualtrics_choices(question)]


def _recode(value, choices: list) -> float:
    if isinstance(value, (bool, np.bool_)):
        return np.nan
    number = _as_number(as_text(value) or "")
    if number is None or not number.is_integer() or not 1 <= number <= len(choices):
        return np.nan
    return choices[int(number) - 1][1]


def _fold(value) -> str:
    return " ".join(html.unescape(as_text(value) or "").split()).casefold()


def _describe(question: Question) -> str:
    if question.type == "likert":
        return f"likert {question.scale.min}..{question.scale.max}"
    return question.type


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:_SHOWN])
    return shown + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")

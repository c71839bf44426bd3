"""Map a :class:`RawTable` onto an instrument's questions: find columns, code every answer.

Column matching (the ``data`` section):

* a question's column is the raw name ``data.columns`` maps onto it (several raw names may map
  onto one question, e.g. across waves: the first present in the file is used), otherwise the
  question id itself;
* names match exactly first; failing that, a *single* column whose name matches ignoring case
  and surrounding spaces is accepted (``Q1`` for ``q1``); two such columns are an error;
* the id column is ``data.id_column`` (Qualtrics: ``ResponseId`` when unset, or when the
  configured one is missing from the export: said in a warning and ``Source.notes``); without
  one, respondents are called ``row-<n>`` after their spreadsheet row, as are empty id cells;
  the duration column likewise (Qualtrics: ``Duration (in seconds)``); the weight column is
  ``data.weight_column`` (no default), read and checked by :mod:`personas.io._weights`;
* every other column is kept aside in :attr:`Responses.extra`, which is not an error.

Qualtrics exports also accept the recode values of our Advanced Format file (see
:mod:`personas.io.qualtrics`). Values that a question does not allow are collected for *every*
cell. By default they are an
:class:`InputError` naming file, row, column and value; leniently they become missing answers
recorded in :attr:`Responses.invalid`.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from personas.errors import DataWarning, InputError, Problem
from personas.instrument.model import Instrument, Question
from personas.io._coerce import (
    MissingCodes,
    coerce_column,
    coerce_duration,
    text_values,
)
from personas.io._problems import invalid_problems
from personas.io._table import RawTable, empty_dropped
from personas.io._weights import read_weights
from personas.io.qualtrics import RecodeReader
from personas.io.responses import Responses, Source

__all__ = ["ColumnPlan", "resolve_columns", "map_table"]

INVALID_COLUMNS = ["respondent", "row", "column", "question", "value"]
_SHOWN_COLUMNS = 8


@dataclass(frozen=True)
class ColumnPlan:
    """Which raw column feeds each question, the id and the duration."""

    questions: dict
    id: str | None
    duration: str | None
    notes: tuple[str, ...] = ()
    #: Header problems that still let the present columns be read (missing columns): raised
    #: together with the bad cells of those columns, so that one run reports every kind.
    problems: tuple = ()
    weight: str | None = None

    def used(self) -> set[str]:
        return {*self.questions.values(), self.id, self.duration, self.weight} - {None}


def map_table(
    table: RawTable, instrument: Instrument, *, file: str, lenient: bool, source: Source
) -> Responses:
    """Build :class:`Responses` from a raw table (see the module notes for the rules)."""
    plan = resolve_columns(table, instrument, file=file)
    missing = MissingCodes.from_config(instrument.data.missing)
    index = _respondent_ids(table, plan.id)
    answers, bad, notes, warn = _code_answers(table, instrument, plan, index, missing=missing)
    notes = (*plan.notes, *notes)
    for message in (*plan.notes, *warn):
        warnings.warn(f"{file}: {message}", DataWarning, stacklevel=3)
    duration = None
    if plan.duration is not None:
        coerced = coerce_duration(table.frame[plan.duration], missing=missing)
        duration = pd.Series(coerced.codes, index=index, name="duration")
        bad.append(_bad_cells(coerced, index, table.rows, plan.duration, None))
    weights, weight_problems = _weights(table, plan, index, file=file, missing=missing)
    invalid = _combine(bad)
    if plan.problems:
        cells = invalid_problems(invalid, instrument, file=file, missing=missing)
        raise InputError(
            [*plan.problems, *(cells if len(invalid) and not lenient else []), *weight_problems]
        )
    if len(invalid) and not lenient:
        cells = invalid_problems(invalid, instrument, file=file, missing=missing)
        raise InputError([*cells, *weight_problems])
    if weight_problems:
        raise InputError(weight_problems)
    if len(invalid):
        cells = (
            "1 cell holds a value" if len(invalid) == 1 else f"{len(invalid):,} cells hold values"
        )
        warnings.warn(
            f"{file}: {cells} its question does not allow, read as missing (lenient); "
            "see Responses.invalid",
            DataWarning,
            stacklevel=3,
        )
    extra = [c for c in table.frame.columns if c not in plan.used()]
    return Responses(
        instrument=instrument,
        answers=pd.DataFrame(
            answers, index=index, columns=[q.id for q in instrument.questions], copy=False
        ),
        rows=np.asarray(table.rows, dtype=np.int64),
        source=replace(source, notes=(*source.notes, *notes)),
        duration=duration,
        extra=table.frame[extra].set_axis(index, axis=0),
        dropped=table.dropped if table.dropped is not None else empty_dropped(),
        invalid=invalid,
        columns=dict(plan.questions),
        lenient=lenient,
        weights=weights,
    )


def _weights(table: RawTable, plan: ColumnPlan, index: pd.Index, *, file: str, missing):
    """(weights or None, problems): the weight column read and checked, problems kept for
    raising together with every other problem of the file."""
    if plan.weight is None:
        return None, []
    try:
        weights = read_weights(
            table.frame[plan.weight],
            index=index,
            rows=np.asarray(table.rows),
            name=plan.weight,
            file=file,
            missing=missing,
        )
    except InputError as bad:
        return None, bad.problems
    return weights, []


def _code_answers(table, instrument, plan, index, *, missing):
    """Answer codes (float64, Fortran order), bad cells, notes and warnings."""
    # filled column by column in Fortran order, so the DataFrame wraps it without a copy
    answers = np.empty((len(index), len(instrument.questions)), dtype=np.float64, order="F")
    bad, later = [], []
    recodes = RecodeReader(missing=missing) if table.format == "qualtrics" else None
    for j, question in enumerate(instrument.questions):
        raw = plan.questions[question.id]
        if raw is None:  # a missing column, already a problem: read the others for theirs
            answers[:, j] = np.nan
            continue
        if recodes is not None and recodes.applies(question):
            coerced = recodes.code(table.frame[raw], question)
            if coerced is None:  # ambiguous: depends on the other columns
                later.append(j)
                continue
        else:
            labels = table.labels.get(raw)
            coerced = coerce_column(table.frame[raw], question, missing=missing, labels=labels)
        answers[:, j] = coerced.codes
        bad.append(_bad_cells(coerced, index, table.rows, raw, question.id))
    for j in later:
        question = instrument.questions[j]
        raw = plan.questions[question.id]
        coerced = recodes.code(table.frame[raw], question, settle=True)
        answers[:, j] = coerced.codes
        bad.append(_bad_cells(coerced, index, table.rows, raw, question.id))
    notes, warn = recodes.notes(instrument) if recodes is not None else ([], [])
    return answers, bad, notes, warn


def resolve_columns(table: RawTable, instrument: Instrument, *, file: str) -> ColumnPlan:
    """Find the raw column of every question, the id and the duration, or raise."""
    names = [str(c) for c in table.frame.columns]
    aliases: dict[str, list[str]] = {}
    for raw, question_id in instrument.data.columns.items():
        aliases.setdefault(question_id, []).append(raw)
    found, problems, absent = {}, [], []
    for question in instrument.questions:
        wanted = aliases.get(question.id, [question.id])
        column = _find(names, wanted, problems, file=file)
        if column is None:
            absent.append((question, wanted))
        found[question.id] = column
    data = instrument.data
    notes: list[str] = []
    id_column = _optional(
        names, data.id_column, table.default_id, "id", problems, file, notes=notes
    )
    duration = _optional(
        names,
        data.duration_column,
        table.default_duration,
        "duration",
        problems,
        file,
        notes=notes,
    )
    weight = _optional(names, data.weight_column, None, "weight", problems, file, notes=notes)
    if absent and len(absent) == len(instrument.questions) and _looks_like_data(names):
        raise InputError(_no_header_problem(names, file))
    if len(absent) > len(instrument.questions) / 2:
        problems.insert(0, _other_study_problem(instrument, len(absent), file))
    used = [c for c in [*found.values(), id_column, duration, weight] if c is not None]
    spare = [n for n in names if n not in set(used)]
    if len(absent) > _MANY_ABSENT:
        problems.append(_absent_many_problem(absent, spare, names, file))
    else:
        problems += [_absent_problem(q, wanted, spare, names, file) for q, wanted in absent]
    problems += [
        Problem(
            f"column {name!r} appears more than once in the header",
            file=file,  # header problems carry no row
            column=name,
            hint="rename the copies so each column name is unique",
            code="duplicate-column",
        )
        for name in dict.fromkeys(used)
        if name in table.duplicated
    ]
    if any(p.code != "missing-column" for p in problems) or not any(found.values()):
        raise InputError(problems)
    return ColumnPlan(found, id_column, duration, tuple(notes), tuple(problems), weight)


def _find(names: list[str], wanted: list[str], problems: list, *, file: str) -> str | None:
    """The first wanted name present exactly, else case-insensitively (if unique)."""
    for name in wanted:
        if name in names:
            return name
    for name in wanted:
        folded = [n for n in names if n.strip().casefold() == name.strip().casefold()]
        if len(folded) == 1:
            return folded[0]
        if len(folded) > 1:
            problems.append(
                Problem(
                    f"several header columns match {name!r} when case is ignored: "
                    + ", ".join(map(repr, folded)),
                    file=file,
                    column=name,
                    hint="map the right one in the instrument's data.columns",
                    code="ambiguous-column",
                )
            )
            return folded[0]
    return None


_MANY_ABSENT = 5  # more questions without a column than this: one problem lists them all


def _optional(names, configured, default, what, problems, file, *, notes) -> str | None:
    """The id or duration column: configured (must exist) or the format's default (if any).

    A Qualtrics export (the only format with a default) that lacks the configured column but
    has Qualtrics' own is read through that one, noted in ``notes``.
    """
    fallback = None if default is None else _find(names, [default], [], file=file)
    if configured is None:
        return fallback
    column = _find(names, [configured], problems, file=file)
    if column is None and fallback is not None:
        notes.append(
            f"The {what} column {configured!r} (data.{what}_column) is not in this Qualtrics "
            f"export; used Qualtrics' {fallback!r} instead."
        )
        return fallback
    if column is None:
        problems.append(
            Problem(
                f"the {what} column {configured!r} (data.{what}_column) is not in the header",
                file=file,
                column=configured,
                hint=_suggest(configured, names, fix=f"set data.{what}_column to the right one"),
                code="missing-column",
            )
        )
    return column


def _other_study_problem(instrument: Instrument, n_absent: int, file: str) -> Problem:
    """Most questions not found: likely a file of another study (each listed after this)."""
    return Problem(
        f"{n_absent} of the {len(instrument.questions)} questions of study "
        f"{instrument.study_id!r} have no column in this file, so it may be a wave of another "
        "study",
        file=file,
        hint="check that the file and the study (or run) belong together; if the export "
        "names its columns differently, map them in the instrument's data.columns",
        code="other-study",
    )


def _absent_problem(
    question: Question, wanted: list[str], spare: list[str], names: list[str], file: str
):
    shown = " or ".join(map(repr, wanted))
    return Problem(
        f"the header has no column {shown} for question {question.id!r}",
        file=file,  # a header problem: no row (the CLI would say "row 1")
        column=wanted[0],
        hint=_suggest(wanted[0], names, candidates=spare),
        code="missing-column",
    )


def _absent_many_problem(absent, spare: list[str], names: list[str], file: str) -> Problem:
    """Many questions without a column: one problem that lists them all."""
    wanted = [w[0] for _, w in absent]
    listed = ", ".join(map(repr, wanted))
    return Problem(
        f"the header lacks columns: {len(wanted)} questions have no column: {listed}",
        file=file,
        column=wanted[0],
        hint=_suggest(wanted[0], names, candidates=spare),
        code="missing-column",
    )


def _suggest(
    name: str,
    names: list[str],
    *,
    candidates: list[str] | None = None,
    fix: str = "map raw names to question ids in the instrument's data.columns",
) -> str:
    """ "Did you mean ...?" (among ``candidates``: columns no question uses yet), the columns
    the file has (capped), and what to change (``fix``)."""
    folded = {n.casefold(): n for n in (names if candidates is None else candidates)}
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    listed = ", ".join(map(repr, names[:_SHOWN_COLUMNS]))
    if len(names) > _SHOWN_COLUMNS:
        listed += f" and {len(names) - _SHOWN_COLUMNS} more"
    text = f"did you mean {folded[close[0]]!r}? " if close else ""
    return f"{text}The file has columns {listed}; {fix}"


def _looks_like_data(names: list[str]) -> bool:
    """True when header cells look like answers (numbers, True/False), i.e. no header row."""
    probe = Question(id="probe", text="", type="boolean")
    missing = MissingCodes.from_config([])
    values = pd.Series(names, dtype=object)
    as_bool = coerce_column(values, probe, missing=missing)
    as_number = pd.to_numeric(values, errors="coerce")
    answer_like = ~np.isnan(as_bool.codes) | as_number.notna().to_numpy()
    return bool(answer_like.sum() >= max(1, len(names) // 2))


def _no_header_problem(names: list[str], file: str) -> Problem:
    shown = ", ".join(map(repr, names[:_SHOWN_COLUMNS]))
    return Problem(
        f"the first row holds values ({shown}), not column names: the file seems to have "
        "no header row",
        file=file,
        line=1,
        hint="add a first row with the column names (the id column and the question ids)",
        code="no-header",
    )


def _respondent_ids(table: RawTable, id_column: str | None) -> pd.Index:
    """Ids as trimmed text; ``row-<n>`` where there is no id column or the cell is empty."""
    rows = np.asarray(table.rows)
    if id_column is None:
        ids = pd.Series([f"row-{r}" for r in rows], dtype="str")
    else:
        column = table.frame[id_column]
        if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
            ids = column.str.strip()
        else:
            ids = pd.Series(text_values(column), dtype="str")
        empty = (ids.isna() | (ids == "")).to_numpy(dtype=bool)
        if empty.any():
            ids = ids.copy()
            ids[empty] = [f"row-{r}" for r in rows[empty]]
    return pd.Index(ids, dtype="str", name="respondent")


def _bad_cells(coerced, index: pd.Index, rows, column: str, question: str | None):
    if len(coerced.bad) == 0:
        return None
    pos = coerced.bad
    return pd.DataFrame(
        {
            "respondent": index.to_numpy(dtype=object)[pos],
            "row": np.asarray(rows)[pos],
            "column": column,
            "question": question,
            "value": pd.Series(coerced.bad_values, dtype=object),
        }
    )


def _combine(pieces: list) -> pd.DataFrame:
    pieces = [p for p in pieces if p is not None]
    if not pieces:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in INVALID_COLUMNS}).astype(
            {"row": np.int64}
        )
    invalid = pd.concat(pieces, ignore_index=True)
    return invalid.sort_values("row", kind="stable").reset_index(drop=True)

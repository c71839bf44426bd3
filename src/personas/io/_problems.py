"""Turn every bad cell into :class:`Problem` objects a person can act on.

Up to ``CELL_LIMIT`` bad cells, one problem per cell. Beyond that, one problem per
(column, value) pair, naming its first rows and how many rows hold it; beyond ``GROUP_LIMIT``
such pairs, one problem per column. Whatever the grouping, every bad cell is counted: the
counts in the messages always add up to the number of bad cells, which the first problem
states.
"""

from __future__ import annotations

import pandas as pd

from personas.errors import Problem
from personas.instrument.model import Instrument
from personas.io._coerce import MissingCodes, allowed_hint

__all__ = ["invalid_problems", "CELL_LIMIT", "GROUP_LIMIT"]

CELL_LIMIT = 100
GROUP_LIMIT = 200
_ROWS_SHOWN = 5
_VALUE_SHOWN = 60


def invalid_problems(
    invalid: pd.DataFrame, instrument: Instrument, *, file: str, missing: MissingCodes
) -> list[Problem]:
    """Problems for the bad cells in ``invalid`` (columns as :attr:`Responses.invalid`)."""
    hints = {q.id: allowed_hint(q, missing) for q in instrument.questions}
    hints[None] = "Allowed: a number of seconds (0 or more); missing: empty"

    def what(question) -> str:
        if question is None or pd.isna(question):
            return "a number of seconds (duration column)"
        kind = instrument.question(question).type
        return f"an answer to question {question!r} ({kind})"

    def hint(question) -> str:
        return hints[None if question is None or pd.isna(question) else question]

    if len(invalid) <= CELL_LIMIT:
        return [
            Problem(
                f"{_short(cell.value)!r} is not {what(cell.question)}",
                file=file,
                line=int(cell.row),
                column=cell.column,
                value=_short(cell.value),
                hint=hint(cell.question),
                code="invalid-value",
            )
            for cell in invalid.itertuples(index=False)
        ]
    head = Problem(
        f"{len(invalid):,} cells hold values their column does not allow "
        "(grouped below by column and value)",
        file=file,
        hint="fix the values, add them to data.missing, or set cleaning.invalid: missing "
        "to read them as missing answers",
        code="invalid-values",
    )
    keyed = invalid.assign(_key=invalid["value"].astype(str))
    groups = keyed.groupby(["column", "_key"], sort=False, dropna=False)
    if groups.ngroups <= GROUP_LIMIT:
        return [head, *(_group_problem(g, what, hint, file) for _, g in groups)]
    columns = keyed.groupby("column", sort=False)
    return [head, *(_column_problem(g, what, hint, file) for _, g in columns)]


def _short(value):
    """A text value cut to a readable length (a stray 5 MB cell must not fill the screen)."""
    if isinstance(value, str) and len(value) > _VALUE_SHOWN:
        return f"{value[: _VALUE_SHOWN - 3]}..."
    return value


def _rows_text(rows: pd.Series) -> str:
    shown = ", ".join(str(r) for r in rows.iloc[:_ROWS_SHOWN])
    more = len(rows) - _ROWS_SHOWN
    return shown + (f" and {more:,} more" if more > 0 else "")


def _group_problem(group: pd.DataFrame, what, hint, file: str) -> Problem:
    first = group.iloc[0]
    return Problem(
        f"{_short(first.value)!r} is not {what(first.question)}: {len(group):,} rows (rows "
        f"{_rows_text(group['row'])})",
        file=file,
        line=int(first.row),
        column=first.column,
        value=_short(first.value),
        hint=hint(first.question),
        code="invalid-value",
    )


def _column_problem(group: pd.DataFrame, what, hint, file: str) -> Problem:
    first = group.iloc[0]
    values = group["_key"].drop_duplicates()
    examples = ", ".join(repr(_short(v)) for v in values.iloc[:_ROWS_SHOWN])
    return Problem(
        f"{len(group):,} cells are not {what(first.question)}: {len(values):,} different "
        f"values (e.g. {examples}); rows {_rows_text(group['row'])}",
        file=file,
        line=int(first.row),
        column=first.column,
        value=_short(first.value),
        hint=hint(first.question),
        code="invalid-value",
    )

"""The raw table every format reader returns, before mapping onto an instrument.

Readers only *read*: they turn a file into a :class:`RawTable` of cells as the file holds them
(strings for text formats, native values for typed ones), with the spreadsheet row of each
record. Mapping and value checks happen once, for every format, in :mod:`._mapping`.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from personas._paths import input_file_problem
from personas.errors import InputError, Problem

__all__ = [
    "RawTable",
    "file_error",
    "drop_blank_rows",
    "empty_dropped",
    "reading",
]

# what the file-reading libraries raise on a file they cannot read (our own bugs must not be
# turned into "bad input", so only the library calls are wrapped)
_READ_ERRORS = (
    OSError,
    ValueError,
    UnicodeError,
    KeyError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,  # a zip member (.xlsx part) whose deflate stream is damaged
)


@dataclass(frozen=True)
class RawTable:
    """Cells of one file as read, before any mapping.

    Attributes
    ----------
    frame
        One row per data record, one column per header name, raw cell values.
    rows
        The spreadsheet row of each record (header = row 1).
    format
        The detected or requested format name.
    encoding, delimiter
        For text formats, what was detected (or requested).
    labels
        Value labels per column (``{column: {code: label}}``) from SPSS or Stata files.
    duplicated
        Header names that appear more than once (later copies were renamed ``name.1`` ...).
    dropped
        Records removed while reading (``respondent, row, reason``), e.g. Qualtrics previews.
    default_id, default_duration
        Column names to use when the instrument's ``data`` section names none, or names one
        the file lacks (Qualtrics: ``ResponseId`` and ``Duration (in seconds)``).
    """

    frame: pd.DataFrame
    rows: np.ndarray
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    labels: dict = field(default_factory=dict)
    duplicated: frozenset = frozenset()
    dropped: pd.DataFrame | None = None
    default_id: str | None = None
    default_duration: str | None = None

    def keep(self, mask: np.ndarray, **changes) -> RawTable:
        """A copy with only the records where ``mask`` is true (and other fields changed)."""
        frame = self.frame.loc[mask].reset_index(drop=True)
        return replace(self, frame=frame, rows=self.rows[mask], **changes)


def file_error(file: str, message: str, *, hint: str | None = None, code: str) -> InputError:
    """An :class:`InputError` about a whole file (unreadable, empty, no header ...)."""
    return InputError([Problem(message, file=file, hint=hint, code=code)])


@contextmanager
def reading(file: str, format: str, *errors: type[BaseException]) -> Iterator[None]:
    """Turn a reading library's exception into an :class:`InputError` about ``file``."""
    try:
        yield
    except InputError:
        raise
    except (*_READ_ERRORS, *errors) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise file_error(
            file,
            f"cannot be read as {format}: {detail}",
            code="unreadable-file",
        ) from exc


def empty_dropped() -> pd.DataFrame:
    """An empty ``dropped`` table with the documented columns."""
    return pd.DataFrame(
        {
            "respondent": pd.Series([], dtype=object),
            "row": pd.Series([], dtype=np.int64),
            "reason": pd.Series([], dtype=object),
        }
    )


def drop_blank_rows(table: RawTable) -> RawTable:
    """Remove records whose every cell is empty (blank lines are not respondents).

    Row numbers of the other records are unchanged, so messages still point at the right
    spreadsheet row. Only records whose first cell is blank are inspected in full, which keeps
    this cheap on large files.
    """
    frame = table.frame
    if frame.shape[1] == 0 or len(frame) == 0:
        return table
    candidates = np.flatnonzero(_blank(frame.iloc[:, 0]))
    if len(candidates) == 0:
        return table
    sub = frame.iloc[candidates]
    blank_all = np.ones(len(sub), dtype=bool)
    for name in range(sub.shape[1]):
        blank_all &= _blank(sub.iloc[:, name])
    if not blank_all.any():
        return table
    keep = np.ones(len(frame), dtype=bool)
    keep[candidates[blank_all]] = False
    return table.keep(keep)


def _blank(column: pd.Series) -> np.ndarray:
    """True where a cell is null or only whitespace."""
    blank = column.isna().to_numpy(dtype=bool, copy=True)
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        text = column.astype("str").str.strip()
        blank |= (text == "").to_numpy(dtype=bool, na_value=True)
    return blank


def describe_path(path: Path) -> str | None:
    """Why ``path`` cannot be read, or ``None`` when it is a readable, non-empty file."""
    found = input_file_problem(path, kind="data")
    if found is not None:
        return found[0]
    try:
        with path.open("rb") as handle:
            first = handle.read(1)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not first:
        return "file is empty"
    return None

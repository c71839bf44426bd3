"""Read the first sheet of an Excel workbook (.xlsx / .xlsm) into a :class:`RawTable`.

The workbook is opened read-only by openpyxl (through pandas). Row 1 must hold the column
names; cells keep their native type (numbers, booleans, text), empty cells are empty, and
nothing is converted to missing here (``NA`` stays the text ``NA`` until mapping decides).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from personas.io._table import RawTable, drop_blank_rows, file_error, reading

__all__ = ["read_excel_table"]


def read_excel_table(path: Path, *, file: str) -> RawTable:
    """Read the first worksheet; row numbers are the sheet's (header = row 1)."""
    # a zip of junk XML makes openpyxl raise ParseError, or trip over a missing part (the
    # call below is library code only, so these are about the file, not our bugs)
    with reading(file, "excel", InvalidFileException, ParseError, TypeError, AttributeError,
                 IndexError):  # fmt: skip
        frame = pd.read_excel(
            path,
            sheet_name=0,
            dtype=object,
            keep_default_na=False,
            na_values=[],
            engine="openpyxl",
        )
    frame.columns = [_name(c, i) for i, c in enumerate(frame.columns, start=1)]
    _check_header(frame, file)
    raw = RawTable(frame=frame, rows=np.arange(2, len(frame) + 2, dtype=np.int64), format="excel")
    return drop_blank_rows(raw)


def _check_header(frame: pd.DataFrame, file: str) -> None:
    """Refuse a first sheet that is empty or whose row 1 is blank (no column names)."""
    if frame.shape[1] == 0:
        raise file_error(
            file,
            "the first sheet is empty",
            hint="put the answers on the first sheet, column names in row 1",
            code="empty-file",
        )
    if all(name == f"(column {i})" for i, name in enumerate(frame.columns, start=1)):
        raise file_error(
            file,
            "row 1 of the first sheet is blank, so the sheet has no header row",
            hint="put the column names (id and question ids) in row 1",
            code="no-header",
        )


def _name(column, position: int) -> str:
    text = str(column).strip()
    if not text or text.startswith("Unnamed: "):
        return f"(column {position})"
    return text

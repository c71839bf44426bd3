"""Read SPSS .sav / .zsav files into a :class:`RawTable`, with value labels and missing codes.

The file is read with ``user_missing=True`` so that user-defined missing codes (e.g.
``9 = "Refused"``) arrive as themselves; every cell inside a variable's missing values or
ranges is then set to missing here. The result is the same as SPSS's own treatment (a
user-missing code counts as missing), and the value labels of every variable travel with the
table so that mapping can read ``1 = "Yes"`` / ``2 = "No"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from personas.io._table import RawTable, drop_blank_rows, reading

__all__ = ["read_spss_table"]


def read_spss_table(path: Path, *, file: str) -> RawTable:
    """Read an SPSS file; user-missing cells become missing, value labels are kept."""
    with reading(file, "spss", pyreadstat.ReadstatError):
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    for column, ranges in (meta.missing_ranges or {}).items():
        if column in frame.columns and ranges:
            frame[column] = frame[column].mask(_in_ranges(frame[column], ranges))
    raw = RawTable(
        frame=frame,
        rows=np.arange(2, len(frame) + 2, dtype=np.int64),
        format="spss",
        encoding=getattr(meta, "file_encoding", None),
        labels=dict(meta.variable_value_labels or {}),
    )
    return drop_blank_rows(raw)


def _in_ranges(column: pd.Series, ranges: list[dict]) -> np.ndarray:
    """True where a cell is one of the user-missing values or inside a missing range."""
    hit = np.zeros(len(column), dtype=bool)
    numeric = pd.api.types.is_numeric_dtype(column.dtype)
    for spec in ranges:
        low, high = spec.get("lo"), spec.get("hi")
        if numeric:
            values = column.to_numpy(dtype=float, na_value=np.nan)
            hit |= (values >= float(low)) & (values <= float(high))
        else:
            text = column.astype("str").str.strip()
            hit |= (text == str(low).strip()).to_numpy(dtype=bool, na_value=False)
            if high != low:
                hit |= (text == str(high).strip()).to_numpy(dtype=bool, na_value=False)
    return hit

"""Read Parquet files into a :class:`RawTable` (pyarrow; native column types kept).

Row numbers count as if the table were opened in a spreadsheet: header = row 1, first
record = row 2, so messages read the same for every format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from personas.io._table import RawTable, drop_blank_rows, file_error, reading

__all__ = ["read_parquet_table"]


def read_parquet_table(path: Path, *, file: str) -> RawTable:
    """Read a Parquet file (a saved index becomes a column; categoricals become values)."""
    with reading(file, "parquet", pa.ArrowException):
        schema = pq.read_schema(path)
    _check_flat(schema, file)
    with reading(file, "parquet", pa.ArrowException):
        frame = pd.read_parquet(path, engine="pyarrow")
    named_index = not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None
    frame = frame.reset_index(drop=not named_index)  # a saved id index becomes a column
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    frame.columns = [str(c) for c in frame.columns]
    raw = RawTable(frame=frame, rows=np.arange(2, len(frame) + 2, dtype=np.int64), format="parquet")
    return drop_blank_rows(raw)


def _check_flat(schema: pa.Schema, file: str) -> None:
    """Refuse columns whose cells are lists, structs or maps: one answer per cell only."""
    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    if nested:
        shown = ", ".join(map(repr, nested[:5])) + (" ..." if len(nested) > 5 else "")
        raise file_error(
            file,
            f"column(s) {shown} hold lists or records, not one answer per cell",
            hint="write one column per answer (flatten the nested columns) and read it again",
            code="nested-column",
        )

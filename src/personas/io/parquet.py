"""Read Parquet files into a :class:`RawTable` (pyarrow; native column types kept).

Row numbers count as if the table were opened in a spreadsheet: header = row 1, first
record = row 2, so messages read the same for every format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from personas.io._table import RawTable, drop_blank_rows, reading

__all__ = ["read_parquet_table"]


def read_parquet_table(path: Path, *, file: str) -> RawTable:
    """Read a Parquet file (a saved index becomes a column; categoricals become values)."""
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

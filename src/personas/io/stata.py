"""Read Stata .dta files into a :class:`RawTable`, with value labels.

Stata's missing values (``.`` and ``.a`` .. ``.z``) all arrive as missing. Value labels travel
with the table so that mapping can read labelled codes (``1 = "Yes"``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyreadstat

from personas.io._table import RawTable, drop_blank_rows, reading

__all__ = ["read_stata_table"]


def read_stata_table(path: Path, *, file: str) -> RawTable:
    """Read a Stata file; value labels are kept for mapping."""
    with reading(file, "stata", pyreadstat.ReadstatError):
        frame, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    raw = RawTable(
        frame=frame,
        rows=np.arange(2, len(frame) + 2, dtype=np.int64),
        format="stata",
        encoding=getattr(meta, "file_encoding", None),
        labels=dict(meta.variable_value_labels or {}),
    )
    return drop_blank_rows(raw)

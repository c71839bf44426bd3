"""Recognise Qualtrics exports and undo their extra header rows and preview responses.

A Qualtrics CSV/TSV/XLSX export has three header rows: the field names (``StartDate``,
``Q1``, ``Q5_3`` ...), the question texts, and a row of ``{"ImportId": "..."}`` JSON. The
second and third are skipped but still counted, so the first response is spreadsheet row 4.

Responses recorded while previewing or testing the survey are not respondents. They are
dropped here and recorded (never silently) with reason ``"preview response"`` or
``"test response"``, decided by ``Status`` (``"Survey Preview"`` / ``"Survey Test"``, or the
numeric codes 1 / 2 of numeric exports) or by ``DistributionChannel`` (``"preview"`` /
``"test"``), whichever columns exist.

When the instrument's ``data`` section names no id or duration column, ``ResponseId`` and
``Duration (in seconds)`` are used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from personas.io._coerce import as_text, map_uniques, text_values
from personas.io._table import RawTable

__all__ = ["is_qualtrics", "strip_qualtrics", "PREVIEW", "TEST"]

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


def strip_qualtrics(table: RawTable) -> RawTable:
    """Skip the two extra header rows and drop preview/test responses (recorded)."""
    keep = np.ones(len(table.frame), dtype=bool)
    keep[:2] = False
    table = table.keep(
        keep,
        format="qualtrics",
        default_id="ResponseId",
        default_duration="Duration (in seconds)",
    )
    reasons = _reasons(table.frame)
    dropped = reasons.notna().to_numpy()
    if not dropped.any():
        return table
    ids = _ids(table.frame, table.rows)
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


def _ids(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    fallback = np.array([f"row-{r}" for r in rows], dtype=object)
    if "ResponseId" not in frame.columns:
        return fallback
    ids = text_values(frame["ResponseId"])
    as_series = pd.Series(ids, dtype=object)
    empty = (as_series.isna() | (as_series == "")).to_numpy(dtype=bool)
    ids[empty] = fallback[empty]
    return ids

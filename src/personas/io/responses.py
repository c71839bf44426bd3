"""The :class:`Responses` object: one survey wave, mapped onto an instrument's questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from personas.instrument.model import Instrument

__all__ = ["Source", "Responses"]


@dataclass(frozen=True)
class Source:
    """Where a wave came from: path, detected format and encoding, and its SHA-256.

    ``notes`` are plain-words sentences about how the file was read that a journal can show
    (e.g. a Qualtrics export read through ``ResponseId`` instead of ``data.id_column``, or
    through its numeric recode values).
    """

    path: Path
    format: str
    sha256: str
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class Responses:
    """Every respondent read from one file, answers as codes (see ``instrument.model``).

    Attributes
    ----------
    instrument
        The instrument the file was mapped onto.
    answers
        One row per loaded respondent (in file order), one float64 column per question id
        (attention checks included), NaN where the answer is missing. The index is the
        respondent id as a string (``"row-<n>"`` when the file has no id column); ids may repeat
        here; cleaning records duplicates.
    rows
        The source row of each respondent as a spreadsheet user counts it (header = row 1;
        Qualtrics exports: the two extra header rows counted too).
    duration
        Seconds spent on the survey per respondent (float, NaN when unknown), or ``None`` when
        the file has no duration column.
    extra
        Columns of the file that are not questions, id or duration, kept aside, same index.
    dropped
        Rows removed while reading, never silently: columns ``respondent``, ``row``, ``reason``
        (e.g. Qualtrics ``"preview response"``, ``"test response"``).
    invalid
        Cells turned into missing answers under ``invalid: missing`` / ``--lenient``: columns
        ``respondent``, ``row``, ``column``, ``question``, ``value``.
    source
        File path, format, encoding and hash.
    columns
        The raw column each question was read from (``{question id: column name}``).
    lenient
        Whether values a question does not allow were read as missing (recorded in
        ``invalid``) rather than refused.
    weights
        Each respondent's survey weight (float64 >= 0, same index), or ``None`` for an
        unweighted wave (no ``data.weight_column``); see :mod:`personas.io._weights`.
    """

    instrument: Instrument
    answers: pd.DataFrame
    rows: np.ndarray
    source: Source
    duration: pd.Series | None = None
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)
    dropped: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["respondent", "row", "reason"])
    )
    invalid: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["respondent", "row", "column", "question", "value"]
        )
    )
    columns: dict = field(default_factory=dict)
    lenient: bool = False
    weights: pd.Series | None = None

    def __len__(self) -> int:
        return len(self.answers)

    @property
    def n_loaded(self) -> int:
        """Rows read from the file, including rows dropped while reading."""
        return len(self.answers) + len(self.dropped)

    def __repr__(self) -> str:
        return (
            f"Responses({self.instrument.study_id!r}, {len(self)} respondents × "
            f"{self.answers.shape[1]} questions from {self.source.path.name} "
            f"[{self.source.format}])"
        )

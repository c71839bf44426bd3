"""What :func:`personas.simulate.simulate` returns: a simulated wave and its answer key."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from personas.instrument.model import Instrument
from personas.simulate._truth import Dirt, Truth

__all__ = ["Simulation"]


@dataclass(frozen=True, repr=False)
class Simulation:
    """A simulated wave and its answer key.

    Attributes
    ----------
    data
        The raw wave exactly as a survey tool would export it: id column, duration column,
        one text column per question (named as in ``instrument.data.columns`` when mapped).
    truth
        One row per row of ``data`` (same order): ``respondent``, planted ``segment``, the
        respondent-level dirt flags ``attention_failed``, ``speeder``, ``straightliner``,
        ``duplicate`` (a copy of an earlier row; the copy carries its original's segment and
        flags), the cell-level counts ``n_missing`` and ``n_respelled``, and ``clean`` (no
        respondent-level dirt: the rows a perfect cleaning keeps).
    segments
        The planted segments: ``id``, ``name``, ``share`` (planted, not observed),
        ``personas`` (comma-joined ids of the hand-made personas each plants).
    codes
        The answers of ``data`` as codes (see :mod:`personas.instrument.model`), one column per
        question id, NaN where missing: what a perfect reader should return.
    planted
        The :class:`Truth` that made the wave (after drift for ``wave``).
    dirt
        The dirt rates used.
    """

    instrument: Instrument
    data: pd.DataFrame
    truth: pd.DataFrame
    segments: pd.DataFrame
    codes: pd.DataFrame
    planted: Truth
    dirt: Dirt
    random_state: int | None
    wave: str | None = None

    def __repr__(self) -> str:
        return (
            f"Simulation({self.instrument.study_id!r}: {len(self.data)} rows, "
            f"{len(self.segments)} planted segments, random_state={self.random_state})"
        )

    def __len__(self) -> int:
        return len(self.data)

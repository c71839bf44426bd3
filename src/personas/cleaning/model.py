"""The cleaning stage's objects: the :class:`Ledger` that loses nobody, and
:class:`CleanResponses`, the answers that go on to segmentation."""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike

import pandas as pd

from personas.instrument.model import Instrument
from personas.io.responses import Source

__all__ = ["Ledger", "CleanResponses"]


@dataclass(frozen=True, repr=False)
class Ledger:
    """Every loaded respondent, kept or excluded, with the reason.

    ``table`` has one row per loaded row of the source file (rows dropped while reading
    included), in file order, with columns ``respondent`` (id), ``row`` (source row),
    ``status`` (``"kept"`` | ``"excluded"``), ``reason`` (the first failing rule, empty when
    kept) and ``other_reasons`` (the other failing rules, ``"; "``-joined, may be empty).
    ``rules`` records the settings each rule ran with (for the decision journal). A weighted
    wave adds a ``weight`` column (NaN for rows dropped while reading, which have no answers).

    The invariant ``loaded == kept + excluded`` holds by construction.
    """

    table: pd.DataFrame
    rules: dict = field(default_factory=dict)

    @property
    def loaded(self) -> int:
        return len(self.table)

    @property
    def kept(self) -> int:
        return int((self.table["status"] == "kept").sum())

    @property
    def excluded(self) -> int:
        return self.loaded - self.kept

    @property
    def weighted(self) -> bool:
        """Whether the wave had respondent weights (the table has a ``weight`` column)."""
        return "weight" in self.table.columns

    @property
    def kept_weight(self) -> float | None:
        """Sum of the kept respondents' weights (None when unweighted)."""
        if not self.weighted:
            return None
        return float(self.table.loc[self.table["status"] == "kept", "weight"].sum())

    @property
    def excluded_weight(self) -> float | None:
        """Sum of the excluded respondents' weights (None when unweighted; rows dropped while
        reading count as 0, they have no weight)."""
        if not self.weighted:
            return None
        return float(self.table.loc[self.table["status"] == "excluded", "weight"].sum())

    def counts(self) -> dict[str, int]:
        """Excluded respondents per reason (first failing rule), largest first."""
        reasons = self.table.loc[self.table["status"] == "excluded", "reason"]
        counts = reasons.value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    def exclusions(self) -> pd.DataFrame:
        """The excluded rows: ``respondent, row, reason, other_reasons`` (exclusions.csv),
        and ``weight`` when the wave is weighted."""
        excluded = self.table[self.table["status"] == "excluded"]
        columns = ["respondent", "row", "reason", "other_reasons"]
        columns += ["weight"] if self.weighted else []
        return excluded[columns].reset_index(drop=True)

    def to_csv(self, path: str | PathLike) -> None:
        """Write :meth:`exclusions` as ``exclusions.csv`` (UTF-8, header, no index).

        Columns: ``respondent, row, reason, other_reasons``; one line per excluded row,
        in file order (rows dropped while reading included).
        """
        self.exclusions().to_csv(path, index=False, encoding="utf-8", lineterminator="\n")

    def summary(self) -> dict:
        """``{"loaded", "kept", "excluded": {reason: n}}`` for ``summary.json`` (weighted
        waves: also ``kept_weight`` and ``excluded_weight``)."""
        out = {"loaded": self.loaded, "kept": self.kept, "excluded": self.counts()}
        if self.weighted:
            out["kept_weight"] = self.kept_weight
            out["excluded_weight"] = self.excluded_weight
        return out

    def __repr__(self) -> str:
        return f"Ledger(loaded={self.loaded}, kept={self.kept}, excluded={self.excluded})"


@dataclass(frozen=True, repr=False)
class CleanResponses:
    """The respondents kept after cleaning, ready for segmentation.

    ``answers``: one row per kept respondent (unique string ids as index, file order), one
    float64 column per *item* (``instrument.items``: attention checks removed after use). With
    ``imputation["rule"] == "auto"`` there is no NaN left; with ``"none"`` missing answers stay
    NaN. ``imputation`` records what was filled: ``{"rule": ..., "cells": n,
    "by_question": {qid: n}, "values": {qid: code}}``. ``columns``: the raw column of the file
    each question was read from (``{question id: column}``, as :attr:`Responses.columns`), so
    that messages about an item can name the column a researcher sees in the export.
    ``weights``: the kept respondents' survey weights (same index), or ``None`` for an
    unweighted wave.
    """

    instrument: Instrument
    answers: pd.DataFrame
    ledger: Ledger
    source: Source
    imputation: dict = field(default_factory=dict)
    duration: pd.Series | None = None
    columns: dict = field(default_factory=dict)
    weights: pd.Series | None = None

    def __len__(self) -> int:
        return len(self.answers)

    def __repr__(self) -> str:
        return (
            f"CleanResponses({self.instrument.study_id!r}, kept {self.ledger.kept} of "
            f"{self.ledger.loaded}, {self.answers.shape[1]} items)"
        )

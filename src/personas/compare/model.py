"""The comparison stage's frozen objects: :class:`Comparison` and the records inside it.

Kept apart from :mod:`~personas.compare.core` so that :mod:`~personas.compare.names` can build
and replace them without importing the stage function (no import cycle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import pandas as pd

from personas.instrument.model import Instrument
from personas.segment.model import Segmentation

if TYPE_CHECKING:  # pragma: no cover - typing only
    from personas.compare._names_file import Names

__all__ = ["VERDICTS", "SegmentName", "PersonaVerdict", "SegmentMatch", "Comparison"]

VERDICTS = ("confirmed", "merged", "split", "unsupported")
Verdict = Literal["confirmed", "merged", "split", "unsupported"]


@dataclass(frozen=True)
class SegmentName:
    """A segment's name and where it came from.

    ``source`` is ``"suggested"`` (made by :func:`personas.compare.core.compare`) or ``"user"``
    (an entry of ``names.yaml``); ``key`` says which entry (``"persona: survivor"``,
    ``"profile: q13, q10"``) and ``line`` where it is written (user names only).
    """

    text: str
    source: Literal["suggested", "user"] = "suggested"
    key: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PersonaVerdict:
    """What the data says about one hand-made persona.

    ``segments`` are the segments it is confirmed by, merged into or split across (empty when
    unsupported); ``similarity`` its agreement with its (best) segment, or with the closest
    segment when unsupported (``None`` when it speaks to no question used); ``coverage`` the
    share of respondents whose own answers agree with it; ``merged_with`` the other personas
    of a merge; ``closest`` its most similar segment whatever the verdict; ``reason`` the
    verdict in plain words. ``refits_same`` / ``refits``: in how many of the bootstrap refits
    of the chosen k the persona gets the same verdict (None when no refits were made);
    :attr:`stability` is their ratio, :attr:`uncertain` true below 70%.
    """

    persona: str
    name: str
    verdict: Verdict
    segments: tuple[int, ...]
    similarity: float | None
    coverage: float
    merged_with: tuple[str, ...] = ()
    closest: int | None = None
    reason: str = ""
    refits_same: int | None = None
    refits: int | None = None

    @property
    def stability(self) -> float | None:
        """Share of refits giving the same verdict (None when there were none)."""
        return None if not self.refits else self.refits_same / self.refits

    @property
    def uncertain(self) -> bool:
        """True when the verdict comes back in fewer than 70% of the refits."""
        return self.stability is not None and self.stability < 0.7


@dataclass(frozen=True)
class SegmentMatch:
    """Which hand-made persona(s) one data-driven segment stands for.

    ``persona`` is the best-agreeing of ``personas`` (``None`` for a new segment);
    ``similarity`` its agreement (for a new segment: the nearest persona's, below the
    threshold); ``nearest`` the most similar persona whatever the outcome; ``suggested`` the
    name :func:`personas.compare.core.compare` suggests, before any ``names.yaml`` entry and before
    repeated names are numbered.
    """

    segment: int
    persona: str | None
    personas: tuple[str, ...]
    similarity: float | None
    name: SegmentName
    new: bool = False
    nearest: str | None = None
    reason: str = ""
    suggested: str = ""


@dataclass(frozen=True, repr=False)
class Comparison:
    """Hand-made personas against data-driven segments.

    Attributes
    ----------
    segmentation, instrument
        What was compared.
    expected
        Rows = persona ids, columns = item ids: the answer code each persona expects (from its
        tension positions through each question's pole, overridden by its explicit answers),
        NaN where the persona says nothing.
    similarity
        Rows = persona ids, columns = segment ids, values in [0, 1] (NaN when a persona speaks
        to no item).
    coverage
        Persona id -> share of respondents whose own answers agree with the persona at least
        ``thresholds["coverage_threshold"]``. Respondents may count for several personas.
    verdicts, segments
        One :class:`PersonaVerdict` per persona (instrument order), one :class:`SegmentMatch`
        per segment (segment-id order).
    new_segments
        Ids of segments no persona reaches the confirm threshold with (none when the answers
        show no clear segments; unstable segments are not counted as new).
    unstable_segments
        Ids of segments with a bootstrap Jaccard below 0.6: never presented as personas.
    clear
        False when the structure test found no clear segments (then no persona is confirmed).
    matching
        The one-to-one Hungarian matching: persona id -> segment id (``None`` when unmatched).
    segment_tensions, persona_tensions
        Rows = segment ids / persona ids, columns = tension ids, positions in [-1, 1]
        (NaN where a persona says nothing about a tension).
    tension_separation
        One row per tension, most separating first: ``tension, label, a, b, separation``
        (between-segment share of respondents' variance on the tension, eta squared) and
        ``spread`` (share-weighted standard deviation of segment positions).
    thresholds
        The thresholds the verdicts were made with.
    journal
        The comparison's decisions in plain words.
    names
        The user's ``names.yaml`` entries applied, if any.
    """

    segmentation: Segmentation
    instrument: Instrument
    expected: pd.DataFrame
    similarity: pd.DataFrame
    coverage: pd.Series
    verdicts: tuple[PersonaVerdict, ...]
    segments: tuple[SegmentMatch, ...]
    new_segments: tuple[int, ...]
    matching: Mapping[str, int | None]
    segment_tensions: pd.DataFrame
    persona_tensions: pd.DataFrame
    tension_separation: pd.DataFrame
    thresholds: Mapping[str, float] = field(default_factory=dict)
    journal: tuple[str, ...] = ()
    names: Names | None = None
    unstable_segments: tuple[int, ...] = ()
    clear: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "matching", MappingProxyType(dict(self.matching)))
        object.__setattr__(self, "thresholds", MappingProxyType(dict(self.thresholds)))

    def verdict(self, persona_id: str) -> PersonaVerdict:
        """The verdict on one persona, by id."""
        for v in self.verdicts:
            if v.persona == persona_id:
                return v
        raise KeyError(persona_id)

    def segment(self, segment_id: int) -> SegmentMatch:
        """What one segment stands for, by id."""
        for s in self.segments:
            if s.segment == segment_id:
                return s
        raise KeyError(segment_id)

    def count(self, verdict: str) -> int:
        """How many personas got ``verdict``."""
        return sum(v.verdict == verdict for v in self.verdicts)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {v}" for v in VERDICTS if (n := self.count(v)))
        n_p, n_k = len(self.verdicts), len(self.segments)
        return (
            f"Comparison({n_p} persona{'s' * (n_p != 1)} × {n_k} segment{'s' * (n_k != 1)}: "
            f"{counts or 'no personas'}; {len(self.new_segments)} new)"
        )

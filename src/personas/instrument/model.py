"""The tension model as frozen objects: Instrument, Tension, Question, Persona.

An :class:`Instrument` is what ``instrument.yaml`` describes: the tensions (pairs of
conflicting needs), the questions that measure them, the hand-made personas placed on them,
how raw data files map onto the questions, and the cleaning rules.

Answers are carried through the pipeline as numeric *codes* (float64, NaN for missing) so that
every later stage works on one dense matrix:

========  ==========================================
type      code
========  ==========================================
boolean   1.0 = True / agree, 0.0 = False
likert    the number on the scale (``min`` .. ``max``)
choice    the 0-based position of the option in ``options``
number    the number itself
========  ==========================================

:meth:`Question.decode` and :meth:`Question.label` turn a code back into what a person reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "QUESTION_TYPES",
    "Tension",
    "Scale",
    "Question",
    "Persona",
    "DataMapping",
    "CleaningRules",
    "Instrument",
]

QUESTION_TYPES = ("boolean", "likert", "choice", "number")
QuestionType = Literal["boolean", "likert", "choice", "number"]


def _frozen_map(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Tension:
    """Two conflicting user needs: pole ``a`` (position -1) versus pole ``b`` (position +1)."""

    id: str
    label: str
    a: str
    b: str

    def pole_text(self, position: float) -> str:
        """Words for a position in [-1, 1]: the nearer pole, or "between" near 0."""
        if position <= -1 / 3:
            return self.a
        if position >= 1 / 3:
            return self.b
        return f"between “{self.a}” and “{self.b}”"


@dataclass(frozen=True)
class Scale:
    """A likert scale: integer points ``min`` .. ``max`` with optional labels."""

    min: int
    max: int
    labels: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", _frozen_map(self.labels))

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(range(self.min, self.max + 1))

    @property
    def midpoint(self) -> float:
        return (self.min + self.max) / 2


@dataclass(frozen=True)
class Question:
    """One survey item.

    ``pole`` says which pole of ``tension`` a True / agree answer points toward. ``attention``
    is the expected answer of an attention check (as a code), ``None`` for ordinary items.
    """

    id: str
    text: str
    type: QuestionType
    tension: str | None = None
    pole: Literal["a", "b"] | None = None
    scale: Scale | None = None
    options: tuple[str, ...] = ()
    attention: float | None = None

    @property
    def is_attention_check(self) -> bool:
        return self.attention is not None

    @property
    def codes(self) -> tuple[float, ...]:
        """Every valid code, in order (empty for ``number``: any finite number is valid)."""
        if self.type == "boolean":
            return (0.0, 1.0)
        if self.type == "likert":
            return tuple(float(p) for p in self.scale.points)
        if self.type == "choice":
            return tuple(float(i) for i in range(len(self.options)))
        return ()

    def decode(self, code: float) -> Any:
        """The answer a code stands for: True/False, a scale point, an option, a number."""
        if code is None or (isinstance(code, float) and math.isnan(code)):
            return None
        if self.type == "boolean":
            return bool(code >= 0.5)
        if self.type == "likert":
            return int(round(code))
        if self.type == "choice":
            return self.options[int(round(code))]
        return float(code)

    def label(self, code: float) -> str:
        """Human words for an answer code ("True", "4 – Agree", "mobile")."""
        value = self.decode(code)
        if value is None:
            return "(missing)"
        if self.type == "likert" and value in self.scale.labels:
            return f"{value} – {self.scale.labels[value]}"
        return str(value)

    def allowed_text(self) -> list[str]:
        """Allowed answers as a person would write them, for messages and codebooks."""
        if self.type == "boolean":
            return ["True", "False"]
        if self.type == "likert":
            return [str(p) for p in self.scale.points]
        if self.type == "choice":
            return list(self.options)
        return ["any number"]

    def agree_code(self) -> float:
        """The code of a full True / agree answer (pole direction of the item)."""
        if self.type == "boolean":
            return 1.0
        if self.type == "likert":
            return float(self.scale.max)
        raise ValueError(f"question {self.id!r} of type {self.type} has no agree direction")


@dataclass(frozen=True)
class Persona:
    """A hand-made persona: positions on tensions (-1 = pole a, +1 = pole b) and answers."""

    id: str
    name: str
    summary: str = ""
    tensions: Mapping[str, float] = field(default_factory=dict)
    answers: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tensions", _frozen_map(self.tensions))
        object.__setattr__(self, "answers", _frozen_map(self.answers))


@dataclass(frozen=True)
class DataMapping:
    """How a raw data file maps onto questions (the ``data`` section)."""

    id_column: str | None = None
    duration_column: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[Any, ...] = ()
    #: The column of respondent weights (survey weights), or None for an unweighted study.
    weight_column: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", _frozen_map(self.columns))


@dataclass(frozen=True)
class CleaningRules:
    """The ``cleaning`` section; defaults are documented in the README.

    ``min_duration_seconds=None`` means "a third of the median duration".
    ``straightlining`` checks identical answers across all likert items;
    ``straightlining_boolean`` extends that to the boolean block (off by default: a True/False
    survey can be answered all-True honestly). ``invalid`` is ``"error"`` (refuse bad cells) or
    ``"missing"`` (turn them into missing answers, recorded). ``impute`` is ``"auto"`` (mode for
    boolean/choice, median for likert and number) or ``"none"`` (keep missing answers for
    algorithms that handle them).
    """

    min_duration_seconds: float | None = None
    max_missing_share: float = 0.2
    straightlining: bool = True
    straightlining_boolean: bool = False
    invalid: Literal["error", "missing"] = "error"
    impute: Literal["auto", "none"] = "auto"


@dataclass(frozen=True)
class Instrument:
    """A study's tension model, survey questions, hand-made personas and data rules."""

    study_id: str
    title: str
    tensions: tuple[Tension, ...]
    questions: tuple[Question, ...]
    personas: tuple[Persona, ...] = ()
    data: DataMapping = field(default_factory=DataMapping)
    cleaning: CleaningRules = field(default_factory=CleaningRules)
    path: Path | None = None

    def __repr__(self) -> str:
        return (
            f"Instrument({self.study_id!r}: {len(self.tensions)} tensions, "
            f"{len(self.questions)} questions, {len(self.personas)} personas)"
        )

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def tension(self, tension_id: str) -> Tension:
        for t in self.tensions:
            if t.id == tension_id:
                return t
        raise KeyError(tension_id)

    def persona(self, persona_id: str) -> Persona:
        for p in self.personas:
            if p.id == persona_id:
                return p
        raise KeyError(persona_id)

    @property
    def items(self) -> tuple[Question, ...]:
        """The questions used for segmentation: every question except attention checks."""
        return tuple(q for q in self.questions if not q.is_attention_check)

    @property
    def attention_checks(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.is_attention_check)

    def questions_of(self, tension_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.items if q.tension == tension_id)

    @property
    def one_pole_tensions(self) -> tuple[tuple[str, str], ...]:
        """``(tension id, pole)`` for each tension whose items all sit on one pole.

        Such a tension cannot tell acquiescence (agreeing with everything) from a real
        position at that pole; the run journal and the report say so.
        """
        out = []
        for t in self.tensions:
            poles = {q.pole for q in self.questions_of(t.id) if q.pole}
            if len(poles) == 1:
                out.append((t.id, poles.pop()))
        return tuple(out)

    @property
    def item_types(self) -> frozenset[str]:
        return frozenset(q.type for q in self.items)

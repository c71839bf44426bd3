"""The typed, versioned layout of a saved run's ``summary.json`` and ``model.json``.

One place knows the file layout: :class:`Summary` (schema ``personas/summary@1``) and
:class:`Model` (``personas/model@1``) are frozen dataclasses with ``to_json()`` and
``from_json()``. ``from_json`` checks every field's presence and type and raises one
:class:`~personas.errors.InputError` listing *every* problem with its JSON path, e.g.
``segments[2].share: expected a number, got "x"``.

The schema grows additively: keys a newer writer adds and this reader does not know are kept
in ``extra`` and written back unchanged, never an error; optional keys an older writer did not
write stay absent on the way back out, so ``from_json(d).to_json() == d`` for every file.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Union

from personas.errors import InputError, Problem

__all__ = [
    "SUMMARY_SCHEMA",
    "MODEL_SCHEMA",
    "Summary",
    "as_summary",
    "Study",
    "TensionRecord",
    "QuestionRecord",
    "Similarity",
    "Baseline",
    "BaselineSegment",
    "Drift",
    "Respondents",
    "SelectionRow",
    "SelectionSummary",
    "Distinctive",
    "SegmentRecord",
    "PersonaRecord",
    "VerdictStability",
    "Structure",
    "Weights",
    "Lca",
    "LcaKModes",
    "EmbeddingInfo",
    "Model",
    "ModelSegment",
]

SUMMARY_SCHEMA = "personas/summary@1"
MODEL_SCHEMA = "personas/model@1"
REWRITE_HINT = "the run folder is damaged: rerun `personas run` to write it again"
Number = Union[int, float]  # noqa: UP007 - a runtime alias checked by the reader below


class _Record:
    """Shared ``to_json``/``from_json`` for the schema's frozen dataclasses.

    Subclasses list the keys an older writer may have left out in ``_optional``; those get
    their field default when absent and are not written back.
    """

    _optional: ClassVar[frozenset[str]] = frozenset()

    def to_json(self) -> dict:
        """The JSON object (plain dicts, lists and scalars) this record was read from."""
        absent = getattr(self, "absent", frozenset())
        out = {}
        for f in dataclasses.fields(self):
            if f.name in ("extra", "absent") or f.name in absent:
                continue
            out[f.name] = _dump(getattr(self, f.name))
        out.update(getattr(self, "extra", {}))
        return out

    @classmethod
    def from_json(cls, data: Any, *, file: str = "summary.json"):
        """Read and check ``data``; raise :class:`InputError` listing every problem found."""
        problems: list[str] = []
        value = _load(cls, data, "", problems)
        if problems:
            raise InputError([Problem(p, file=file, hint=REWRITE_HINT) for p in problems])
        return value


def _dump(value: Any) -> Any:
    if isinstance(value, _Record):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _expected(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is Any:
        return "any value"
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if set(args) == {int, float}:
            return "a number"
        named = [_expected(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(named)) + (" or null" if type(None) in args else "")
    if origin is list or origin is tuple:
        return "a list"
    if origin is dict or (isinstance(tp, type) and issubclass(tp, _Record)):
        return "an object"
    return _NAMES.get(tp, getattr(tp, "__name__", str(tp)))


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _load(tp: Any, value: Any, path: str, problems: list[str]) -> Any:
    """``value`` checked against the type ``tp``; each mismatch is appended to ``problems``."""
    where = path or "the file"
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is not type(None) and _fits(arg, value):
                return _load(arg, value, path, problems)
        problems.append(f"{where}: expected {_expected(tp)}, got {_show(value)}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            problems.append(f"{where}: expected {_expected(tp)}, got {_show(value)}")
            return value
        (item,) = typing.get_args(tp)[:1] or (Any,)
        return [_load(item, v, _at(path, i), problems) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object, got {_show(value)}")
            return value
        item = typing.get_args(tp)[1]
        return {k: _load(item, v, _at(path, k), problems) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, _Record):
        return _load_record(tp, value, path, problems)
    if not _fits(tp, value):
        problems.append(f"{where}: expected {_expected(tp)}, got {_show(value)}")
    return value


def _fits(tp: Any, value: Any) -> bool:
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if origin in (list, tuple):
        return isinstance(value, list)
    if origin is dict or (isinstance(tp, type) and issubclass(tp, _Record)):
        return isinstance(value, dict)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def _load_record(cls: type[_Record], value: Any, path: str, problems: list[str]):
    if not isinstance(value, dict):
        problems.append(f"{path or 'the file'}: expected an object, got {_show(value)}")
        return None
    hints = typing.get_type_hints(cls)
    kwargs, absent = {}, set()
    for f in dataclasses.fields(cls):
        if f.name in ("extra", "absent"):
            continue
        if f.name not in value:
            if f.name in cls._optional:
                absent.add(f.name)
                continue
            problems.append(f"{_at(path, f.name)}: missing")
            continue
        kwargs[f.name] = _load(hints[f.name], value[f.name], _at(path, f.name), problems)
    names = {f.name for f in dataclasses.fields(cls)}
    extra = {k: v for k, v in value.items() if k not in names}
    if "extra" in names:
        kwargs["extra"] = extra
    if "absent" in names:
        kwargs["absent"] = frozenset(absent)
    try:
        return cls(**kwargs)
    except TypeError:  # a required field was missing: already listed in problems
        return None


_extra = field(default_factory=dict, compare=True, repr=False)
_absent = field(default_factory=frozenset, compare=True, repr=False)


@dataclass(frozen=True)
class Study(_Record):
    """Which study a run belongs to."""

    id: str
    title: str | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset({"title"})


@dataclass(frozen=True)
class Respondents(_Record):
    """The ledger: ``loaded`` = ``kept`` + the sum of ``excluded`` by reason."""

    loaded: int
    kept: int
    excluded: dict[str, int] = field(default_factory=dict)
    kept_weight: Number | None = None
    excluded_weight: Number | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"excluded", "kept_weight", "excluded_weight"}
    )  # weighted runs only: the summed weight kept and excluded


@dataclass(frozen=True)
class SelectionRow(_Record):
    """One candidate ``k`` of the elbow/silhouette/stability table."""

    k: int
    cost: Number | None = None
    silhouette: Number | None = None
    stability: Number | None = None
    min_jaccard: Number | None = None
    status: str | None = None
    bic: Number | None = None
    aic: Number | None = None
    entropy: Number | None = None
    smallest: Number | None = None
    loglik: Number | None = None
    n_parameters: Number | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {
            "cost",
            "silhouette",
            "stability",
            "min_jaccard",
            "status",
            "bic",
            "aic",
            "entropy",
            "smallest",
            "loglik",
            "n_parameters",
        }
    )  # fmt: skip - the last six: latent class runs only


@dataclass(frozen=True)
class SelectionSummary(_Record):
    """Why ``k`` was chosen."""

    chosen: int | None = None
    knee: int | None = None
    best_silhouette: int | None = None
    most_stable: int | None = None
    reasons: list[str] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    silhouette_sample: int | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"chosen", "knee", "best_silhouette", "most_stable", "reasons", "warnings",
         "silhouette_sample"}
    )  # fmt: skip


@dataclass(frozen=True)
class Distinctive(_Record):
    """An answer that sets a segment apart."""

    question: str
    share: Number
    text: str | None = None
    answer: Any = None
    label: str | None = None
    overall: Number | None = None
    difference: Number | None = None
    lift: Number | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"text", "answer", "label", "overall", "difference", "lift"}
    )


@dataclass(frozen=True)
class SegmentRecord(_Record):
    """One segment of ``summary.json``: size, share, profile and persona match."""

    id: int
    size: int
    share: Number
    name: str
    color: int | None = None
    share_ci: list[Number] = field(default_factory=list)
    stability: Number | None = None
    medoid: str | None = None
    tensions: dict[str, Number] = field(default_factory=dict)
    distinctive: list[Distinctive] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)
    means: dict[str, Number | None] = field(default_factory=dict)
    persona: str | None = None
    personas: list[str] = field(default_factory=list)
    similarity: Number | None = None
    confident: int | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {
            "color",
            "share_ci",
            "stability",
            "medoid",
            "tensions",
            "distinctive",
            "profile",
            "means",
            "persona",
            "personas",
            "similarity",
            "confident",
        }
    )  # fmt: skip - confident: latent class runs only (members with posterior >= 0.8)


@dataclass(frozen=True)
class VerdictStability(_Record):
    """A persona's verdict over bootstrap refits: the same verdict in ``same`` of ``refits``."""

    same: int | None = None
    refits: int | None = None
    share: Number | None = None
    uncertain: bool | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset({"same", "refits", "share", "uncertain"})


@dataclass(frozen=True)
class PersonaRecord(_Record):
    """A hand-made persona and its verdict against the segments."""

    id: str
    name: str | None = None
    verdict: str | None = None
    similarity: Number | None = None
    coverage: Number | None = None
    segments: list[int] = field(default_factory=list)
    summary: str | None = None
    merged_with: list[str] = field(default_factory=list)
    reason: str | None = None
    tensions: dict[str, Number] = field(default_factory=dict)
    stability: VerdictStability | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"name", "verdict", "similarity", "coverage", "segments", "summary", "merged_with",
         "reason", "tensions", "stability"}
    )  # fmt: skip


@dataclass(frozen=True)
class Structure(_Record):
    """The "are there segments at all" test: the gap of the chosen k against
    column-permuted answers; ``clear`` is False for no clear segments, None when it failed."""

    clear: bool | None = None
    gap: Number | None = None
    z: Number | None = None
    p_value: Number | None = None
    k: int | None = None
    permutations: int | None = None
    sample: int | None = None
    statistic: str | None = None
    reference: str | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"clear", "gap", "z", "p_value", "k", "permutations", "sample", "statistic",
         "reference"}
    )  # fmt: skip


@dataclass(frozen=True)
class Weights(_Record):
    """A weighted run's weights: column, range, sum, Kish effective n, design effect."""

    column: str | None = None
    n: int | None = None
    sum: Number | None = None
    min: Number | None = None
    max: Number | None = None
    median: Number | None = None
    zero: int | None = None
    n_eff: Number | None = None
    deff: Number | None = None
    extreme: int | None = None
    kept_weight: Number | None = None
    excluded_weight: Number | None = None
    interval: str | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"column", "n", "sum", "min", "max", "median", "zero", "n_eff", "deff", "extreme",
         "kept_weight", "excluded_weight", "interval"}
    )  # fmt: skip


@dataclass(frozen=True)
class LcaKModes(_Record):
    """The k-modes sweep a latent class run was set beside, and their adjusted Rand index."""

    k: int | None = None
    selection: list[SelectionRow] = field(default_factory=list)
    selection_summary: SelectionSummary | None = None
    adjusted_rand: Number | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"k", "selection", "selection_summary", "adjusted_rand"}
    )


@dataclass(frozen=True)
class Lca(_Record):
    """``lca`` of a latent class run: the confidence threshold, how many respondents meet it,
    the StepMix version and the k-modes comparison."""

    confident_threshold: Number | None = None
    confident: int | None = None
    stepmix: str | None = None
    kmodes: LcaKModes | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"confident_threshold", "confident", "stepmix", "kmodes"}
    )


@dataclass(frozen=True)
class EmbeddingInfo(_Record):
    """How the UMAP map was made."""

    method: str | None = None
    metric: str | None = None
    n: int | None = None
    sample_size: int | None = None
    random_state: int | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"method", "metric", "n", "sample_size", "random_state"}
    )


@dataclass(frozen=True)
class TensionRecord(_Record):
    """A tension of the study: its two poles and how well it separates the segments."""

    id: str
    label: str | None = None
    a: str | None = None
    b: str | None = None
    separation: Number | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset({"label", "a", "b", "separation"})


@dataclass(frozen=True)
class QuestionRecord(_Record):
    """A question of the study as the run saw it: its tension and pole, if any."""

    id: str
    text: str | None = None
    type: str | None = None
    tension: str | None = None
    pole: str | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset({"text", "type", "tension", "pole"})


@dataclass(frozen=True)
class Similarity(_Record):
    """How much each hand-made persona agrees with each segment (rows: personas)."""

    personas: list[str] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)
    values: list[list[Any]] = field(default_factory=list)
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset({"personas", "segments", "values"})


@dataclass(frozen=True)
class Drift(_Record):
    """A question whose answers moved most in a segment since the baseline wave."""

    question: str
    baseline: Number | None = None
    now: Number | None = None
    change: Number | None = None
    text: str | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset({"baseline", "now", "change", "text"})


@dataclass(frozen=True)
class BaselineSegment(_Record):
    """A segment matched across two waves (``id`` now, ``baseline_id`` then; either may be
    missing for a segment that is new or vanished)."""

    change: str | None = None
    id: int | None = None
    baseline_id: int | None = None
    name: str | None = None
    color: int | None = None
    share: Number | None = None
    share_baseline: Number | None = None
    p_value: Number | None = None
    similarity: Number | None = None
    drift: list[Drift] = field(default_factory=list)
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"change", "id", "baseline_id", "name", "color", "share", "share_baseline", "p_value",
         "similarity", "drift"}
    )  # fmt: skip


@dataclass(frozen=True)
class Baseline(_Record):
    """The comparison with an earlier wave's run (``personas run --baseline``)."""

    run: str | None = None
    wave: str | None = None
    ari: Number | None = None
    alpha: Number | None = None
    min_similarity: Number | None = None
    segments: list[BaselineSegment] = field(default_factory=list)
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"run", "wave", "ari", "alpha", "min_similarity", "segments"}
    )


@dataclass(frozen=True)
class Summary(_Record):
    """``summary.json``: everything the report, ``assign`` and the wave comparison read.

    Examples
    --------
    >>> s = Summary.from_json({"schema": SUMMARY_SCHEMA, "study": {"id": "x"}, "wave": "w",
    ...     "respondents": {"loaded": 2, "kept": 2}, "method": "kmodes", "k": 1, "seed": 0,
    ...     "selection": [], "segments": [], "personas": [], "similarity": None,
    ...     "tensions": [], "embedding": None})
    >>> s.study.id, s.respondents.kept
    ('x', 2)
    """

    schema: str
    study: Study
    wave: str
    respondents: Respondents
    method: str
    k: int
    seed: int
    selection: list[SelectionRow]
    segments: list[SegmentRecord]
    personas: list[PersonaRecord]
    similarity: Similarity | None
    tensions: list[TensionRecord]
    embedding: EmbeddingInfo | None
    selection_summary: SelectionSummary | None = None
    new_segments: list[Any] = field(default_factory=list)
    thresholds: dict[str, Number] = field(default_factory=dict)
    questions: list[QuestionRecord] = field(default_factory=list)
    cleaning: dict[str, Any] = field(default_factory=dict)
    journal: list[str] = field(default_factory=list)
    baseline: Baseline | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    structure: Structure | None = None
    clear_segments: bool | None = None
    unstable_segments: list[int] = field(default_factory=list)
    weights: Weights | None = None
    lca: Lca | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"selection_summary", "new_segments", "thresholds", "questions", "cleaning", "journal",
         "baseline", "inputs", "versions", "structure", "clear_segments", "unstable_segments",
         "weights", "lca"}
    )  # fmt: skip

    @classmethod
    def from_json(cls, data: Any, *, file: str = "summary.json") -> Summary:
        """Check ``data`` against ``personas/summary@1``; see :class:`_Record`."""
        if isinstance(data, dict) and data.get("schema") != SUMMARY_SCHEMA:
            raise InputError(
                Problem(
                    f"schema: unknown summary schema {data.get('schema')!r}",
                    file=file,
                    hint=f"expected {SUMMARY_SCHEMA!r}; rerun `personas run` to write it again",
                )
            )
        return super().from_json(data, file=file)

    def tension(self, tension_id: str) -> TensionRecord | None:
        """The tension with id ``tension_id``, or ``None``."""
        return next((t for t in self.tensions if t.id == tension_id), None)

    def segment(self, segment_id: int) -> SegmentRecord | None:
        """The segment with id ``segment_id``, or ``None``."""
        return next((s for s in self.segments if s.id == segment_id), None)


def as_summary(summary: Summary | Any) -> Summary:
    """``summary`` itself, or the :class:`Summary` of a ``summary.json`` dict (for callers that
    still hold the file's dict; :class:`InputError` when it does not fit the schema)."""
    return summary if isinstance(summary, Summary) else Summary.from_json(summary)


@dataclass(frozen=True)
class ModelSegment(_Record):
    """A segment's id and name as ``assign`` reports it."""

    id: int
    name: str | None = None
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset({"name"})


@dataclass(frozen=True)
class Model(_Record):
    """``model.json``: what ``personas assign`` needs to place new respondents."""

    method: str
    k: int
    schema: str | None = None
    segments: list[ModelSegment] = field(default_factory=list)
    study: str | None = None
    wave: str | None = None
    instrument_sha256: str | None = None
    item_codes: dict[str, list[Any]] = field(default_factory=dict)
    items: list[str] = field(default_factory=list)
    extra: dict = _extra
    absent: frozenset = _absent
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"schema", "segments", "study", "wave", "instrument_sha256", "item_codes", "items"}
    )

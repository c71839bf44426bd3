"""Reading ``names.yaml`` (schema ``personas/names@1``) into :class:`Names`; see
:mod:`personas.compare.names` for the format and how entries find their segments.

Uses the instrument loader's position-keeping YAML reader and problem collector, so
``names.yaml`` and ``instrument.yaml`` read and complain alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from personas.instrument._answers import answer_code
from personas.instrument._check import Checker
from personas.instrument._positions import read_positions
from personas.instrument._yaml import Node
from personas.instrument.model import Instrument

__all__ = ["SCHEMA", "NameEntry", "Names", "read_names"]

SCHEMA = "personas/names@1"
_TOP_KEYS = ("schema", "names")
_ENTRY_KEYS = ("name", "persona", "profile", "tensions")


@dataclass(frozen=True)
class NameEntry:
    """One entry of ``names.yaml``: a name and how to find its segment.

    ``persona`` is a persona id; ``answers`` (the ``profile`` key, as codes) and ``tensions``
    (positions in [-1, 1]) describe a segment directly. ``line`` is where the entry starts.
    """

    name: str
    persona: str | None = None
    answers: Mapping[str, float] = field(default_factory=dict)
    tensions: Mapping[str, float] = field(default_factory=dict)
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))
        object.__setattr__(self, "tensions", MappingProxyType(dict(self.tensions)))

    @property
    def key(self) -> str:
        """How the entry finds its segment: ``"persona: survivor"``, ``"profile: q13, q10"``."""
        if self.persona is not None:
            return f"persona: {self.persona}"
        parts = []
        if self.answers:
            parts.append(f"profile: {', '.join(self.answers)}")
        if self.tensions:
            parts.append(f"tensions: {', '.join(self.tensions)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Names:
    """The entries of a ``names.yaml`` file, in file order."""

    entries: tuple[NameEntry, ...] = ()
    path: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def where(self, entry: NameEntry) -> str:
        """``names.yaml:4`` for messages."""
        file = self.path.name if self.path is not None else "names.yaml"
        return f"{file}:{entry.line}" if entry.line else file


def read_names(check: Checker, root: Node | None, instrument: Instrument) -> list[NameEntry]:
    """The valid entries of a composed ``names.yaml``; every problem goes to ``check``."""
    if root is None:
        check.add(
            None,
            "the file is empty",
            code="empty",
            hint=f"Start with 'schema: {SCHEMA}' and a 'names:' list",
        )
        return []
    top = check.mapping(
        root,
        "names.yaml",
        allowed=_TOP_KEYS,
        required=_TOP_KEYS,
        examples={"schema": SCHEMA, "names": "[{name: ..., persona: ...}]"},
    )
    if top is None:
        return []
    schema = top.get("schema")
    if schema is not None and not schema.is_null and schema.text != SCHEMA:
        check.add(
            schema,
            f"unknown schema '{schema.text}'",
            code="schema",
            hint=f"Write 'schema: {SCHEMA}'",
        )
    example = "'- {name: \"Fast earners\", persona: survivor}'"
    nodes = check.sequence(top.get("names"), "names", example=example)
    entries = [
        _entry(check, node, _entry_name(node, index), instrument)
        for index, node in enumerate(nodes)
    ]
    for key, what in (("name", "name"), ("persona", "persona")):
        _unique(check, nodes, key, what)
    return [entry for entry in entries if entry is not None]


def _entry_name(node: Node, index: int) -> str:
    """``"names entry 'Fast earners'"``, or ``"names entry #2"`` when it has no readable name."""
    found = node.keyed().get("name") if node.is_mapping else None
    if found is not None and found[1].text and found[1].text.strip():
        return f"names entry '{found[1].text.strip()}'"
    return f"names entry #{index + 1}"


def _entry(check: Checker, node: Node, where: str, instrument: Instrument) -> NameEntry | None:
    before = len(check.problems)
    fields = check.mapping(node, where, allowed=_ENTRY_KEYS, required=("name",))
    if fields is None:
        return None
    name = check.text(fields.get("name"), f"{where} name")
    if name is not None and not name.strip():
        check.add(
            fields["name"],
            f"{where} has an empty name",
            code="empty-name",
            hint="Write the name the report should show",
        )
    has_profile = "profile" in fields or "tensions" in fields
    if "persona" in fields and has_profile:
        check.add(
            fields["persona"],
            f"{where} has both 'persona' and 'profile'/'tensions'",
            code="ambiguous-entry",
            hint="Keep one way of finding the segment",
        )
    elif "persona" not in fields and not has_profile:
        check.add(
            node,
            f"{where} says neither 'persona' nor 'profile'",
            code="missing-key",
            hint="Add 'persona: <persona id>' or 'profile: {<question>: <answer>}'",
        )
    persona = None
    if "persona" in fields:
        persona = check.text(fields["persona"], f"{where} persona")
        known = [p.id for p in instrument.personas]
        if persona is not None and not check.reference(
            fields["persona"], persona, known, what="persona", where=where
        ):
            persona = None
    answers = _answers(check, fields.get("profile"), where, instrument)
    positions = read_positions(
        check, fields.get("tensions"), where, [t.id for t in instrument.tensions], non_empty=True
    )
    if len(check.problems) > before:
        return None
    return NameEntry(name.strip(), persona, answers, positions, node.line)


def _answers(check: Checker, node: Node | None, where: str, inst: Instrument) -> dict:
    out = {}
    items = {q.id: q for q in inst.items}
    for _, key, value in check.pairs(
        node, f"profile of {where}", example="{q13: true, q10: true}", non_empty=True
    ):
        qid = key.text or ""
        if not check.reference(key, qid, items, what="question", where=f"profile of {where}"):
            continue
        code = answer_code(items[qid], value)
        if code is None:
            check.add(
                value,
                f"{where} answers '{value.text or value.kind}' to {qid}, which "
                "is not a valid answer",
                code="bad-answer",
                hint=f"Write one of: {', '.join(items[qid].allowed_text())}",
            )
            continue
        out[qid] = code
    return out


def _unique(check: Checker, nodes: list[Node], key: str, what: str) -> None:
    """Report a name (or persona) given to two entries, valid or not, at the second one."""
    first: dict[str, int] = {}
    for node in nodes:
        found = node.keyed().get(key) if node.is_mapping else None
        text = found[1].text.strip() if found is not None and found[1].text else None
        if not text:
            continue
        if text in first:
            check.add(
                found[1],
                f"{what} '{text}' is used by two entries (first on line {first[text]})",
                code=f"duplicate-{what}",
                hint="Give every segment its own name"
                if what == "name"
                else "Keep one entry per persona",
            )
        first.setdefault(text, found[1].line)

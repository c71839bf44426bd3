"""The problem collector shared by the section readers of ``instrument.yaml``.

A :class:`Checker` never raises: it records a located :class:`~personas.errors.Problem` and lets
the reader carry on, so the user sees every mistake in one run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from personas.errors import Problem
from personas.instrument._yaml import Node

__all__ = ["Checker", "Entry", "ID_PATTERN", "did_you_mean", "entry_name"]

_MAX_LISTED = 12
ID_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word`` (difflib ratio >= 0.6), or ``None``."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1)
    return matches[0] if matches else None


def _quote_all(words: Iterable[str]) -> str:
    return ", ".join(words)


class Checker:
    """Collects problems for one file; helpers read nodes and report what is wrong."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(
        self,
        node: Node | None,
        message: str,
        *,
        code: str,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        """Record one problem located at ``node`` (or at the top of the file).

        ``value`` defaults to the scalar at ``node`` as written (numbers as numbers).
        """
        if value is None and node is not None and node.is_scalar and not node.is_null:
            value = node.value if node.is_number else node.text
        self.problems.append(
            Problem(
                message,
                file=self.file,
                line=node.line if node is not None else 1,
                column=node.column if node is not None else 1,
                value=value,
                hint=hint,
                code=code,
            )
        )

    def mapping(
        self,
        node: Node,
        where: str,
        *,
        allowed: tuple[str, ...],
        required: tuple[str, ...] = (),
        examples: dict[str, str] | None = None,
    ) -> dict[str, Node] | None:
        """Check that ``node`` is a mapping with only ``allowed`` keys and every ``required`` one.

        Returns the value nodes by key (``None`` if ``node`` is not a mapping). Unknown keys get
        a did-you-mean hint; a key written twice is reported at its second occurrence; a
        missing key's hint shows ``examples[key]`` as the value to write.
        """
        if not node.is_mapping:
            self.add(
                node,
                f"{where} must be a mapping of keys, not {node.kind}",
                code="wrong-type",
                value=node.text,
                hint=f"Write keys such as {_quote_all(required or allowed)} under it",
            )
            return None
        out = self._entries(node, where, allowed)
        for name in required:
            self._required(node, out.get(name), name, where, examples or {})
        return out

    def _entries(self, node: Node, where: str, allowed: tuple[str, ...]) -> dict[str, Node]:
        """Known keys' value nodes; report repeated and unknown keys."""
        seen: dict[str, Node] = {}
        out: dict[str, Node] = {}
        for key, value in node.items():
            name = key.text if key.text is not None else repr(key.value)
            if name in seen:
                self.add(
                    key,
                    f"{where} has key '{name}' twice (first on line {seen[name].line})",
                    code="duplicate-key",
                    hint="Keep one of them",
                )
                continue
            seen[name] = key
            if name not in allowed:
                self._unknown_key(key, name, where, allowed)
                continue
            out[name] = value
        return out

    def _required(
        self, node: Node, value: Node | None, name: str, where: str, examples: dict[str, str]
    ) -> None:
        example = f"'{name}: {examples.get(name, '...')}'"
        if value is None or value.is_null:
            self.add(
                node, f"{where} is missing '{name}'", code="missing-key", hint=f"Add {example}"
            )
        elif value.text is not None and not value.text.strip():
            self.add(
                value, f"{where} has an empty '{name}'", code="missing-key", hint=f"Write {example}"
            )

    def _unknown_key(self, key: Node, name: str, where: str, allowed: tuple[str, ...]) -> None:
        guess = did_you_mean(name, allowed)
        hint = f"Did you mean '{guess}'? " if guess else ""
        self.add(
            key,
            f"unknown key '{name}' in {where}",
            code="unknown-key",
            hint=f"{hint}Allowed keys: {_quote_all(allowed)}",
        )

    def pairs(
        self, node: Node | None, where: str, *, example: str | None = None, non_empty: bool = False
    ) -> list[tuple[str, Node, Node]]:
        """``(key text, key node, value node)`` of a free-form mapping (tension positions,
        answers, ...), keys in file order; a repeated key and a non-mapping are reported.
        An absent node means empty; so does null, unless ``non_empty`` (then it is reported,
        as is an empty mapping)."""
        if node is None or (node.is_null and not non_empty):
            return []
        if not node.is_mapping or (non_empty and not list(node.items())):
            what = "a non-empty mapping" if non_empty else "a mapping"
            kind = node.kind
            self.add(
                node,
                f"{where} must be {what}, not {kind}",
                code="wrong-type",
                hint=f"Write e.g. '{example}'" if example else None,
            )
            return []
        seen: dict[str, Node] = {}
        out = []
        for key, value in node.items():
            name = key.text or ""
            if name in seen:
                self.add(
                    key,
                    f"{where} names '{name}' twice (first on line {seen[name].line})",
                    code="duplicate-key",
                    hint="Keep one of them",
                )
                continue
            seen[name] = key
            out.append((name, key, value))
        return out

    def sequence(self, node: Node | None, where: str, *, example: str) -> list[Node]:
        """The elements of a list; anything else is reported (``None``/null means empty)."""
        if node is None or node.is_null:
            return []
        if not node.is_sequence:
            self.add(
                node,
                f"{where} must be a list, not {node.kind}",
                code="wrong-type",
                value=node.text,
                hint=f"Write one entry per line starting with '- ', e.g. {example}",
            )
            return []
        return node.children()

    def text(self, node: Node | None, where: str) -> str | None:
        """A scalar as text, as written; ``None`` (silently) when absent or null."""
        if node is None or node.is_null:
            return None
        if not node.is_scalar:
            self.add(
                node,
                f"{where} must be text, not {node.kind}",
                code="wrong-type",
                hint="Write it on one line, in quotes if it contains ': ' or '#'",
            )
            return None
        return node.text

    def ident(self, node: Node | None, where: str) -> str | None:
        """An id: text of letters, digits, ``_``, ``.`` or ``-`` (no spaces)."""
        value = self.text(node, where)
        if value is None:
            return None
        if not ID_PATTERN.match(value):
            self.add(
                node,
                f"{where} '{value}' is not a valid id",
                code="bad-id",
                hint="Use letters, digits, '_', '.' and '-' only, e.g. 'quick_win'",
            )
            return None
        return value

    def unique(self, nodes: list[tuple[str, Node]], what: str) -> None:
        """Report every repeated id, naming the line of its first occurrence."""
        first: dict[str, Node] = {}
        for value, node in nodes:
            if value in first:
                self.add(
                    node,
                    f"duplicate {what} id '{value}' (first used on line {first[value].line})",
                    code="duplicate-id",
                    hint=f"Give every {what} its own id",
                )
            else:
                first[value] = node

    def reference(
        self, node: Node, name: str, known: Iterable[str], *, what: str, where: str
    ) -> bool:
        """Check that ``name`` is one of the ``known`` ids; report with did-you-mean if not."""
        known = list(dict.fromkeys(known))
        if name in known:
            return True
        guess = did_you_mean(name, known)
        hint = f"Did you mean '{guess}'? " if guess else ""
        listed = _quote_all(known[:_MAX_LISTED]) if known else f"(no {what}s are defined)"
        if len(known) > _MAX_LISTED:
            listed += f", … ({len(known)} in all)"
        self.add(
            node,
            f"{where} names unknown {what} '{name}'",
            code=f"unknown-{what}",
            hint=f"{hint}Known {what}s: {listed}",
        )
        return False


@dataclass
class Entry:
    """One list entry as read: its id (even if the rest is broken) and the built object.

    ``obj`` is ``None`` when the entry had problems. Ids of broken entries still count as
    known, so one mistake does not cascade into "unknown id" reports elsewhere.
    """

    id: str | None
    node: Node
    obj: Any = None
    tension: str | None = None
    pole: str | None = None
    attention: bool = False


def entry_name(node: Node, kind: str, index: int) -> str:
    """``"question 'q3'"`` when the entry has a readable id, else ``"question #3"``."""
    if node.is_mapping:
        found = node.keyed().get("id")
        if found is not None and found[1].text:
            return f"{kind} '{found[1].text}'"
    return f"{kind} #{index + 1}"

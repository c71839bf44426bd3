"""Safe YAML parsing that keeps every node's position, for located validation messages.

The text is *composed* (``SafeLoader``: no arbitrary Python objects, ever) into a node tree and
each node is wrapped in a :class:`Node` that knows its 1-based line and column and can build its
plain Python value with the same safe constructor ``yaml.safe_load`` uses. Validation walks
these nodes, so every problem can point at the exact key or value that caused it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from personas._paths import check_input_file
from personas.errors import InputError, Problem

__all__ = ["Node", "parse", "read_text"]

_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


class Node:
    """One YAML node with its position and a safe way to read it.

    Parameters
    ----------
    node
        The composed ``yaml`` node.
    loader
        The ``SafeLoader`` that composed it (its constructor builds values).
    """

    __slots__ = ("_node", "_loader")

    def __init__(self, node: yaml.Node, loader: yaml.SafeLoader):
        self._node = node
        self._loader = loader

    @property
    def line(self) -> int:
        """1-based line where the node starts."""
        return self._node.start_mark.line + 1

    @property
    def column(self) -> int:
        """1-based column where the node starts."""
        return self._node.start_mark.column + 1

    @property
    def is_mapping(self) -> bool:
        return isinstance(self._node, yaml.MappingNode)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self._node, yaml.SequenceNode)

    @property
    def is_scalar(self) -> bool:
        return isinstance(self._node, yaml.ScalarNode)

    @property
    def is_null(self) -> bool:
        return self.is_scalar and self._node.tag == _NULL_TAG

    @property
    def is_bool(self) -> bool:
        return self.is_scalar and self._node.tag == _BOOL_TAG

    @property
    def is_number(self) -> bool:
        """True for a YAML int or float that is finite (``.nan`` and ``.inf`` are not)."""
        if not (self.is_scalar and self._node.tag in (_INT_TAG, _FLOAT_TAG)):
            return False
        return math.isfinite(self.value)

    @property
    def is_int(self) -> bool:
        return self.is_scalar and self._node.tag == _INT_TAG

    @property
    def kind(self) -> str:
        """A word for the node's type, for messages ("a list", "a number", "text", ...)."""
        if self.is_mapping:
            return "a mapping"
        if self.is_sequence:
            return "a list"
        if self.is_null:
            return "empty"
        if self.is_bool:
            return "true/false"
        if self._node.tag in (_INT_TAG, _FLOAT_TAG):
            return "a number"
        return "text"

    @property
    def value(self) -> Any:
        """The plain Python value, built exactly as ``yaml.safe_load`` would build it."""
        return self._loader.construct_object(self._node, deep=True)

    @property
    def text(self) -> str | None:
        """The scalar as written (``yes`` stays ``"yes"``, ``01`` stays ``"01"``).

        ``None`` for null and for mappings and lists. Text fields (ids, labels, options) use
        this so YAML 1.1's implicit booleans and numbers never change what a person wrote.
        """
        if not self.is_scalar or self.is_null:
            return None
        return str(self._node.value)

    def items(self) -> Iterator[tuple[Node, Node]]:
        """``(key, value)`` node pairs of a mapping, in file order (merge keys applied)."""
        if not self.is_mapping:
            return
        self._loader.flatten_mapping(self._node)
        for key, value in self._node.value:
            yield Node(key, self._loader), Node(value, self._loader)

    def keyed(self) -> dict[str, tuple[Node, Node]]:
        """Mapping entries by key text; the *first* occurrence wins (duplicates are reported)."""
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in self.items():
            name = key.text if key.text is not None else repr(key.value)
            out.setdefault(name, (key, value))
        return out

    def children(self) -> list[Node]:
        """Elements of a list (empty for anything else)."""
        if not self.is_sequence:
            return []
        return [Node(child, self._loader) for child in self._node.value]


def read_text(file: str, *, what: str = "file") -> str:
    """The text of a YAML file (UTF-8, a byte-order mark allowed), or an InputError naming it.

    Shared by every YAML file personas reads (instrument, truth, names) so that a missing or
    mis-encoded file is reported the same way everywhere.
    """
    check_input_file(file, kind="yaml", what=what)  # no FIFO, device or huge file
    try:
        return Path(file).read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise InputError(
            Problem(f"{what} not found", file=file, hint="Check the path", code="no-file")
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(
                f"{what} is not UTF-8 text (bad byte at offset {exc.start})",
                file=file,
                hint="Save the file as UTF-8",
                code="encoding",
            )
        ) from None


def parse(text: str, file: str) -> Node | None:
    """Compose YAML text safely into a :class:`Node` tree (``None`` for an empty document).

    Raises
    ------
    InputError
        On a YAML syntax error, located at the line and column the parser names.
    """
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses control characters at once
        _check_depth(text, file)
        node = loader.get_single_node()
        if node is None:
            return None
        wrapped = Node(node, loader)
        wrapped.value  # noqa: B018 - construct once so constructor errors surface here
        return wrapped
    except yaml.MarkedYAMLError as exc:
        raise InputError([_syntax_problem(exc, file)]) from None
    except yaml.reader.ReaderError as exc:
        raise InputError([_reader_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise InputError([Problem(f"YAML error: {exc}", file=file, code="yaml-syntax")]) from None


#: Deepest nesting of lists and mappings a YAML file may have (an instrument needs about 6);
#: deeper documents would exhaust Python's recursion limit while being composed.
MAX_DEPTH = 50


def _check_depth(text: str, file: str) -> None:
    """Refuse a document nested deeper than :data:`MAX_DEPTH`, located at the level too deep.

    Walks the parser's events (a loop, not recursion), before the node tree is composed.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise InputError(
                    Problem(
                        f"nested more than {MAX_DEPTH} levels deep",
                        file=file,
                        line=mark.line + 1,
                        column=mark.column + 1,
                        hint="Check the brackets and indentation: an instrument needs only a "
                        "few levels of nesting",
                        code="yaml-too-deep",
                    )
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    """A character YAML does not allow (a control character), at its line and column."""
    before = text[: exc.position]
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return Problem(
        f"the character U+{code:04X} is not allowed in YAML",
        file=file,
        line=before.count("\n") + 1,
        column=exc.position - (before.rfind("\n") + 1) + 1,
        hint="delete it (a control character, often pasted in from another program)",
        code="yaml-syntax",
    )


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or "invalid YAML").strip()
    if exc.context:
        problem += f" ({exc.context.strip()})"
    return Problem(
        f"YAML syntax error: {problem}",
        file=file,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        hint=_syntax_hint(problem),
        code="yaml-syntax",
    )


def _syntax_hint(problem: str) -> str:
    if "'\\t'" in problem:
        return "Indent with spaces, not tabs"
    if "constructor" in problem:
        return "personas reads plain YAML only: remove the '!!' tag"
    if "another document" in problem:
        return "Remove the '---' line: one instrument per file"
    return "Check the indentation, the colon after each key, and quote text containing ': ' or ' #'"

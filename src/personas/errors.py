"""Errors and warnings shared by every stage.

One root, :class:`PersonasError`. Mistakes in what the user supplied are :class:`InputError`,
which carries *every* problem found (not just the first), each located as precisely as the
source allows: file, line or row, column, the offending value, and what to write instead. The
CLI turns an ``InputError`` into one line per problem and exit code 2.

Degenerate but usable outcomes (no knee in the elbow curve, a k that fails to initialise) are
warnings, subclasses of :class:`PersonasWarning`, and are recorded in the decision journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PersonasError",
    "InputError",
    "Problem",
    "PersonasWarning",
    "SelectionWarning",
    "DataWarning",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input, located as precisely as possible.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    file
        The file the problem is in, as the user named it.
    line, column
        1-based position in a text file (instrument YAML) or, for tabular data, the row as a
        spreadsheet user counts it (``line``) and the column *name* (``column``).
    value
        The offending value, if there is one.
    hint
        What to write instead.
    code
        A short machine-readable reason code, e.g. ``"unknown-key"``.
    """

    message: str
    file: str | None = None
    line: int | None = None
    column: int | str | None = None
    value: Any = None
    hint: str | None = None
    code: str | None = None

    def location(self) -> str:
        """``file:line:column`` (or ``file, row R, column C`` for tabular data)."""
        if self.file is None:
            return ""
        if isinstance(self.column, str):
            parts = [self.file]
            if self.line is not None:
                parts.append(f"row {self.line}")
            parts.append(f"column {self.column!r}")
            return ", ".join(parts)
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.value is not None and repr(self.value) not in self.message:
            text += f" (got {self.value!r})"
        if self.hint:
            text += f". {self.hint}" if not text.endswith(".") else f" {self.hint}"
        return text


class PersonasError(Exception):
    """Root of every error raised on purpose by personas."""


class InputError(PersonasError, ValueError):
    """The user's input is wrong; ``problems`` lists every problem found.

    Examples
    --------
    >>> err = InputError([Problem("unknown key 'colour'", file="a.yaml", line=3, column=5)])
    >>> str(err)
    "1 problem:\\n  a.yaml:3:5: unknown key 'colour'"
    """

    def __init__(self, problems: Iterable[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(str(p)) for p in problems
        ]
        super().__init__(self._render())

    def __reduce__(self):
        # rebuilt from its problems, not its message: errors raised on Dask workers arrive whole
        return type(self), (list(self.problems),)

    def _render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem:" if n == 1 else f"{n} problems:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class PersonasWarning(UserWarning):
    """Root of personas' warnings: something degenerate but usable happened."""


class SelectionWarning(PersonasWarning):
    """Choosing k met a degenerate case: no knee, an empty cluster, a k that failed."""


class DataWarning(PersonasWarning):
    """The data is usable but suspicious (e.g. a question everyone answered the same)."""

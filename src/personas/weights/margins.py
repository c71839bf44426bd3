"""Read ``margins.yaml``: the population shares that ``personas weight`` rakes a wave to.

::

    schema: personas/margins@1
    margins:                     # column of the wave file -> {category: population share}
      age_group: {"18-34": 0.30, "35-54": 0.40, "55+": 0.30}
      gender: {female: 0.51, male: 0.49}
    max_iterations: 100          # optional (100)
    tolerance: 0.0001            # optional (1e-4): largest share error accepted as converged

Every margin's shares must be numbers in (0, 1] that add up to 1 (within 0.001). Problems are
collected, each with the file, line and column, and raised at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from personas.errors import InputError
from personas.instrument._check import Checker
from personas.instrument._yaml import Node, parse, read_text

__all__ = ["Margins", "load_margins", "SCHEMA", "MARGINS_KEYS"]

SCHEMA = "personas/margins@1"
MARGINS_KEYS = ("schema", "margins", "max_iterations", "tolerance")
_SUM_SLACK = 1e-3


@dataclass(frozen=True)
class Margins:
    """Population shares per column (``{column: {category: share}}``) and the IPF settings."""

    targets: dict = field(default_factory=dict)
    max_iterations: int = 100
    tolerance: float = 1e-4
    path: Path | None = None

    def __repr__(self) -> str:
        return f"Margins({', '.join(self.targets)}; tolerance {self.tolerance:g})"


def load_margins(path: str | Path) -> Margins:
    """Read and check ``margins.yaml`` (see the module notes for the format).

    Raises
    ------
    InputError
        Every problem at once: unknown keys, a wrong schema, shares that are not numbers in
        (0, 1] or do not add up to 1, a margin with fewer than two categories.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "margins.yaml"
    >>> _ = p.write_text("schema: personas/margins@1\\nmargins: {sex: {f: 0.5, m: 0.5}}\\n")
    >>> load_margins(p).targets
    {'sex': {'f': 0.5, 'm': 0.5}}
    """
    file = str(path)
    root = parse(read_text(file, what="margins file"), file)
    check = Checker(file)
    if root is None:
        check.add(
            None, "the margins file is empty", code="empty", hint=f"Start with 'schema: {SCHEMA}'"
        )
        raise InputError(check.problems)
    top = check.mapping(
        root, "the margins file", allowed=MARGINS_KEYS, required=("schema", "margins")
    )
    if top is None:
        raise InputError(check.problems)
    schema = top.get("schema")
    if schema is not None and schema.text != SCHEMA:
        check.add(
            schema, f"schema must be {SCHEMA}", code="schema", hint=f"Write 'schema: {SCHEMA}'"
        )
    targets = _targets(check, top.get("margins"))
    iterations = _number(check, top.get("max_iterations"), "max_iterations", 100, integer=True)
    tolerance = _number(check, top.get("tolerance"), "tolerance", 1e-4, integer=False)
    if check.problems:
        raise InputError(check.problems)
    return Margins(targets, int(iterations), float(tolerance), Path(path))


def _targets(check: Checker, node: Node | None) -> dict:
    out: dict = {}
    if node is None or node.is_null:
        return out
    if not node.is_mapping:
        check.add(
            node,
            "margins must map each column to its shares",
            code="wrong-type",
            hint="Write e.g. 'margins: {gender: {female: 0.51, male: 0.49}}'",
        )
        return out
    for key, value in node.items():
        column = key.text or ""
        shares = _shares(check, value, column)
        if shares is not None:
            out[column] = shares
    if not out and not check.problems:
        check.add(node, "margins lists no column", code="empty", hint="Add at least one column")
    return out


def _shares(check: Checker, node: Node, column: str) -> dict | None:
    if not node.is_mapping:
        check.add(
            node,
            f"margin {column!r} must map categories to shares",
            code="wrong-type",
            hint=f"Write e.g. '{column}: {{a: 0.4, b: 0.6}}'",
        )
        return None
    shares: dict = {}
    for key, value in node.items():
        category = key.text if key.text is not None else str(key.value)
        if not value.is_number or value.is_bool or not 0 < float(value.value) <= 1:
            check.add(
                value,
                f"the share of {category!r} in margin {column!r} must be a "
                "number above 0 and at most 1",
                code="share",
            )
            continue
        shares[category] = float(value.value)
    if len(shares) < 2 and len(list(node.items())) < 2:
        check.add(
            node,
            f"margin {column!r} needs at least two categories",
            code="margin",
            hint="a single category already holds everyone",
        )
        return None
    total = sum(shares.values())
    if len(shares) == len(list(node.items())) and abs(total - 1) > _SUM_SLACK:
        check.add(
            node,
            f"the shares of margin {column!r} add up to {total:.4g}, not 1",
            code="share-sum",
            hint="population shares of one column must add up to 1",
        )
        return None
    return shares


def _number(check: Checker, node: Node | None, key: str, default, *, integer: bool):
    if node is None or node.is_null:
        return default
    ok = node.is_number and not node.is_bool and float(node.value) > 0
    if ok and integer and not node.is_int:
        ok = False
    if not ok:
        kind = "a whole number above 0" if integer else "a number above 0"
        check.add(node, f"{key} must be {kind}", code="bad-option")
        return default
    return node.value

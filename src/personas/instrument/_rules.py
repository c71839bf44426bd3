"""Read the optional ``data`` and ``cleaning`` sections of ``instrument.yaml``."""

from __future__ import annotations

from personas.instrument._check import Checker
from personas.instrument._yaml import Node
from personas.instrument.model import CleaningRules, DataMapping

__all__ = ["read_data", "read_cleaning", "DATA_KEYS", "CLEANING_KEYS"]

DATA_KEYS = ("id_column", "duration_column", "columns", "missing", "weight_column")
CLEANING_KEYS = (
    "min_duration_seconds",
    "max_missing_share",
    "straightlining",
    "straightlining_boolean",
    "invalid",
    "impute",
)
_WORDS = {"invalid": ("error", "missing"), "impute": ("auto", "none")}


def read_data(check: Checker, node: Node | None, questions: list[str]) -> DataMapping:
    """The :class:`DataMapping`; raw columns must map onto question ids that exist."""
    if node is None or node.is_null:
        return DataMapping()
    fields = check.mapping(node, "data", allowed=DATA_KEYS)
    if fields is None:
        return DataMapping()
    return DataMapping(
        id_column=check.text(fields.get("id_column"), "data id_column"),
        duration_column=check.text(fields.get("duration_column"), "data duration_column"),
        columns=_columns(check, fields.get("columns"), questions),
        missing=_missing(check, fields.get("missing")),
        weight_column=check.text(fields.get("weight_column"), "data weight_column"),
    )


def _columns(check: Checker, node: Node | None, questions: list[str]) -> dict[str, str]:
    if node is None or node.is_null:
        return {}
    if not node.is_mapping:
        check.add(
            node,
            f"data columns must be a mapping, not {node.kind}",
            code="wrong-type",
            hint="Write raw column -> question id, e.g. 'columns: {Q1: q1, Q2: q2}'",
        )
        return {}
    out: dict[str, str] = {}
    targets: dict[str, Node] = {}
    for key, value in node.items():
        raw = key.text or ""
        qid = check.text(value, f"data column '{raw}'")
        if raw in out:
            check.add(
                key, f"data columns name '{raw}' twice", code="duplicate-key", hint="Keep one"
            )
        elif qid is not None and check.reference(
            value, qid, questions, what="question", where=f"data column '{raw}'"
        ):
            if qid in targets:
                check.add(
                    value,
                    f"data columns map '{raw}' onto question '{qid}', which column on line "
                    f"{targets[qid].line} already fills",
                    code="duplicate-column",
                    hint="Map one raw column per question",
                )
            targets.setdefault(qid, value)
            out[raw] = qid
    return out


def _missing(check: Checker, node: Node | None) -> tuple:
    out = []
    example = '\'missing: ["", "NA", -99]\''
    for item in check.sequence(node, "data missing", example=example):
        if item.is_null or not item.is_scalar:
            check.add(
                item,
                f"data missing codes must be text or numbers, not {item.kind}",
                code="wrong-type",
                hint='Write "" for empty cells',
            )
        elif item.is_number and not item.is_bool:
            out.append(item.value)
        else:
            out.append(item.text)
    return tuple(out)


def read_cleaning(check: Checker, node: Node | None) -> CleaningRules:
    """The :class:`CleaningRules`; every value is checked for type and range."""
    if node is None or node.is_null:
        return CleaningRules()
    fields = check.mapping(node, "cleaning", allowed=CLEANING_KEYS)
    if fields is None:
        return CleaningRules()
    values: dict = {}
    for key, value in fields.items():
        parsed = _rule(check, key, value)
        if parsed is not _BAD:
            values[key] = parsed
    return CleaningRules(**values)


_BAD = object()


def _rule(check: Checker, key: str, node: Node):
    """One cleaning value, or ``_BAD`` after reporting what is wrong with it."""
    if key in _WORDS:
        word = node.text
        if word in _WORDS[key]:
            return word
        hint = f"Write one of: {', '.join(_WORDS[key])}"
    elif key.startswith("straightlining"):
        if node.is_bool:
            return bool(node.value)
        hint = f"Write '{key}: true' or '{key}: false'"
    elif key == "min_duration_seconds":
        if node.is_null:
            return None
        if node.is_number and not node.is_bool and node.value >= 0:
            return float(node.value)
        hint = "Write a number of seconds >= 0, or leave it out for a third of the median"
    else:
        if node.is_number and not node.is_bool and 0 <= node.value <= 1:
            return float(node.value)
        hint = "Write a share from 0 to 1, e.g. 0.2"
    shown = node.text if node.text is not None else node.kind
    check.add(node, f"cleaning {key} cannot be '{shown}'", code="cleaning", hint=hint)
    return _BAD

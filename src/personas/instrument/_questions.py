"""Read the ``tensions`` and ``questions`` sections of ``instrument.yaml``."""

from __future__ import annotations

from dataclasses import replace

from personas.instrument._answers import answer_code
from personas.instrument._check import Checker, Entry, did_you_mean, entry_name
from personas.instrument._yaml import Node
from personas.instrument.model import QUESTION_TYPES, Question, Scale, Tension

__all__ = ["read_tensions", "read_questions", "TENSION_KEYS", "QUESTION_KEYS", "SCALE_KEYS"]

TENSION_KEYS = ("id", "label", "a", "b")
QUESTION_KEYS = ("id", "text", "type", "tension", "pole", "scale", "options", "attention")
SCALE_KEYS = ("min", "max", "labels")
_DIRECTED = ("boolean", "likert")


def read_tensions(check: Checker, node: Node | None) -> list[Entry]:
    """One :class:`Entry` per tension; ``obj`` is the :class:`Tension` when it is complete."""
    entries = []
    example = '\'- {id: speed, label: "Speed vs fit", a: "Fast", b: "Right"}\''
    for index, item in enumerate(check.sequence(node, "tensions", example=example)):
        where = entry_name(item, "tension", index)
        fields = check.mapping(item, where, allowed=TENSION_KEYS, required=TENSION_KEYS)
        if fields is None:
            continue
        before = len(check.problems)
        tid = check.ident(fields.get("id"), f"{where} id")
        values = {k: check.text(fields.get(k), f"{where} {k}") for k in ("label", "a", "b")}
        ok = len(check.problems) == before and None not in (tid, *values.values())
        obj = Tension(id=tid, **values) if ok else None
        entries.append(Entry(tid, fields.get("id", item), obj))
    check.unique([(e.id, e.node) for e in entries if e.id], "tension")
    return entries


def read_questions(check: Checker, node: Node | None, tensions: list[str]) -> list[Entry]:
    """One :class:`Entry` per question; ``obj`` is the :class:`Question` when it is valid."""
    entries = []
    example = "'- {id: q1, type: boolean, text: \"...\", tension: speed, pole: a}'"
    for index, item in enumerate(check.sequence(node, "questions", example=example)):
        where = entry_name(item, "question", index)
        fields = check.mapping(item, where, allowed=QUESTION_KEYS, required=QUESTION_KEYS[:3])
        if fields is not None:
            entries.append(_question(check, fields, where, tensions, item))
    check.unique([(e.id, e.node) for e in entries if e.id], "question")
    return entries


def _question(
    check: Checker, fields: dict[str, Node], where: str, tensions: list[str], item: Node
) -> Entry:
    before = len(check.problems)
    qid = check.ident(fields.get("id"), f"{where} id")
    text = check.text(fields.get("text"), f"{where} text")
    qtype = _qtype(check, fields.get("type"), where)
    tension, pole = _tension_pole(check, fields, where, tensions, qtype)
    scale = _scale(check, fields.get("scale"), where) if qtype == "likert" else None
    options = _options(check, fields.get("options"), where) if qtype == "choice" else ()
    _misplaced(check, fields, where, qtype)
    if qtype == "likert" and "scale" not in fields:
        check.add(
            item,
            f"likert {where} has no scale",
            code="likert-scale",
            hint="Add e.g. 'scale: {min: 1, max: 5}'",
        )
    if qtype == "choice" and "options" not in fields:
        check.add(
            item,
            f"choice {where} has no options",
            code="choice-options",
            hint="Add e.g. 'options: [mobile, desktop, both]'",
        )
    entry = Entry(qid, fields.get("id", item), tension=tension, pole=pole)
    entry.attention = "attention" in fields
    if len(check.problems) != before or None in (qid, text, qtype):
        return entry
    question = Question(qid, text, qtype, tension, pole, scale, options)
    if entry.attention:
        question = _attention(check, fields, where, question)
    entry.obj = question
    return entry


def _qtype(check: Checker, node: Node | None, where: str) -> str | None:
    qtype = check.text(node, f"{where} type")
    if qtype is None or qtype in QUESTION_TYPES:
        return qtype
    guess = did_you_mean(qtype, QUESTION_TYPES)
    check.add(
        node,
        f"{where} has unknown type '{qtype}'",
        code="unknown-type",
        value=qtype,
        hint=(f"Did you mean '{guess}'? " if guess else "")
        + f"Write one of: {', '.join(QUESTION_TYPES)}",
    )
    return None


def _tension_pole(
    check: Checker, fields: dict[str, Node], where: str, tensions: list[str], qtype: str | None
) -> tuple[str | None, str | None]:
    tnode, pnode = fields.get("tension"), fields.get("pole")
    tension = check.ident(tnode, f"{where} tension")
    if tension is not None:
        check.reference(tnode, tension, tensions, what="tension", where=where)
    pole = check.text(pnode, f"{where} pole")
    if pole is not None and pole not in ("a", "b"):
        check.add(
            pnode,
            f"{where} has pole '{pole}'",
            code="bad-pole",
            hint="Write 'pole: a' or 'pole: b' (the pole a True / agree answer points toward)",
        )
        pole = None
    elif pole is not None and tension is None and (tnode is None or tnode.is_null):
        check.add(
            pnode,
            f"{where} has pole '{pole}' but no tension",
            code="pole-without-tension",
            hint="Add 'tension: <tension id>' or remove the pole",
        )
    elif pole is not None and qtype in ("choice", "number"):
        check.add(
            pnode,
            f"{qtype} {where} cannot have pole '{pole}': it has no agree direction",
            code="bad-pole",
            hint="Remove the pole, or make it a boolean or likert question",
        )
    elif pole is None and tension is not None and qtype in _DIRECTED and "attention" not in fields:
        check.add(
            tnode,
            f"{where} names tension '{tension}' but no pole",
            code="missing-pole",
            hint="Add 'pole: a' or 'pole: b' (the pole a True / agree answer points toward)",
        )
    return tension, pole


def _misplaced(check: Checker, fields: dict[str, Node], where: str, qtype: str | None) -> None:
    """``scale`` only on likert, ``options`` only on choice, no tension on attention checks."""
    if "scale" in fields and qtype not in ("likert", None):
        check.add(
            fields["scale"],
            f"{qtype} {where} has a scale",
            code="likert-scale",
            hint="Remove 'scale' or write 'type: likert'",
        )
    if "options" in fields and qtype not in ("choice", None):
        check.add(
            fields["options"],
            f"{qtype} {where} has options",
            code="choice-options",
            hint="Remove 'options' or write 'type: choice'",
        )
    if "attention" in fields and "tension" in fields:
        check.add(
            fields["tension"],
            f"attention check {where} names a tension",
            code="attention-tension",
            hint="Attention checks are not items: remove 'tension' and 'pole'",
        )


def _scale(check: Checker, node: Node | None, where: str) -> Scale | None:
    if node is None:
        return None
    fields = check.mapping(node, f"scale of {where}", allowed=SCALE_KEYS, required=("min", "max"))
    if fields is None:
        return None
    bounds = []
    for key in ("min", "max"):
        value = fields.get(key)
        if value is not None and not value.is_null and not (value.is_int and not value.is_bool):
            check.add(
                value,
                f"scale {key} of {where} must be a whole number",
                code="likert-scale",
                value=value.value,
                hint=f"Write e.g. '{key}: {1 if key == 'min' else 5}'",
            )
        elif value is not None and not value.is_null:
            bounds.append(int(value.value))
    if len(bounds) != 2:
        return None
    low, high = bounds
    if low >= high:
        check.add(
            fields["min"],
            f"scale of {where} has min {low} >= max {high}",
            code="likert-scale",
            hint="Write a min below the max, e.g. '{min: 1, max: 5}'",
        )
        return None
    labels = _labels(check, fields.get("labels"), where, low, high)
    return None if labels is None else Scale(low, high, labels)


def _labels(check: Checker, node: Node | None, where: str, low: int, high: int) -> dict | None:
    if node is None or node.is_null:
        return {}
    if not node.is_mapping:
        check.add(
            node,
            f"scale labels of {where} must be a mapping, not {node.kind}",
            code="likert-scale",
            hint=f'Write e.g. \'labels: {{{low}: "Strongly disagree", {high}: "Strongly agree"}}\'',
        )
        return None
    labels, ok = {}, True
    for key, value in node.items():
        if not (key.is_int and not key.is_bool and low <= key.value <= high):
            check.add(
                key,
                f"scale label '{key.text}' of {where} is not a point on the scale",
                code="likert-scale",
                hint=f"Label whole numbers from {low} to {high}",
            )
            ok = False
            continue
        label = check.text(value, f"scale label {key.value} of {where}")
        ok = ok and label is not None
        labels[int(key.value)] = label
    return labels if ok else None


def _options(check: Checker, node: Node | None, where: str) -> tuple[str, ...] | None:
    if node is None:
        return None
    items = check.sequence(node, f"options of {where}", example="'options: [mobile, desktop]'")
    options = [(check.text(item, f"option of {where}"), item) for item in items]
    if any(text is None for text, _ in options):
        return None
    if len(options) < 2 and (node.is_sequence or node.is_null):
        check.add(
            node,
            f"choice {where} needs at least two options",
            code="choice-options",
            hint="Write e.g. 'options: [mobile, desktop, both]'",
        )
        return None
    before = len(check.problems)
    first: dict[str, Node] = {}
    for text, item in options:
        if text in first:
            check.add(
                item,
                f"{where} has option '{text}' twice (first on line {first[text].line})",
                code="choice-options",
                hint="Every option must be different",
            )
        first.setdefault(text, item)
    return tuple(first) if len(check.problems) == before else None


def _attention(
    check: Checker, fields: dict[str, Node], where: str, question: Question
) -> Question | None:
    node = fields["attention"]
    code = answer_code(question, node)
    if code is None:
        allowed = ", ".join(question.allowed_text())
        check.add(
            node,
            f"attention check {where} expects '{node.text or node.kind}', "
            f"which is not a valid {question.type} answer",
            code="attention",
            hint=f"Write one of: {allowed}",
        )
        return None
    return replace(question, attention=code)

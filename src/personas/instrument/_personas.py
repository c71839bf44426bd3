"""Read the ``personas`` section of ``instrument.yaml``."""

from __future__ import annotations

from personas.instrument._answers import answer_code
from personas.instrument._check import Checker, Entry, entry_name
from personas.instrument._positions import read_positions
from personas.instrument._yaml import Node
from personas.instrument.model import Persona, Question

__all__ = ["read_personas", "PERSONA_KEYS"]

PERSONA_KEYS = ("id", "name", "summary", "tensions", "answers")


def read_personas(
    check: Checker,
    node: Node | None,
    tensions: list[str],
    questions: dict[str, Question | None],
) -> list[Entry]:
    """One :class:`Entry` per persona; ``obj`` is the :class:`Persona` when it is valid.

    ``questions`` maps every question id written in the file to its :class:`Question`, or to
    ``None`` when that question is itself broken (its answers are then not checked).
    """
    entries = []
    example = "'- {id: survivor, name: \"The Survivor\", tensions: {speed: a}}'"
    for index, item in enumerate(check.sequence(node, "personas", example=example)):
        where = entry_name(item, "persona", index)
        fields = check.mapping(item, where, allowed=PERSONA_KEYS, required=("id", "name"))
        if fields is None:
            continue
        before = len(check.problems)
        pid = check.ident(fields.get("id"), f"{where} id")
        name = check.text(fields.get("name"), f"{where} name")
        summary = check.text(fields.get("summary"), f"{where} summary") or ""
        positions = read_positions(check, fields.get("tensions"), where, tensions)
        answers = _answers(check, fields.get("answers"), where, questions)
        if not positions and not answers and len(check.problems) == before:
            check.add(
                item,
                f"{where} is not placed on any tension and gives no answers",
                code="persona-empty",
                hint="Add e.g. 'tensions: {speed: a}' so the data can be compared with it",
            )
        entry = Entry(pid, fields.get("id", item))
        if len(check.problems) == before:
            entry.obj = Persona(pid, name, summary, positions, answers)
        entries.append(entry)
    check.unique([(e.id, e.node) for e in entries if e.id], "persona")
    return entries


def _answers(
    check: Checker, node: Node | None, where: str, questions: dict[str, Question | None]
) -> dict[str, float]:
    out = {}
    for _, key, value in check.pairs(
        node, f"answers of {where}", example="answers: {device: mobile}"
    ):
        qid = key.text or ""
        if not check.reference(key, qid, questions, what="question", where=where):
            continue
        question = questions[qid]
        if question is None:
            continue
        code = answer_code(question, value)
        if code is None:
            check.add(
                value,
                f"{where} answers '{value.text or value.kind}' to {question.type} "
                f"question '{qid}', which is not a valid answer",
                code="persona-answer",
                hint=f"Write one of: {', '.join(question.allowed_text())}",
            )
            continue
        out[qid] = code
    return out

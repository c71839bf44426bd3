"""Report notes about the instrument itself: tensions keyed one way, and no tensions at all.

Both are read from the saved run alone (its typed summary): its ``tensions`` (id, label,
poles) and its ``questions`` (each item's tension and pole), so the report needs no
instrument file.
"""

from __future__ import annotations

from personas.report._build_escape import Markdown, md
from personas.run.schema import QuestionRecord, Summary, TensionRecord

__all__ = ["one_pole_notes", "no_tensions_note"]


def one_pole_tensions(
    tensions: list[TensionRecord], questions: list[QuestionRecord]
) -> list[tuple[TensionRecord, str]]:
    """``(tension, pole)`` for each tension of the run whose items all sit on one pole."""
    poles: dict[str, set[str]] = {}
    for question in questions:
        if question.tension and question.pole:
            poles.setdefault(question.tension, set()).add(question.pole)
    return [
        (tension, next(iter(poles[tension.id])))
        for tension in tensions
        if len(poles.get(tension.id, ())) == 1
    ]


def one_pole_notes(
    tensions: list[TensionRecord], questions: list[QuestionRecord]
) -> list[Markdown]:
    """One plain-words line per one-way-keyed tension, for the method section (else ``[]``).

    Each says which pole every item points to, why that matters (acquiescence: a person who
    agrees with every statement lands at that pole whatever they think) and what would fix it
    (statements worded the other way round, scored in reverse).

    Examples
    --------
    >>> tensions = [TensionRecord(id="n", label="Calm vs upset", a="Calm", b="Easily upset")]
    >>> print(one_pole_notes(tensions, [QuestionRecord(id="N1", tension="n", pole="b")])[0])
    **Calm vs upset**: every question points to “Easily upset”.
    """
    notes = []
    for tension, pole in one_pole_tensions(tensions, questions):
        label = tension.label or tension.id
        where = {"a": tension.a, "b": tension.b}.get(pole) or f"pole {pole}"
        notes.append(Markdown(f"**{md(label)}**: every question points to “{md(where)}”."))
    return notes


def no_tensions_note(summary: Summary) -> Markdown | None:
    """Why the report has no tension chart, when the instrument has no tensions (else None)."""
    if summary.tensions:
        return None
    text = (
        "This survey has no tension model: its questions are not grouped into pairs of needs "
        "that pull against each other, so there is no tension chart. Each persona above is "
        "described by the answers that set it apart"
    )
    if summary.personas:
        text += (
            ", and the hand-made personas were compared on the answers they were expected to give"
        )
    return Markdown(text + ".")

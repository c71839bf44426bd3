"""Report notes about the instrument itself: tensions keyed one way, and no tensions at all.

Both are read from the saved run alone (``summary.json``): its ``tensions`` (id, label,
poles) and its ``questions`` (each item's tension and pole), so the report needs no
instrument file.
"""

from __future__ import annotations

from collections.abc import Mapping

from personas.report._build_escape import Markdown, md

__all__ = ["one_pole_notes", "no_tensions_note"]


def one_pole_tensions(summary: Mapping) -> list[tuple[Mapping, str]]:
    """``(tension, pole)`` for each tension of the run whose items all sit on one pole."""
    poles: dict[str, set[str]] = {}
    for question in summary.get("questions") or []:
        if question.get("tension") and question.get("pole"):
            poles.setdefault(question["tension"], set()).add(question["pole"])
    return [
        (tension, next(iter(poles[tension["id"]])))
        for tension in summary.get("tensions") or []
        if len(poles.get(tension.get("id"), ())) == 1
    ]


def one_pole_notes(summary: Mapping) -> list[Markdown]:
    """One plain-words line per one-way-keyed tension, for the method section (else ``[]``).

    Each says which pole every item points to, why that matters (acquiescence: a person who
    agrees with every statement lands at that pole whatever they think) and what would fix it
    (statements worded the other way round, scored in reverse).

    Examples
    --------
    >>> summary = {"tensions": [{"id": "n", "label": "Calm vs upset", "a": "Calm",
    ...     "b": "Easily upset"}], "questions": [{"id": "N1", "tension": "n", "pole": "b"}]}
    >>> print(one_pole_notes(summary)[0])
    **Calm vs upset**: every question points to “Easily upset”.
    """
    notes = []
    for tension, pole in one_pole_tensions(summary):
        label = tension.get("label") or tension.get("id")
        where = tension.get(pole) or f"pole {pole}"
        notes.append(Markdown(f"**{md(label)}**: every question points to “{md(where)}”."))
    return notes


def no_tensions_note(summary: Mapping) -> Markdown | None:
    """Why the report has no tension chart, when the instrument has no tensions (else None)."""
    if summary.get("tensions"):
        return None
    text = (
        "This survey has no tension model: its questions are not grouped into pairs of needs "
        "that pull against each other, so there is no tension chart. Each persona above is "
        "described by the answers that set it apart"
    )
    if summary.get("personas"):
        text += (
            ", and the hand-made personas were compared on the answers they were expected to give"
        )
    return Markdown(text + ".")

"""The report's words for how far the verdicts can be trusted: "no clear segments" and the
stability of each verdict over the bootstrap refits (see :mod:`personas.compare._trust`)."""

from __future__ import annotations

from collections.abc import Mapping

from personas.report._build_escape import Markdown, md

__all__ = ["no_clear_words", "verdict_stability_words", "card_verdict_notes"]


def no_clear_words(summary: Mapping) -> Markdown | None:
    """The headline sentence when the structure test found no clear segments, else None."""
    structure = summary.get("structure") or {}
    if structure.get("clear") is not False:
        return None
    return Markdown(
        "**The data shows no clear segments.** Grouping these answers leaves hardly less "
        "spread than grouping the same answers shuffled question by question (gap "
        f"{float(structure.get('gap') or 0):.3f}), so the groups below are noise, not personas: "
        "no hand-made persona is confirmed and no new persona is reported."
    )


def verdict_stability_words(persona: Mapping) -> Markdown:
    """' (uncertain: confirmed in 6 of 10 refits)', ' (in 10 of 10 refits)' or ''."""
    st = persona.get("stability")
    if not st or not st.get("refits"):
        return Markdown("")
    text = f"in {int(st['same'])} of {int(st['refits'])} refits"
    return Markdown(f" (**uncertain**: {text})" if st.get("uncertain") else f" ({text})")


def card_verdict_notes(summary: Mapping, segment_id: int) -> Markdown:
    """For a card: the uncertain verdicts of the hand-made personas this segment stands for."""
    out = []
    for p in summary.get("personas", []):
        st = p.get("stability") or {}
        if st.get("uncertain") and segment_id in [int(s) for s in p.get("segments", [])]:
            out.append(
                f" The verdict on {md(p['name'])} ({md(p.get('verdict', ''))}) is **uncertain**: "
                f"it comes back in {int(st['same'])} of {int(st['refits'])} refits."
            )
    return Markdown("".join(out))

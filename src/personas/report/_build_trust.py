"""The report's words for how far the verdicts can be trusted: "no clear segments" and the
stability of each verdict over the bootstrap refits (see :mod:`personas.compare._trust`)."""

from __future__ import annotations

from personas.report._build_escape import Markdown, md
from personas.run.schema import PersonaRecord, Summary

__all__ = [
    "no_clear_words",
    "verdict_stability_words",
    "card_verdict_notes",
    "method_trust_notes",
]


def no_clear_words(summary: Summary) -> Markdown | None:
    """The headline sentence when the structure test found no clear segments, else None."""
    structure = summary.structure
    if structure is None or structure.clear is not False:
        return None
    return Markdown(
        "**The data shows no clear segments.** Grouping these answers leaves hardly less "
        "spread than grouping the same answers shuffled question by question (gap "
        f"{float(structure.gap or 0):.3f}), so the groups below are noise, not personas: "
        "no hand-made persona is confirmed and no new persona is reported."
    )


def verdict_stability_words(persona: PersonaRecord) -> Markdown:
    """' (uncertain: confirmed in 6 of 10 refits)', ' (in 10 of 10 refits)' or ''."""
    st = persona.stability
    if st is None or not st.refits:
        return Markdown("")
    text = f"in {int(st.same)} of {int(st.refits)} refits"
    return Markdown(f" (**uncertain**: {text})" if st.uncertain else f" ({text})")


def card_verdict_notes(summary: Summary, segment_id: int) -> Markdown:
    """For a card: the uncertain verdicts of the hand-made personas this segment stands for."""
    out = []
    for p in summary.personas:
        st = p.stability
        if st is not None and st.uncertain and segment_id in p.segments:
            out.append(
                f" The verdict on {md(p.name)} ({md(p.verdict or '')}) is **uncertain**: "
                f"it comes back in {int(st.same)} of {int(st.refits)} refits."
            )
    return Markdown("".join(out))


def method_trust_notes(summary: Summary) -> list[Markdown]:
    """For "How this was done": the structure test and the verdicts' stability, in words.

    Empty for runs written before the structure test (no ``structure`` key) and without refits.
    """
    out = []
    st = summary.structure
    if st is not None and st.clear is not None and st.gap is not None:
        verdict = "clear segments" if st.clear else "**no clear segments**"
        z = st.z
        margin = "" if z is None else f", {float(z):.1f} standard deviations of the shuffled ones"
        out.append(
            Markdown(
                f"**Are there segments at all?** At {int(st.k)} groups the grouping leaves "
                f"{float(st.gap):.3f} less log cost than grouping the same answers with each "
                f"question shuffled on its own ({int(st.permutations)} shuffles of "
                f"{int(st.sample):,} respondents, which keep every answer rate and remove every "
                f"link between questions{margin}; p = {float(st.p_value):.2f}): {verdict}. "
                "Segments count as clear from a gap of 0.02 and 3 standard deviations."
            )
        )
    measured = [p for p in summary.personas if p.stability is not None and p.stability.refits]
    if measured:
        refits = int(measured[0].stability.refits)
        each = "; ".join(
            f"{md(p.name)} {md(p.verdict or '')} in {int(p.stability.same)} of "
            f"{int(p.stability.refits)}"
            for p in measured
        )
        shaky = [md(p.name) for p in measured if p.stability.uncertain]
        tail = (
            f" Under 70% a verdict is shown as uncertain: {', '.join(shaky)}."
            if shaky
            else " None comes back in fewer than 70% of them, so none is shown as uncertain."
        )
        out.append(
            Markdown(
                f"**How stable are the verdicts?** Each verdict was worked out again on the "
                f"{refits} bootstrap refits of the chosen number of groups: {each}.{tail}"
            )
        )
    return out

"""The report's words for how far the verdicts can be trusted: "no clear segments" and the
stability of each verdict over the bootstrap refits (see :mod:`personas.compare._trust`)."""

from __future__ import annotations

from collections.abc import Mapping

from personas.report._build_escape import Markdown, md

__all__ = [
    "no_clear_words",
    "verdict_stability_words",
    "card_verdict_notes",
    "method_trust_notes",
]


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


def method_trust_notes(summary: Mapping) -> list[Markdown]:
    """For "How this was done": the structure test and the verdicts' stability, in words.

    Empty for runs written before the structure test (no ``structure`` key) and without refits.
    """
    out = []
    st = summary.get("structure") or {}
    if st.get("clear") is not None and st.get("gap") is not None:
        verdict = "clear segments" if st["clear"] else "**no clear segments**"
        z = st.get("z")
        margin = "" if z is None else f", {float(z):.1f} standard deviations of the shuffled ones"
        out.append(
            Markdown(
                f"**Are there segments at all?** At {int(st['k'])} groups the grouping leaves "
                f"{float(st['gap']):.3f} less log cost than grouping the same answers with each "
                f"question shuffled on its own ({int(st['permutations'])} shuffles of "
                f"{int(st['sample']):,} respondents, which keep every answer rate and remove every "
                f"link between questions{margin}; p = {float(st['p_value']):.2f}): {verdict}. "
                "Segments count as clear from a gap of 0.02 and 3 standard deviations."
            )
        )
    measured = [p for p in summary.get("personas", []) if (p.get("stability") or {}).get("refits")]
    if measured:
        refits = int(measured[0]["stability"]["refits"])
        each = "; ".join(
            f"{md(p['name'])} {md(p.get('verdict', ''))} in {int(p['stability']['same'])} of "
            f"{int(p['stability']['refits'])}"
            for p in measured
        )
        shaky = [md(p["name"]) for p in measured if p["stability"].get("uncertain")]
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

"""The report's words: numbers, verdicts, tension positions and stability in plain language.

Every function returns :class:`~personas.report._build_escape.Markdown` with user text
escaped, so the template can write it as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from personas.charts import HENNIG_DOUBTFUL, HENNIG_STABLE
from personas.compare import plain
from personas.compare.plain import Outcome, verdict_sentences
from personas.report._build_escape import Markdown, join, md
from personas.report._build_trust import no_clear_words
from personas.run.schema import Distinctive, PersonaRecord, Summary, TensionRecord

__all__ = [
    "MIDDLE",
    "number",
    "percent",
    "interval",
    "tension_words",
    "stability_words",
    "answer_sentence",
    "verdict_paragraph",
    "verdict_words",
    "quote",
]

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
#: Positions closer than this to the middle of a tension read "in the middle".
MIDDLE = 0.15


def number(n) -> Markdown:
    """``1843 -> '1,843'`` (:func:`personas.compare.plain.number`)."""
    return Markdown(plain.number(n))


def percent(x, *, digits: int = 0) -> Markdown:
    """``0.282 -> '28%'``; very small non-zero shares read ``'under 1%'``."""
    value = 100 * float(x)
    if 0 < value < 0.5 and digits == 0:
        return Markdown("under 1%")
    return Markdown(f"{value:.{digits}f}%")


def interval(bounds: Sequence[float] | None) -> Markdown:
    """``[0.262, 0.303] -> '26–30%'`` (empty when there is no interval)."""
    if not bounds or len(bounds) != 2 or None in bounds:
        return Markdown("")
    lo, hi = (f"{100 * float(b):.0f}" for b in bounds)
    return Markdown(f"{lo}–{hi}%")


def words(n: int, noun: str, plural: str | None = None) -> Markdown:
    """``(2, 'persona') -> 'two personas'`` (:func:`personas.compare.plain.words`)."""
    return Markdown(plain.words(n, noun, plural))


def quote(text) -> Markdown:
    """User text between typographic quotes."""
    return Markdown(f"“{md(text)}”")


def tension_words(value: float | None, tension: TensionRecord) -> Markdown:
    """Where a position in [-1 (pole a), +1 (pole b)] sits, in words.

    >>> t = TensionRecord(id="speed", a="Find a job quickly", b="Find the perfect job")
    >>> print(tension_words(-0.82, t))
    leans strongly to “Find a job quickly”
    """
    if value is None:
        return Markdown("not measured")
    size = abs(float(value))
    pole = quote(tension.a if value < 0 else tension.b)
    if size < MIDDLE:
        return Markdown(f"sits in the middle, between {quote(tension.a)} and {quote(tension.b)}")
    strength = "slightly " if size < 0.4 else "" if size < 0.7 else "strongly "
    return Markdown(f"leans {strength}to {pole}")


def stability_words(
    value: float | None, *, stable: float = HENNIG_STABLE, doubtful: float = HENNIG_DOUBTFUL
) -> tuple[str, Markdown]:
    """A short label and one sentence for a segment's bootstrap stability (Hennig, 2007)."""
    if value is None:
        return "Stability not measured", Markdown("Stability was not computed for this run.")
    score = f"({float(value):.2f} on a 0–1 scale)"
    if value >= 0.85:
        return "Very stable", Markdown(
            f"It comes back almost unchanged when the analysis is rerun on resampled data {score}."
        )
    if value >= stable:
        return "Stable", Markdown(
            f"It comes back clearly when the analysis is rerun on resampled data {score}."
        )
    if value >= doubtful:
        return "Somewhat stable", Markdown(
            f"The pattern is real, but who belongs to it shifts between reruns {score}: treat "
            "its edges with care."
        )
    return "Unstable", Markdown(
        f"It often falls apart when the analysis is rerun on resampled data {score}: "
        "confirm it with more data before designing for it."
    )


def answer_sentence(item: Distinctive) -> Markdown:
    """One distinctive answer in words.

    >>> print(answer_sentence(Distinctive(question="q07", text="I filter my searches by salary.",
    ...                       answer="True", share=0.91, overall=0.53, difference=0.38)))
    **91%** say “I filter my searches by salary\\.” (vs 53% of everyone)
    """
    share, overall = percent(item.share), percent(item.overall)
    lead = f"**{share}**" if (item.difference or 0) >= 0 else f"Only **{share}**"
    statement = quote(item.text or item.question)
    answer = str(item.label or ("" if item.answer is None else item.answer)).strip()
    if answer.lower() in _TRUE:
        said = f"say {statement}"
    elif answer.lower() in _FALSE:
        said = f"say {statement} is not true for them"
    else:
        said = f"answer {quote(answer)} to {statement}"
    return Markdown(f"{lead} {said} (vs {overall} of everyone)")


def verdict_words(
    persona: PersonaRecord, names: Mapping[str, str], segment_names: Mapping[int, str]
) -> Markdown:
    """A persona's verdict as a short phrase for the verdict table."""
    verdict = persona.verdict
    segs = [segment_names.get(s, f"segment {s}") for s in persona.segments]
    if verdict == "confirmed":
        return Markdown("**Confirmed**")
    if verdict == "merged":
        others = [names.get(p, p) for p in persona.merged_with]
        return Markdown(f"**Merged** with {join(others)}" if others else "**Merged**")
    if verdict == "split":
        return Markdown(f"**Split** into {join(segs)}" if segs else "**Split**")
    if verdict == "unsupported":
        return Markdown("**Not supported** by the data")
    return Markdown(f"**{md(verdict or 'No verdict')}**")


def verdict_paragraph(summary: Summary) -> list[Markdown]:
    """The lead: how many personas, from how many people, and what became of the hand-made ones.

    Returns the sentences of the verdict, in order, each already escaped. The wording is the
    one of :func:`personas.compare.plain.verdict_sentences` (also the journal's), with names
    escaped and the headline figures in bold.
    """
    if (lead := no_clear_words(summary)) is not None:
        return [lead]
    outcomes = [
        Outcome(
            p.id,
            p.name,
            p.verdict or "",
            len(p.segments),
            tuple(p.merged_with),
            bool(p.stability and p.stability.uncertain),
        )
        for p in summary.personas
    ]
    sentences = verdict_sentences(
        respondents=summary.respondents.kept,
        segments=len(summary.segments),
        personas=outcomes,
        new=len(summary.new_segments),
        name=md,
        strong=lambda text: f"**{text}**",
    )
    return [Markdown(s) for s in sentences]

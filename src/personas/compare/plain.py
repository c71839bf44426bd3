"""Plain words: the one wording of the verdict, for the report, the journal and the API.

The report's lead paragraph (:func:`personas.report` via ``report/_build_text.py``), the
decision journal and :func:`verdict_paragraph` all say what became of the hand-made personas
with :func:`verdict_sentences`, so the sentences cannot drift apart. The report passes
callables that escape names and bold the headline; everywhere else the text is plain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from personas.compare.model import Comparison

__all__ = ["Outcome", "number", "words", "join", "verdict_sentences", "verdict_paragraph"]

NO_CLEAR = (
    "No clear segments in {respondents} respondents: the {segments} groups found are hardly "
    "tighter than on the same answers shuffled question by question, so no hand-made persona "
    "is confirmed and no new persona is reported."
)
_SMALL = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Outcome:
    """What became of one hand-made persona, as the verdict sentences need it."""

    id: str
    name: str
    verdict: str
    segments: int = 0
    merged_with: tuple[str, ...] = ()
    uncertain: bool = False


def number(n: float) -> str:
    """A count with thousands separators.

    >>> number(1843)
    '1,843'
    """
    return f"{int(n):,}"


def words(n: int, noun: str, plural: str | None = None) -> str:
    """Small counts in words, as in running text.

    >>> words(2, "persona"), words(1, "group"), words(12, "segment")
    ('two personas', 'one group', '12 segments')
    """
    count = _SMALL[n] if 0 <= n < len(_SMALL) else f"{n:,}"
    return f"{count} {noun if n == 1 else (plural or noun + 's')}"


def join(parts: Iterable[str], *, last: str = " and ", sep: str = ", ") -> str:
    """``["A", "B", "C"] -> "A, B and C"``.

    >>> join(["The Survivor", "The Quick Win"])
    'The Survivor and The Quick Win'
    """
    items = list(parts)
    if len(items) <= 1:
        return "".join(items)
    return sep.join(items[:-1]) + last + items[-1]


def _merge_groups(personas: Sequence[Outcome]) -> list[list[Outcome]]:
    groups, seen = [], set()
    for p in personas:
        if p.verdict != "merged" or p.id in seen:
            continue
        group = [p] + [q for q in personas if q.id in p.merged_with and q.id not in seen]
        seen.update(q.id for q in group)
        groups.append(group)
    return groups


def verdict_sentences(
    *,
    respondents: int,
    segments: int,
    personas: Sequence[Outcome],
    new: int,
    clear: bool = True,
    name: Callable[[str], str] = _same,
    strong: Callable[[str], str] = _same,
) -> list[str]:
    """The verdict, one sentence per finding, in order.

    Parameters
    ----------
    respondents, segments
        How many people were segmented, into how many data-driven personas.
    personas
        The hand-made personas' outcomes, in instrument order.
    new
        How many segments no hand-made persona describes.
    clear
        False when the structure test found no clear segments: then one sentence says so,
        and nothing is presented as a persona.
    name
        Applied to every persona name (the report escapes them for Markdown).
    strong
        Applied to the headline figures (the report makes them bold).

    Examples
    --------
    >>> found = [Outcome("s", "The Survivor", "merged", 1, ("q",)),
    ...          Outcome("q", "The Quick Win", "merged", 1, ("s",)),
    ...          Outcome("r", "The Returner", "unsupported")]
    >>> for s in verdict_sentences(respondents=1843, segments=5, personas=found, new=0):
    ...     print(s)
    The answers of 1,843 respondents fall into 5 data-driven personas.
    0 of the 3 hand-made personas are confirmed.
    The Survivor and The Quick Win merge into one: the data cannot tell them apart.
    The Returner is not supported by the data.
    No new persona appeared.
    """
    if not clear:
        return [NO_CLEAR.format(respondents=number(respondents), segments=segments)]
    confirmed = sum(p.verdict == "confirmed" for p in personas)
    people = f"{number(respondents)} respondent{'s' if respondents != 1 else ''}"
    found = f"{segments} data-driven persona{'s' if segments != 1 else ''}"
    out = [f"The answers of {strong(people)} fall into {strong(found)}."]
    total = len(personas)
    if total:
        verb = "is" if confirmed == 1 else "are"
        made = f"hand-made persona{'s' if total != 1 else ''}"
        out.append(strong(f"{confirmed} of the {total} {made} {verb} confirmed."))
    else:
        out.append("There are no hand-made personas to compare with.")
    for group in _merge_groups(personas):
        out.append(
            f"{join(name(p.name) for p in group)} merge into one: the data cannot tell them apart."
        )
    for p in personas:
        if p.verdict == "split":
            out.append(f"{name(p.name)} splits into {words(p.segments, 'group')}.")
    gone = [name(p.name) for p in personas if p.verdict == "unsupported"]
    if gone:
        out.append(f"{join(gone)} {'is' if len(gone) == 1 else 'are'} not supported by the data.")
    out.append(
        "No new persona appeared."
        if not new
        else f"The data shows {words(new, 'new persona')} that no hand-made persona describes."
    )
    shaky = [name(p.name) for p in personas if p.uncertain]
    if shaky:
        verb = "is" if len(shaky) == 1 else "are"
        out.append(f"The verdict on {join(shaky)} {verb} uncertain: it changes over refits.")
    return out


def verdict_paragraph(comparison: Comparison) -> str:
    """The verdict of a comparison as one plain paragraph (the report's lead, unformatted).

    Example: "The answers of 1,843 respondents fall into 5 data-driven personas. 4 of the 6
    hand-made personas are confirmed. The Survivor and The Quick Win merge into one: the data
    cannot tell them apart. No new persona appeared."
    """
    c = comparison
    outcomes = [
        Outcome(v.persona, v.name, v.verdict, len(v.segments), tuple(v.merged_with), v.uncertain)
        for v in c.verdicts
    ]
    sentences = verdict_sentences(
        respondents=len(c.segmentation.labels),
        segments=len(c.segments),
        personas=outcomes,
        new=len(c.new_segments),
        clear=c.clear,
    )
    return " ".join(sentences)

"""Turn a positional :class:`~personas.compare._verdicts.Decision` into the records of a
:class:`~personas.compare.core.Comparison`, and suggest a name for every segment.

Suggested names (users override them in ``names.yaml``, see :mod:`personas.compare.names`):

* a segment one persona stands for: the persona's name;
* a merge: the personas' names joined by ``" + "`` ("The Survivor + The Quick Win");
* a persona spread over several segments (split): its name plus, per segment, the pole of the
  tension on which that segment differs most from the others of the split;
* a new segment that is the closest one of personas matched nowhere (below the threshold):
  "Close to The Survivor and The Quick Win", never those personas' own pole words;
* any other new segment: its two most distinctive tension poles (the poles it holds,
  |position| >= 1/3, farthest from the share-weighted average of all segments), e.g.
  "Work where and when I want, new challenges and variety"; "No clear leaning" when it
  holds no pole.

Names are made unique by appending " (2)", " (3)" in order of segment size.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from personas.compare._reasons import Context, persona_reason, segment_reason
from personas.compare.model import PersonaVerdict, SegmentMatch, SegmentName

__all__ = ["persona_records", "segment_records", "unique_names"]

_HOLDS_POLE = 1 / 3


def persona_records(ctx: Context, coverage: pd.Series) -> tuple[PersonaVerdict, ...]:
    """One :class:`PersonaVerdict` per persona, instrument order."""
    d, ids = ctx.decision, list(ctx.fr.instrument.personas)
    out = []
    for p, persona in enumerate(ids):
        mine = d.segments[p]
        values = [ctx.s[p, k] for k in mine] or ([ctx.s[p, d.best[p]]] if ctx.s.shape[1] else [])
        finite = [float(v) for v in values if np.isfinite(v)]
        spoken = np.isfinite(ctx.expected[p]).any()
        out.append(
            PersonaVerdict(
                persona=persona.id,
                name=persona.name,
                verdict=d.verdict[p],
                segments=tuple(ctx.seg(k) for k in sorted(mine, key=ctx.seg)),
                similarity=max(finite) if finite and spoken else None,
                coverage=float(coverage.get(persona.id, 0.0)),
                merged_with=tuple(ids[q].id for q in d.merged_with[p]),
                closest=ctx.seg(int(d.best[p])) if ctx.s.shape[1] and spoken else None,
                reason=persona_reason(ctx, p),
            )
        )
    return tuple(out)


def segment_records(ctx: Context) -> tuple[SegmentMatch, ...]:
    """One :class:`SegmentMatch` per segment (segment-id order) with a suggested name."""
    personas = ctx.fr.instrument.personas
    out = []
    for k in range(len(ctx.fr.segment_ids)):
        members = ctx.decision.personas_of(k)
        column = ctx.s[:, k]
        nearest = int(np.argmax(column)) if len(column) else None
        primary = max(members, key=lambda q: (column[q], -q)) if members else None
        chosen = primary if primary is not None else nearest
        out.append(
            SegmentMatch(
                segment=ctx.seg(k),
                persona=personas[primary].id if primary is not None else None,
                personas=tuple(personas[q].id for q in members),
                similarity=float(column[chosen]) if chosen is not None else None,
                name=SegmentName(suggestion := _suggest(ctx, k, members)),
                suggested=suggestion,
                new=not members,
                nearest=personas[nearest].id if nearest is not None else None,
                reason=segment_reason(ctx, k),
            )
        )
    return unique_names(tuple(out), ctx.fr.shares)


def _suggest(ctx: Context, k: int, members: list[int]) -> str:
    if not members:
        near = _near_misses(ctx, k)
        if near:  # not its poles: those are these personas' own words, and they did not match
            return "Close to " + _and(ctx.names[q] for q in near)
        return _descriptive(ctx, k)
    base = " + ".join(ctx.names[q] for q in members)
    siblings = sorted({j for q in members for j in ctx.decision.segments[q]})
    if len(siblings) < 2:
        return base
    return f"{base} – {_distinguishing_pole(ctx, k, siblings)}"


def _near_misses(ctx: Context, k: int) -> list[int]:
    """Personas matched to no segment whose closest segment is ``k``, closest first."""
    d = ctx.decision
    lone = [q for q in range(len(d.segments)) if not d.segments[q] and ctx.s.shape[1]]
    near = [q for q in lone if int(d.best[q]) == k and np.isfinite(ctx.s[q, k])]
    return sorted(near, key=lambda q: (-float(ctx.s[q, k]), q))


def _and(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _distinguishing_pole(ctx: Context, k: int, siblings: list[int]) -> str:
    pos = ctx.segment_positions
    own = pos.iloc[k]
    others = pos.iloc[[j for j in siblings if j != k]].mean()
    gap = (own - others).abs().dropna()
    if gap.empty:
        return f"segment {ctx.seg(k)}"
    tid = gap.idxmax()
    return ctx.fr.instrument.tension(tid).pole_text(float(own[tid]))


def _descriptive(ctx: Context, k: int) -> str:
    pos = ctx.segment_positions
    w = ctx.fr.shares / ctx.fr.shares.sum() if ctx.fr.shares.sum() > 0 else ctx.fr.shares
    centre = (pos.mul(w, axis=0)).sum()
    own = pos.iloc[k]
    held = own[own.abs() >= _HOLDS_POLE].dropna()
    if held.empty:
        return "No clear leaning"
    ranked = (held - centre[held.index]).abs().sort_values(ascending=False, kind="stable")
    poles = [ctx.fr.instrument.tension(t).pole_text(float(own[t])) for t in ranked.index[:2]]
    return ", ".join([poles[0], *(_lower_first(p) for p in poles[1:])])


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def unique_names(
    segments: tuple[SegmentMatch, ...], shares: np.ndarray
) -> tuple[SegmentMatch, ...]:
    """Append " (2)", " (3)" to repeated *suggested* names, larger segments first.

    User-given names are never changed; a suggestion that repeats one gets a number too.
    """
    order = sorted(range(len(segments)), key=lambda i: (-shares[i], segments[i].segment))
    taken = {s.name.text for s in segments if s.name.source == "user"}
    out = list(segments)
    for i in order:
        name = segments[i].name
        if name.source == "user":
            continue
        text, n = name.text, 1
        while text in taken:
            n += 1
            text = f"{name.text} ({n})"
        taken.add(text)
        if text != name.text:
            out[i] = replace(segments[i], name=replace(name, text=text))
    return tuple(out)

"""Plain-words reasons for each verdict, written for a UX team rather than a statistician."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personas.compare._profiles import Frame, nanmean
from personas.compare._verdicts import Decision

__all__ = ["Context", "pct", "join_words", "persona_reason", "segment_reason"]

_UNDECIDED = (0.3, 0.7)
_LISTED = 5


@dataclass(frozen=True)
class Context:
    """Everything a reason needs, by position (personas in instrument order, segments by id)."""

    fr: Frame
    decision: Decision
    names: list[str]
    s: np.ndarray
    agree: np.ndarray
    expected: np.ndarray
    segment_positions: pd.DataFrame
    confirm: float

    def seg(self, k: int) -> int:
        return self.fr.segment_ids[k]


def pct(x: float, confirm: float | None = None) -> str:
    """``0.934 -> "93%"``; one decimal when rounding would cross the ``confirm`` threshold."""
    if x is None or not math.isfinite(x):
        return "—"
    rounded = round(x * 100)
    if confirm is not None and (x >= confirm) != (rounded / 100 >= confirm):
        return f"{x * 100:.1f}%"
    return f"{rounded}%"


def join_words(words: list[str], last: str = "and") -> str:
    """``["A", "B", "C"] -> "A, B and C"``."""
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _segments_text(ctx: Context, ks: list[int]) -> str:
    ids = [str(ctx.seg(k)) for k in sorted(ks, key=ctx.seg)]
    return f"segment{'s' if len(ids) > 1 else ''} {join_words(ids)}"


def persona_reason(ctx: Context, p: int) -> str:
    """Why persona ``p`` got its verdict."""
    verdict = ctx.decision.verdict[p]
    if verdict == "unsupported":
        return _unsupported(ctx, p)
    if verdict == "merged":
        return _merged(ctx, p)
    if verdict == "split":
        return _split(ctx, p, ctx.decision.segments[p])
    return _confirmed(ctx, p)


def _unsupported(ctx: Context, p: int) -> str:
    name = ctx.names[p]
    if not np.isfinite(ctx.expected[p]).any():
        return (
            f"{name} speaks to none of the questions used for segmentation, so the data "
            "can neither confirm nor reject it."
        )
    if ctx.s.shape[1] == 0:
        return f"There are no segments to compare {name} with."
    best = int(ctx.decision.best[p])
    text = (
        f"No segment agrees more than {pct(ctx.s[p, best], ctx.confirm)} with {name}'s "
        f"expectations ({pct(ctx.confirm)} needed); closest is segment {ctx.seg(best)}."
    )
    return text + _shared_near_miss(ctx, p, best)


def _shared_near_miss(ctx: Context, p: int, best: int) -> str:
    """Say so when other unmatched personas are closest to the same segment as ``p``."""
    d = ctx.decision
    others = [
        ctx.names[q]
        for q in range(len(d.segments))
        if q != p and not d.segments[q] and int(d.best[q]) == best and np.isfinite(ctx.s[q, best])
    ]
    if not others:
        return ""
    also = join_words(others)
    verb = "is" if len(others) == 1 else "are"
    return (
        f" {also} {verb} closest to the same segment, also below the threshold: these personas "
        "may describe one group that the data does not tell apart."
    )


def _confirmed(ctx: Context, p: int) -> str:
    name, k = ctx.names[p], ctx.decision.segments[p][0]
    text = f"{name} agrees {pct(ctx.s[p, k], ctx.confirm)} with segment {ctx.seg(k)}"
    best = int(ctx.decision.best[p])
    if best != k:
        holders = join_words([ctx.names[q] for q in ctx.decision.personas_of(best)])
        return (
            f"{text}; it agrees more ({pct(ctx.s[p, best])}) with segment {ctx.seg(best)}, "
            f"but that segment is matched to {holders or 'no persona'}."
        )
    others = [j for j in np.argsort(-ctx.s[p], kind="stable") if j != k]
    if not others:
        return f"{text}, the only segment."
    nxt = int(others[0])
    return (
        f"{text}, more than with any other segment (next: segment {ctx.seg(nxt)}, "
        f"{pct(ctx.s[p, nxt])})."
    )


def _merged(ctx: Context, p: int) -> str:
    d = ctx.decision
    k = next(k for k, members in d.groups.items() if p in members and len(members) > 1)
    members = d.groups[k]
    floor = math.floor(min(ctx.s[q, k] for q in members) * 100)
    both = "both" if len(members) == 2 else "all"
    text = (
        f"{join_words([ctx.names[q] for q in members])} {both} agree ≥ {floor}% with "
        f"segment {ctx.seg(k)} {_differences(ctx, members, k)}: the data shows them as one "
        "segment."
    )
    extra = [j for j in d.segments[p] if j != k]
    if extra:
        text += (
            f" {ctx.names[p]} is also the closest persona to "
            f"{_segments_text(ctx, extra)} ({pct(max(ctx.s[p, j] for j in extra))})."
        )
    return text


def _differences(ctx: Context, members: list[int], k: int) -> str:
    e = ctx.expected[members]
    spoken = np.isfinite(e)
    lo = np.where(spoken, e, np.inf).min(axis=0)
    hi = np.where(spoken, e, -np.inf).max(axis=0)
    differ = (spoken.any(axis=0) & ~spoken.all(axis=0)) | (spoken.all(axis=0) & (hi - lo > 1e-9))
    cols = np.flatnonzero(differ)
    if len(cols) == 0:
        who = "both" if len(members) == 2 else "all"
        return f"and expect the same answers on every question they {who} speak to"
    n = _questions_text(ctx, cols)
    if all(_undecided(ctx.fr, k, j) for j in cols):
        return f"and differ only on {n} on which segment {ctx.seg(k)} does not take sides"
    fit = np.nan_to_num(nanmean(ctx.agree[members][:, k, :][:, cols], axis=1), nan=-1.0)
    closer = ctx.names[members[int(np.argmax(fit))]]
    return f"and differ on {n}, where segment {ctx.seg(k)} sides with {closer}"


def _questions_text(ctx: Context, cols: np.ndarray) -> str:
    """``"Pay vs purpose (q05, q06, q07, q08)"`` or ``"2 questions (q30, q31)"``."""
    items = [ctx.fr.items[j] for j in cols]
    ids = [q.id for q in items]
    listed = ", ".join(ids[:_LISTED]) + (", …" if len(ids) > _LISTED else "")
    tensions = list(dict.fromkeys(q.tension for q in items))
    if None not in tensions:
        labels = join_words([ctx.fr.instrument.tension(t).label for t in tensions])
        return f"{labels} ({listed})"
    return f"{len(ids)} question{'s' if len(ids) > 1 else ''} ({listed})"


def _undecided(fr: Frame, k: int, j: int) -> bool:
    """True when segment ``k`` answers question ``j`` about evenly (no clear side)."""
    if fr.choice[j]:
        return float(np.nanmax(fr.freqs[j][k])) <= _UNDECIDED[1]
    v = (fr.means[k, j] - fr.low[j]) / fr.span[j]
    return bool(_UNDECIDED[0] <= v <= _UNDECIDED[1])


def _split(ctx: Context, p: int, ks: list[int]) -> str:
    floor = math.floor(min(ctx.s[p, k] for k in ks) * 100)
    text = (
        f"{ctx.names[p]} agrees ≥ {floor}% with {_segments_text(ctx, ks)} and is the "
        f"closest persona to each: the data splits it into {len(ks)} segments"
    )
    return text + _split_tension(ctx, ks) + "."


def _split_tension(ctx: Context, ks: list[int]) -> str:
    pos = ctx.segment_positions.iloc[ks]
    spread = (pos.max() - pos.min()).dropna()
    if spread.empty or spread.max() <= 0:
        return ""
    tid = spread.idxmax()
    tension = ctx.fr.instrument.tension(tid)
    lo_k, hi_k = ks[int(np.argmin(pos[tid].to_numpy()))], ks[int(np.argmax(pos[tid].to_numpy()))]
    return (
        f", which differ most on {tension.label} (segment {ctx.seg(lo_k)} at "
        f"{pos[tid].min():+.2f}, segment {ctx.seg(hi_k)} at {pos[tid].max():+.2f}; "
        f"-1 = “{tension.a}”, +1 = “{tension.b}”)"
    )


def segment_reason(ctx: Context, k: int) -> str:
    """What segment ``k`` stands for, in words."""
    members = ctx.decision.personas_of(k)
    if members:
        names = join_words([ctx.names[q] for q in members])
        return f"Stands for {names} ({pct(max(ctx.s[q, k] for q in members))} agreement)."
    if ctx.s.shape[0] == 0:
        return "The instrument has no hand-made personas to compare with."
    near = int(np.argmax(ctx.s[:, k]))
    return (
        f"No hand-made persona agrees {pct(ctx.confirm)} or more with segment "
        f"{ctx.seg(k)}; the nearest is {ctx.names[near]} ({pct(ctx.s[near, k], ctx.confirm)})."
    )

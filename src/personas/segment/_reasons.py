"""The rule that picks k from the sweep, and the plain-words reasons for the journal.

Rule (documented in ``segment`` and in the README, measured by ``benchmarks/bench_choose_k.py``):

1. The candidates are the k without an *unstable* segment (every clusterboot Jaccard >= 0.6,
   Hennig's reading; when stability was not measured, every k is a candidate and the reasons
   say so). If no k qualifies, the best silhouette of all is chosen (no near-tie widening)
   and a warning says the segments are tentative.
2. Among the candidates, take the best silhouette; of the candidates whose silhouette is within
   ``NEAR`` (0.02) of it, choose the largest k: near ties go to the finer segmentation, which
   keeps a small segment that the broader split absorbs.
3. The elbow of the cost curve is reported and explained but never vetoes: measured, as the
   rule or its tie-break it lost small segments (the elbow bends before them). It decides only
   when no silhouette could be measured.

Disagreements between the criteria are written out, not hidden.
"""

from __future__ import annotations

import math

import pandas as pd

from personas.segment._stability import STABLE, UNSTABLE

NEAR = 0.02
_WORDS = dict(enumerate("zero one two three four five six seven eight nine ten".split()))


def words(n: int) -> str:
    return _WORDS.get(n, str(n))


def _floor2(x: float) -> str:
    return f"{math.floor(x * 100) / 100:.2f}"


def stability_phrase(row: pd.Series, jaccard=None) -> str:
    """'all five segments stable (Jaccard ≥ 0.82)', 'both segments stable (...)' or what is
    not. Prose, so the mathematical sign, not ASCII '>='."""
    k, least = int(row["k"]), row["min_jaccard"]
    if pd.isna(least):
        return "stability not measured"
    if least >= STABLE:
        every = "both" if k == 2 else f"all {words(k)}"
        return f"{every} segments stable (Jaccard ≥ {_floor2(least)})"
    n_stable = None if jaccard is None else int((jaccard >= STABLE).sum())
    head = (
        f"{n_stable} of {k} segments stable" if n_stable is not None else "not all segments stable"
    )
    kind = "unstable" if least < UNSTABLE else "doubtful"
    return f"{head}; the least stable is {kind} (Jaccard {least:.2f})"


def choose(ok: pd.DataFrame, knee: int | None, *, binary: bool, measured: bool, jaccards=None):
    """Apply the rule to the usable rows of the sweep: (chosen k, reasons, warnings)."""
    by_k = ok.set_index("k")
    jaccards = jaccards or {}
    sil = by_k["silhouette"]
    sound = by_k.index[(by_k["min_jaccard"] >= UNSTABLE) | (not measured)].tolist()
    pool = sound or by_k.index.tolist()
    best_sil = best_k(sil)
    reasons, warnings = [], []
    if sil.loc[pool].isna().all():
        chosen = knee if knee is not None else min(pool)
        why = "no silhouette could be measured, so the elbow decides"
    else:
        top = best_k(sil.loc[pool])
        near = [k for k in pool if sil[k] >= sil[top] - NEAR] if sound else [top]
        chosen = max(near)
        if chosen == top:
            why = "it has the highest silhouette among the k without an unstable segment"
        else:
            why = (
                f"it is the most segments whose silhouette is within {NEAR} of the best "
                f"({sil[top]:.2f} at {top}): a near tie goes to the finer segmentation"
            )
    if not sound:
        warnings.append(
            f"no k from {min(by_k.index)} to {max(by_k.index)} is free of unstable segments "
            f"(Jaccard < {UNSTABLE}); treat the segments as tentative"
        )
    row = _row(by_k, chosen)
    summary = [f"elbow at {knee}" if knee is not None else "no elbow"]
    if not sil.isna().all():
        summary.append(f"silhouette highest at {best_sil} ({sil[best_sil]:.2f})")
    summary.append(stability_phrase(row, jaccards.get(chosen)))
    reasons.insert(0, f"k = {chosen}: " + "; ".join(summary))
    if best_sil != chosen and not sil.isna().all():
        disagree = _silhouette_disagrees(by_k, best_sil, chosen, binary)
        reasons.append(f"{disagree}; chose {chosen} because {why}")
    else:
        reasons.append(f"chose {chosen} because {why}")
    if knee is not None and knee != chosen:
        reasons.append(
            f"the elbow at {knee} is one voice, not a veto: it finds where the cost curve bends, "
            f"which misses small segments ({stability_phrase(_row(by_k, knee), jaccards.get(knee))}"
            f" at {knee})"
        )
    if not measured:
        reasons.append("segment stability was not measured (n_boot = 0)")
    return int(chosen), reasons, warnings


def _row(by_k: pd.DataFrame, k: int) -> pd.Series:
    row = by_k.loc[k].copy()
    row["k"] = k
    return row


def best_k(values: pd.Series) -> int:
    """The k with the largest value (smallest k on ties; NaN never wins)."""
    values = values.dropna()
    return int(values.index[values.to_numpy().argmax()]) if len(values) else int(values.index.min())


def _silhouette_disagrees(by_k: pd.DataFrame, best: int, chosen: int, binary: bool) -> str:
    sil = by_k["silhouette"]
    text = f"silhouette prefers {best} ({sil[best]:.2f} against {sil[chosen]:.2f} at {chosen})"
    if best < chosen and binary:
        text += (
            ", which is usual for yes/no answers: a few broad splits separate most cleanly, "
            "while finer segments share many answers"
        )
    elif best < chosen:
        text += ", which is usual when segments overlap: fewer, broader groups separate best"
    return text


def fixed_reasons(row: pd.Series, jaccard) -> list[str]:
    """Reasons when the caller fixed k."""
    sil = row["silhouette"]
    parts = [f"k = {int(row['k'])} fixed by the caller"]
    if not pd.isna(sil):
        parts.append(f"silhouette {sil:.2f}")
    parts.append(stability_phrase(row, jaccard))
    return ["; ".join(parts)]


def structure_phrase(structure: dict) -> str:
    """The structure test in plain words, for the journal."""
    if structure.get("clear") is None:
        return "the test against column-permuted answers could not be fitted"
    verdict = "clear segments" if structure["clear"] else "no clear segments"
    z = structure.get("z")
    margin = "" if z is None else f", {z:.1f} standard deviations of the permuted costs"
    return (
        f"{verdict}: at k = {structure['k']} the clustering leaves "
        f"{_gap_percent(structure['gap'])} less cost than on the same answers with each "
        f"question shuffled on its own (same answer rates, no association; gap "
        f"{structure['gap']:.3f}{margin}; p = {structure['p_value']:.2f}, where "
        f"{structure['permutations']} permutations cannot go below "
        f"{1 / (1 + structure['permutations']):.2f}; {structure['sample']:,} respondents)"
    )


def _gap_percent(gap: float) -> str:
    return f"{(1 - math.exp(-gap)):.0%}" if gap >= 0 else f"{(1 - math.exp(-gap)):.0%} (more)"


def no_clear_segments(structure: dict) -> str:
    """The warning when the answers show no clear segments."""
    return (
        f"no clear segments: the {structure['k']} segments are hardly tighter than segments "
        "of the same answers with each question shuffled on its own (gap "
        f"{structure['gap']:.3f}, needs >= 0.02 and 3 standard deviations); treat them as "
        "noise, not personas"
    )

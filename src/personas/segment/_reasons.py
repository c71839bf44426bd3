"""The rule that picks k from the sweep, and the plain-words reasons for the journal.

Rule (documented in ``segment``):

1. A k is *stable* when every one of its segments has a clusterboot Jaccard >= 0.75 (when
   stability was not measured, every k counts as stable and the reasons say so).
2. If the cost curve has an elbow (kneedle) and that k is stable, choose the elbow.
3. Otherwise choose the stable k with the highest silhouette.
4. If no k is stable, choose the elbow if there is one, else the highest silhouette, and warn
   that the segments are tentative.

Disagreements between the criteria are written out, not hidden.
"""

from __future__ import annotations

import math

import pandas as pd

from personas.segment._stability import STABLE, UNSTABLE

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
    stable = by_k.index[(by_k["min_jaccard"] >= STABLE) | (not measured)].tolist()
    best_sil = best_k(by_k["silhouette"])
    reasons, warnings = [], []
    if knee is not None and knee in stable:
        chosen, why = knee, "it is the elbow and its segments are stable"
    elif stable:
        chosen = best_k(by_k.loc[stable, "silhouette"])
        why = "it has the highest silhouette among the k whose segments are all stable"
        if knee is not None:
            reasons.append(
                f"the elbow at {knee} is not stable "
                f"({stability_phrase(_row(by_k, knee), jaccards.get(knee))})"
            )
    else:
        chosen = knee if knee is not None else best_sil
        why = "it is the elbow" if knee is not None else "it has the highest silhouette"
        warnings.append(
            f"no k from {min(by_k.index)} to {max(by_k.index)} gives only stable segments "
            f"(Jaccard ≥ {STABLE}); treat the segments as tentative"
        )
    row = _row(by_k, chosen)
    summary = [f"elbow at {knee}" if knee is not None else "no elbow"]
    summary.append(f"silhouette highest at {best_sil} ({by_k.loc[best_sil, 'silhouette']:.2f})")
    summary.append(stability_phrase(row, jaccards.get(chosen)))
    reasons.insert(0, f"k = {chosen}: " + "; ".join(summary))
    if best_sil != chosen:
        disagree = _silhouette_disagrees(by_k, best_sil, chosen, binary)
        reasons.append(f"{disagree}; chose {chosen} because {why}")
    elif knee is not None and knee != chosen:
        reasons.append(f"chose {chosen} because {why}")
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

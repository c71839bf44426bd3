"""How far to trust the verdicts: their stability over refits, and "no clear segments".

* **Verdict stability.** The k sweep keeps the bootstrap refits of the chosen k
  (``Segmentation.refits``: the rows drawn and the refit's labels). Each refit is compared
  with the personas exactly as the full data is (segment answer means on the drawn rows,
  similarity, Hungarian matching, thresholds, see :mod:`personas.compare._verdicts`), and a
  verdict's stability is how often the refit gives the persona the same verdict ("confirmed in
  9 of 10 refits"). No extra clustering: the refits are the ones stability was measured with.
  Below ``UNCERTAIN`` (70%) the verdict is shown as uncertain. A failed refit counts as a
  different verdict.
* **No clear segments.** When the structure test of the sweep (``Selection.structure``) finds
  the segments no tighter than on column-permuted answers, no persona is confirmed (every
  verdict is *unsupported*, with that reason) and no segment is reported as new.
* **Unstable segments** (clusterboot Jaccard < 0.6) are never reported as new personas; they
  are listed apart as unstable.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from personas.compare._profiles import Frame, similarity
from personas.compare._verdicts import decide
from personas.segment._stability import UNSTABLE

UNCERTAIN = 0.7

__all__ = ["UNCERTAIN", "verdict_stability", "refit_frame", "no_clear_reason", "unstable"]


def refit_frame(fr: Frame, index: np.ndarray, labels: np.ndarray) -> Frame:
    """The frame of one refit: segment means, shares and choice shares on the drawn rows."""
    k = int(labels.max()) + 1
    values = fr.answers[index]
    onehot = np.zeros((labels.size, k))
    onehot[np.arange(labels.size), labels] = 1.0
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (onehot.T @ np.where(finite, values, 0.0)) / (onehot.T @ finite)
    freqs = {}
    for j, shares in fr.freqs.items():
        codes = np.arange(shares.shape[1])
        hits = (values[:, j, None] == codes[None, :]).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            freqs[j] = (onehot.T @ hits) / onehot.sum(axis=0)[:, None]
    sizes = onehot.sum(axis=0)
    return replace(fr, segment_ids=tuple(range(1, k + 1)), shares=sizes / sizes.sum(),
                   means=means, freqs=freqs, answers=values, labels=labels + 1)  # fmt: skip


def verdict_stability(
    refits, fr: Frame, expected: pd.DataFrame, verdicts: list[str], *, confirm: float
) -> list[tuple[int, int] | None]:
    """Per persona, (refits giving the same verdict, refits), or None without refits."""
    if not refits:
        return [None] * len(verdicts)
    same = np.zeros(len(verdicts), dtype=int)
    for index, labels in refits:
        if labels is None:
            continue
        sub = refit_frame(fr, np.asarray(index), np.asarray(labels))
        again = decide(similarity(expected, sub).to_numpy(), sub.shares, confirm=confirm)
        same += np.array([a == b for a, b in zip(again.verdict, verdicts, strict=True)])
    return [(int(s), len(refits)) for s in same]


def no_clear_reason(structure: dict) -> str:
    """The reason every persona is unsupported when the answers show no clear segments."""
    return (
        "no clear segments: the segments are hardly tighter than those of the same answers "
        f"with each question shuffled on its own (gap {structure.get('gap', 0):.3f}), so the "
        "data supports no persona; collect answers that separate people, or check the survey"
    )


def unstable(segmentation) -> tuple[int, ...]:
    """Ids of segments whose bootstrap Jaccard is below 0.6 (Hennig: unstable)."""
    return tuple(
        int(p.id)
        for p in segmentation.profiles
        if p.stability is not None and np.isfinite(p.stability) and p.stability < UNSTABLE
    )

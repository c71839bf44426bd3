"""The latent class analysis parts of a run's files (``method: lca``).

* ``assignments.csv`` gains ``posterior`` (the probability of the segment each respondent was
  put in, i.e. their largest posterior) and ``p1..pk`` (the posterior of every class);
* each segment of ``summary.json`` gains ``confident``: how many of its members are classified
  with a posterior of at least :data:`~personas.segment.lca.CONFIDENT` (0.8);
* ``summary.json`` gains ``lca``: the threshold, the StepMix version, and the k-modes sweep of
  the same answers it was set beside (``kmodes``: its k, selection rows and summary, and the
  adjusted Rand index between the two segmentations).

Nothing here is written for the other methods.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["lca_assignments", "lca_summary"]


def lca_assignments(segmentation, assignments: pd.DataFrame) -> pd.DataFrame:
    """``assignments`` with the posterior columns of an LCA run (unchanged otherwise)."""
    post = getattr(segmentation, "posteriors", None)
    if post is None:
        return assignments
    out = assignments.copy()
    out["posterior"] = (1.0 - segmentation.distances).round(6).to_numpy()
    for column in post.columns:
        out[column] = post[column].round(6).to_numpy()
    return out


def lca_summary(segmentation, segments: list[dict]) -> dict | None:
    """The ``lca`` key of ``summary.json`` (None for other methods); adds each segment's
    ``confident`` count to ``segments`` in place."""
    from personas.segment.lca import CONFIDENT, agreement

    if getattr(segmentation, "posteriors", None) is None:
        return None
    sure = (1.0 - segmentation.distances) >= CONFIDENT - 1e-12
    counts = sure.groupby(segmentation.labels).sum()
    for entry in segments:
        entry["confident"] = int(counts.get(int(entry["id"]), 0))
    block = {
        "confident_threshold": CONFIDENT,
        "confident": int(sure.sum()),
        "stepmix": segmentation.model.get("stepmix"),
        "kmodes": None,
    }
    other = segmentation.alternative
    if other is not None:
        sel = other.selection
        block["kmodes"] = {
            "k": int(other.k),
            "selection": sel.table.to_dict(orient="records"),
            "selection_summary": {
                "chosen": sel.chosen,
                "knee": sel.knee,
                "best_silhouette": sel.best_silhouette,
                "most_stable": sel.most_stable,
            },  # fmt: skip
            "adjusted_rand": agreement(segmentation, other),
        }
    return block

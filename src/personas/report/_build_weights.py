"""The report's words about survey weights: that results are weighted, how, and at what cost.

A weighted run says so in the verdict box (the weight column, the weights' range, the Kish
effective sample size behind every interval), beside the exclusions (the weight set aside)
and in the method table. An unweighted run gets none of it (``weights_notes`` is None).
"""

from __future__ import annotations

from personas.report._build_escape import Markdown, code
from personas.report._build_text import number, percent
from personas.run.schema import Weights

__all__ = ["weights_notes"]


def _short(x) -> str:
    return f"{float(x):.3g}"


def weights_notes(w: Weights | None) -> dict | None:
    """``{headline, setaside, method}`` (Markdown) for a weighted run, None for an unweighted one.

    Examples
    --------
    >>> notes = weights_notes(Weights(column="w", min=0.5, max=2.0, n=100, n_eff=80.0,
    ...     deff=1.25, kept_weight=90.0, excluded_weight=10.0))
    >>> print(notes["setaside"])
    The people set aside carried 10 of the total weight of 100 (10.0%).
    """
    if w is None or not w.to_json():
        return None
    n_eff = number(round(float(w.n_eff or 0)))
    headline = Markdown(
        f"**Results are weighted** by the survey weights in column {code(w.column)} "
        f"(weights from {_short(w.min)} to {_short(w.max)}): every share, interval, "
        f"persona agreement and coverage counts each person by their weight. Weighting costs "
        f"precision: the {number(w.n)} people weigh as much as **{n_eff}** unweighted ones "
        f"(the Kish effective sample size, (Σw)² / Σw²; design effect "
        f"{float(w.deff or 1):.2f}), and the 95% intervals are computed from {n_eff}."
    )
    kept = float(w.kept_weight or 0)
    dropped = float(w.excluded_weight or 0)
    total = kept + dropped
    setaside = Markdown(
        f"The people set aside carried {_short(dropped)} of the total weight of "
        f"{_short(total)} ({percent(dropped / total, digits=1) if total else '0%'})."
    )
    method = Markdown(
        f"column {code(w.column)}, {_short(w.min)} to {_short(w.max)}, effective "
        f"n {n_eff} of {number(w.n)} (Kish)"
    )
    return {"headline": headline, "setaside": setaside, "method": method}

"""The latent class analysis chart: BIC (and AIC) against k, the chosen k marked.

Private to :mod:`personas.charts`; import :func:`bic_chart` from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt

from personas.charts._method import _HEIGHT, _WIDTH, _curve, _frame, _k_range, _marker
from personas.charts._style import finish

__all__ = ["bic_chart"]


def bic_chart(selection_rows: Sequence[Mapping], *, chosen: int | None = None):
    """BIC over k (lower = better balance of fit and size), the chosen k marked.

    Parameters
    ----------
    selection_rows : list of dict
        ``summary["selection"]`` of an LCA run: one row per k with ``k``, ``bic``, ``status``.
    chosen : int or None
        The k the run used (the lowest BIC unless k was fixed).

    Examples
    --------
    >>> rows = [{"k": 2, "bic": 900.0, "status": "ok"}, {"k": 3, "bic": 800.0, "status": "ok"},
    ...         {"k": 4, "bic": 850.0, "status": "ok"}]
    >>> from personas.charts import alt_text
    >>> alt_text(bic_chart(rows, chosen=3))[:58]
    'Line chart of the BIC of the latent class model for k = 2 '
    """
    frame = _frame(selection_rows, "bic")
    y = alt.Y(
        "bic:Q",
        title="BIC (lower = better)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(format="~s", tickCount=5),
    )
    best = int(frame.loc[frame["bic"].idxmin(), "k"]) if not frame.empty else None
    layers = [_curve(frame, "bic", y, ",.0f")]
    if chosen is not None:
        label = f"Chosen: k = {chosen}" + (", lowest BIC" if best == chosen else "")
        layers += _marker(frame, "bic", chosen, label)
    description = (
        f"Line chart of the BIC of the latent class model for k = {_k_range(frame)}; "
        f"it is lowest at k = {best}."
        if best is not None
        else "No BIC was computed."
    )
    if chosen is not None:
        description += f" The run uses k = {chosen}."
    return finish(
        alt.layer(*layers).properties(width=_WIDTH, height=_HEIGHT),
        title="How many latent classes the data supports",
        subtitle="BIC weighs how well the model fits against how many classes it needs.",
        description=description,
    )

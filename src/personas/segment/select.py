"""Choosing k: the cost curve and its elbow, the silhouette, and bootstrap stability.

For every k of the sweep the algorithm is fitted on all respondents, then:

* **cost** (k-modes: sum of mismatches; k-means: inertia; k-prototypes: its cost), and the
  elbow of the cost curve by the kneedle method (``kneed.KneeLocator``, convex, decreasing);
  no elbow is a :class:`~personas.errors.SelectionWarning`;
* **silhouette** with the algorithm's dissimilarity (exact for k-modes at any size, sampled for
  k-means above 10,000 respondents and for k-prototypes, see ``_silhouette``);
* **stability**: refits on bootstrap resamples compared with the full-data clustering (mean
  adjusted Rand index, and the clusterboot Jaccard of each segment, see ``_stability``).

A k that cannot be fitted (more segments than distinct answer patterns, an empty segment) is
a warning and the sweep carries on. The choice follows the rule in ``_reasons``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personas.errors import SelectionWarning
from personas.segment import _reasons
from personas.segment._fit import Fit, FitFailed, fit
from personas.segment._silhouette import silhouette
from personas.segment._space import Space
from personas.segment._stability import bootstrap
from personas.segment.model import Selection

__all__ = ["elbow", "select_k"]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Sweep:
    """The selection plus what the chosen k needs next: its fit and per-cluster Jaccard."""

    selection: Selection
    fit: Fit
    jaccard: np.ndarray


def elbow(ks, costs) -> int | None:
    """The kneedle elbow of a decreasing cost curve, or None when it has none."""
    from kneed import KneeLocator

    if len(ks) < 3:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kneed warns when it finds no knee; we report that
        knee = KneeLocator(list(ks), list(costs), curve="convex", direction="decreasing").knee
    return None if knee is None else int(knee)


def select_k(
    space: Space,
    ks: list[int],
    *,
    fixed: bool,
    n_boot: int,
    boot_size: int,
    n_init: int,
    random_state: int,
    progress: Progress | None = None,
) -> Sweep:
    """Fit every k in ``ks``, measure it, and choose (``fixed``: the single k given)."""
    total, done = len(ks) * (1 + n_boot), 0
    rows, fits, jaccards, notes = [], {}, {}, []
    sample = None
    for k in ks:
        _report(progress, f"fitting k={k}", done, total)
        try:
            fits[k] = fit(space, k, random_state=random_state, n_init=n_init)
        except FitFailed as why:
            notes.append(f"k = {k} could not be fitted: {why}")
            rows.append(_failed_row(k, str(why)))
            done += 1 + n_boot
            continue
        labels = fits[k].labels
        score, sample = silhouette(space, labels, k, random_state=random_state)
        start = done + 1

        def tick(b, k=k, start=start):
            _report(progress, f"stability of k={k}", start + b, total)

        ari, jaccards[k] = bootstrap(
            space, labels, k, n_boot=n_boot, boot_size=boot_size, n_init=n_init,
            random_state=random_state, tick=tick,
        )
        least = float(np.nanmin(jaccards[k])) if n_boot else float("nan")
        rows.append({"k": k, "cost": fits[k].cost, "silhouette": score, "stability": ari,
                     "min_jaccard": least, "status": "ok"})
        done += 1 + n_boot
    _report(progress, "choosing k", total, total)
    table = pd.DataFrame(rows, columns=["k", "cost", "silhouette", "stability", "min_jaccard", "status"])
    selection = _decide(table, jaccards, space, fixed=fixed, measured=n_boot > 0, notes=notes,
                        params={"ks": list(ks), "n_boot": n_boot, "boot_size": min(space.n, boot_size),
                                "n_init": n_init, "random_state": random_state,
                                "silhouette_sample": sample})
    for message in selection.warnings:
        warnings.warn(message, SelectionWarning, stacklevel=3)
    chosen = selection.chosen
    return Sweep(selection, fits[chosen], jaccards[chosen])


def _decide(table, jaccards, space, *, fixed, measured, notes, params) -> Selection:
    ok = table[table["status"] == "ok"]
    if ok.empty:
        raise FitFailed("; ".join(notes))
    if fixed:
        row = ok.iloc[0]
        return Selection(
            table=table, chosen=int(row["k"]), reasons=tuple(_reasons.fixed_reasons(row, jaccards[int(row["k"])])),
            warnings=tuple(notes), silhouette_sample=params["silhouette_sample"], params=params,
        )
    knee = elbow(ok["k"].tolist(), ok["cost"].tolist())
    if knee is None:
        notes.append(
            f"the cost curve over k = {ok['k'].min()}..{ok['k'].max()} has no elbow (kneedle)"
        )
    binary = all(t == "boolean" for t in space.types)
    chosen, reasons, more = _reasons.choose(ok, knee, binary=binary, measured=measured)
    most_stable = _reasons.best_k(ok.set_index("k")["stability"]) if measured else None
    if most_stable is not None and most_stable != chosen:
        by_k = ok.set_index("k")["stability"]
        reasons.append(
            f"refits agree most at k = {most_stable} (adjusted Rand {by_k[most_stable]:.2f} "
            f"against {by_k[chosen]:.2f} at {chosen})"
        )
    return Selection(
        table=table, chosen=chosen, knee=knee,
        best_silhouette=_reasons.best_k(ok.set_index("k")["silhouette"]),
        most_stable=most_stable, reasons=tuple(reasons), warnings=tuple(notes + more),
        silhouette_sample=params["silhouette_sample"], params=params,
    )


def _failed_row(k: int, why: str) -> dict:
    nan = float("nan")
    return {"k": k, "cost": nan, "silhouette": nan, "stability": nan, "min_jaccard": nan,
            "status": f"failed: {why}"}


def _report(progress: Progress | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)

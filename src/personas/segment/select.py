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
a warning and the sweep carries on. The choice follows the rule in ``_reasons``; then the
chosen k is tested against column-permuted answers (``_structure``): without a clear margin the
sweep warns that there are no clear segments. The chosen k's refits are kept for the stability
of the verdicts.

``stability="needed"`` (for :mod:`personas.plan`, which uses only the chosen k and the
verdicts) measures stability only for the k values the choice depends on: in order of
silhouette until the first k without an unstable segment, then the larger k within the near tie
of it (every k when none is stable). Each k's resamples are seeded by ``(random_state, k)``,
so the measured k values, the chosen k and its refits are exactly those of the full sweep; the
others are reported as not measured.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from personas.errors import SelectionWarning
from personas.segment import _reasons
from personas.segment._fit import Fit, FitFailed
from personas.segment._reasons import NEAR
from personas.segment._space import Space
from personas.segment._stability import UNSTABLE, compare
from personas.segment._structure import structure_test
from personas.segment._tasks import run_tasks, sweep_tasks
from personas.segment.model import Selection

__all__ = ["elbow", "select_k"]

Progress = Callable[[str, int, int], None]
COLUMNS = ["k", "cost", "silhouette", "stability", "min_jaccard", "status"]


@dataclass(frozen=True)
class Sweep:
    """The selection plus what the chosen k needs next: its fit and per-cluster Jaccard."""

    selection: Selection
    fit: Fit
    jaccard: np.ndarray
    refits: tuple = ()


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
    n_jobs: int | None = None,
    progress: Progress | None = None,
    stability: str = "all",
) -> Sweep:
    """Fit every k in ``ks``, measure it, and choose (``fixed``: the single k given).

    ``stability``: ``"all"`` refits every k; ``"needed"`` only the k the choice depends on
    (same choice, see the module docstring).
    """
    tasks, draws = sweep_tasks(
        space, ks, n_boot=n_boot, boot_size=boot_size, random_state=random_state
    )
    lazy = stability == "needed" and not fixed and n_boot > 0
    fits, refits = {}, {k: [] for k in ks}
    first = [t for t in tasks if t[0] == "fit"] if lazy else tasks
    _report(progress, f"fitting k={ks[0]}", 0, len(first))
    for done, (task, result) in enumerate(run_tasks(space, first, n_init=n_init, n_jobs=n_jobs)):
        kind, k = task[0], task[1]
        if kind == "fit":
            fits[k] = result
        else:
            refits[k].append(result)
        step = f"fitting k={k}" if kind == "fit" else f"stability of k={k}"
        _report(progress, step, done + 1, len(first))
    measured = set(ks)
    if lazy:
        measured = _needed_stability(space, tasks, draws, fits, refits, n_init, n_jobs)
    rows, jaccards, notes, sample = [], {}, [], None
    for k in ks:
        if isinstance(fits[k], FitFailed):
            notes.append(f"k = {k} could not be fitted: {fits[k]}")
            rows.append({"k": k, "status": f"failed: {fits[k]}"})
            continue
        result, score, sample = fits[k]
        if k not in measured:
            jaccards[k] = np.full(k, np.nan)
            rows.append({"k": k, "cost": result.cost, "silhouette": score,
                         "stability": float("nan"), "min_jaccard": float("nan"),
                         "status": "ok"})  # fmt: skip
            continue
        ari, jaccards[k] = compare(result.labels, draws[k], refits[k], k)
        least = float(np.nanmin(jaccards[k])) if n_boot else float("nan")
        rows.append({"k": k, "cost": result.cost, "silhouette": score, "stability": ari,
                     "min_jaccard": least, "status": "ok"})  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    table["k"] = table["k"].astype(int)
    params = {
        "ks": list(ks),
        "n_boot": n_boot,
        "boot_size": min(space.n, boot_size),
        "n_init": n_init,
        "random_state": random_state,
        "silhouette_sample": sample,
    }
    if lazy:
        params["stability"] = "needed"
    selection = _decide(
        table, jaccards, space, fixed=fixed, measured=n_boot > 0, notes=notes, params=params
    )
    chosen = selection.chosen
    structure = structure_test(space, chosen, n_init=n_init, random_state=random_state)
    more = [] if structure["clear"] is not False else [_reasons.no_clear_segments(structure)]
    selection = replace(selection, structure=structure, warnings=selection.warnings + tuple(more))
    for message in selection.warnings:
        warnings.warn(message, SelectionWarning, stacklevel=3)
    kept = tuple((index, labels) for (index, _), labels in zip(draws[chosen], refits[chosen],
                                                               strict=True))  # fmt: skip
    return Sweep(selection, fits[chosen][0], jaccards[chosen], kept)


def _needed_stability(space, tasks, draws, fits, refits, n_init, n_jobs) -> set[int]:
    """Refit only the k values the choice rule (``_reasons.choose``) depends on; their k set.

    The rule takes the best silhouette among the k without an unstable segment, then the
    largest k within ``NEAR`` of it that is also without one (no such k at all: every k is
    measured and the rule falls back as it would).
    """
    score = {k: f[1] for k, f in fits.items() if not isinstance(f, FitFailed)}
    sound: dict[int, bool] = {}

    def measure(k: int) -> bool:
        if k not in sound:
            mine = [t for t in tasks if t[0] == "refit" and t[1] == k]
            refits[k] = [r for _, r in run_tasks(space, mine, n_init=n_init, n_jobs=n_jobs)]
            _, jaccard = compare(fits[k][0].labels, draws[k], refits[k], k)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: not stable
                sound[k] = bool(np.nanmin(jaccard) >= UNSTABLE)
        return sound[k]

    finite = [k for k in score if score[k] is not None and np.isfinite(score[k])]
    ranked = sorted(finite, key=lambda k: (-score[k], k))
    top = next((k for k in ranked if measure(k)), None)
    if top is None:
        for k in score:
            measure(k)
        return set(sound)
    near = sorted((k for k in ranked if k > top and score[k] >= score[top] - NEAR), reverse=True)
    next((k for k in near if measure(k)), None)
    return set(sound)


def _decide(table, jaccards, space, *, fixed, measured, notes, params) -> Selection:
    ok = table[table["status"] == "ok"]
    if ok.empty:
        raise FitFailed("; ".join(notes))
    if fixed:
        row = ok.iloc[0]
        return Selection(
            table=table,
            chosen=int(row["k"]),
            reasons=tuple(_reasons.fixed_reasons(row, jaccards[int(row["k"])])),
            warnings=tuple(notes),
            silhouette_sample=params["silhouette_sample"],
            params=params,
        )
    knee = elbow(ok["k"].tolist(), ok["cost"].tolist())
    if knee is None and len(ok) < 3:
        notes.append(f"only {len(ok)} usable k values: too few for an elbow")
    elif knee is None:
        notes.append(
            f"the cost curve over k = {ok['k'].min()}..{ok['k'].max()} has no elbow (kneedle)"
        )
    binary = all(t == "boolean" for t in space.types)
    chosen, reasons, more = _reasons.choose(
        ok, knee, binary=binary, measured=measured, jaccards=jaccards
    )
    by_k = ok.set_index("k")
    agree = by_k["stability"]
    most_stable = _reasons.best_k(agree) if measured else None
    if most_stable is not None and agree[most_stable] - agree[chosen] >= 0.02:
        reasons.append(
            f"refits agree most at k = {most_stable} (adjusted Rand {agree[most_stable]:.2f} "
            f"against {agree[chosen]:.2f} at {chosen})"
        )
    return Selection(
        table=table,
        chosen=chosen,
        knee=knee,
        best_silhouette=_reasons.best_k(by_k["silhouette"]),
        most_stable=most_stable,
        reasons=tuple(reasons),
        warnings=tuple(notes + more),
        silhouette_sample=params["silhouette_sample"],
        params=params,
    )


def _report(progress: Progress | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)

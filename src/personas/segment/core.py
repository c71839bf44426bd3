"""``segment``: cleaned answers in, a :class:`Segmentation` out."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from personas.errors import InputError, Problem
from personas.segment._apply import assign_codes, build_model, distance_percentiles
from personas.segment._fit import Fit, FitFailed
from personas.segment._space import Space, build_space, check_options
from personas.segment.model import Segmentation
from personas.segment.profiles import build_profiles
from personas.segment.select import select_k

__all__ = ["segment"]

BOOT_SIZE = 20_000
_NAMES = {
    "kmodes": "k-modes (matching dissimilarity: the number of questions answered differently)",
    "kmeans": "k-means (Euclidean distance on items rescaled to [0, 1] by their scale range)",
    "kprototypes": "k-prototypes (squared Euclidean distance on rescaled likert/number items "
    "plus gamma x mismatches on boolean/choice items)",
}


def segment(
    clean,
    *,
    method: str = "auto",
    k="auto",
    random_state: int = 0,
    ks=range(2, 11),
    n_boot: int = 10,
    n_init: int = 4,
    boot_size: int = BOOT_SIZE,
    progress: Callable[[str, int, int], None] | None = None,
) -> Segmentation:
    """Group respondents into segments and describe them.

    Parameters
    ----------
    clean : CleanResponses
        The cleaned answers (complete: no missing answers).
    method : {"auto", "kmeans", "kmodes", "kprototypes"}
        ``"auto"`` uses k-modes when every item is boolean or choice, k-means when every item is
        likert or number, k-prototypes when they are mixed. k-means on 0/1 booleans is
        available too (the case study used it), so both can be compared on one wave.
    k : "auto", int, or range/tuple of ints
        ``"auto"`` sweeps ``ks`` and chooses; an int fixes k (its silhouette and stability are
        still measured); a range or tuple sweeps those values.
    random_state : int
        Seed of every random step; the same inputs and seed give the same segmentation.
    ks : range or sequence of ints
        The k values ``k="auto"`` tries.
    n_boot : int
        Bootstrap refits per k for stability (0 skips stability).
    n_init : int
        Restarts per fit (the lowest-cost run wins).
    boot_size : int
        Respondents per bootstrap resample (``min(n, boot_size)``, drawn with replacement).
    progress : callable, optional
        ``progress(step_description, done, total)``, called as the work advances.

    Returns
    -------
    Segmentation
        Segment ids 1..k are numbered by size, largest first (ties by centre), so they do not
        depend on the algorithm's numbering.

    Notes
    -----
    Choosing k: the cost curve's elbow (kneedle) if it exists and all its segments are stable
    (bootstrap Jaccard >= 0.75); otherwise the stable k with the highest silhouette; if no k is
    stable, the elbow (or the best silhouette) with a warning. The reasons, and where the
    criteria disagree, are written to ``selection.reasons`` and the journal.

    Examples
    --------
    >>> seg = segment(clean, k=3)  # doctest: +SKIP
    >>> seg.k, [p.size for p in seg.profiles]  # doctest: +SKIP
    """
    sweep_ks, fixed = check_options(
        method=method, k=k, ks=ks, n_boot=n_boot, random_state=random_state, n_init=n_init
    )
    if not isinstance(boot_size, int) or isinstance(boot_size, bool) or boot_size < 2:
        raise InputError(Problem(f"The 'boot_size' option must be an int >= 2. Got {boot_size!r} instead."))
    space = build_space(clean, method)
    try:
        sweep = select_k(
            space, sweep_ks, fixed=fixed, n_boot=n_boot, boot_size=boot_size, n_init=n_init,
            random_state=random_state, progress=progress,
        )
    except FitFailed as why:
        raise InputError(
            Problem(
                f"no k could be fitted: {why}",
                value=k if fixed else list(sweep_ks),
                hint="try fewer segments",
                code="no-k",
            )
        ) from None
    answers = clean.answers[list(space.items)]
    model, labels, distances, order = _number_segments(space, sweep.fit, answers, random_state)
    chosen = sweep.selection.chosen
    model["distance_percentiles"] = distance_percentiles(labels, distances, chosen)
    stability = None
    if n_boot:
        stability = {s + 1: float(sweep.jaccard[order[s]]) for s in range(chosen)}
    profiles = build_profiles(clean.instrument, answers, labels, distances, chosen, stability=stability)
    index = clean.answers.index
    return Segmentation(
        clean=clean,
        method=space.method,
        k=chosen,
        random_state=random_state,
        labels=pd.Series(labels, index=index, name="segment"),
        distances=pd.Series(distances, index=index, name="distance"),
        centers=pd.DataFrame(model["centers"], index=pd.RangeIndex(1, chosen + 1, name="segment"),
                             columns=list(space.items)),
        profiles=profiles,
        selection=sweep.selection,
        model=model,
        journal=tuple(_journal(space, method, sweep.selection, n_init=n_init)),
    )


def _order(sizes: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Cluster indices by size, largest first; ties by centre codes (lexicographic)."""
    keys = tuple(centers[:, j] for j in reversed(range(centers.shape[1]))) + (-sizes,)
    return np.lexsort(keys)


def _number_segments(space: Space, fit: Fit, answers: pd.DataFrame, random_state: int):
    """Renumber clusters 1..k by size and assign everyone with the model itself, so that
    ``assign_codes(model, answers)`` reproduces the labels exactly (ties -> lower id)."""
    k = fit.centers.shape[0]
    order = _order(np.bincount(fit.labels, minlength=k), fit.centers)
    for _ in range(5):  # the reassignment of ties can (rarely) reorder sizes: settle it
        model = build_model(space, fit.centers[order], random_state=random_state)
        labels, distances = assign_codes(model, answers)
        sizes = np.bincount(labels, minlength=k + 1)[1:]
        again = _order(sizes, fit.centers[order])
        if (again == np.arange(k)).all():
            break
        order = order[again]
    return model, labels, distances, order


def _journal(space: Space, method: str, selection, *, n_init: int) -> list[str]:
    types = sorted(set(space.types))
    n_items = len(space.items)
    if method == "auto":
        why = f"all {n_items} items are {' or '.join(types)}" if len(types) <= 2 else "items of mixed types"
        lines = [f"method: {_NAMES[space.method]}, because {why}"]
    else:
        lines = [f"method: {_NAMES[space.method]}, as requested"]
    if space.gamma is not None:
        lines.append(f"k-prototypes weight of a categorical mismatch: gamma = {space.gamma:.3g}")
    lines += [f"choice of k: {reason}" for reason in selection.reasons]
    lines += [f"warning: {w}" for w in selection.warnings]
    p = selection.params
    if p["n_boot"]:
        lines.append(
            f"stability: {p['n_boot']} refits per k on bootstrap resamples of "
            f"{p['boot_size']:,} respondents, compared by adjusted Rand index and per-segment "
            "Jaccard (>= 0.75 stable, < 0.6 unstable)"
        )
    sample = selection.silhouette_sample
    lines.append(
        "silhouette: exact" if sample is None else f"silhouette: on a random sample of {sample:,}"
    )
    lines.append(
        f"seed {p['random_state']}; best of {n_init} restarts per fit; segments numbered by "
        "size, largest first"
    )
    return lines

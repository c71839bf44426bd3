"""``segment``: cleaned answers in, a :class:`Segmentation` out."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from personas.cleaning.model import CleanResponses
from personas.errors import InputError, Problem, SelectionWarning
from personas.segment import _kmodes_data, _reasons
from personas.segment._apply import assign_codes, build_model, distance_percentiles
from personas.segment._fit import Fit, FitFailed, full_fit_phrase
from personas.segment._method_choice import method_choice
from personas.segment._space import Space, build_space, check_options
from personas.segment.model import Segmentation
from personas.segment.profiles import build_profiles
from personas.segment.select import select_k

__all__ = ["segment", "too_few_problem", "respondents_needed"]

BOOT_SIZE = 20_000
_SILHOUETTE = {
    "kmodes": "matching (Hamming) dissimilarity, computed exactly from answer counts",
    "kmeans": "Euclidean distance on the rescaled items",
    "kprototypes": "Gower-like distance (mean over items of the rescaled absolute difference "
    "or of the mismatch)",
}
_NAMES = {
    "kmodes": "k-modes (matching dissimilarity: the number of questions answered differently)",
    "kmeans": "k-means (Euclidean distance on items rescaled to [0, 1] by their scale range)",
    "kprototypes": "k-prototypes (squared Euclidean distance on rescaled likert/number items "
    "plus gamma x mismatches on boolean/choice items)",
}


def segment(
    clean: CleanResponses,
    *,
    method: str = "auto",
    k="auto",
    random_state: int = 0,
    ks=range(2, 11),
    n_boot: int = 10,
    n_init: int = 4,
    boot_size: int = BOOT_SIZE,
    n_jobs: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    stability: str = "all",
) -> Segmentation:
    """Group respondents into segments and describe them.

    Parameters
    ----------
    clean : CleanResponses
        The cleaned answers (complete: no missing answers).
    method : {"auto", "kmeans", "kmodes", "kprototypes", "lca"}
        ``"auto"`` uses k-modes when every item is boolean or choice, k-means when every item is
        likert or number, k-prototypes when they are mixed. k-means on 0/1 booleans is
        available too (the case study used it), so both can be compared on one wave.
        ``"lca"``: latent class analysis (:func:`personas.segment.lca.segment_lca`, k chosen
        by BIC), with the k-modes sweep of the same answers beside it (``alternative``).
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
        Restarts per bootstrap refit (the lowest-cost run wins); the fit on all respondents,
        which gives the segments and the silhouette, makes 4x as many.
    boot_size : int
        Respondents per bootstrap resample (``min(n, boot_size)``, drawn with replacement).
    n_jobs : int or None
        Worker processes for the fits and refits (1: none; -1: one per core; ``None``: one
        per core, at most 8, from 20,000 respondents up, none below). The result does not
        depend on it.
    progress : callable, optional
        ``progress(step_description, done, total)``, called as the work advances.
    stability : {"all", "needed"}
        ``"all"`` measures the bootstrap stability of every k of the sweep; ``"needed"`` only
        of the k the choice depends on (the same chosen k, segments and refits; the others'
        stability is reported as not measured): for :mod:`personas.plan`, which keeps only
        the chosen k and the verdicts. Ignored for LCA and a fixed k.

    Returns
    -------
    Segmentation
        Segment ids 1..k are numbered by size, largest first (ties by centre), so they do not
        depend on the algorithm's numbering.

    Raises
    ------
    InputError
        Every bad option at once; items the method cannot use (free numbers for k-modes,
        choices for k-means); missing answers; no k in the sweep that can be fitted.

    Warns
    -----
    SelectionWarning
        Degenerate but usable sweeps (no elbow, a k that could not be fitted, no stable k);
        also recorded in ``selection.warnings`` and the journal.

    Notes
    -----
    Choosing k: among the k without an unstable segment (bootstrap Jaccard >= 0.6), the best
    silhouette, near ties (within 0.02) going to the larger k; the elbow is reported and
    explained but never vetoes (measured in ``benchmarks/bench_choose_k.py``). If every k has
    an unstable segment, the best silhouette with a warning. The chosen k is then tested
    against column-permuted answers (``selection.structure``); without a clear margin the
    journal and a warning say there are no clear segments. The chosen k's refits are kept in
    ``refits`` for the stability of the verdicts.

    Examples
    --------
    A simulated jobsite wave (run from the repository root), five segments, no bootstrap:

    >>> import pathlib, tempfile
    >>> from personas import clean, load_instrument, read_responses, simulate, write_wave
    >>> from personas.simulate.core import load_truth
    >>> inst = load_instrument("surveys/jobsite")
    >>> truth = load_truth("surveys/jobsite/truth.yaml", inst)
    >>> wave = pathlib.Path(tempfile.mkdtemp()) / "wave-1.csv"
    >>> _ = write_wave(simulate(inst, n=2000, random_state=0, truth=truth), wave)
    >>> seg = segment(clean(read_responses(wave, inst)), k=5, n_boot=0, random_state=0)
    >>> seg.k, [p.size for p in seg.profiles]
    (5, [516, 368, 350, 308, 288])
    """
    options = {"n_boot": n_boot, "boot_size": boot_size, "n_init": n_init, "n_jobs": n_jobs}
    sweep_ks, fixed = check_options(method=method, k=k, ks=ks, random_state=random_state, **options)
    if stability not in ("all", "needed"):
        raise InputError(
            Problem(f"The 'stability' option must be 'all' or 'needed'. Got {stability!r} instead.")
        )
    if method == "lca":
        short = too_few_problem(clean, k=k, ks=ks)
        if short is not None:
            raise InputError(short)
        return _lca(clean, sweep_ks, fixed=fixed, random_state=random_state, progress=progress,
                    **options)  # fmt: skip
    space = _checked_space(clean, method, k=k, ks=ks)
    try:
        # Many small products and k-means runs: one thread each is several times faster than
        # BLAS/OpenMP threads fighting over the cores (measured).
        with threadpool_limits(limits=1):
            sweep = select_k(
                space,
                sweep_ks,
                fixed=fixed,
                random_state=random_state,
                progress=progress,
                stability=stability,
                **options,
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
    return _describe(clean, space, sweep, method=method, random_state=random_state)


def respondents_needed(*, k="auto", ks=range(2, 11)) -> int:
    """The fewest kept respondents that ``segment(clean, k=k, ks=ks)`` can work with.

    k segments need at least k + 1 respondents: with fewer, every respondent is a segment
    of their own and the silhouette (which compares a respondent's own segment with the
    nearest other one) is undefined. A sweep needs that for its smallest k.
    """
    if isinstance(k, int) and not isinstance(k, bool):
        return max(k, 2) + 1
    values = ks if isinstance(k, str) else k
    try:
        smallest = min(int(v) for v in values)
    except (TypeError, ValueError):
        smallest = 2
    return max(smallest, 2) + 1


def _checked_space(clean, method: str, *, k, ks) -> Space:
    """:func:`build_space`, with a too-small wave's problem listed beside the others."""
    short = too_few_problem(clean, k=k, ks=ks)
    try:
        space = build_space(clean, method)
    except InputError as err:
        if short is None or not len(clean.answers):  # none left: build_space says why
            raise
        raise InputError([*err.problems, short]) from None
    if short is not None:
        raise InputError(short)
    return space


def too_few_problem(clean, *, k="auto", ks=range(2, 11)) -> Problem | None:
    """The ``too-few-respondents`` problem of a cleaned wave, or ``None`` when it has enough."""
    kept = len(clean.answers)
    needed = respondents_needed(k=k, ks=ks)
    if kept >= needed:
        return None
    ledger = getattr(clean, "ledger", None)
    source = getattr(clean, "source", None)
    why = ""
    if ledger is not None:
        counts = ledger.counts()
        reasons = ", ".join(f"{r}: {n:,}" for r, n in counts.items())
        share = "all" if kept == 0 else f"{sum(counts.values()):,} of"
        why = f" of {ledger.loaded:,} loaded" + (
            f" (cleaning excluded {share} {ledger.loaded:,}: {reasons})" if reasons else ""
        )
    return Problem(
        f"only {kept:,} respondent(s){why} left to segment; segmenting needs at "
        f"least {needed:,} (k + 1 for the smallest k tried)",
        file=str(source.path) if source is not None else None,
        value=kept,
        hint=f"collect at least {needed:,} usable responses, or loosen the cleaning rules",
        code="too-few-respondents",
    )


def _lca(clean, ks, *, fixed, random_state, progress, n_init, **options) -> Segmentation:
    """Latent class analysis, then the k-modes sweep of the same answers for comparison
    (its warnings go into the journal, prefixed, rather than out as warnings of this run)."""
    from personas.segment.lca import segment_lca, with_alternative

    weights = getattr(clean, "weights", None)  # survey weights reach the EM fit
    weights = None if weights is None else weights.to_numpy(float)
    seg = segment_lca(clean, ks=ks, fixed=fixed, random_state=random_state, n_init=n_init,
                      progress=progress, sample_weight=weights)  # fmt: skip
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SelectionWarning)
            other = segment(clean, method="kmodes", k=ks[0] if fixed else list(ks),
                            random_state=random_state, n_init=n_init, progress=progress,
                            **options)  # fmt: skip
    except InputError as why:
        return with_alternative(seg, None, notes=[str(why)])
    return with_alternative(seg, other, notes=[str(w.message) for w in caught])


def _describe(clean, space: Space, sweep, *, method: str, random_state: int) -> Segmentation:
    """Number the chosen segments, build the model and the profiles, write the journal."""
    items = list(space.items)
    answers = clean.answers if list(clean.answers.columns) == items else clean.answers[items]
    model, labels, dists, order = _number_segments(space, sweep.fit, answers, random_state)
    chosen = sweep.selection.chosen
    model["distance_percentiles"] = distance_percentiles(labels, dists, chosen)
    stability = None
    if sweep.selection.params["n_boot"]:
        stability = {s + 1: float(sweep.jaccard[order[s]]) for s in range(chosen)}
    profiles = build_profiles(
        answers,
        clean.instrument,
        labels=labels,
        distances=dists,
        k=chosen,
        stability=stability,
        encoded=(space.categories, space.item_codes),
        weights=space.weights,
    )
    index = clean.answers.index
    return Segmentation(
        clean=clean,
        method=space.method,
        k=chosen,
        random_state=random_state,
        labels=pd.Series(labels, index=index, name="segment"),
        distances=pd.Series(dists, index=index, name="distance"),
        centers=pd.DataFrame(
            model["centers"], index=pd.RangeIndex(1, chosen + 1, name="segment"), columns=items
        ),
        profiles=profiles,
        selection=sweep.selection,
        model=model,
        journal=tuple(_journal(space, method, sweep.selection)),
        refits=sweep.refits,
    )


def _order(sizes: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Cluster indices by size, largest first; ties by centre codes (lexicographic)."""
    keys = tuple(centers[:, j] for j in reversed(range(centers.shape[1]))) + (-sizes,)
    return np.lexsort(keys)


def _number_segments(space: Space, fit: Fit, answers: pd.DataFrame, random_state: int):
    """Renumber clusters 1..k by size and assign everyone to the nearest centre of the model
    (ties -> lower id), as ``assign_codes(model, answers)`` does."""
    k = fit.centers.shape[0]
    w = space.weights  # weighted: numbered by weighted share
    order = _order(np.bincount(fit.labels, weights=w, minlength=k), fit.centers)
    for _ in range(5):  # the reassignment of ties can (rarely) reorder sizes: settle it
        model = build_model(space, fit.centers[order], random_state=random_state)
        labels, distances = _assign_training(space, model, answers)
        sizes = np.bincount(labels, weights=w, minlength=k + 1)[1:]
        again = _order(sizes, fit.centers[order])
        if (again == np.arange(k)).all():
            break
        order = order[again]
    return model, labels, distances, order


def _assign_training(space: Space, model: dict, answers: pd.DataFrame):
    """``assign_codes`` on the training answers; k-modes reuses the encoded answers (the same
    mismatch counts, without encoding a million rows again)."""
    if space.method != "kmodes":
        return assign_codes(model, answers)
    centers = np.asarray(model["centers"])
    codes = np.column_stack(
        [np.searchsorted(space.categories[j], centers[:, j]) for j in range(centers.shape[1])]
    )
    with threadpool_limits(limits=1, user_api="blas"):
        dist = _kmodes_data.distances(space.enc, codes)
    labels = dist.argmin(axis=1)
    return labels.astype(np.int64) + 1, dist[np.arange(dist.shape[0]), labels].astype(np.float64)


def _mismatch(space: Space) -> str | None:
    """Why a requested method does not fit the items, or None when it does."""
    if space.method == "kprototypes" and (len(space.numeric) == 0 or len(space.categorical) == 0):
        only = "True/False or choice" if len(space.numeric) == 0 else "scale or number"
        twin = "k-modes" if len(space.numeric) == 0 else "k-means"
        return (
            f"k-prototypes was asked for but every item is a {only} item, so it works as "
            f"{twin} here; --method {twin.replace('-', '')} says so directly"
        )
    if (
        space.method == "kmeans"
        and len(space.categorical)
        and any(t == "choice" for t in space.types)
    ):
        return (
            "k-means treats the option numbers of choice items as distances; "
            "--method kprototypes or kmodes fits choice answers"
        )
    return None


def _journal(space: Space, method: str, selection) -> list[str]:
    types = sorted(set(space.types))
    n_items = len(space.items)
    if method == "auto":
        kinds = (
            " or ".join(types) if len(types) <= 2 else ", ".join(types[:-1]) + " or " + types[-1]
        )
        if space.method == "kprototypes":
            why = f"the {n_items} items mix {kinds.replace(' or ', ' and ')} answers"
        else:
            why = f"all {n_items} items are {kinds}"
        lines = [f"method: {_NAMES[space.method]}, because {why}"]
        measured = method_choice(space.method, space.types)
        if measured:
            lines.append(f"method choice: {measured}")
    else:
        lines = [f"method: {_NAMES[space.method]}, as requested"]
        mismatch = _mismatch(space)
        if mismatch:
            warnings.warn(mismatch, SelectionWarning, stacklevel=3)
            lines.append(f"warning: {mismatch}")
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
    where = "all respondents" if sample is None else f"a random sample of {sample:,} respondents"
    lines.append(f"silhouette: {_SILHOUETTE[space.method]}, on {where}")
    if space.weights is not None:
        lines.append(
            "weights: fits minimise the weighted cost (weighted modes and means); the silhouette "
            "is the weighted mean of each respondent's; bootstrap refits draw respondents in "
            "proportion to their weight; segments are numbered by weighted share"
        )
    if selection.structure:
        lines.append(f"structure: {_reasons.structure_phrase(selection.structure)}")
    lines.append(
        f"seed {p['random_state']}; {full_fit_phrase(p['n_init'], space.n)} and of "
        f"{p['n_init']} per bootstrap refit; segments numbered by size, largest first"
    )
    return lines

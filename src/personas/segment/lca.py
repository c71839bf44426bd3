"""Latent class analysis (``method="lca"``): a StepMix latent class model per k, k chosen by BIC.

Every boolean, choice and likert item is a categorical indicator (its answers are the
categories, integer-coded in the order of the question's codes; a scale's points are not
treated as distances). For each k of the sweep StepMix's EM (``StepMix(measurement=
"categorical")``; ``"categorical_nan"`` when answers are missing, which then simply leave the
likelihood unchanged) is run from ``n_init`` starts seeded by ``random_state``, the best
log-likelihood kept. Each k is measured by

* **BIC** = −2 log L + p ln n, and **AIC** = −2 log L + 2p, with p StepMix's count of free
  parameters (the k − 1 class weights and k × (m_j − 1) answer probabilities per item);
* **relative entropy** 1 − E / (n ln k), E = −Σ_i Σ_c P(c | x_i) ln P(c | x_i): 1 means every
  respondent belongs to one class with certainty, 0 that the posteriors say nothing;
* the **smallest class**: its share of respondents (by most probable class).

k is the one with the lowest BIC (the criterion of Nylund, Asparouhov & Muthén 2007 for
latent class models); AIC's choice, the entropy and the smallest class are reported beside it.
A k where some class is nobody's most probable class cannot be used and is marked failed.
Respondents go to their most probable class; their ``distance`` is 1 − that posterior, so the
"far" flag of ``personas assign`` marks people less certain than 95% of the run's own.
Segments are numbered by size, largest first, like every method's.

``sample_weight`` (one non-negative number per respondent) is passed to StepMix's fit and
weights the log-likelihood, entropy and class sizes; the weights themselves come from the
study's weighting step, not from here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from importlib import metadata

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from personas.errors import InputError, Problem, SelectionWarning
from personas.segment import _lca_model as lm
from personas.segment._apply import SCHEMA
from personas.segment.model import Segmentation, Selection
from personas.segment.profiles import build_profiles

__all__ = ["segment_lca", "CONFIDENT", "TOL", "MAX_ITER"]

#: A member is "classified with confidence" at this posterior probability or more.
CONFIDENT = 0.8
#: EM stops when the mean log-likelihood per respondent gains less than this per iteration
#: (at n = 20,000 that is 0.2 in total log-likelihood, far below a BIC difference that matters).
TOL = 1e-5
#: EM iterations at most, per start.
MAX_ITER = 500
COLUMNS = ["k", "cost", "silhouette", "stability", "min_jaccard", "status", "bic", "aic",
           "entropy", "smallest", "loglik", "n_parameters"]  # fmt: skip
USABLE = ("boolean", "choice", "likert")


def segment_lca(
    clean,
    *,
    ks: list[int],
    fixed: bool = False,
    random_state: int = 0,
    n_init: int = 4,
    sample_weight=None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Segmentation:
    """Fit a latent class model for every k in ``ks`` and keep the k with the lowest BIC.

    Parameters
    ----------
    clean : CleanResponses
        The cleaned answers: boolean, choice and likert items (missing answers allowed).
    ks : list of int
        The k values to fit (``fixed``: the single k the caller chose).
    random_state : int
        Seed of StepMix's starts; the same inputs and seed give the same segmentation.
    n_init : int
        EM starts per k (k-means starts on the one-hot answers; random ones with missing
        answers); the highest log-likelihood wins.
    sample_weight : array-like, optional
        One non-negative weight per respondent (``clean.answers`` order), given to StepMix's
        fit and used for the log-likelihood, entropy and class sizes.
    progress : callable, optional
        ``progress(step, done, total)``.

    Returns
    -------
    Segmentation
        ``method="lca"``; ``posteriors`` holds each respondent's class probabilities
        (columns ``p1..pk``), ``model`` the class weights and answer probabilities.

    Raises
    ------
    InputError
        Number items (LCA here is for categorical answers), no respondents, an item nobody
        answered, bad weights, or no k that could be fitted.

    Examples
    --------
    A simulated jobsite wave (run from the repository root), five latent classes:

    >>> import pathlib, tempfile, warnings
    >>> from personas import clean, load_instrument, read_responses, simulate, write_wave
    >>> from personas.simulate.core import load_truth
    >>> inst = load_instrument("surveys/jobsite")
    >>> truth = load_truth("surveys/jobsite/truth.yaml", inst)
    >>> wave = pathlib.Path(tempfile.mkdtemp()) / "wave-1.csv"
    >>> _ = write_wave(simulate(inst, n=1000, random_state=0, truth=truth), wave)
    >>> seg = segment_lca(clean(read_responses(wave, inst)), ks=[4, 5, 6], random_state=0)
    >>> seg.k, list(seg.posteriors.columns)
    (5, ['p1', 'p2', 'p3', 'p4', 'p5'])
    """
    answers, categories = _check(clean)
    codes = answers.to_numpy(dtype=np.float64)
    index = lm.encode(codes, categories)
    weight = _weights(sample_weight, codes.shape[0])
    fits, notes = {}, []
    with threadpool_limits(limits=1):  # skinny products: one thread is faster (measured)
        for done, k in enumerate(ks):
            _report(progress, f"latent classes k={k}", done, len(ks))
            fits[k] = _fit(index, categories, k, n_init=n_init, seed=random_state, weight=weight)
            if isinstance(fits[k], str):
                notes.append(f"k = {k} could not be fitted: {fits[k]}")
        _report(progress, "latent classes", len(ks), len(ks))
    table = _table(fits, ks)
    usable = table[table["status"] == "ok"]
    if usable.empty:
        raise InputError(
            Problem(
                f"no k could be fitted: {'; '.join(notes)}",
                value=list(ks),
                hint="try fewer segments",
                code="no-k",
            )  # fmt: skip
        )
    chosen = int(usable.loc[usable["bic"].idxmin(), "k"])
    one = lm.one_class_bic(index, [len(c) for c in categories], weight)
    selection = _selection(table, chosen, fixed=fixed, notes=notes, random_state=random_state,
                           n_init=n_init, ks=ks, one=one)  # fmt: skip
    for message in selection.warnings:
        warnings.warn(message, SelectionWarning, stacklevel=3)
    return _describe(
        clean, answers, categories, index, fits[chosen], selection, random_state, weight
    )


def _check(clean):
    """The items to model and their answer codes; every problem at once."""
    instrument = clean.instrument
    items = [q for q in instrument.items if q.id in clean.answers.columns]
    problems = [
        Problem(f"item {q.id!r} has no column in the cleaned answers", column=q.id)
        for q in instrument.items
        if q.id not in clean.answers.columns
    ]
    numbers = [q.id for q in items if q.type not in USABLE]
    if numbers:
        problems.append(
            Problem(
                f"latent class analysis treats every answer as a category, but "
                f"{', '.join(numbers)} hold free numbers",
                hint="use method 'kprototypes' or 'kmeans', or drop those items",
                code="method-items",
            )
        )
    answers = clean.answers[[q.id for q in items]]
    if not items or answers.shape[0] == 0:
        problems.append(Problem("there are no respondents or items to segment",
                                code="no-respondents"))  # fmt: skip
    else:
        problems += [
            Problem(
                f"no kept respondent answered item {q}; segmentation needs answers",
                column=q,
                code="missing-answers",
            )  # fmt: skip
            for q in answers.columns[answers.isna().all().to_numpy()]
        ]
    if problems:
        raise InputError(problems)
    return answers, [np.asarray(q.codes, dtype=np.float64) for q in items]


def _weights(sample_weight, n: int) -> np.ndarray | None:
    """Weights scaled to mean 1 (so that n stays the number of respondents), or None."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape[0] != n or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise InputError(
            Problem(
                f"sample_weight must be {n:,} finite, non-negative numbers, not all zero",
                code="bad-weights",
            )
        )
    return w / w.mean()


def _fit(index, categories, k: int, *, n_init: int, seed: int, weight):
    """One k: StepMix's EM, then everything measured on its parameters (or why it failed)."""
    from stepmix.stepmix import StepMix

    missing = bool((index < 0).any())
    data = np.where(index < 0, np.nan, index.astype(np.float64)) if missing else index
    estimator = StepMix(
        n_components=k,
        measurement="categorical_nan" if missing else "categorical",
        n_init=n_init,
        init_params="random" if missing else "kmeans",  # k-means refuses missing values
        abs_tol=TOL,
        max_iter=MAX_ITER,
        random_state=seed,
        verbose=0,
        progress_bar=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(data, sample_weight=weight)
    n_cats = [len(c) for c in categories]
    weights, probs = lm.parameters(estimator, n_cats)
    loglik, post = lm.log_likelihood(weights, probs, index, weight)
    w = np.ones(index.shape[0]) if weight is None else weight
    sizes = np.bincount(post.argmax(axis=1), weights=w, minlength=k)
    if (sizes <= 0).any():
        return f"{int((sizes <= 0).sum())} of the {k} classes are nobody's most probable class"
    n, p = index.shape[0], int(estimator.n_parameters)
    clipped = np.clip(post, 1e-15, 1.0)
    entropy = -float((w[:, None] * post * np.log(clipped)).sum())
    return {
        "weights": weights, "probs": probs, "loglik": loglik, "n_parameters": p,
        "bic": -2 * loglik + p * math.log(n), "aic": -2 * loglik + 2 * p,
        "entropy": 1 - entropy / (w.sum() * math.log(k)), "smallest": float(sizes.min() / w.sum()),
        "converged": bool(estimator.converged_),
        "warned": any("converge" in str(c.message).lower() for c in caught),
    }  # fmt: skip


def _table(fits: dict, ks: list[int]) -> pd.DataFrame:
    rows = []
    for k in ks:
        fit = fits[k]
        if isinstance(fit, str):
            rows.append({"k": k, "status": f"failed: {fit}"})
            continue
        rows.append({"k": k, "cost": -2 * fit["loglik"], "status": "ok",
                     **{c: fit[c] for c in ("bic", "aic", "entropy", "smallest", "loglik",
                                            "n_parameters")}})  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    table["k"] = table["k"].astype(int)
    return table


def _selection(table, chosen, *, fixed, notes, random_state, n_init, ks, one) -> Selection:
    """Reasons (BIC, then AIC, entropy, smallest class, one class) and warnings of the
    choice; ``one`` is the BIC of a single class (no segments)."""
    ok = table[table["status"] == "ok"].set_index("k")
    row = ok.loc[chosen]
    words = (f"relative entropy {row['entropy']:.2f} (1 = every respondent classified with "
             f"certainty), smallest class {row['smallest']:.1%} of respondents")  # fmt: skip
    if fixed:
        reasons = [f"k = {chosen} as requested; BIC {row['bic']:,.0f}, {words}"]
    else:
        others = ok["bic"].drop(chosen)
        runner = f" (next: k = {int(others.idxmin())}, {others.min():,.0f})" if len(others) else ""
        reasons = [f"lowest BIC at k = {chosen}: {row['bic']:,.0f}{runner}; {words}"]
        by_aic = int(ok["aic"].idxmin())
        reasons.append(
            "AIC agrees" if by_aic == chosen else
            f"AIC, which penalises extra classes less, prefers k = {by_aic}"
        )  # fmt: skip
    reasons.append(f"a single class (no segments) would have BIC {one:,.0f}")
    more = list(notes)
    if one <= row["bic"]:
        more.append(f"a single class fits as well by BIC ({one:,.0f} against {row['bic']:,.0f} "
                    f"at k = {chosen}): the answers may hold no distinct classes")  # fmt: skip
    if not fixed and len(ok) > 1 and chosen == max(ks):
        more.append(f"BIC is lowest at the largest k tried ({chosen}): more classes may fit "
                    "better; try a wider range")  # fmt: skip
    if row["entropy"] < 0.6:
        more.append(f"relative entropy {row['entropy']:.2f}: many respondents are not clearly "
                    "in one class")  # fmt: skip
    params = {"ks": list(ks), "n_boot": 0, "boot_size": 0, "n_init": n_init,
              "random_state": random_state, "silhouette_sample": None, "criterion": "bic",
              "tol": TOL, "max_iter": MAX_ITER, "bic_one_class": one}  # fmt: skip
    return Selection(table=table, chosen=chosen, reasons=tuple(reasons), warnings=tuple(more),
                     params=params)  # fmt: skip


def _describe(
    clean, answers, categories, index, fit, selection, random_state, weight=None
) -> Segmentation:
    """Round the parameters as the model file stores them, number the classes by (weighted)
    size and describe them: the run's labels are exactly what ``assign`` computes from the
    file; with survey weights, shares, frequencies and intervals are weighted."""
    weights, probs = lm.rounded(fit["weights"], fit["probs"])
    _, post = lm.log_likelihood(weights, probs, index)
    k = weights.shape[0]
    sizes = np.bincount(post.argmax(axis=1), weights=weight, minlength=k)
    order = np.lexsort((np.arange(k), -sizes))
    weights, probs, post = weights[order], [t[order] for t in probs], post[:, order]
    best = post.argmax(axis=1)
    labels = best.astype(np.int64) + 1
    distances = lm.uncertainty(post[np.arange(post.shape[0]), best])
    items = list(answers.columns)
    modes = np.column_stack([categories[j][probs[j].argmax(axis=1)] for j in range(len(items))])
    model = _model(clean, items, categories, weights, probs, modes, random_state)
    model["distance_percentiles"] = lm.percentiles(labels, distances, k)
    ids = clean.answers.index
    return Segmentation(
        clean=clean, method="lca", k=k, random_state=random_state,
        labels=pd.Series(labels, index=ids, name="segment"),
        distances=pd.Series(distances, index=ids, name="distance"),
        centers=pd.DataFrame(modes, index=pd.RangeIndex(1, k + 1, name="segment"), columns=items),
        profiles=build_profiles(_filled(answers), clean.instrument, labels=labels,
                                distances=distances, k=k, weights=weight),
        selection=selection, model=model, journal=tuple(_journal(selection, index)),
        posteriors=pd.DataFrame(post, index=ids, columns=[f"p{c}" for c in range(1, k + 1)]),
    )  # fmt: skip


def _filled(answers: pd.DataFrame) -> pd.DataFrame:
    """The answers for the segment profiles: a missing answer counted as the item's most
    common one (what ``cleaning.impute: auto`` does); the model itself leaves it out."""
    if not answers.isna().to_numpy().any():
        return answers
    return answers.fillna(answers.mode(dropna=True).iloc[0])


def _model(clean, items, categories, weights, probs, modes, random_state) -> dict:
    types = [clean.instrument.question(q).type for q in items]
    return {
        "schema": SCHEMA, "method": "lca", "distance": "posterior", "items": items,
        "types": types, "k": int(weights.shape[0]),
        "centers": [[float(v) for v in row] for row in modes],
        "numeric": [], "categorical": list(range(len(items))), "scaling": {}, "gamma": None,
        "random_state": int(random_state),
        "class_weights": [float(v) for v in weights],
        "categories": {q: [float(c) for c in categories[j]] for j, q in enumerate(items)},
        "probabilities": {q: probs[j].tolist() for j, q in enumerate(items)},
        "measurement": "categorical", "stepmix": _stepmix_version(),
    }  # fmt: skip


def _stepmix_version() -> str:
    try:
        return metadata.version("stepmix")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        return "not installed"


def _journal(selection: Selection, index: np.ndarray) -> list[str]:
    p = selection.params
    missing = int((index < 0).sum())
    lines = [
        "method: latent class analysis (StepMix, categorical measurement model: every "
        "boolean, choice and likert item's answers are categories), as requested",
        f"choice of k: by BIC over k = {min(p['ks'])}..{max(p['ks'])}",
    ]
    lines += [f"choice of k: {reason}" for reason in selection.reasons]
    lines += [f"warning: {w}" for w in selection.warnings]
    if missing:
        lines.append(f"{missing:,} missing answers left out of the likelihood "
                     "(categorical_nan); the segment profiles count them as the item's most "
                     "common answer")  # fmt: skip
    lines.append(
        f"seed {p['random_state']}; best of {p['n_init']} EM starts per k (stopping at a gain "
        f"below {TOL:g} in mean log-likelihood, at most {MAX_ITER} iterations); each "
        "respondent in their most probable class; segments numbered by size, largest first"
    )
    return lines


def _report(progress, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)


def with_alternative(seg: Segmentation, other: Segmentation | None, *, notes=()) -> Segmentation:
    """``seg`` with the k-modes segmentation ``other`` of the same answers beside it, and the
    adjusted Rand index between the two in the journal (``notes``: what k-modes warned of)."""
    from dataclasses import replace

    if other is None:
        lines = [f"k-modes comparison could not run: {' '.join(notes)}"]
        return replace(seg, journal=seg.journal + tuple(lines))
    lines = [
        f"k-modes comparison: the k-modes sweep of the same answers chooses k = {other.k}; "
        f"the two segmentations agree at adjusted Rand {agreement(seg, other):.2f} "
        "(1 = the same groups, 0 = chance)"
    ]
    lines += [f"k-modes comparison warned: {note}" for note in notes]
    return replace(seg, alternative=other, journal=seg.journal + tuple(lines))


def agreement(seg: Segmentation, other: Segmentation) -> float:
    """Adjusted Rand index between two segmentations of the same respondents."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(seg.labels.to_numpy(), other.labels.to_numpy()))

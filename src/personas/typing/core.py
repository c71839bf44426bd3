"""Find a screener: forward selection of questions under a points rule, by held-out accuracy.

The rule is a table of points (a categorical naive Bayes model, scikit-learn's
:class:`~sklearn.naive_bayes.CategoricalNB` with add-one smoothing): every answer to a
screener question adds its points for each segment (the log share of that segment's
respondents giving it), on top of the segment's log share; the segment with the most points
wins (ties: the lowest id, i.e. the largest segment). A missing or unknown answer adds nothing.
The rule is additive over questions, so one model per fold, fitted on every question, scores
every candidate set: forward selection adds, at each step, the question that raises the
cross-validated accuracy most, and stops at the first set reaching the target.

With survey weights (a weighted run), every step is weighted: the points are fitted with the
weights as ``sample_weight`` (scaled to mean 1, so the add-one smoothing weighs as much as in
an unweighted run), accuracy is the weighted share of held-out respondents typed right, and
the confusion matrix holds weighted counts beside the plain ones: the screener is judged on
the population the weights stand for. The folds are drawn as without weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import CategoricalNB

from personas.errors import InputError, PersonasWarning, Problem

__all__ = [
    "TYPING_SCHEMA",
    "Screener",
    "TypingWarning",
    "find_screener",
    "apply_screener",
    "confused_pairs",
]

TYPING_SCHEMA = "personas/typing@1"
NUMBER_BINS = 5
RULE_TEXT = (
    "Add the points of each answer (a missing or unknown answer adds nothing) to each "
    "segment's prior points; the segment with the most points wins (ties: the lowest id)."
)


class TypingWarning(PersonasWarning):
    """The screener could not reach the target accuracy within the allowed questions."""


@dataclass(frozen=True, repr=False)
class Screener:
    """The questions that type a person into a run's segments, and how well they do it.

    Attributes
    ----------
    questions
        Question ids in the order forward selection added them.
    steps
        One mapping per step: ``questions`` (how many), ``question`` (the one added) and
        ``accuracy`` (cross-validated, pooled over the held-out folds).
    accuracy, target, reached
        The accuracy of the chosen set, the target, and whether it was reached.
    rule
        JSON-ready points table: everything :func:`apply_screener` needs.
    confusion
        Rows: the run's segment; columns: the segment the screener gives (held-out counts).
    weighted_confusion
        The same with survey weights summed instead of people counted (``None`` unweighted);
        ``accuracy`` is then its diagonal share.
    """

    questions: tuple[str, ...]
    steps: tuple[Mapping, ...]
    accuracy: float
    target: float
    reached: bool
    rule: Mapping
    confusion: pd.DataFrame
    n: int
    folds: int
    random_state: int
    weighted_confusion: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return (
            f"Screener({len(self.questions)} questions {list(self.questions)}, "
            f"accuracy={self.accuracy:.3f}, target={self.target})"
        )

    def to_dict(self) -> dict:
        """The JSON-ready content of ``typing.json`` (without the run's details)."""
        ids = [int(s) for s in self.confusion.index]
        confusion = {
            "segments": ids,
            "counts": self.confusion.to_numpy().astype(int).tolist(),
            "rows": "the run's segment",
            "columns": "the segment the screener gives",
        }
        if self.weighted_confusion is not None:
            confusion["weighted"] = self.weighted_confusion.to_numpy(dtype=float).tolist()
        return {
            "schema": TYPING_SCHEMA,
            "weighted": self.weighted_confusion is not None,
            "questions": list(self.questions),
            "steps": [dict(s) for s in self.steps],
            "accuracy": float(self.accuracy),
            "target": float(self.target),
            "reached": bool(self.reached),
            "respondents": int(self.n),
            "folds": int(self.folds),
            "seed": int(self.random_state),
            "rule": dict(self.rule),
            "confusion": confusion,
        }


def _spec(question, values: np.ndarray) -> dict:
    """How a question's answer codes become categories: its codes, or quantile bins."""
    if question.codes:
        return {
            "id": question.id,
            "type": question.type,
            "codes": [float(c) for c in question.codes],
        }
    finite = values[np.isfinite(values)]
    edges = (
        np.unique(np.quantile(finite, np.linspace(0, 1, NUMBER_BINS + 1)[1:-1]))
        if finite.size
        else []
    )
    return {"id": question.id, "type": question.type, "edges": [float(e) for e in edges]}


def _categories(spec: Mapping) -> int:
    return len(spec["codes"]) if "codes" in spec else len(spec["edges"]) + 1


def _encode(spec: Mapping, values: np.ndarray) -> np.ndarray:
    """Category index of each value; missing or unknown values get the last index."""
    values = np.asarray(values, dtype=np.float64)
    missing = _categories(spec)
    if "codes" in spec:
        codes = np.asarray(spec["codes"], dtype=np.float64)
        pos = np.clip(np.searchsorted(codes, values), 0, len(codes) - 1)
        known = np.isfinite(values) & (codes[pos] == values)
    else:
        pos = np.searchsorted(np.asarray(spec["edges"], dtype=np.float64), values, side="right")
        known = np.isfinite(values)
    return np.where(known, pos, missing).astype(np.intp)


def _tables(model: CategoricalNB, k: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Prior (k,) and per-question points (categories + 1, k), missing row = 0."""
    prior = np.full(k, -np.inf)
    prior[model.classes_] = model.class_log_prior_
    points = []
    for table in model.feature_log_prob_:
        full = np.zeros((k, table.shape[1]))
        full[model.classes_] = table
        full[:, -1] = 0.0
        points.append(full.T.copy())
    return prior, points


def _check(target: float, max_questions: int, folds: int) -> None:
    problems = []
    if not 0 < target <= 1:
        problems.append(
            Problem(
                f"The 'target' option must be in (0, 1]. Got {target!r} instead.",
                value=str(target),
                hint="e.g. --target 0.9",
            )
        )
    if max_questions < 1:
        problems.append(
            Problem(
                f"The 'max_questions' option must be at least 1. Got {max_questions!r} instead.",
                value=str(max_questions),
                hint="e.g. --max-questions 8",
            )
        )
    if folds < 2:
        problems.append(Problem(f"The 'folds' option must be at least 2. Got {folds!r} instead."))
    if problems:
        raise InputError(problems)


def find_screener(
    answers: pd.DataFrame,
    labels: pd.Series,
    questions: Sequence,
    *,
    max_questions: int = 8,
    target: float = 0.9,
    folds: int = 5,
    random_state: int = 0,
    sample_weight: np.ndarray | None = None,
) -> Screener:
    """The smallest forward-selected question set typing ``labels`` at ``target`` accuracy.

    Parameters
    ----------
    answers
        Answer codes, one row per respondent, one column per candidate question.
    labels
        Segment id of each row of ``answers`` (same index).
    questions
        The candidate :class:`~personas.instrument.model.Question` objects.
    max_questions, target, folds, random_state
        At most this many questions; stop at the first set whose pooled held-out accuracy
        (stratified ``folds``-fold cross-validation, shuffled with ``random_state``) reaches
        ``target``.
    sample_weight
        Survey weights, one per row of ``answers`` (None: unweighted): the points are fitted
        and the accuracy and confusion matrix measured with them.

    Warns
    -----
    TypingWarning
        When no set of at most ``max_questions`` questions reaches the target: the most
        accurate set found is returned, with ``reached=False``.

    Examples
    --------
    >>> screener = find_screener(answers, labels, instrument.items)  # doctest: +SKIP
    >>> screener.questions, round(screener.accuracy, 2)  # doctest: +SKIP
    """
    import warnings

    _check(target, max_questions, folds)
    y_codes, segments = pd.factorize(labels.to_numpy(), sort=True)
    k, n = len(segments), len(answers)
    counts = np.bincount(y_codes, minlength=k)
    if k < 2 or n < 2 * folds or counts.max() < folds:
        raise InputError(
            Problem(
                f"the run has {k} segment(s) and {n} respondents: too few "
                f"to cross-validate a screener with {folds} folds",
                hint="a screener needs a run with two or more segments",
            )
        )
    weights = _weights(sample_weight, n)
    specs = [_spec(q, answers[q.id].to_numpy(dtype=np.float64)) for q in questions]
    X = np.column_stack([_encode(s, answers[s["id"]].to_numpy()) for s in specs])
    n_cats = [_categories(s) + 1 for s in specs]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a segment smaller than the folds
        splits = list(splitter.split(X, y_codes))
    fold_tables = []
    for train, test in splits:
        model = CategoricalNB(alpha=1.0, min_categories=n_cats).fit(
            X[train], y_codes[train], sample_weight=None if weights is None else weights[train]
        )
        prior, points = _tables(model, k)
        fold_tables.append((test, np.broadcast_to(prior, (len(test), k)).copy(), points))
    chosen, steps, best_pred = _forward(X, y_codes, fold_tables, max_questions, target, weights)
    accuracy = steps[-1]["accuracy"]
    reached = accuracy >= target
    if not reached:
        warnings.warn(
            f"no set of at most {max_questions} questions types the run's segments with "
            f"{target:.0%} accuracy; the best found reaches {accuracy:.1%}",
            TypingWarning,
            stacklevel=2,
        )
    cols = [specs[j] for j in chosen]
    final = CategoricalNB(alpha=1.0, min_categories=[n_cats[j] for j in chosen])
    final.fit(X[:, chosen], y_codes, sample_weight=weights)
    rule = _rule(final, cols, [int(s) for s in segments], questions, X[:, chosen])
    ids = [int(s) for s in segments]
    confusion = pd.crosstab(
        pd.Categorical(y_codes, categories=range(k)),
        pd.Categorical(best_pred, categories=range(k)),
        dropna=False,
    )
    confusion.index, confusion.columns = ids, ids
    weighted = None
    if weights is not None:
        cells = np.zeros((k, k))
        np.add.at(cells, (y_codes, best_pred), weights)
        weighted = pd.DataFrame(cells, index=ids, columns=ids)
    for step in steps:
        step["question"] = specs[step.pop("index")]["id"]
    return Screener(
        questions=tuple(c["id"] for c in cols),
        steps=tuple(steps),
        accuracy=float(accuracy),
        target=float(target),
        reached=bool(reached),
        rule=rule,
        confusion=confusion,
        n=n,
        folds=folds,
        random_state=random_state,
        weighted_confusion=weighted,
    )


def _weights(sample_weight, n: int) -> np.ndarray | None:
    """The survey weights scaled to mean 1, or an :class:`InputError` for unusable ones."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise InputError(
            Problem(
                f"the survey weights must be {n} finite numbers >= 0, not all zero",
                hint="check the run's weight column",
            )
        )
    return w * (n / w.sum())


def _forward(X, y, fold_tables, max_questions, target, weights=None):
    """Greedy forward selection on pooled held-out accuracy (weighted: the weighted share
    typed right); the held-out predictions too."""
    chosen: list[int] = []
    steps: list[dict] = []
    best_pred = np.zeros_like(y)
    n = len(y) if weights is None else float(weights.sum())
    while len(chosen) < min(max_questions, X.shape[1]):
        best = (-1.0, -1)
        for j in range(X.shape[1]):
            if j in chosen:
                continue
            correct = sum(
                _right((scores + points[j][X[test, j]]).argmax(axis=1) == y[test], weights, test)
                for test, scores, points in fold_tables
            )
            if correct / n > best[0] + 1e-12:
                best = (correct / n, j)
        accuracy, j = best
        chosen.append(j)
        for test, scores, points in fold_tables:
            scores += points[j][X[test, j]]
            best_pred[test] = scores.argmax(axis=1)
        steps.append({"questions": len(chosen), "index": j, "accuracy": round(accuracy, 6)})
        if accuracy >= target:
            break
    return chosen, steps, best_pred


def _right(hit: np.ndarray, weights: np.ndarray | None, test: np.ndarray) -> float:
    """How many held-out respondents were typed right (weighted: their summed weight)."""
    return int(hit.sum()) if weights is None else float(weights[test][hit].sum())


def _rule(model: CategoricalNB, specs: list[dict], segments: list[int], questions, X) -> dict:
    """The JSON-ready points table of the final model, with the run's own spread of scores."""
    by_id = {q.id: q for q in questions}
    prior, points = _tables(model, len(segments))
    entries = []
    for spec, table in zip(specs, points, strict=True):
        q = by_id[spec["id"]]
        if "codes" in spec:
            labels = [q.label(c) for c in spec["codes"]]
        else:
            edges = spec["edges"]
            bounds = [-np.inf, *edges, np.inf]
            labels = [
                f"{lo:g} to below {hi:g}" for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
            ]
        entries.append({**spec, "text": q.text, "labels": labels, "points": table[:-1].tolist()})
    rule = {
        "kind": "points",
        "how": RULE_TEXT,
        "segments": segments,
        "prior": prior.tolist(),
        "questions": entries,
    }
    scores = prior + sum(points[j][X[:, j]] for j in range(len(specs)))
    distance = _uncertainty(scores)
    p50, p95 = np.percentile(distance, [50, 95])
    rule["distance"] = {
        "what": "1 - the winning segment's posterior probability",
        "50": float(p50),
        "95": float(p95),
    }
    return rule


def _uncertainty(scores: np.ndarray) -> np.ndarray:
    """1 - softmax maximum of each row of log scores."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    return 1.0 - 1.0 / probs.sum(axis=1)


def apply_screener(rule: Mapping, answers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Type respondents from their screener answers alone.

    Parameters
    ----------
    rule
        ``Screener.rule`` (or ``typing.json``'s ``rule``).
    answers
        Answer codes with a column for every screener question (others are ignored).

    Returns
    -------
    segments, distance
        The segment id of each row and ``1 -`` its posterior probability.
    """
    lacking = [q["id"] for q in rule["questions"] if q["id"] not in answers.columns]
    if lacking:
        raise InputError(
            [
                Problem(f"the answers have no column for screener question {q!r}", column=q)
                for q in lacking
            ]
        )
    k = len(rule["segments"])
    scores = np.broadcast_to(np.asarray(rule["prior"], dtype=np.float64), (len(answers), k)).copy()
    for q in rule["questions"]:
        table = np.vstack([np.asarray(q["points"], dtype=np.float64), np.zeros((1, k))])
        scores += table[_encode(q, answers[q["id"]].to_numpy())]
    segments = np.asarray(rule["segments"], dtype=np.int64)[scores.argmax(axis=1)]
    return segments, _uncertainty(scores)


def confused_pairs(typing: Mapping, *, top: int = 3) -> list[dict]:
    """The most frequent mistakes of a screener (``typing.json`` content), largest first.

    Each: ``segment`` (the run's), ``given`` (the screener's), ``n`` and ``share`` (of the
    run's segment typed as ``given``, held out). A weighted screener ranks and shares by the
    weighted counts; ``n`` stays the people counted.
    """
    ids = list(typing["confusion"]["segments"])
    counts = np.asarray(typing["confusion"]["counts"], dtype=np.int64).reshape(len(ids), len(ids))
    weighted = typing["confusion"].get("weighted")
    cells = counts if weighted is None else np.asarray(weighted, dtype=np.float64)
    totals = cells.sum(axis=1)
    off = cells.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:top]
    pairs = []
    for flat in order:
        i, j = divmod(int(flat), len(ids))
        if off[i, j] == 0:
            break
        pairs.append(
            {
                "segment": ids[i],
                "given": ids[j],
                "n": int(counts[i, j]),
                "share": float(off[i, j] / totals[i]) if totals[i] > 0 else 0.0,
            }
        )
    return pairs

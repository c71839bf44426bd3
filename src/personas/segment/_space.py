"""The answers as each algorithm sees them (a *space*), and the checks on segment()'s options.

* k-modes: every item is categorical (its codes), compared by matching.
* k-means: every item is numeric, rescaled to [0, 1] by its range (boolean 0..1, likert its
  scale, number the observed range), compared by Euclidean distance.
* k-prototypes: boolean and choice items categorical, likert and number items numeric
  (rescaled as for k-means), cost = squared Euclidean + gamma x mismatches (Huang 1997).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from numbers import Integral

import numpy as np

from personas.errors import InputError, Problem
from personas.segment import _kmodes_data
from personas.segment._kmodes_init import distinct_rows_at_least
from personas.segment.k import MIN_K, k_problem

METHODS = ("auto", "kmeans", "kmodes", "kprototypes", "lca")
CATEGORICAL = ("boolean", "choice")
_FEW = 1000  # distinct answer patterns are counted exactly up to this many


@dataclass
class Space:
    """One algorithm's view of the answers (rows = respondents in ``clean.answers`` order)."""

    method: str
    items: tuple[str, ...]
    types: tuple[str, ...]
    codes: np.ndarray  # (n, d) float64 answer codes
    lo: np.ndarray  # (d,) scale minimum of numeric items (0 for categorical ones)
    hi: np.ndarray  # (d,) scale maximum
    numeric: np.ndarray  # indices of items treated as numbers
    categorical: np.ndarray  # indices of items treated as categories
    gamma: float | None = None
    enc: _kmodes_data.Encoded | None = field(default=None, repr=False)  # categorical items
    categories: list[np.ndarray] = field(default_factory=list, repr=False)  # values per item
    item_codes: np.ndarray | None = field(default=None, repr=False)  # (n, d) positions in those
    patterns: int | None = None  # distinct answer patterns when few (<= _FEW), else None
    #: Survey weights (n,), or None: unweighted. Resampled spaces (bootstrap refits, the
    #: structure test) draw rows with probability proportional to the weights and are
    #: unweighted themselves.
    weights: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return self.codes.shape[0]

    @cached_property
    def scaled(self) -> np.ndarray:
        """Numeric items rescaled to [0, 1] (columns in ``numeric`` order)."""
        cols = self.numeric
        return (self.codes[:, cols] - self.lo[cols]) / (self.hi[cols] - self.lo[cols])

    def rows(self, index: np.ndarray) -> Space:
        """The same space restricted to (possibly repeated) rows ``index``."""
        enc = None
        if self.enc is not None:
            enc = self.enc.take(index)
        # k-modes needs only the encoded answers
        codes = np.empty((index.size, 0)) if self.method == "kmodes" else self.codes[index]
        return Space(
            self.method,
            self.items,
            self.types,
            codes,
            self.lo,
            self.hi,
            self.numeric,
            self.categorical,
            self.gamma,
            enc,
            self.categories,
        )


def resolve_method(method: str, types: Sequence[str]) -> str:
    """``auto``: k-modes for all-categorical items, k-means for all-numeric, else k-prototypes."""
    if method != "auto":
        return method
    if all(t in CATEGORICAL for t in types):
        return "kmodes"
    if not any(t in CATEGORICAL for t in types):
        return "kmeans"
    return "kprototypes"


def build_space(clean, method: str) -> Space:
    """Check the answers and build the space ``method`` (already validated) works in."""
    answers = clean.answers
    items = [q for q in clean.instrument.items if q.id in answers.columns]
    problems = [
        Problem(f"item {q.id!r} has no column in the cleaned answers", column=q.id)
        for q in clean.instrument.items
        if q.id not in answers.columns
    ]
    if not items:
        problems.append(Problem("there are no items to segment on", code="no-items"))
    ids = [q.id for q in items]
    frame = answers if list(answers.columns) == ids else answers[ids]
    codes = frame.to_numpy(dtype=np.float64, copy=False)  # a view when possible: no n x d copy
    problems += _answer_problems(clean, items, codes)
    types = tuple(q.type for q in items)
    method = resolve_method(method, types)
    problems += _method_problems(method, items)
    if problems:
        raise InputError(problems)
    lo, hi = _scale_range(items, codes)
    numeric, categorical = _roles(method, types)
    space = Space(method, tuple(ids), types, codes, lo, hi, numeric, categorical)
    weights = getattr(clean, "weights", None)
    if weights is not None:
        space.weights = np.asarray(weights, dtype=np.float64)
    space.categories, space.item_codes = _kmodes_data.encode(codes)
    few, unique = distinct_rows_at_least(space.item_codes, _FEW)
    space.patterns = None if few else unique.shape[0]
    if categorical.size:
        n_cats = [len(space.categories[j]) for j in categorical]
        space.enc = _kmodes_data.prepare(space.item_codes[:, categorical], n_cats)
    if method == "kprototypes":  # the kmodes package's default weight (1 if nothing varies)
        spread = space.scaled.std(axis=0)
        space.gamma = float(0.5 * spread.mean()) if spread.size and spread.any() else 1.0
    return space


def _answer_problems(clean, items, codes: np.ndarray) -> list[Problem]:
    """No respondent left, or missing answers left: what happened and what to change."""
    source = getattr(getattr(clean, "source", None), "path", None)
    file = None if source is None else str(source)
    if codes.shape[0] == 0:
        ledger = getattr(clean, "ledger", None)
        reasons = ", ".join(f"{r}: {n:,}" for r, n in (ledger.counts() if ledger else {}).items())
        return [
            Problem(
                "there are no respondents to segment"
                + (f": cleaning excluded all {ledger.loaded:,} ({reasons})" if reasons else ""),
                file=file,
                hint="check the attention checks' expected answers and the cleaning rules in "
                "the instrument; `personas clean` lists every exclusion",
                code="no-respondents",
            )
        ]
    rule = (getattr(clean, "imputation", None) or {}).get("rule")
    columns = getattr(clean, "columns", None) or {}
    problems = []
    for q, n_missing in zip(items, np.isnan(codes).sum(axis=0), strict=True):
        if not n_missing:
            continue
        column = columns.get(q.id, q.id)  # the raw column of the export, as the file names it
        item = f"item {q.id!r}" + (f" (column {column!r})" if column != q.id else "")
        if n_missing == codes.shape[0]:  # nothing to impute from
            message = f"no kept respondent answered {item}; segmentation needs answers"
            hint = "check that column in the data file, or drop the item from the instrument"
        else:
            message = f"{item} has {n_missing:,} missing answers"
            message += f" and cleaning.impute is {rule!r}" if rule else ""
            message += "; segmentation needs complete answers"
            hint = "set cleaning.impute: auto in the instrument, or drop the item"
        problems.append(
            Problem(message, file=file, column=column, hint=hint, code="missing-answers")
        )
    return problems


def _method_problems(method: str, items) -> list[Problem]:
    problems = []
    if method == "kmodes":
        bad = [q.id for q in items if q.type == "number"]
        if bad:
            problems.append(
                Problem(
                    f"k-modes treats every answer as a category, but {', '.join(bad)} "
                    "hold free numbers",
                    hint="use method 'kprototypes' or 'kmeans'",
                    code="method-items",
                )
            )
    if method == "kmeans":
        bad = [q.id for q in items if q.type == "choice"]
        if bad:
            problems.append(
                Problem(
                    f"k-means needs numeric answers, but {', '.join(bad)} are choices "
                    "whose option numbers have no order",
                    hint="use method 'kprototypes' or 'kmodes'",
                    code="method-items",
                )
            )
    return problems


def _scale_range(items, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item's range: 0..1 for booleans, the scale for likert, observed for the rest."""
    lo = np.zeros(len(items))
    hi = np.ones(len(items))
    for j, q in enumerate(items):
        if q.type == "likert" and q.scale is not None:
            lo[j], hi[j] = q.scale.min, q.scale.max
        elif q.type in ("number", "choice") and codes.shape[0]:
            lo[j], hi[j] = codes[:, j].min(), codes[:, j].max()
        if hi[j] <= lo[j]:  # a constant item: any positive width keeps it at 0
            hi[j] = lo[j] + 1.0
    return lo, hi


def _roles(method: str, types: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    index = np.arange(len(types))
    if method == "kmodes":
        return index[:0], index
    if method == "kmeans":
        return index, index[:0]
    cat = np.array([t in CATEGORICAL for t in types], dtype=bool)
    return index[~cat], index[cat]


def check_options(
    *, method, k, ks, n_boot, random_state, n_init, boot_size, n_jobs
) -> tuple[list[int], bool]:
    """Validate segment()'s options (every problem at once). Returns the ks to try and whether
    k was chosen by the caller (a single int)."""
    problems = []
    if method not in METHODS:
        problems.append(_option("method", f"one of {', '.join(map(repr, METHODS))}", method))
    fixed = isinstance(k, Integral) and not isinstance(k, bool)
    problem = k_problem(k)  # the one check of k, shared with the CLI's --k
    if problem is not None:
        problems.append(problem)
        sweep = None
    elif isinstance(k, str):  # "auto": the ks to sweep
        sweep = _int_list(ks)
        if sweep is None:
            problems.append(_option("ks", "a range or sequence of ints >= 2", ks))
        elif not sweep or min(sweep) < MIN_K:
            problems.append(_option("ks", "at least 2 (one segment is no segmentation)", ks))
            sweep = None
    else:
        sweep = [int(k)] if fixed else [int(v) for v in k]
    for name, value, low in (
        ("n_boot", n_boot, 0),
        ("n_init", n_init, 1),
        ("boot_size", boot_size, 2),
    ):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
            problems.append(_option(name, f"an int >= {low}", value))
    if n_jobs is not None and (
        not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or n_jobs == 0
    ):
        problems.append(
            _option("n_jobs", "None or a non-zero int (-1: one process per core)", n_jobs)
        )
    if not isinstance(random_state, Integral) or isinstance(random_state, bool):
        problems.append(_option("random_state", "an int (the seed)", random_state))
    if problems:
        raise InputError(problems)
    return sorted(set(sweep or ())), fixed


def _int_list(values) -> list[int] | None:
    try:
        out = [int(v) for v in values]
    except (TypeError, ValueError):
        return None
    if any(not isinstance(v, Integral) or isinstance(v, bool) for v in values):
        return None
    return out


def _option(name: str, expected: str, value) -> Problem:
    return Problem(
        f"The {name!r} option must be {expected}. Got {value!r} instead.",
        code="bad-option",
    )

"""Turning clean answers into what the map is drawn from (private to :mod:`personas.embed.core`).

* :func:`choose_metric`: hamming for boolean / choice items, euclidean otherwise;
* :func:`make_job`: checks the options and packs everything the fit needs into a plain,
  picklable :class:`Job` (the :class:`~personas.instrument.model.Instrument` itself holds
  mapping proxies that cannot be pickled, and the fit may run in another process);
* :func:`encode`: answer codes -> the numeric matrix whose distances the map preserves;
* :func:`expected_profiles`: the answers each hand-made persona implies (its landmark).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personas.cleaning.model import CleanResponses
from personas.errors import InputError, Problem
from personas.instrument.expectations import expected_answers
from personas.instrument.model import Instrument, Question

__all__ = [
    "ItemSpec",
    "Job",
    "Encoded",
    "choose_metric",
    "make_job",
    "encode",
    "encode_job",
    "expected_profiles",
]

#: Item types compared answer by answer (same / different): the hamming family.
MATCHING_TYPES = frozenset({"boolean", "choice"})
#: The fewest respondents UMAP can lay out (its spectral start needs more than 3 points).
MIN_RESPONDENTS = 5
#: A one-hot choice column is scaled so that two different options are 1 apart in squared
#: euclidean distance, like two different True/False answers.
_ONE_HOT = np.sqrt(0.5)


@dataclass(frozen=True)
class ItemSpec:
    """What the encoder needs to know about one item (plain data, picklable)."""

    id: str
    type: str
    low: float = 0.0
    high: float = 1.0
    n_options: int = 0

    @classmethod
    def of(cls, question: Question) -> ItemSpec:
        if question.type == "likert":
            return cls(question.id, "likert", float(question.scale.min), float(question.scale.max))
        if question.type == "choice":
            return cls(question.id, "choice", n_options=len(question.options))
        return cls(question.id, question.type)


@dataclass(frozen=True)
class Job:
    """Everything one fit needs, as plain picklable data (see :func:`make_job`)."""

    answers: pd.DataFrame
    items: tuple[ItemSpec, ...]
    profiles: pd.DataFrame
    names: tuple[str, ...]
    labels: pd.Series | None
    random_state: int
    sample_size: int
    n_neighbors: int
    min_dist: float

    @property
    def metric(self) -> str:
        return choose_metric(item.type for item in self.items)


def choose_metric(item_types: Iterable[str]) -> str:
    """The distance the map preserves for items of these types.

    ``"hamming"`` (the share of items answered differently) when every item is boolean or
    choice: a True/False or option answer is either the same or not, False is as much an
    answer as True (so not jaccard, which ignores shared False answers and would change if an
    item were worded the other way round), and it is the matching dissimilarity k-modes
    segments with, so the map and the segments agree. ``"euclidean"`` otherwise: likert and
    number items scaled to [0, 1]; in mixed data booleans stay 0/1 and choice options are
    one-hot columns scaled by 1/sqrt(2), so a different choice weighs like a different
    True/False answer and a full-scale likert difference.

    Examples
    --------
    >>> choose_metric(["boolean", "choice"]), choose_metric(["likert", "boolean"])
    ('hamming', 'euclidean')
    """
    types = set(item_types)
    return "hamming" if types and types <= MATCHING_TYPES else "euclidean"


def make_job(
    clean: CleanResponses,
    labels: pd.Series | None,
    *,
    random_state,
    sample_size,
    n_neighbors,
    min_dist,
) -> Job:
    """Check the options (every problem at once) and pack the fit's inputs."""
    problems = _option_problems(random_state, sample_size, n_neighbors, min_dist)
    answers = clean.answers
    if len(answers) < MIN_RESPONDENTS:
        problems.append(
            Problem(
                f"A map needs at least {MIN_RESPONDENTS} respondents; the wave kept "
                f"{len(answers)}.",
                hint="Check the cleaning rules or add respondents.",
            )
        )
    problems += _label_problems(labels, answers.index)
    problems += _item_problems(clean.instrument, answers.columns)
    if problems:
        raise InputError(problems)
    instrument = clean.instrument
    items = tuple(ItemSpec.of(instrument.question(qid)) for qid in answers.columns)
    return Job(
        answers=answers,
        items=items,
        profiles=expected_profiles(instrument, list(answers.columns)),
        names=tuple(p.name for p in instrument.personas),
        labels=None if labels is None else labels.reindex(answers.index),
        random_state=int(random_state),
        sample_size=int(sample_size),
        n_neighbors=int(n_neighbors),
        min_dist=float(min_dist),
    )


def _option_problems(random_state, sample_size, n_neighbors, min_dist) -> list[Problem]:
    def is_int(value) -> bool:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)

    checks = [
        ("random_state", random_state, is_int(random_state), "an integer"),
        (
            "sample_size",
            sample_size,
            is_int(sample_size) and sample_size >= MIN_RESPONDENTS,
            f"an integer >= {MIN_RESPONDENTS}",
        ),
        ("n_neighbors", n_neighbors, is_int(n_neighbors) and n_neighbors >= 2, "an integer >= 2"),
        (
            "min_dist",
            min_dist,
            isinstance(min_dist, numbers.Real)
            and not isinstance(min_dist, bool)
            and 0.0 <= min_dist <= 1.0,
            "a number in [0, 1]",
        ),
    ]
    return [
        Problem(
            f"The {name!r} option must be {want}. Got {value!r} instead.",
            value=value,
            code="bad-option",
        )
        for name, value, ok, want in checks
        if not ok
    ]


def _label_problems(labels, index: pd.Index) -> list[Problem]:
    if labels is None:
        return []
    if not isinstance(labels, pd.Series):
        return [
            Problem(
                f"'labels' must be a pandas Series indexed by respondent id (e.g. "
                f"Segmentation.labels). Got {type(labels).__name__} instead."
            )
        ]
    unlabelled = labels.reindex(index).isna().to_numpy()
    if not unlabelled.any():
        return []
    ids = [str(i) for i in index[unlabelled][:5]]
    return [
        Problem(
            f"{int(unlabelled.sum())} respondents have no segment label, e.g. {', '.join(ids)}.",
            hint="Pass the labels of the segmentation of these same clean answers.",
        )
    ]


def _item_problems(instrument: Instrument, columns: pd.Index) -> list[Problem]:
    known = {q.id for q in instrument.items}
    return [
        Problem(
            f"Column {qid!r} of the clean answers is not an item of the instrument.",
            column=str(qid),
        )
        for qid in columns
        if qid not in known
    ]


def encode(codes: np.ndarray, items: Sequence[ItemSpec], ranges: np.ndarray) -> np.ndarray:
    """Answer codes (rows × items) -> float32 features whose distances the map preserves.

    Boolean codes stay 0/1, likert codes are scaled by their scale, number codes by
    ``ranges`` (the sample's min and max per item, NaN for other types), choice codes become
    one-hot columns times 1/sqrt(2). Hence for boolean/choice data the squared euclidean
    distance counts the items answered differently, which :mod:`personas.embed._umap` turns
    into the hamming share.
    """
    blocks = []
    for j, item in enumerate(items):
        column = codes[:, j]
        if item.type == "choice":
            options = np.arange(item.n_options)
            blocks.append((np.rint(column)[:, None] == options[None, :]) * _ONE_HOT)
            continue
        low, high = (item.low, item.high) if item.type != "number" else ranges[j]
        span = high - low if high > low else 1.0
        blocks.append(((column - low) / span)[:, None])
    return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)


_ENCODING = {
    "hamming": "boolean codes 0/1, choice options one-hot; distance = share of items "
    "answered differently",
    "euclidean": "likert items scaled to [0, 1] by their scale, number items by the wave's "
    "range; booleans 0/1, choice options one-hot / sqrt(2)",
}


@dataclass(frozen=True)
class Encoded:
    """A job's respondents and landmarks as features, with the fills that made them whole."""

    features: np.ndarray
    landmarks: np.ndarray
    params: dict


def encode_job(job: Job) -> Encoded:
    """Fill missing answers and silent landmark items, then :func:`encode` both.

    Missing answers (cleaning with ``impute: none``) and the items a persona says nothing
    about get the wave's most common answer to the item (smallest code on ties; the median
    for number items), so a landmark is pulled only by what its persona says.
    """
    codes = job.answers.to_numpy(dtype=float)
    fill = _fill_values(codes, job.items)
    missing = np.isnan(codes)
    codes = np.where(missing, fill, codes)
    ranges = _number_ranges(codes, job.items)
    profiles = job.profiles.to_numpy(dtype=float)
    marks = np.where(np.isnan(profiles), fill, profiles)
    params = {
        "encoding": _ENCODING[job.metric],
        "filled_cells": int(missing.sum()),
        "fill": {item.id: float(v) for item, v in zip(job.items, fill, strict=True)},
    }
    return Encoded(encode(codes, job.items, ranges), encode(marks, job.items, ranges), params)


def _fill_values(codes: np.ndarray, items: Sequence[ItemSpec]) -> np.ndarray:
    fill = np.empty(len(items))
    for j, item in enumerate(items):
        column = codes[:, j][~np.isnan(codes[:, j])]
        if not len(column):
            fill[j] = item.low
        elif item.type == "number":
            fill[j] = np.median(column)
        else:
            values, counts = np.unique(column, return_counts=True)
            fill[j] = values[np.argmax(counts)]
    return fill


def _number_ranges(codes: np.ndarray, items: Sequence[ItemSpec]) -> np.ndarray:
    """Observed ``(min, max)`` per number item (NaN for the other types)."""
    ranges = np.full((len(items), 2), np.nan)
    for j, item in enumerate(items):
        if item.type == "number":
            ranges[j] = codes[:, j].min(), codes[:, j].max()
    return ranges


def expected_profiles(instrument: Instrument, item_ids: Sequence[str]) -> pd.DataFrame:
    """Rows = persona ids, columns = item ids: the answer code each persona implies (its
    landmark), read exactly as the comparison reads it
    (:func:`personas.instrument.expectations.expected_answers`)."""
    questions = [instrument.question(qid) for qid in item_ids]
    return expected_answers(instrument.personas, questions)

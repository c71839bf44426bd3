"""The numbers behind :func:`personas.compare.core.compare`.

* expected answer profiles of hand-made personas (and of ``names.yaml`` profile entries);
* agreement of a segment with a profile, question by question, and the similarity matrix;
* coverage: the share of respondents whose own answers agree with a persona;
* positions on tensions (personas, segments, respondents) and how well tensions separate the
  segments.

Everything works on answer codes (see :mod:`personas.instrument.model`). Every item is put on
a common [0, 1] "agreement" scale through ``low`` and ``span``: boolean 0..1, likert the scale's
``min .. max``, number the observed range. Choice items have no order: agreement with an
expected option is the share choosing it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personas.instrument.expectations import expected_answers
from personas.instrument.model import Instrument, Persona, Question
from personas.segment.model import Segmentation

__all__ = [
    "Frame",
    "frame",
    "expected_profiles",
    "agreement",
    "nanmean",
    "similarity",
    "coverage",
    "tension_positions",
    "separation",
]


@dataclass(frozen=True)
class Frame:
    """A segmentation laid out as arrays over the items both it and the instrument know.

    ``means`` is segments × items (share of True for booleans, mean code otherwise);
    ``freqs`` maps the position of each choice item to a segments × options array of shares.
    ``weights``: the respondents' survey weights (``answers`` order), or None: unweighted.
    With weights, ``shares``, ``means`` and ``freqs`` are weighted (they come from the
    segment profiles) and so is :func:`coverage`.
    """

    instrument: Instrument
    items: tuple[Question, ...]
    low: np.ndarray
    span: np.ndarray
    choice: np.ndarray
    segment_ids: tuple[int, ...]
    shares: np.ndarray
    means: np.ndarray
    freqs: dict[int, np.ndarray]
    answers: np.ndarray
    labels: np.ndarray
    weights: np.ndarray | None = None

    @property
    def item_ids(self) -> list[str]:
        return [q.id for q in self.items]


def frame(segmentation: Segmentation, instrument: Instrument) -> Frame:
    """Lay ``segmentation`` out as a :class:`Frame` over ``instrument``'s items."""
    answers = segmentation.clean.answers
    items = tuple(q for q in instrument.items if q.id in answers.columns)
    values = answers[[q.id for q in items]].to_numpy(dtype=float)
    low, span = _scales(items, values)
    profiles = sorted(segmentation.profiles, key=lambda p: p.id)
    ids = [q.id for q in items]
    means = np.vstack([p.means.reindex(ids).to_numpy(dtype=float) for p in profiles])
    freqs = {
        j: np.vstack([_choice_shares(p.frequencies, q) for p in profiles])
        for j, q in enumerate(items)
        if q.type == "choice"
    }
    labels = segmentation.labels.reindex(answers.index).to_numpy()
    weights = getattr(segmentation.clean, "weights", None)
    if weights is not None:
        weights = weights.reindex(answers.index).to_numpy(dtype=float)
    return Frame(
        instrument=instrument,
        items=items,
        low=low,
        span=span,
        choice=np.array([q.type == "choice" for q in items], dtype=bool),
        segment_ids=tuple(int(p.id) for p in profiles),
        shares=np.array([float(p.share) for p in profiles]),
        means=means.reshape(len(profiles), len(items)),
        freqs=freqs,
        answers=values,
        labels=labels,
        weights=weights,
    )


def _scales(items: Sequence[Question], values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low = np.zeros(len(items))
    span = np.ones(len(items))
    for j, q in enumerate(items):
        if q.type == "likert":
            low[j], span[j] = q.scale.min, max(q.scale.max - q.scale.min, 1)
        elif q.type == "number" and np.isfinite(values[:, j]).any():
            lo, hi = np.nanmin(values[:, j]), np.nanmax(values[:, j])
            low[j], span[j] = lo, (hi - lo) if hi > lo else 1.0
    return low, span


def _choice_shares(frequencies: pd.DataFrame, question: Question) -> np.ndarray:
    codes = [float(c) for c in question.codes]
    if question.id not in frequencies.index:
        return np.full(len(codes), np.nan)
    row = frequencies.loc[question.id]
    row.index = [float(c) for c in row.index]
    return row.reindex(codes).fillna(0.0).to_numpy(dtype=float)


def expected_profiles(personas: Iterable[Persona], fr: Frame) -> pd.DataFrame:
    """Rows = persona ids, columns = item ids: the code each persona expects, NaN if silent
    (see :func:`personas.instrument.expectations.expected_answers`)."""
    return expected_answers(personas, fr.items)


def agreement(expected: pd.DataFrame, fr: Frame) -> np.ndarray:
    """Profiles × segments × items: how far each segment answers as each profile expects.

    Ordered items: ``1 - |expected - segment mean| / span`` (for a boolean: the share of the
    segment answering as expected). Choice items: the share choosing the expected option.
    NaN where the profile is silent or the segment has no mean.
    """
    e = expected.to_numpy(dtype=float)
    out = 1.0 - np.abs(e[:, None, :] - fr.means[None, :, :]) / fr.span
    for j, shares in fr.freqs.items():
        col = e[:, j]
        picked = np.full((len(col), shares.shape[0]), np.nan)
        known = np.isfinite(col)
        picked[known] = shares[:, col[known].astype(int)].T
        out[:, :, j] = picked
    return np.clip(out, 0.0, 1.0)


def nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    """``np.nanmean`` without the all-NaN warning (an all-NaN slice gives NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=axis)


def similarity(expected: pd.DataFrame, fr: Frame) -> pd.DataFrame:
    """Rows = profiles, columns = segment ids: mean agreement over the questions each speaks to."""
    values = nanmean(agreement(expected, fr), axis=2)
    return pd.DataFrame(values, index=expected.index, columns=list(fr.segment_ids))


def coverage(expected: pd.DataFrame, fr: Frame, *, threshold: float) -> pd.Series:
    """Persona id -> share of respondents whose own answers agree with it >= ``threshold``.

    A respondent's agreement is computed like a segment's, on their own answers (a boolean
    answered as expected counts 1, otherwise 0), averaged over the questions the persona
    speaks to that the respondent answered. Vectorised over respondents; one pass per persona.
    With survey weights (``fr.weights``) it is the weighted share.
    """
    x = fr.answers
    shares = {}
    for pid, row in expected.iterrows():
        e = row.to_numpy(dtype=float)
        cols = np.flatnonzero(np.isfinite(e))
        if len(cols) == 0 or len(x) == 0:
            shares[pid] = 0.0
            continue
        sub = x[:, cols]
        agree = 1.0 - np.abs(sub - e[cols]) / fr.span[cols]
        chosen = fr.choice[cols]
        agree[:, chosen] = np.where(
            np.isnan(sub[:, chosen]), np.nan, sub[:, chosen] == e[cols][chosen]
        )
        mean = nanmean(np.clip(agree, 0.0, 1.0), axis=1)
        hit = np.nan_to_num(mean, nan=-1.0) >= threshold - 1e-9
        if fr.weights is None:
            shares[pid] = float(np.mean(hit))
        else:
            shares[pid] = float(np.average(hit, weights=fr.weights))
    return pd.Series(shares, dtype=float, name="coverage")


def tension_positions(values: np.ndarray, fr: Frame, index: Sequence) -> pd.DataFrame:
    """Rows = ``index``, columns = tension ids: position in [-1 (pole a), +1 (pole b)].

    ``values`` is rows × items in codes (a segment's means, a respondent's answers, a persona's
    expected codes). Each boolean/likert item of a tension is scaled to [0, 1] agreement and
    turned toward pole b (pole-a items reversed); the position is ``2 * mean - 1`` over the
    items with a value. The inverse of :func:`expected_profiles`, so a persona placed at -1
    reads back as -1.
    """
    scaled = (np.asarray(values, dtype=float) - fr.low) / fr.span
    out = {}
    for tension in fr.instrument.tensions:
        cols = [
            j
            for j, q in enumerate(fr.items)
            if q.tension == tension.id and q.pole in ("a", "b") and not fr.choice[j]
        ]
        if not cols:
            out[tension.id] = np.full(len(scaled), np.nan)
            continue
        toward_b = scaled[:, cols].copy()
        pole_a = [k for k, j in enumerate(cols) if fr.items[j].pole == "a"]
        toward_b[:, pole_a] = 1.0 - toward_b[:, pole_a]
        out[tension.id] = 2.0 * nanmean(toward_b, axis=1) - 1.0
    return pd.DataFrame(out, index=list(index), columns=[t.id for t in fr.instrument.tensions])


def separation(fr: Frame, segment_positions: pd.DataFrame) -> pd.DataFrame:
    """How strongly each tension separates the segments, most separating first.

    ``separation`` is eta squared (the correlation ratio of a one-way ANOVA): the share of the
    variance of respondents' own positions on the tension that lies *between* segments. It
    is in [0, 1], does not depend on segment labels, and, unlike the spread of segment
    positions alone, discounts segments that differ only a little relative to how much their
    members disagree. ``spread`` (share-weighted standard deviation of segment positions) is
    kept as the plain-words companion.
    """
    people = tension_positions(fr.answers, fr, range(len(fr.answers)))
    groups = people.groupby(fr.labels)
    grand = people.mean()
    between = (groups.count() * (groups.mean() - grand) ** 2).sum()
    total = ((people - grand) ** 2).sum()
    eta2 = (between / total.where(total > 0)).fillna(0.0).clip(0.0, 1.0)
    pos = segment_positions.to_numpy(dtype=float)
    w = fr.shares / fr.shares.sum() if fr.shares.sum() > 0 else fr.shares
    centre = np.nansum(pos * w[:, None], axis=0)
    spread = np.sqrt(np.nansum(w[:, None] * (pos - centre) ** 2, axis=0))
    rows = [
        {
            "tension": t.id,
            "label": t.label,
            "a": t.a,
            "b": t.b,
            "separation": float(eta2.get(t.id, 0.0)),
            "spread": float(spread[i]),
        }
        for i, t in enumerate(fr.instrument.tensions)
    ]
    table = pd.DataFrame(rows, columns=["tension", "label", "a", "b", "separation", "spread"])
    return table.sort_values(
        ["separation", "tension"], ascending=[False, True], kind="stable", ignore_index=True
    )

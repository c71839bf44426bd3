"""Real-world dirt for simulated waves: inattentive respondents, speeders, straight-liners,
missing answers, resubmitted (duplicated) rows and the many ways people spell True/False.

Every function works on whole arrays (one loop over *questions* at most) and draws from the
caller's :class:`numpy.random.Generator`, so a seed gives the same dirt every time.
"""

from __future__ import annotations

import numpy as np

from personas.instrument.model import Instrument, Question
from personas.simulate._plant import random_codes
from personas.simulate._truth import Dirt

__all__ = [
    "KINDS",
    "draw_kinds",
    "apply_kinds",
    "durations",
    "missing_cells",
    "to_text",
    "missing_text",
    "respell",
    "duplicate_sources",
]

KINDS = ("clean", "attention_failed", "speeder", "straightliner")
_SPELLINGS = np.array(
    [
        ["No", "Yes"],
        ["no", "yes"],
        ["N", "Y"],
        ["n", "y"],
        ["0", "1"],
        ["FALSE", "TRUE"],
        ["false", "true"],
        ["F", "T"],
        ["f", "t"],
    ],
    dtype=object,
)
_PADS = np.array([["", ""], [" ", ""], ["", " "], [" ", " "], ["", "  "]], dtype=object)
_PAD_P = [0.6, 0.15, 0.15, 0.05, 0.05]
_MEDIAN_SECONDS = 210.0  # 3.5 minutes
_DURATION_SIGMA = 0.35
_DURATION_RANGE = (80, 1800)
_SPEEDER_RANGE = (8, 41)


def draw_kinds(n: int, dirt: Dirt, instrument: Instrument, rng: np.random.Generator) -> np.ndarray:
    """Index into :data:`KINDS` per respondent; kinds that cannot happen get no respondents."""
    attention = dirt.attention if instrument.attention_checks else 0.0
    straight = dirt.straightliners if len(instrument.items) >= 2 else 0.0
    rates = np.array([0.0, attention, dirt.speeders, straight])
    rates[0] = max(0.0, 1.0 - rates.sum())
    return rng.choice(len(KINDS), size=n, p=rates / rates.sum())


def apply_kinds(
    codes: np.ndarray, kinds: np.ndarray, instrument: Instrument, rng: np.random.Generator
) -> np.ndarray:
    """A copy of ``codes`` in which each dirty kind answers the way it does.

    Inattentive respondents and speeders answer items at random; the inattentive also get at
    least one attention check wrong. Straight-liners give every item the same relative answer
    (all True, all False, all the same scale point).
    """
    out = codes.copy()
    random_rows = np.flatnonzero((kinds == 1) | (kinds == 2))
    straight_rows = np.flatnonzero(kinds == 3)
    level = rng.random(len(straight_rows))
    for j, question in enumerate(instrument.questions):
        if question.is_attention_check:
            continue
        out[random_rows, j] = random_codes(question, len(random_rows), rng)
        if question.type != "number":
            values = np.asarray(question.codes)
            out[straight_rows, j] = values[(level * len(values)).astype(int)]
    _fail_checks(out, np.flatnonzero(kinds == 1), instrument, rng)
    return out


def _fail_checks(
    out: np.ndarray, rows: np.ndarray, instrument: Instrument, rng: np.random.Generator
) -> None:
    """Each of ``rows`` gets every check wrong with probability 1/2, and at least one wrong."""
    checks = [j for j, q in enumerate(instrument.questions) if q.is_attention_check]
    if not checks or not len(rows):
        return
    wrong = rng.random((len(rows), len(checks))) < 0.5
    wrong[np.arange(len(rows)), rng.integers(len(checks), size=len(rows))] = True
    for c, j in enumerate(checks):
        hit = rows[wrong[:, c]]
        out[hit, j] = _wrong_answer(instrument.questions[j], len(hit), rng)


def _wrong_answer(question: Question, size: int, rng: np.random.Generator) -> np.ndarray:
    values = np.asarray(question.codes)
    if question.type == "number" or len(values) < 2:
        return np.full(size, question.attention + 1.0)
    expected = int(np.flatnonzero(values == question.attention)[0])
    return values[(expected + rng.integers(1, len(values), size=size)) % len(values)]


def durations(kinds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole seconds: lognormal around 3.5 minutes; speeders 8–40 seconds."""
    normal = rng.lognormal(np.log(_MEDIAN_SECONDS), _DURATION_SIGMA, size=len(kinds))
    fast = rng.integers(*_SPEEDER_RANGE, size=len(kinds))
    seconds = np.where(kinds == 2, fast, np.clip(np.round(normal), *_DURATION_RANGE))
    return seconds.astype(np.int64)


def missing_cells(
    shape: tuple[int, int], rate: float, instrument: Instrument, rng: np.random.Generator
) -> np.ndarray:
    """Boolean mask of unanswered cells; attention checks are always answered."""
    items = np.array([not q.is_attention_check for q in instrument.questions])
    return (rng.random(shape) < rate) & items[None, :]


def to_text(codes: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Codes as a survey tool exports them: "True"/"False", scale points, option text."""
    text = np.empty(codes.shape, dtype=object)
    for j, question in enumerate(instrument.questions):
        column = codes[:, j]
        if question.type == "number":
            text[:, j] = np.char.mod("%g", column).astype(object)
            continue
        values = np.asarray(question.codes)
        labels = np.array(_labels(question), dtype=object)
        text[:, j] = labels[np.searchsorted(values, np.nan_to_num(column, nan=values[0]))]
    return text


def _labels(question: Question) -> list[str]:
    if question.type == "boolean":
        return ["False", "True"]
    if question.type == "likert":
        return [str(p) for p in question.scale.points]
    return list(question.options)


def missing_text(
    text: np.ndarray, mask: np.ndarray, instrument: Instrument, rng: np.random.Generator
) -> np.ndarray:
    """Write missing cells as empty or as one of the instrument's ``data.missing`` codes."""
    tokens = np.array([str(m) for m in instrument.data.missing] or [""], dtype=object)
    out = text.copy()
    out[mask] = tokens[rng.integers(len(tokens), size=int(mask.sum()))]
    return out


def respell(
    text: np.ndarray,
    codes: np.ndarray,
    rate: float,
    instrument: Instrument,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Spell a share ``rate`` of answered boolean cells another way; returns text and mask."""
    boolean = np.array([q.type == "boolean" for q in instrument.questions])
    mask = (rng.random(codes.shape) < rate) & boolean[None, :] & ~np.isnan(codes)
    rows, cols = np.nonzero(mask)
    variant = rng.integers(len(_SPELLINGS), size=len(rows))
    pads = _PADS[rng.choice(len(_PADS), size=len(rows), p=_PAD_P)]
    words = _SPELLINGS[variant, codes[rows, cols].astype(int)]
    out = text.copy()
    out[rows, cols] = pads[:, 0] + words + pads[:, 1]
    return out, mask


def duplicate_sources(n: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Row each row is copied from: itself, or (share ``rate``) an earlier original row."""
    index = np.arange(n)
    duplicate = rng.random(n) < rate
    duplicate[:1] = False
    originals = np.flatnonzero(~duplicate)
    before = np.searchsorted(originals, index)  # originals strictly before each row
    pick = np.minimum((rng.random(n) * before).astype(int), np.maximum(before - 1, 0))
    return np.where(duplicate, originals[pick], index)

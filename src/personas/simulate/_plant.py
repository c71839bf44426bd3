"""Draw clean answers (as codes) for respondents of planted segments.

Every question gets a table of answer probabilities per segment, built from the segment's
position on the question's tension (or its fixed answer), then mixed with noise. Respondents
are drawn from those tables one *question* at a time, all respondents at once.
"""

from __future__ import annotations

import numpy as np

from personas.errors import Problem
from personas.instrument.model import Instrument, Question
from personas.simulate._truth import Truth

__all__ = ["answer_table", "sample_codes", "truth_problems", "random_codes"]

_LIKERT_WIDTH = 0.2  # spread of a likert answer around its target, as a share of the scale


def truth_problems(truth: Truth, instrument: Instrument) -> list[Problem]:
    """What in a :class:`Truth` built in code does not fit the instrument (none if loaded)."""
    tensions = {t.id for t in instrument.tensions}
    questions = {q.id for q in instrument.items}
    problems = [
        Problem(p.message, hint="Check the truth's dirt rates") for p in truth.dirt.problems()
    ]
    if not truth.segments:
        problems.append(Problem("the truth plants no segments", code="no-segments"))
    if not 0 <= truth.noise < 0.5:
        problems.append(Problem("noise must be from 0 to below 0.5", value=truth.noise))
    for s in truth.segments:
        if not s.share >= 0:
            problems.append(Problem(f"segment {s.id!r} has a negative share", value=s.share))
        if s.noise is not None and not 0 <= s.noise < 0.5:
            problems.append(Problem(f"segment {s.id!r} noise must be below 0.5", value=s.noise))
        for tid, pos in s.tensions.items():
            if tid not in tensions or not -1 <= pos <= 1:
                problems.append(
                    Problem(f"segment {s.id!r} has a bad position on {tid!r}", value=pos)
                )
        problems += [
            Problem(f"segment {s.id!r} answers unknown question {qid!r}", code="unknown-question")
            for qid in s.answers
            if qid not in questions
        ]
    if truth.segments and not sum(s.share for s in truth.segments) > 0:
        problems.append(Problem("segment shares add up to 0", code="bad-share"))
    return problems


def _target(question: Question, position: float | None) -> float | None:
    """Where on [0, 1] (0 = False / lowest point) a position puts the answer, ``None`` = random."""
    if position is None or question.tension is None or question.pole is None:
        return None
    direction = 1.0 if question.pole == "b" else -1.0
    return 0.5 + 0.5 * position * direction


def _base(question: Question, target: float | None, answer: float | None) -> np.ndarray:
    """Answer probabilities before noise, over ``question.codes``."""
    codes = np.asarray(question.codes)
    k = len(codes)
    if answer is not None:
        return (codes == answer).astype(float)
    if target is None or question.type == "choice":
        return np.full(k, 1.0 / k)
    if question.type == "boolean":
        return np.array([1.0 - target, target])
    points = np.linspace(0.0, 1.0, k)
    weights = np.exp(-0.5 * ((points - target) / _LIKERT_WIDTH) ** 2)
    return weights / weights.sum()


def answer_table(question: Question, truth: Truth) -> np.ndarray:
    """``(segments, codes)`` answer probabilities of one question, noise included.

    Noise replaces an answer with a uniformly random one with probability ``2 * noise``, so a
    True/False answer is flipped with probability ``noise`` and a segment at a pole answers
    toward it with probability ``1 - noise``.
    """
    rows = []
    for s in truth.segments:
        noise = truth.noise if s.noise is None else s.noise
        base = _base(
            question,
            _target(question, s.tensions.get(question.tension)),
            s.answers.get(question.id),
        )
        rows.append((1 - 2 * noise) * base + 2 * noise / len(base))
    return np.vstack(rows)


def _draw(table: np.ndarray, group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One code index per respondent from the rows ``table[group]`` (inverse-CDF sampling)."""
    cumulative = np.cumsum(table, axis=1)[group]
    u = rng.random(len(group))[:, None] * cumulative[:, -1:]
    return np.minimum((cumulative <= u).sum(axis=1), table.shape[1] - 1)


def _number(
    question: Question, truth: Truth, group: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Number items: around a segment's fixed answer (sd 10 %, at least 1), else standard normal."""
    centre = np.zeros(len(truth.segments))
    spread = np.ones(len(truth.segments))
    for i, s in enumerate(truth.segments):
        if question.id in s.answers:
            centre[i] = s.answers[question.id]
            spread[i] = max(1.0, 0.1 * abs(centre[i]))
    return np.round(rng.normal(centre[group], spread[group]), 2)


def sample_codes(
    instrument: Instrument, truth: Truth, group: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """``(respondents, questions)`` codes of attentive respondents of segments ``group``.

    Attention checks get their expected answer; every other question is drawn from
    :func:`answer_table`.
    """
    out = np.empty((len(group), len(instrument.questions)))
    for j, question in enumerate(instrument.questions):
        if question.is_attention_check:
            out[:, j] = question.attention
        elif question.type == "number":
            out[:, j] = _number(question, truth, group, rng)
        else:
            codes = np.asarray(question.codes)
            out[:, j] = codes[_draw(answer_table(question, truth), group, rng)]
    return out


def random_codes(question: Question, size: int, rng: np.random.Generator) -> np.ndarray:
    """Answers of someone not reading: uniform over the codes (standard normal for numbers)."""
    if question.type == "number":
        return np.round(rng.normal(size=size), 2)
    codes = np.asarray(question.codes)
    return codes[rng.integers(len(codes), size=size)]

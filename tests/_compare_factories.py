"""Hand-built inputs for the comparison tests: instruments, planted answers, segmentations.

The segmentation stage is written separately; these factories build its objects by hand (with
profiles computed directly from planted answers) so the comparison can be tested on its own.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from personas.cleaning.model import CleanResponses, Ledger
from personas.instrument import load_instrument
from personas.instrument.model import Instrument, Persona, Question, Scale, Tension
from personas.io.responses import Source
from personas.segment.model import Segmentation, SegmentProfile

REPO = Path(__file__).resolve().parents[1]
JOBSITE = REPO / "surveys" / "jobsite"

POLES = {"a": -1.0, "b": 1.0, "mid": 0.0}

# The jobsite truth as the case study tells it: the Survivor and the Quick Win are one segment
# (speed a, pay a, every other tension 50/50); the four other personas one segment each.
JOBSITE_SEGMENTS = [
    (560, {"speed": "a", "pay": "a"}),
    (380, {"speed": "b", "pay": "b", "horizon": "b", "guidance": "a"}),
    (360, {"horizon": "b", "guidance": "b", "security": "a", "place": "b"}),
    (300, {"place": "a", "security": "b", "guidance": "a", "horizon": "a"}),
    (240, {"place": "a", "guidance": "b", "security": "a", "speed": "b"}),
]


def jobsite_instrument() -> Instrument:
    return load_instrument(JOBSITE)


def toy_instrument(
    personas: dict[str, dict] | None = None,
    *,
    tensions: tuple[str, ...] = ("t1", "t2", "t3"),
    extra: tuple[Question, ...] = (),
) -> Instrument:
    """Tensions ``t1..``, each with four boolean items (``t1_a1, t1_a2, t1_b1, t1_b2``)."""
    ts = tuple(Tension(t, f"{t.upper()} label", f"{t} pole a", f"{t} pole b") for t in tensions)
    questions = tuple(
        Question(f"{t}_{pole}{i}", f"{t} {pole} {i}", "boolean", tension=t, pole=pole)
        for t in tensions
        for pole in ("a", "b")
        for i in (1, 2)
    ) + tuple(extra)
    people = tuple(
        Persona(
            pid,
            spec.get("name", f"The {pid.title()}"),
            tensions={t: POLES.get(v, v) for t, v in spec.get("tensions", {}).items()},
            answers=spec.get("answers", {}),
        )
        for pid, spec in (personas or {}).items()
    )
    return Instrument("toy", "Toy study", ts, questions, people)


def likert_question(qid: str, tension: str, pole: str) -> Question:
    return Question(qid, qid, "likert", tension=tension, pole=pole, scale=Scale(1, 5))


def choice_question(qid: str, options=("mobile", "desktop", "both")) -> Question:
    return Question(qid, qid, "choice", options=tuple(options))


def planted(
    instrument: Instrument,
    segments: list[tuple[int, dict]],
    *,
    noise: float = 0.1,
    answers: list[dict] | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.Series]:
    """Answers of planted segments: ``(size, {tension: a|b|mid|number})`` each, in order.

    Boolean items at a pole are answered as the pole says with probability ``1 - noise``;
    tensions a segment does not mention are answered 50/50. Likert items get the pole's end of
    the scale (or a uniform point when random) replaced by a uniform point with probability
    ``2 * noise``. Choice items are uniform unless ``answers[i]`` fixes them.
    """
    rng = np.random.default_rng(seed)
    items = instrument.items
    blocks, labels = [], []
    for index, (size, positions) in enumerate(segments):
        fixed = (answers or [{}] * len(segments))[index]
        block = np.column_stack(
            [_column(rng, q, size, positions, fixed.get(q.id), noise) for q in items]
        )
        blocks.append(block)
        labels.extend([index + 1] * size)
    ids = [f"r{i:05d}" for i in range(len(labels))]
    frame = pd.DataFrame(np.vstack(blocks), index=ids, columns=[q.id for q in items])
    return frame, pd.Series(labels, index=ids, name="segment")


def _column(rng, q: Question, n: int, positions: dict, fixed, noise: float) -> np.ndarray:
    if fixed is not None:
        return np.full(n, float(fixed))
    if q.type == "choice":
        return rng.integers(0, len(q.options), n).astype(float)
    pos = positions.get(q.tension)
    lean = None if pos is None else POLES.get(pos, pos)
    if q.type == "boolean":
        p = 0.5 if lean is None else _toward(q, lean) * (1 - 2 * noise) + noise
        return (rng.random(n) < p).astype(float)
    points = np.array(q.scale.points, dtype=float)
    uniform = rng.choice(points, n)
    if lean is None:
        return uniform
    target = q.scale.min + _toward(q, lean) * (q.scale.max - q.scale.min)
    return np.where(rng.random(n) < 2 * noise, uniform, np.round(target))


def _toward(q: Question, lean: float) -> float:
    return (1 - lean) / 2 if q.pole == "a" else (1 + lean) / 2


def segmentation(
    instrument: Instrument, answers: pd.DataFrame, labels: pd.Series, *, random_state: int = 0
) -> Segmentation:
    """A :class:`Segmentation` whose profiles are computed directly from ``labels``."""
    ledger = Ledger(
        pd.DataFrame(
            {
                "respondent": answers.index,
                "row": np.arange(2, len(answers) + 2),
                "status": "kept",
                "reason": "",
                "other_reasons": "",
            }
        )
    )
    source = Source(Path("wave.csv"), "csv", "0" * 64)
    clean = CleanResponses(instrument, answers, ledger, source)
    profiles = tuple(_profile(instrument, answers, labels, int(k)) for k in sorted(labels.unique()))
    centers = pd.DataFrame([p.profile for p in profiles], index=[p.id for p in profiles])
    return Segmentation(
        clean=clean,
        method="kmodes",
        k=len(profiles),
        random_state=random_state,
        labels=labels.astype(int),
        distances=pd.Series(0.0, index=answers.index),
        centers=centers,
        profiles=profiles,
        selection=None,
        model={},
    )


def _profile(instrument, answers: pd.DataFrame, labels: pd.Series, k: int) -> SegmentProfile:
    members = answers[labels == k]
    share = len(members) / len(answers)
    freqs = pd.DataFrame(
        {q: members[q].value_counts(normalize=True) for q in members.columns}
    ).T.sort_index(axis=1)
    modes = members.mode().iloc[0]
    means = members.mean()
    profile = pd.Series(
        {
            q.id: means[q.id] if q.type in ("likert", "number") else modes[q.id]
            for q in instrument.items
        }
    )
    return SegmentProfile(
        id=k,
        size=len(members),
        share=share,
        share_ci=(share, share),
        profile=profile,
        means=means,
        frequencies=freqs,
        distinctive=pd.DataFrame(
            columns=["question", "answer", "label", "share", "overall", "difference", "lift"]
        ),
        tensions=_positions(instrument, means),
        medoid=str(members.index[0]),
    )


def _positions(instrument: Instrument, means: pd.Series) -> pd.Series:
    out = {}
    for t in instrument.tensions:
        toward_b = []
        for q in instrument.questions_of(t.id):
            if q.type not in ("boolean", "likert"):
                continue
            lo, hi = (0, 1) if q.type == "boolean" else (q.scale.min, q.scale.max)
            v = (means[q.id] - lo) / (hi - lo)
            toward_b.append(v if q.pole == "b" else 1 - v)
        out[t.id] = 2 * np.mean(toward_b) - 1 if toward_b else np.nan
    return pd.Series(out, dtype=float)


def relabel(seg: Segmentation, mapping: dict[int, int]) -> Segmentation:
    """The same segmentation with segment ids renamed by ``mapping`` (old -> new)."""
    profiles = tuple(
        sorted((replace(p, id=mapping[p.id]) for p in seg.profiles), key=lambda p: p.id)
    )
    centers = seg.centers.rename(index=mapping).sort_index()
    return replace(seg, labels=seg.labels.map(mapping), profiles=profiles, centers=centers)


def jobsite_segmentation(*, seed: int = 0, noise: float = 0.1) -> Segmentation:
    instrument = jobsite_instrument()
    answers, labels = planted(instrument, JOBSITE_SEGMENTS, noise=noise, seed=seed)
    return segmentation(instrument, answers, labels)

"""Hand-built inputs for the segmentation tests: instruments, cleaned answers, planted data.

The instrument loader and the cleaning stage are written separately; these factories build
their objects directly so the segmentation can be tested on its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from personas.cleaning.model import CleanResponses, Ledger
from personas.instrument.model import Instrument, Question, Scale, Tension
from personas.io.responses import Source


def boolean_instrument(n_items: int, *, n_tensions: int = 0) -> Instrument:
    """``n_items`` boolean items ``q01..``; with tensions, items cycle over them, poles a/b."""
    tensions = tuple(Tension(f"t{i}", f"T{i}", f"t{i} a", f"t{i} b") for i in range(n_tensions))
    questions = []
    for j in range(n_items):
        tension = tensions[j % n_tensions].id if n_tensions else None
        pole = ("a", "b")[(j // max(n_tensions, 1)) % 2] if n_tensions else None
        questions.append(Question(f"q{j + 1:02d}", f"item {j + 1}", "boolean", tension, pole))
    return Instrument("toy", "Toy study", tensions, tuple(questions))


def mixed_instrument() -> Instrument:
    """One tension, every question type: boolean (pole a), likert 1-5 (pole b), choice, number."""
    tension = Tension("speed", "Speed vs fit", "Quickly", "Perfect")
    questions = (
        Question("b1", "bool", "boolean", "speed", "a"),
        Question("b2", "bool", "boolean", "speed", "a"),
        Question("l1", "likert", "likert", "speed", "b", scale=Scale(1, 5)),
        Question("c1", "choice", "choice", options=("mobile", "desktop", "both")),
        Question("n1", "number", "number"),
    )
    return Instrument("mixed", "Mixed study", (tension,), questions)


def clean_from(instrument: Instrument, codes, *, ids=None) -> CleanResponses:
    """CleanResponses holding ``codes`` (rows = respondents, columns = instrument items)."""
    codes = np.asarray(codes, dtype=np.float64)
    ids = [f"r{i:05d}" for i in range(codes.shape[0])] if ids is None else list(ids)
    columns = [q.id for q in instrument.items]
    answers = pd.DataFrame(codes, index=pd.Index(ids, name="respondent"), columns=columns)
    table = pd.DataFrame(
        {
            "respondent": ids,
            "row": np.arange(2, len(ids) + 2),
            "status": "kept",
            "reason": "",
            "other_reasons": "",
        }
    )
    source = Source(Path("toy.csv"), "csv", "0" * 64)
    return CleanResponses(instrument, answers, Ledger(table), source, {"rule": "auto", "cells": 0})


def planted(
    n: int,
    n_items: int,
    n_segments: int,
    *,
    noise: float,
    random_state: int,
    shares=None,
    n_categories: int = 2,
):
    """Answers planted from random prototype answer patterns, each answer replaced by a random
    one with probability ``noise``. Returns (codes, true segment of each row)."""
    rng = np.random.default_rng(random_state)
    prototypes = _distinct_prototypes(rng, n_segments, n_items, n_categories)
    truth = rng.choice(n_segments, size=n, p=shares)
    codes = prototypes[truth]
    flip = rng.random(codes.shape) < noise
    codes = np.where(flip, rng.integers(0, n_categories, size=codes.shape), codes)
    return codes.astype(np.float64), truth


def _distinct_prototypes(rng, k: int, d: int, m: int) -> np.ndarray:
    """k random answer patterns that differ pairwise on at least a third of the items."""
    while True:
        protos = rng.integers(0, m, size=(k, d))
        apart = (protos[:, None, :] != protos[None, :, :]).sum(axis=2)
        if (apart[~np.eye(k, dtype=bool)] >= d // 3).all():
            return protos

"""Synthetic survey waves with a known answer: planted segments plus real-world dirt.

:func:`simulate` draws a wave of respondents from planted segments (the hand-made personas,
or the segments of a ``truth.yaml`` read by :func:`load_truth`), answers the instrument's
questions for them, and dirties the result the way real exports are dirty: inattentive
respondents, speeders, straight-liners, missing answers, duplicated rows and True/False spelled
a dozen ways. :func:`write_wave` saves it as a survey tool would (csv, xlsx, sav, parquet).
The answer key travels along (``Simulation.truth``), so every later stage can be checked: does
cleaning catch the dirt, does segmentation recover the segments?

Examples
--------
>>> from personas.instrument import load_instrument
>>> inst = load_instrument("surveys/jobsite/instrument.yaml")
>>> truth = load_truth("surveys/jobsite/truth.yaml", inst)
>>> sim = simulate(inst, n=500, random_state=1, truth=truth)
>>> sim
Simulation('jobsite': 500 rows, 5 planted segments, random_state=1)
>>> list(sim.data.columns[:3])
['respondent_id', 'duration_seconds', 'q01']
>>> int(sim.truth["speeder"].sum()) > 0
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from personas.errors import InputError, Problem
from personas.instrument.model import Instrument
from personas.simulate import _dirt
from personas.simulate._plant import sample_codes, truth_problems
from personas.simulate._truth import Dirt, Drift, PlantedSegment, Truth
from personas.simulate._truth_file import load_truth
from personas.simulate._wave_file import write_wave
from personas.simulate.model import Simulation

__all__ = [
    "simulate",
    "Simulation",
    "write_wave",
    "load_truth",
    "Truth",
    "PlantedSegment",
    "Drift",
    "Dirt",
]

DEFAULT_ID_COLUMN = "respondent_id"
DEFAULT_DURATION_COLUMN = "duration_seconds"


def simulate(
    instrument: Instrument,
    *,
    n: int = 2000,
    random_state: int | np.random.Generator | None = 0,
    truth: Truth | None = None,
    dirt: Dirt | Mapping[str, float] | None = None,
    wave: str | None = None,
) -> Simulation:
    """Simulate one raw survey wave from planted segments, with real-world dirt.

    Parameters
    ----------
    instrument
        The study whose questions are answered.
    n
        Rows in the wave (duplicated rows included).
    random_state
        Seed or generator; the same seed gives an identical wave.
    truth
        What to plant. Default: one segment per hand-made persona, equal shares, noise 0.1.
    dirt
        Dirt rates overriding the truth's (a :class:`Dirt`, or a partial mapping such as
        ``{"speeders": 0.1}``); ``Dirt.none()`` for a perfectly clean wave.
    wave
        Name of the wave; the truth's ``drift`` for that wave is applied (shares shift,
        segments appear).

    Returns
    -------
    Simulation

    Raises
    ------
    InputError
        For a bad ``n``, unknown dirt kinds, rates outside [0, 1], or a truth that does not fit
        the instrument.
    """
    planted = (truth if truth is not None else Truth.from_personas(instrument)).for_wave(wave)
    rates = planted.dirt.updated(dirt)
    _check(instrument, planted, rates, n)
    rng = np.random.default_rng(random_state)
    shares = np.array([s.share for s in planted.segments])
    group = rng.choice(len(shares), size=n, p=shares / shares.sum())
    kinds = _dirt.draw_kinds(n, rates, instrument, rng)
    codes = _dirt.apply_kinds(sample_codes(instrument, planted, group, rng), kinds, instrument, rng)
    seconds = _dirt.durations(kinds, rng)
    missing = _dirt.missing_cells(codes.shape, rates.missing, instrument, rng)
    codes[missing] = np.nan
    text = _dirt.missing_text(_dirt.to_text(codes, instrument), missing, instrument, rng)
    text, respelled = _dirt.respell(text, codes, rates.spellings, instrument, rng)
    source = _dirt.duplicate_sources(n, rates.duplicates, rng)
    ids = _ids(n)[source]
    data = _frame(instrument, ids, seconds[source], text[source])
    key = _truth_frame(
        planted, ids, group[source], kinds[source], missing[source], respelled[source]
    )
    key["duplicate"] = source != np.arange(n)
    key["clean"] = (kinds[source] == 0) & ~key["duplicate"].to_numpy()
    columns = [q.id for q in instrument.questions]
    return Simulation(
        instrument=instrument,
        data=data,
        truth=key,
        segments=_segments_frame(planted),
        codes=pd.DataFrame(codes[source], columns=columns),
        planted=planted,
        dirt=rates,
        random_state=random_state if isinstance(random_state, int) else None,
        wave=wave,
    )


def _check(instrument: Instrument, truth: Truth, dirt: Dirt, n: int) -> None:
    problems = truth_problems(truth, instrument) + dirt.problems()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        problems.insert(0, Problem("The 'n' option must be a whole number of at least 1", value=n))
    if problems:
        raise InputError(problems)


def _ids(n: int) -> np.ndarray:
    """``R0001`` .. ``R2000``: zero-padded so they sort as text."""
    digits = np.char.zfill(np.arange(1, n + 1).astype(str), max(4, len(str(n))))
    return np.char.add("R", digits).astype(object)


def _raw_names(instrument: Instrument) -> list[str]:
    """Column name of each question in a raw file: the mapped raw name, else its id."""
    raw = {qid: column for column, qid in instrument.data.columns.items()}
    return [raw.get(q.id, q.id) for q in instrument.questions]


def _frame(
    instrument: Instrument, ids: np.ndarray, seconds: np.ndarray, text: np.ndarray
) -> pd.DataFrame:
    mapping = instrument.data
    columns = {
        mapping.id_column or DEFAULT_ID_COLUMN: pd.array(ids, dtype="str"),
        mapping.duration_column or DEFAULT_DURATION_COLUMN: seconds,
    }
    for name, j in zip(_raw_names(instrument), range(text.shape[1]), strict=True):
        columns[name] = pd.array(text[:, j], dtype="str")
    return pd.DataFrame(columns)


def _truth_frame(
    truth: Truth,
    ids: np.ndarray,
    group: np.ndarray,
    kinds: np.ndarray,
    missing: np.ndarray,
    respelled: np.ndarray,
) -> pd.DataFrame:
    segment_ids = np.array([s.id for s in truth.segments], dtype=object)
    frame = pd.DataFrame(
        {
            "respondent": pd.array(ids, dtype="str"),
            "segment": pd.array(segment_ids[group], dtype="str"),
        }
    )
    for code, name in enumerate(_dirt.KINDS[1:], start=1):
        frame[name] = kinds == code
    frame["n_missing"] = missing.sum(axis=1)
    frame["n_respelled"] = respelled.sum(axis=1)
    return frame


def _segments_frame(truth: Truth) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [s.id for s in truth.segments],
            "name": [s.name for s in truth.segments],
            "share": [s.share for s in truth.segments],
            "personas": [", ".join(s.personas) for s in truth.segments],
        }
    )

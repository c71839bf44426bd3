"""Synthetic waves with a known answer: planted segments plus real-world dirt.

Takes an :class:`~personas.instrument.Instrument` (and optionally a ``truth.yaml`` read by
``load_truth``); gives a frozen :class:`Simulation` (the raw wave as a survey tool exports it,
and its answer key) that ``write_wave`` saves as csv, xlsx, sav or parquet. ``_plant`` draws the
answers of planted segments, ``_dirt`` adds inattentive, speeding and straight-lining
respondents, missing answers and odd spellings; ``_truth`` / ``_truth_file`` are the truth
model and its YAML reader.
"""

from personas.simulate.core import (
    DEFAULT_DURATION_COLUMN,
    DEFAULT_ID_COLUMN,
    Dirt,
    Drift,
    PlantedSegment,
    Truth,
    load_truth,
    simulate,
    write_wave,
)
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
    "DEFAULT_ID_COLUMN",
    "DEFAULT_DURATION_COLUMN",
]

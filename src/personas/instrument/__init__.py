"""The instrument stage: the tension model, its survey questions and hand-made personas.

``load_instrument(path)`` reads and validates ``instrument.yaml`` into a frozen
:class:`Instrument`; :mod:`personas.instrument.export` turns it into a survey to field.
"""

from personas.instrument.load import describe, load_instrument
from personas.instrument.model import (
    QUESTION_TYPES,
    CleaningRules,
    DataMapping,
    Instrument,
    Persona,
    Question,
    Scale,
    Tension,
)

__all__ = [
    "load_instrument",
    "describe",
    "QUESTION_TYPES",
    "Instrument",
    "Tension",
    "Scale",
    "Question",
    "Persona",
    "DataMapping",
    "CleaningRules",
]

"""Typing tool: the few questions that put a new person into a saved run's segments.

Takes a saved :class:`~personas.run.Run` (its respondents' answers, re-read from the run's
wave file with the run's own instrument, and their segments); gives a :class:`Screener`: the
smallest question set found by forward selection whose points table (a categorical naive
Bayes rule: add each answer's points per segment, take the highest) reproduces the run's
segments with at least a target cross-validated accuracy, written as ``typing.json`` in the
run folder. :func:`apply_screener` types new people from those questions alone.
"""

from personas.typing.core import (
    TYPING_SCHEMA,
    Screener,
    TypingWarning,
    apply_screener,
    confused_pairs,
    find_screener,
)
from personas.typing.files import (
    load_typing,
    run_answers,
    run_wave,
    screener_instrument,
    type_run,
)

__all__ = [
    "TYPING_SCHEMA",
    "Screener",
    "TypingWarning",
    "apply_screener",
    "confused_pairs",
    "find_screener",
    "load_typing",
    "run_answers",
    "run_wave",
    "screener_instrument",
    "type_run",
]

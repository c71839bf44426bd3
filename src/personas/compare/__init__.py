"""Stage 5, compare: which hand-made personas does the data confirm?

Takes a :class:`~personas.segment.Segmentation` and the :class:`~personas.instrument.Instrument`
(its hand-made personas, and optionally a ``names.yaml``); gives a frozen :class:`Comparison`:
a similarity matrix, a verdict per persona (confirmed / merged / split / unsupported) with its
reason in plain words, the new segments no persona accounts for, positions on every tension, and
a name for every segment. ``core`` holds the stage function, ``model`` the result objects,
``names`` the ``names.yaml`` reader; the private modules are the numbers and words behind them.
"""

from personas.compare.core import (
    DEFAULT_CONFIRM,
    DEFAULT_COVERAGE_THRESHOLD,
    VERDICTS,
    Comparison,
    PersonaVerdict,
    SegmentMatch,
    SegmentName,
    compare,
    comparison_summary,
    verdict_paragraph,
    verdict_table,
)
from personas.compare.names import Names, apply_names, load_names

__all__ = [
    "compare",
    "Comparison",
    "PersonaVerdict",
    "SegmentMatch",
    "SegmentName",
    "VERDICTS",
    "DEFAULT_CONFIRM",
    "DEFAULT_COVERAGE_THRESHOLD",
    "comparison_summary",
    "verdict_paragraph",
    "verdict_table",
    "Names",
    "load_names",
    "apply_names",
]

"""Segmentation stage: group respondents (k-modes, k-means or k-prototypes), choose k, and
describe each segment.

``segment(clean)`` returns a :class:`Segmentation`; ``assign_codes(model, answers)`` puts new
respondents into a fitted model's segments; :class:`KModes` is the scikit-learn-style k-modes
estimator underneath.
"""

from personas.segment._apply import assign_codes
from personas.segment.core import segment
from personas.segment.kmodes import KModes
from personas.segment.model import Segmentation, SegmentProfile, Selection
from personas.segment.profiles import wilson_interval
from personas.segment.select import elbow

__all__ = [
    "KModes",
    "SegmentProfile",
    "Segmentation",
    "Selection",
    "assign_codes",
    "elbow",
    "segment",
    "wilson_interval",
]

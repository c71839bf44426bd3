"""Survey waves: a new wave against a baseline run, and new respondents into a run's segments.

``compare_with_baseline`` aligns a new wave's segments with a baseline run's (Hungarian
matching of profiles) and tests the share changes; ``assign`` / ``assign_file`` put new
respondents into an existing run's segments with the run's own model. Both read only saved
:class:`~personas.run.Run` folders.
"""

from personas.waves._screener import assign_screener_file
from personas.waves.assignment import Assignment, assign, assign_file, check_model_matches
from personas.waves.core import align_segments, compare_with_baseline, share_changes

__all__ = [
    "align_segments",
    "share_changes",
    "compare_with_baseline",
    "Assignment",
    "assign",
    "assign_file",
    "assign_screener_file",
    "check_model_matches",
]

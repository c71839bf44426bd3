"""Sample-size planning: how many respondents does a study need to tell its personas apart?

Takes a study folder (its instrument and hand-made personas, and its ``truth.yaml`` when there
is one); gives a :class:`Plan`: for every sample size and noise level of a grid, the share of
simulated waves (read, cleaned, segmented and compared as ``personas run`` does) in which each
persona gets the verdict its planting implies and k comes out right, with Wilson intervals,
and the smallest sample size reaching 80% and 90%; ``plan_study`` writes ``plan.json`` and a
page with the power curve.
"""

from personas.plan.core import (
    Plan,
    PlanWarning,
    check_grid,
    expected_outcome,
    indistinguishable,
    simulate_plan,
)
from personas.plan.files import plan_study

__all__ = [
    "Plan",
    "PlanWarning",
    "check_grid",
    "expected_outcome",
    "indistinguishable",
    "simulate_plan",
    "plan_study",
]

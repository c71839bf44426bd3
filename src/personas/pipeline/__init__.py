"""Study-level workflows: what each CLI command does, minus the parsing and printing.

``study`` reads a study folder's files and calls the stages (``clean_wave``, ``run_study``,
``report_run``, ``simulate_study``); ``demo`` runs the bundled example; ``validate`` checks a
study and its waves. Nothing here computes: it finds files, calls stage functions, writes runs.
"""

from personas.pipeline.demo import example_study, run_demo
from personas.pipeline.study import (
    clean_wave,
    report_run,
    run_study,
    simulate_study,
    update_study_page,
)
from personas.pipeline.validate import validate_study

__all__ = [
    "clean_wave",
    "run_study",
    "report_run",
    "simulate_study",
    "update_study_page",
    "run_demo",
    "example_study",
    "validate_study",
]

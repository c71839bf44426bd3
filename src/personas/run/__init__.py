"""The run: every stage's result in one object, and the folder it is saved as.

``analyze`` chains read → clean → segment → compare → embed into an :class:`Analysis`;
``save_run`` writes it as a run folder (``summary.json``, ``assignments.csv``, ``model.json``,
...; see README "A run on disk") and ``load_run`` reads one back as a :class:`Run`. Everything
above this layer (charts, report, waves, assign) reads only a :class:`Run`, never the stage
objects. ``_summary`` turns the stage objects into ``summary.json``; ``_journal`` is the
decision journal.
"""

from personas.run.analysis import Analysis, analyze, save_run
from personas.run.files import SUMMARY_SCHEMA, Run, atomic_folder, load_run, read_json, write_json

__all__ = [
    "Analysis",
    "analyze",
    "save_run",
    "Run",
    "load_run",
    "atomic_folder",
    "read_json",
    "write_json",
    "SUMMARY_SCHEMA",
]

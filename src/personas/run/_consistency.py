"""Do a run folder's files agree with each other? Checked when a run is read back.

:mod:`personas.run.schema` checks that each field of ``summary.json`` has the right type; a
file can pass that and still be damaged (edited by hand, cut and pasted from another run):
no segments, a ledger that does not add up, assignments to a segment the summary does not
have. Those are refused here, every problem at once, each named with its JSON path, instead
of failing later inside the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from personas.errors import InputError, Problem
from personas.run.schema import REWRITE_HINT, Summary

__all__ = ["check_consistency"]


def check_consistency(
    summary: Summary, assignments: pd.DataFrame, *, file: str, assignments_file: str
) -> None:
    """Raise an :class:`InputError` listing every way ``summary`` and ``assignments`` disagree.

    Parameters
    ----------
    summary
        The typed ``summary.json`` (already checked field by field).
    assignments
        ``assignments.csv`` as read (``respondent``, ``segment``, ``distance``).
    file, assignments_file
        The paths of ``summary.json`` and ``assignments.csv``, named in the problems.
    """
    problems = [(p, file) for p in _ledger(summary) + _segments(summary)]
    problems += [(p, assignments_file) for p in _assigned(summary, assignments)]
    if problems:
        raise InputError([Problem(p, file=where, hint=REWRITE_HINT, code="run-damaged")
                          for p, where in problems])  # fmt: skip


def _ledger(summary: Summary) -> list[str]:
    r = summary.respondents
    found = []
    if r.loaded < 0 or r.kept < 0 or any(v < 0 for v in r.excluded.values()):
        found.append("respondents: counts must not be negative")
    excluded = sum(r.excluded.values())
    if r.loaded != r.kept + excluded:
        found.append(
            f"respondents: loaded ({r.loaded}) is not kept ({r.kept}) + excluded ({excluded})"
        )
    return found


def _segments(summary: Summary) -> list[str]:
    segments = summary.segments
    if not segments:
        return ["segments: a run has at least one segment, the list is empty"]
    found = []
    ids = [s.id for s in segments]
    if len(set(ids)) != len(ids):
        found.append(f"segments: ids repeat ({ids})")
    if summary.k != len(segments):
        found.append(f"k: is {summary.k} but there are {len(segments)} segments")
    for i, s in enumerate(segments):
        if s.size < 0 or not 0 <= s.share <= 1:
            found.append(f"segments[{i}]: size {s.size} / share {s.share} out of range")
    if sum(s.size for s in segments) != summary.respondents.kept:
        found.append(
            f"segments: sizes add up to {sum(s.size for s in segments)}, "
            f"not the {summary.respondents.kept} respondents kept"
        )
    known = set(ids)
    for i, p in enumerate(summary.personas):
        stray = sorted(set(p.segments) - known)
        if stray:
            found.append(f"personas[{i}].segments: no segment {stray[0]} in this run")
    return found


def _assigned(summary: Summary, assignments: pd.DataFrame) -> list[str]:
    found = []
    if len(assignments) != summary.respondents.kept:
        found.append(
            f"has {len(assignments)} rows, not the {summary.respondents.kept} respondents kept"
        )
    labels = pd.to_numeric(assignments["segment"], errors="coerce").to_numpy(dtype=float)
    stray = ~np.isin(labels, np.array([s.id for s in summary.segments], dtype=float))
    if stray.any():
        found.append(
            f"column segment: {int(stray.sum())} respondent(s) in a segment summary.json does "
            f"not have (first: {str(assignments['segment'].iloc[int(np.argmax(stray))])!r})"
        )
    return found

"""Segment names chosen by the user, in ``surveys/<study>/names.yaml``.

Segment *numbers* change between runs (they follow segment size), so names are keyed by what a
segment *is*, and the same file keeps naming the right segments when a wave is rerun and in
later waves::

    schema: personas/names@1
    names:
      - name: "Fast earners"
        persona: survivor               # the segment matched to / merged from this persona
      - name: "Flexible, variety-seeking"
        profile: {q13: true, q10: true} # the segment whose answers best match these
        tensions: {place: a}            # (optional, with or instead of profile) positions

An entry names one segment: with ``persona``, the segment that persona is confirmed by or
merged into (for a split, the one agreeing most); with ``profile`` / ``tensions``, the segment
agreeing most with those expectations, measured exactly like a persona's similarity, and only
if it reaches the comparison's ``confirm`` threshold. Entries are matched to segments one to
one by the Hungarian method (most entries placed, then highest agreement, then file order),
so two entries never name the same segment. An entry that fits no segment in a wave is left
out with a :class:`~personas.errors.DataWarning` and a journal line; segments no entry names
keep their suggested names.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from personas.compare._names_file import SCHEMA, NameEntry, Names, read_names
from personas.compare._profiles import expected_profiles, frame, similarity
from personas.compare._reasons import pct
from personas.compare._records import unique_names
from personas.compare.model import Comparison, SegmentName
from personas.errors import DataWarning, InputError, Problem
from personas.instrument._check import Checker
from personas.instrument._yaml import parse, read_text
from personas.instrument.model import Instrument, Persona

__all__ = ["SCHEMA", "NameEntry", "Names", "load_names", "apply_names"]


def load_names(path: str | os.PathLike, instrument: Instrument) -> Names:
    """Read and check a ``names.yaml`` (schema ``personas/names@1``) against ``instrument``.

    Raises
    ------
    InputError
        Listing every problem at once, each with file, line, column and what to write:
        YAML syntax, a wrong or missing ``schema``, unknown keys, an entry without a name or
        without a way to find its segment (or with both ``persona`` and ``profile``), unknown
        personas, questions or tensions, answers a question cannot take, a name or persona
        used twice.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from personas import load_instrument
    >>> from personas.compare.names import load_names
    >>> instrument = load_instrument("surveys/jobsite")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "names.yaml"
    >>> _ = path.write_text(
    ...     "schema: personas/names@1\\n"
    ...     "names:\\n"
    ...     "  - {name: Fast earners, persona: quick_win}\\n"
    ...     "  - {name: Ladder climbers, tensions: {horizon: b, security: a}}\\n"
    ... )
    >>> for entry in load_names(path, instrument).entries:
    ...     print(entry.name, entry.persona, dict(entry.tensions))
    Fast earners quick_win {}
    Ladder climbers None {'horizon': 1.0, 'security': -1.0}
    """
    file = os.fspath(path)
    if not os.path.isfile(file):
        raise InputError(
            Problem("file not found", file=file, hint="Check the path", code="no-file")
        )
    text = read_text(file, what="names file")
    check = Checker(file)
    entries = read_names(check, parse(text, file), instrument)
    if check.problems:
        raise InputError(sorted(check.problems, key=lambda p: (p.line or 0, p.column or 0)))
    return Names(tuple(entries), Path(file))


def apply_names(comparison: Comparison, names: Names) -> Comparison:
    """A copy of ``comparison`` whose segments carry the names of ``names`` where they fit.

    Each segment's name records its source: ``"user"`` (with the entry's key and line) or
    ``"suggested"``. Entries that fit no segment are reported as a
    :class:`~personas.errors.DataWarning` and in the journal.
    """
    score, allowed = _scores(comparison, names)
    placed = _place(score, allowed)
    segments, notes = [], []
    for k, seg in enumerate(comparison.segments):
        i = placed.get(k)
        if i is None:
            segments.append(replace(seg, name=SegmentName(seg.suggested or seg.name.text)))
            continue
        entry = names.entries[i]
        segments.append(replace(seg, name=SegmentName(entry.name, "user", entry.key, entry.line)))
        notes.append(
            f"Segment {seg.segment} is named “{entry.name}” by {names.where(entry)} ({entry.key})."
        )
    used = set(placed.values())
    for i in range(len(names.entries)):
        if i not in used:
            message = _unplaced(comparison, names, i, score, allowed, placed)
            warnings.warn(message, DataWarning, stacklevel=2)
            notes.append(message)
    shares = np.array([comparison.segmentation.profile(s.segment).share for s in segments])
    return replace(
        comparison,
        segments=unique_names(tuple(segments), shares),
        names=names,
        journal=(*comparison.journal, *notes),
    )


def _scores(comparison: Comparison, names: Names) -> tuple[np.ndarray, np.ndarray]:
    """Entries × segments: agreement, and whether the entry may name the segment."""
    segments = comparison.segments
    score = np.zeros((len(names.entries), len(segments)))
    allowed = np.zeros_like(score, dtype=bool)
    described = [i for i, e in enumerate(names.entries) if e.persona is None]
    if described:
        fr = frame(comparison.segmentation, comparison.instrument)
        pseudo = [
            Persona(
                f"names-entry-{i}",
                names.entries[i].name,
                tensions=names.entries[i].tensions,
                answers=names.entries[i].answers,
            )
            for i in described
        ]
        sim = similarity(expected_profiles(pseudo, fr), fr).to_numpy()
        order = [fr.segment_ids.index(s.segment) for s in segments]
        score[described] = np.nan_to_num(sim[:, order], nan=0.0)
        allowed[described] = score[described] >= comparison.thresholds["confirm"]
    for i, entry in enumerate(names.entries):
        if entry.persona is None:
            continue
        for k, seg in enumerate(segments):
            if entry.persona in seg.personas:
                value = comparison.similarity.loc[entry.persona, seg.segment]
                score[i, k] = float(np.nan_to_num(value, nan=0.0))
                allowed[i, k] = True
    return score, allowed


def _place(score: np.ndarray, allowed: np.ndarray) -> dict[int, int]:
    """Segment position -> entry position: most entries placed, then agreement, then order."""
    n_e, n_k = score.shape
    if n_e == 0 or n_k == 0:
        return {}
    earlier = 1.0 - np.arange(n_e)[:, None] / n_e  # ties go to the entry written first
    gain = 1.0 + score / (min(n_e, n_k) + 1) + earlier * 1e-9
    weight = np.where(allowed, gain, 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return {int(k): int(i) for i, k in zip(rows, cols, strict=True) if allowed[i, k]}


def _unplaced(comparison, names, i, score, allowed, placed) -> str:
    entry = names.entries[i]
    head = f"{names.where(entry)}: the name “{entry.name}” ({entry.key}) names no segment: "
    taken = [k for k in np.flatnonzero(allowed[i]) if k in placed]
    if taken:
        other = names.entries[placed[taken[0]]]
        seg = comparison.segments[taken[0]].segment
        return head + f"segment {seg} is named “{other.name}” by {names.where(other)}."
    if entry.persona is not None:
        verdict = comparison.verdict(entry.persona)
        return head + f"{verdict.name} is {verdict.verdict} in this wave."
    if score.shape[1] == 0:
        return head + "there are no segments."
    k = int(np.argmax(score[i]))
    confirm = comparison.thresholds["confirm"]
    return (
        head + f"no segment agrees {pct(confirm)} or more with it (closest: segment "
        f"{comparison.segments[k].segment}, {pct(score[i, k], confirm)})."
    )

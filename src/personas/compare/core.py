"""The comparison stage: which hand-made personas does the data confirm?

:func:`compare` takes a :class:`~personas.segment.model.Segmentation` and the instrument's
hand-made personas and returns a frozen :class:`Comparison`: a similarity matrix, a verdict per
persona (confirmed / merged / split / unsupported) with its reason in plain words, the new
segments no persona accounts for, positions on every tension, the tensions that separate the
segments most, and a name for every segment (suggested, or the user's from ``names.yaml``).

How similarity is measured
--------------------------
Each persona becomes an *expected answer profile*: its position on a tension sets every
boolean or likert question of that tension through the question's pole (pole a -> pole-a
items True / agree, pole-b items False / disagree; ``mid`` -> the middle), and its explicit
``answers`` override. Questions the persona says nothing about are left out.

The agreement of a segment with the persona on one question is

* boolean: the **share of the segment answering as expected** (``1 - |expected - share True|``),
  not whether the segment's *mode* matches. With modes, a segment split 51/49 on a tension would
  agree 100% with a persona at either pole; with shares it agrees 50%, which is what "no view
  on this tension" should score. A segment at a pole with the usual answer noise scores ~90%;
* likert (and number): ``1 - |expected - segment mean| / (max - min)`` (the observed range for
  numbers). Booleans are the same formula on the scale 0..1;
* choice: the share of the segment choosing the expected option.

Similarity is the mean agreement over the questions the persona speaks to (each question
weighs the same), so it lies in [0, 1] and 0.5 is what a segment with no view at all gets.

Thresholds
----------
``confirm=0.75`` (halfway between "no view", 0.5, and perfect agreement, 1.0): a persona and a
segment go together only at or above it. ``coverage_threshold=0.8``: a respondent counts as
covered by a persona when they answer at least 80% of its questions as it expects (with eight
True/False questions, 7 of 8: a random answerer gets there 3.5% of the time). See
:mod:`personas.compare._verdicts` for the verdict rules and their precedence.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

import pandas as pd

from personas.compare._profiles import (
    Frame,
    agreement,
    coverage,
    expected_profiles,
    frame,
    separation,
    similarity,
    tension_positions,
)
from personas.compare._reasons import Context, pct
from personas.compare._records import persona_records, segment_records
from personas.compare._summary import comparison_summary, verdict_table
from personas.compare._trust import no_clear_reason, unstable, verdict_stability
from personas.compare._verdicts import decide
from personas.compare.model import (
    VERDICTS,
    Comparison,
    PersonaVerdict,
    SegmentMatch,
    SegmentName,
)
from personas.compare.names import apply_names, load_names
from personas.compare.plain import verdict_paragraph
from personas.errors import InputError, Problem
from personas.instrument.model import Instrument
from personas.segment.model import Segmentation

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
    "verdict_table",
    "verdict_paragraph",
]

DEFAULT_CONFIRM = 0.75
DEFAULT_COVERAGE_THRESHOLD = 0.8


def compare(
    segmentation: Segmentation,
    instrument: Instrument | None = None,
    *,
    confirm: float = DEFAULT_CONFIRM,
    coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD,
    names=None,
) -> Comparison:
    """Compare data-driven segments with the hand-made personas.

    Parameters
    ----------
    segmentation
        The segments (their answer means and shares) and the respondents' cleaned answers.
    instrument
        Whose personas to compare; defaults to ``segmentation.instrument``.
    confirm
        Similarity a persona and a segment need to go together (default 0.75). Below it for
        every segment, a persona is *unsupported*; below it for every persona, a segment is
        *new*.
    coverage_threshold
        Agreement a respondent's own answers need with a persona to count towards its
        ``coverage`` (default 0.8).
    names
        A :class:`personas.compare.Names` (from :func:`personas.compare.load_names`) or the path
        of a ``names.yaml`` to name segments with; ``None`` keeps the suggested names.

    Returns
    -------
    Comparison
        Frozen; ``comparison_summary(result)`` gives the ``summary.json`` parts.

    Raises
    ------
    InputError
        When a threshold is not a number in (0, 1], or ``names`` is a path to a bad file.

    Examples
    --------
    The segmentation of :func:`personas.segment.segment`'s example (a simulated jobsite wave,
    run from the repository root):

    >>> import pathlib, tempfile
    >>> from personas import clean, load_instrument, read_responses, segment, simulate, write_wave
    >>> from personas.compare.core import compare, verdict_paragraph
    >>> from personas.simulate.core import load_truth
    >>> inst = load_instrument("surveys/jobsite")
    >>> truth = load_truth("surveys/jobsite/truth.yaml", inst)
    >>> wave = pathlib.Path(tempfile.mkdtemp()) / "wave-1.csv"
    >>> _ = write_wave(simulate(inst, n=2000, random_state=0, truth=truth), wave)
    >>> seg = segment(clean(read_responses(wave, inst)), k=5, n_boot=0, random_state=0)
    >>> print(verdict_paragraph(compare(seg)))  # doctest: +NORMALIZE_WHITESPACE
    The answers of 1,830 respondents fall into 5 data-driven personas. 4 of the 6 hand-made
    personas are confirmed. The Survivor and The Quick Win merge into one: the data cannot
    tell them apart. No new persona appeared.
    """
    instrument = instrument if instrument is not None else segmentation.instrument
    _check_thresholds(confirm=confirm, coverage_threshold=coverage_threshold)
    fr = frame(segmentation, instrument)
    expected = expected_profiles(instrument.personas, fr)
    sim = similarity(expected, fr)
    decision = decide(sim.to_numpy(), fr.shares, confirm=confirm)
    seg_pos = _segment_positions(segmentation, fr)
    ctx = Context(
        fr=fr,
        decision=decision,
        names=[p.name for p in instrument.personas],
        s=sim.to_numpy(),
        agree=agreement(expected, fr),
        expected=expected.to_numpy(),
        segment_positions=seg_pos,
        confirm=confirm,
    )
    personas = [p.id for p in instrument.personas]
    covered = coverage(expected, fr, threshold=coverage_threshold)
    verdicts, new, shaky = _trusted(segmentation, ctx, expected, covered)
    comparison = Comparison(
        segmentation=segmentation,
        instrument=instrument,
        expected=expected,
        similarity=sim,
        coverage=covered,
        verdicts=verdicts,
        segments=_plain_names(segment_records(ctx), segmentation, shaky),
        new_segments=new,
        unstable_segments=shaky,
        clear=segmentation.selection is None or segmentation.selection.clear,
        matching={
            pid: (fr.segment_ids[m] if m >= 0 else None)
            for pid, m in zip(personas, decision.match, strict=True)
        },
        segment_tensions=seg_pos,
        persona_tensions=tension_positions(expected.to_numpy(), fr, expected.index),
        tension_separation=separation(fr, seg_pos),
        thresholds={"confirm": float(confirm), "coverage_threshold": float(coverage_threshold)},
        journal=_journal(fr, confirm, coverage_threshold) + _stability_journal(verdicts),
    )
    if names is not None:
        if isinstance(names, (str, os.PathLike)):
            names = load_names(names, instrument)
        comparison = apply_names(comparison, names)
    return comparison


def _trusted(segmentation: Segmentation, ctx: Context, expected, covered):
    """Verdicts with their stability over refits; "no clear segments" and unstable segments
    applied (see :mod:`personas.compare._trust`): (verdicts, new segments, unstable)."""
    records = persona_records(ctx, covered)
    again = verdict_stability(segmentation.refits, ctx.fr, expected,
                              [v.verdict for v in records], confirm=ctx.confirm)  # fmt: skip
    records = tuple(
        replace(v, refits_same=a[0], refits=a[1]) if a else v
        for v, a in zip(records, again, strict=True)
    )
    shaky = unstable(segmentation)
    new = tuple(ctx.fr.segment_ids[k] for k in ctx.decision.new)
    selection = segmentation.selection
    if selection is not None and not selection.clear:
        why = no_clear_reason(selection.structure)
        records = tuple(
            replace(
                v,
                verdict="unsupported",
                segments=(),
                merged_with=(),
                reason=why,
                refits_same=None,
                refits=None,
            )  # fmt: skip
            for v in records
        )
        return records, (), shaky
    return records, tuple(k for k in new if k not in shaky), shaky


def _stability_journal(verdicts) -> tuple[str, ...]:
    """One line: each verdict's stability over the refits, the uncertain ones named."""
    measured = [v for v in verdicts if v.refits]
    if not measured:
        return ()
    each = "; ".join(f"{v.name} {v.verdict} in {v.refits_same} of {v.refits}" for v in measured)
    shaky = [v.name for v in measured if v.uncertain]
    tail = f"; uncertain (under 70%): {', '.join(shaky)}" if shaky else "; none uncertain"
    return (f"verdict stability over the bootstrap refits of the chosen k: {each}{tail}",)


def _plain_names(records, segmentation: Segmentation, shaky):
    """No clear segments: every segment is a "group", not a persona; an unstable segment no
    persona fits is an "unstable group" (never a new persona)."""
    selection = segmentation.selection
    unclear = selection is not None and not selection.clear
    out = []
    for r in records:
        if unclear:
            text = f"Group {r.segment} (no clear segments)"
        elif r.new and r.segment in shaky:
            text = f"Unstable group {r.segment}"
        else:
            out.append(r)
            continue
        out.append(replace(r, name=SegmentName(text), suggested=text, new=False))
    return tuple(out)


def _check_thresholds(**options: float) -> None:
    problems = []
    for key, value in options.items():
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not (math.isfinite(value) and 0.0 < value <= 1.0):
            problems.append(
                Problem(
                    f"The '{key}' option must be a number in (0, 1]. Got {value!r} instead.",
                    value=value,
                    hint="Agreement is a share: 0.75 means 75%",
                    code="bad-option",
                )
            )
    if problems:
        raise InputError(problems)


def _segment_positions(segmentation: Segmentation, fr: Frame) -> pd.DataFrame:
    """Segment positions from the profiles' ``tensions``; gaps filled from the answer means."""
    tension_ids = [t.id for t in fr.instrument.tensions]
    given = pd.DataFrame(
        [segmentation.profile(k).tensions.reindex(tension_ids) for k in fr.segment_ids],
        index=list(fr.segment_ids),
        columns=tension_ids,
        dtype=float,
    )
    computed = tension_positions(fr.means, fr, fr.segment_ids)
    return given.fillna(computed).clip(-1.0, 1.0)


def _journal(fr: Frame, confirm: float, coverage_threshold: float) -> tuple[str, ...]:
    n_p, n_k = len(fr.instrument.personas), len(fr.segment_ids)
    return (
        f"Compared {n_p} hand-made persona{'s' if n_p != 1 else ''} with {n_k} segment"
        f"{'s' if n_k != 1 else ''} on {len(fr.items)} questions: similarity is the share of "
        "a segment answering as a persona expects, averaged over the questions the persona "
        f"speaks to; a persona and a segment go together at {pct(confirm)} or more (one-to-one "
        f"Hungarian matching); coverage counts respondents agreeing {pct(coverage_threshold)} "
        "or more.",
    )

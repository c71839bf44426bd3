"""A screener from a saved run: its respondents' answers, ``typing.json``, the sub-instrument.

A run folder does not keep the answers themselves, only the segments: :func:`run_answers`
re-reads the run's wave file (the path and SHA-256 recorded in ``summary.json``, or another
copy given as ``data``) with the run's own ``instrument.yaml`` and rules, and checks that the
cleaned respondents are exactly the run's. A weighted run (``--weights`` or
``data.weight_column``; the column is in ``summary.json``'s ``weights``) is read with its
weight column, so the screener is fitted and scored with the run's survey weights.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from personas.errors import InputError, Problem
from personas.run.files import Run, load_run, read_json
from personas.typing.core import TYPING_SCHEMA, find_screener

__all__ = [
    "run_answers",
    "run_wave",
    "type_run",
    "load_typing",
    "screener_instrument",
    "TYPING_FILE",
]

TYPING_FILE = "typing.json"


def _run_instrument(run: Run):
    """The run's ``instrument.yaml``, with the weight column the run used (``--weights`` is
    recorded in ``summary.json``, not in the saved instrument)."""
    from personas.instrument import load_instrument

    path = run.path / "instrument.yaml"
    if not path.is_file():
        raise InputError(
            Problem(
                "file is missing", file=str(path), hint="rerun `personas run` to write it again"
            )
        )
    instrument = load_instrument(path)
    column = run.typed.weights.column if run.typed.weights else None
    if column and instrument.data.weight_column != column:
        instrument = replace(instrument, data=replace(instrument.data, weight_column=column))
    return instrument


def run_answers(run: Run, *, data: str | Path | None = None):
    """(instrument, answers, labels) of the run's kept respondents, read again from the wave.

    See :func:`run_wave` for the weights too.
    """
    instrument, cleaned, labels = run_wave(run, data=data)
    answers = cleaned.answers.copy()
    answers.index = answers.index.astype(str)
    return instrument, answers, labels


def run_wave(run: Run, *, data: str | Path | None = None):
    """(instrument, cleaned, labels): the run's wave read and cleaned again, and its segments.

    ``cleaned.weights`` holds the run's survey weights (None for an unweighted run);
    ``labels`` is indexed by the respondent ids as strings, in ``cleaned.answers`` order.

    Raises
    ------
    InputError
        The wave file is gone or changed since the run (pass ``data``), or its cleaned
        respondents are not the run's.
    """
    from personas.cleaning import clean
    from personas.io import read_responses

    inputs = run.typed.inputs
    path = Path(data) if data is not None else Path(inputs.get("file") or "")
    if not path.is_file():
        raise InputError(
            Problem(
                f"the run's wave file {str(path)!r} is not there",
                file=str(run.path / "summary.json"),
                hint="pass the wave file the run read with --data",
            )
        )
    instrument = _run_instrument(run)
    rules = run.typed.cleaning.get("rules") or {}
    lenient = (rules.get("invalid values") or {}).get("policy") == "missing"
    responses = read_responses(path, instrument, format=inputs.get("format"), lenient=lenient)
    if inputs.get("sha256") and responses.source.sha256 != inputs["sha256"]:
        raise InputError(
            Problem(
                "is not the file the run read (its SHA-256 differs from summary.json's)",
                file=str(path),
                hint="pass the wave file the run read with --data, or rerun `personas run`",
            )
        )
    cleaned = clean(responses)
    ids = cleaned.answers.index.astype(str)
    labels = run.assignments.set_index(run.assignments["respondent"].astype(str))["segment"]
    if set(ids) != set(labels.index):
        raise InputError(
            Problem(
                "its cleaned respondents are not the run's (assignments.csv)",
                file=str(path),
                hint="pass the wave file the run read with --data, or rerun `personas run`",
            )
        )
    return instrument, cleaned, labels.loc[ids].astype(int)


def type_run(
    run_dir: str | Path,
    *,
    data: str | Path | None = None,
    max_questions: int = 8,
    target: float = 0.9,
    random_state: int = 0,
) -> dict:
    """``personas typing``: find the run's screener and write ``RUN/typing.json`` atomically.

    Returns the content written: :meth:`Screener.to_dict` plus the run (``study``, ``wave``,
    ``k``) and the segments' ``names``.
    """
    from personas._atomic import write_text_atomic
    from personas.run.files import _round_floats

    run = load_run(run_dir)
    instrument, cleaned, labels = run_wave(run, data=data)
    answers = cleaned.answers.copy()
    answers.index = answers.index.astype(str)
    weights = None if cleaned.weights is None else cleaned.weights.to_numpy(dtype=np.float64)
    screener = find_screener(
        answers,
        labels,
        instrument.items,
        max_questions=max_questions,
        target=target,
        random_state=random_state,
        sample_weight=weights,
    )
    names = {s.id: s.name or f"Segment {s.id}" for s in run.typed.segments}
    content = {
        **screener.to_dict(),
        "run": {"study": run.study, "wave": run.wave, "k": run.typed.k},
        "names": {str(k): v for k, v in names.items()},
    }
    text = json.dumps(_round_floats(content), indent=2, sort_keys=True, ensure_ascii=False)
    write_text_atomic(run.path / TYPING_FILE, text + "\n")
    return json.loads(text)


def load_typing(run_dir: str | Path) -> dict:
    """``RUN/typing.json`` as a dict, or an :class:`InputError` saying how to make it."""
    path = Path(run_dir) / TYPING_FILE
    if not path.is_file():
        raise InputError(
            Problem(
                "file is missing", file=str(path), hint=f"run `personas typing {run_dir}` first"
            )
        )
    try:
        content = read_json(path)
    except (ValueError, OSError) as err:
        raise InputError(
            Problem(
                f"cannot be read ({err})",
                file=str(path),
                hint=f"run `personas typing {run_dir}` again",
            )
        ) from None
    if not isinstance(content, dict) or content.get("schema") != TYPING_SCHEMA:
        raise InputError(
            Problem(
                f"is not a {TYPING_SCHEMA} file",
                file=str(path),
                hint=f"run `personas typing {run_dir}` again",
            )
        )
    return content


def screener_instrument(instrument, typing: dict, *, source: str = TYPING_FILE):
    """The instrument reduced to the screener's questions, in the screener's order.

    Its cleaning rules drop straight-lining (a handful of True/False questions answered alike
    is an honest answer) and a fixed minimum duration (a screener is quicker than the survey:
    speeders are those under a third of the median instead).
    """
    wanted = list(typing["questions"])
    known = {q.id: q for q in instrument.questions}
    lacking = [q for q in wanted if q not in known]
    if lacking:
        raise InputError(
            [
                Problem(
                    f"screener question {q!r} is not in the study's instrument",
                    file=source,
                    hint="run `personas typing` on a run of this study",
                )
                for q in lacking
            ]
        )
    rules = replace(
        instrument.cleaning,
        straightlining=False,
        straightlining_boolean=False,
        min_duration_seconds=None,
    )
    return replace(instrument, questions=tuple(known[q] for q in wanted), cleaning=rules)

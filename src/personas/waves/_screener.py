"""``personas assign RUN --typing``: new people typed from the run's screener questions alone.

The same path as :func:`personas.waves.assign_file` (read and clean with the run's rules, write
``assignments.csv`` and ``exclusions.csv`` atomically), on the run's instrument reduced to the
screener's questions (``typing.json``), so the file needs only those columns. ``distance`` is
one minus the posterior probability of the segment given; ``far`` flags people less certain
than 95% of the run's own respondents. For a weighted run, a file with the run's weight column
gets weighted shares (and a ``weight`` column), like the full assignment; one without it is
typed unweighted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from personas.run.files import atomic_folder, load_run
from personas.waves.assignment import Assignment, _instrument_of, segment_shares

__all__ = ["assign_screener_file"]


def _table(run, typing: dict, answers: pd.DataFrame, weights=None):
    """(assignments table, segment shares); weighted shares when ``weights`` are given."""
    from personas.typing import apply_screener

    segments, distance = apply_screener(typing["rule"], answers)
    names = {s.id: s.name or f"Segment {s.id}" for s in run.typed.segments}
    limit = float((typing["rule"].get("distance") or {}).get("95", np.inf))
    table = pd.DataFrame(
        {
            "respondent": answers.index.astype(str),
            "segment": segments,
            "name": [names.get(int(s), f"Segment {s}") for s in segments],
            "distance": np.round(distance, 6),
            "far": distance > limit + 1e-12,
        }
    )
    return table, segment_shares(table, names, weights)


def _read(path: Path, instrument, *, format, lenient):
    """The screener file read with the run's weight column when it has one, else without.

    People typed by a screener often come without survey weights: a missing weight column
    is then no error, the shares are simply unweighted. Any other problem is raised.
    """
    from dataclasses import replace

    from personas.errors import InputError
    from personas.io import read_responses

    column = instrument.data.weight_column
    try:
        return read_responses(path, instrument, format=format, lenient=lenient)
    except InputError as err:
        if column is None or not any(_lacks(p, column) for p in err.problems):
            raise
    # the other problems, if any, are raised again without the weight column's
    unweighted = replace(instrument, data=replace(instrument.data, weight_column=None))
    return read_responses(path, unweighted, format=format, lenient=lenient)


def _lacks(problem, column: str) -> bool:
    return problem.code == "missing-column" and problem.column == column


def assign_screener_file(
    run_dir: str | Path,
    data: str | Path,
    *,
    out: str | Path | None = None,
    format: str | None = None,
    lenient: bool | None = None,
) -> Assignment:
    """Type the people of ``data`` with the run's screener; write the assign folder.

    ``out`` defaults to ``RUN/assigned/<data name>``; the columns are those of
    :func:`personas.waves.assign_file`.
    """
    from personas._atomic import check_out_folder
    from personas.cleaning import clean
    from personas.typing import load_typing, screener_instrument

    run = load_run(run_dir)
    typing = load_typing(run.path)
    out = Path(out) if out is not None else run.path / "assigned" / Path(data).stem
    check_out_folder(out, kind="assign")
    instrument = screener_instrument(
        _instrument_of(run), typing, source=str(run.path / "typing.json")
    )
    cleaned = clean(_read(Path(data), instrument, format=format, lenient=lenient))
    table, shares = _table(run, typing, cleaned.answers, cleaned.weights)
    with atomic_folder(out, kind="assign") as tmp:
        table.to_csv(tmp / "assignments.csv", index=False, lineterminator="\n")
        cleaned.ledger.exclusions().to_csv(tmp / "exclusions.csv", index=False, lineterminator="\n")
    return Assignment(run=run, clean=cleaned, table=table, shares=shares, path=out)

"""Put new respondents into an existing run's segments (``personas assign``).

The run folder holds everything needed: ``instrument.yaml`` (a copy, so the new file is read and
cleaned by the very same rules) and ``model.json`` (centres and encodings, JSON). Each new
respondent goes to the nearest segment under the model's own dissimilarity; respondents farther
from every segment than the run's own 95th percentile of distances are flagged ``far``: they may
belong to a segment the run has not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from personas.cleaning.model import CleanResponses
from personas.errors import InputError, Problem
from personas.run._model_check import model_problems
from personas.run.files import Run, atomic_folder, load_run

__all__ = [
    "Assignment",
    "assign",
    "assign_file",
    "check_model_matches",
    "score_answers",
    "segment_names",
    "segment_shares",
]


@dataclass(frozen=True, repr=False)
class Assignment:
    """New respondents placed into a run's segments.

    ``table``: one row per kept respondent: ``respondent, segment, name, distance, far`` (an
    LCA run adds ``posterior``, the probability of the segment given, before ``far``; a
    weighted one ``weight``). ``shares``: per segment id: ``name, n, share`` (the weighted share
    when weighted). ``path``: the folder written, if any.
    """

    run: Run
    clean: CleanResponses
    table: pd.DataFrame
    shares: pd.DataFrame
    path: Path | None = None

    def __repr__(self) -> str:
        far = int(self.table["far"].sum())
        return (
            f"Assignment({len(self.table):,} respondents into {len(self.shares)} segments, "
            f"{far:,} far from every segment)"
        )


def _instrument_of(run: Run):
    """The run's own instrument, with the weight column the run used (``--weights``)."""
    from dataclasses import replace

    instrument = _saved_instrument(run)
    column = run.typed.weights.column if run.typed.weights else None
    if column and instrument.data.weight_column != column:
        instrument = replace(instrument, data=replace(instrument.data, weight_column=column))
    return instrument


def _saved_instrument(run: Run):
    from personas.instrument import load_instrument

    problems = [
        Problem("file is missing", file=str(path), hint="rerun `personas run` to write it again")
        for path in (run.path / "instrument.yaml", run.path / "model.json")
        if not path.is_file()
    ]
    if problems:
        raise InputError(problems)
    return load_instrument(run.path / "instrument.yaml")


def check_model_matches(model: dict, instrument, *, source: str) -> None:
    """Refuse answers whose questions differ from the model's, listing every difference."""
    items, kinds = model.get("items", []), model.get("types", [])
    if not isinstance(items, list) or not isinstance(kinds, list) or len(items) != len(kinds):
        raise InputError(
            Problem(
                "the model's 'items' and 'types' do not match",
                file=source,
                hint="the run folder is damaged: rerun `personas run` to write it again",
            )
        )
    if damaged := model_problems(model, file=source):
        raise InputError(damaged)
    types = dict(zip(items, kinds, strict=True))
    codes = model.get("item_codes", {})
    found = {q.id: q for q in instrument.items}
    problems = []
    for qid in sorted(set(types) - set(found)):
        problems.append(
            Problem(
                f"question {qid!r} of the model is not in the instrument",
                file=source,
                hint="assign needs the questions the run used",
            )
        )
    for qid in sorted(set(found) - set(types)):
        problems.append(
            Problem(
                f"question {qid!r} is not in the model",
                file=source,
                hint="rerun `personas run` with this instrument",
            )
        )
    for qid in sorted(set(found) & set(types)):
        expected = [float(c) for c in codes.get(qid, found[qid].codes)]
        if types[qid] != found[qid].type or expected != list(found[qid].codes):
            problems.append(
                Problem(
                    f"question {qid!r} changed: the model has {types[qid]} with answers "
                    f"{expected}, the instrument {found[qid].type} with {list(found[qid].codes)}",
                    file=source,
                    hint="assign needs the same answers as the run",
                )
            )
    if problems:
        raise InputError(problems)


def _far_limits(model: dict, segments: np.ndarray) -> np.ndarray:
    """The run's own 95th percentile of distances, per segment where known."""
    pct = model.get("distance_percentiles", {})
    overall = pct.get("overall", {}).get("95", np.inf)
    per_segment = {int(k): v.get("95", overall) for k, v in pct.get("segments", {}).items()}
    k = int(max(per_segment, default=0))
    k = max(k, int(segments.max(initial=0)))
    table = np.full(k + 1, overall, dtype=float)  # one lookup per segment id, not per row
    for s, limit in per_segment.items():
        table[s] = limit
    return table[np.asarray(segments, dtype=np.intp)]


def segment_names(summary) -> dict[int, str]:
    """Segment id → its name in the run (``Segment N`` when it has none), in id order.

    ``summary`` is the run's typed :class:`~personas.run.schema.Summary`."""
    return {s.id: s.name or f"Segment {s.id}" for s in summary.segments}


def score_answers(model: dict, names: dict[int, str], answers: pd.DataFrame) -> pd.DataFrame:
    """``respondent, segment, name, distance, far`` for cleaned ``answers`` (one row each).

    The one scoring step of ``assign``, shared by the in-memory path and the partitioned one
    (:mod:`personas.scale`), so both put every respondent in the same segment.
    """
    from personas.segment import assign_codes

    labels, distances = assign_codes(model, answers)
    labels = np.asarray(labels, dtype=int)
    distances = np.asarray(distances, dtype=float)
    table = pd.DataFrame(
        {
            "respondent": answers.index.astype(str),
            "segment": labels,
            "name": _names_of(names, labels),
            "distance": np.round(distances, 6),
            "far": distances > _far_limits(model, labels) + 1e-12,
        }
    )
    if model.get("method") == "lca":  # latent classes: the posterior of the segment given
        table.insert(4, "posterior", np.round(1.0 - distances, 6))  # the answers
    return table


def _names_of(names: dict[int, str], labels: np.ndarray) -> np.ndarray:
    """The segment name of each label (``Segment N`` for an id the run does not name)."""
    ids = np.unique(labels)
    table = {int(s): names.get(int(s), f"Segment {s}") for s in ids}
    lookup = np.array([table[int(s)] for s in ids], dtype=object)
    return lookup[np.searchsorted(ids, labels)] if len(labels) else lookup[:0]


def assign(run: Run, clean: CleanResponses) -> Assignment:
    """Assign the kept respondents of ``clean`` to the segments of ``run``.

    Parameters
    ----------
    run
        A saved run (:func:`personas.load_run`); its ``model.json`` says how to assign.
    clean
        The new respondents, cleaned with the run's instrument.

    Returns
    -------
    Assignment
        Frozen: segment, name and distance per respondent (``far`` when unlike every
        segment) and the share of each segment.

    Raises
    ------
    InputError
        When the new file's questions do not match the run's model.
    """
    check_model_matches(run.model, clean.instrument, source=str(run.path / "model.json"))
    names = segment_names(run.typed)
    table = score_answers(run.model, names, clean.answers)
    shares = segment_shares(table, names, getattr(clean, "weights", None))
    return Assignment(run=run, clean=clean, table=table, shares=shares)


def segment_shares(table: pd.DataFrame, names: dict, weights: pd.Series | None) -> pd.DataFrame:
    """Per segment of ``names``: ``segment, name, n, share`` of the assigned ``table``.

    With survey weights (one per row of ``table``), ``share`` is the segment's share of the
    summed weight and ``table`` gains a ``weight`` column; ``n`` stays the people counted.
    Used by the full assignment and the screener's alike.
    """
    counts = table["segment"].value_counts()
    shares = pd.DataFrame(
        {
            "segment": list(names),
            "name": list(names.values()),
            "n": [int(counts.get(s, 0)) for s in names],
        }
    )
    shares["share"] = shares["n"] / max(len(table), 1)
    if weights is not None:
        table["weight"] = weights.to_numpy(dtype=float)
        held = table.groupby("segment")["weight"].sum()
        shares["share"] = [float(held.get(s, 0.0)) / float(weights.sum()) for s in names]
    return shares


def assign_file(
    run_dir: str | Path,
    data: str | Path,
    *,
    out: str | Path | None = None,
    format: str | None = None,
    lenient: bool | None = None,
) -> Assignment:
    """``personas assign``: read + clean ``data`` like the run did, assign, write the folder.

    Writes ``assignments.csv`` (respondent, segment, name, distance, far) and
    ``exclusions.csv`` into ``out`` (default ``RUN/assigned/<data name>``), atomically.
    """
    from personas._atomic import check_out_folder
    from personas.cleaning import clean
    from personas.io import read_responses

    run = load_run(run_dir)
    out = Path(out) if out is not None else run.path / "assigned" / Path(data).stem
    check_out_folder(out, kind="assign")
    instrument = _instrument_of(run)
    check_model_matches(run.model, instrument, source=str(run.path / "model.json"))
    cleaned = clean(read_responses(Path(data), instrument, format=format, lenient=lenient))
    result = assign(run, cleaned)
    with atomic_folder(out, kind="assign") as tmp:
        result.table.to_csv(tmp / "assignments.csv", index=False, lineterminator="\n")
        cleaned.ledger.exclusions().to_csv(tmp / "exclusions.csv", index=False, lineterminator="\n")
    return Assignment(run=run, clean=cleaned, table=result.table, shares=result.shares, path=out)

"""``personas assign --engine dask``: score a partitioned dataset larger than memory.

The data is a set of Parquet files (``'folder/*.parquet'``); each file is one Dask partition
and must fit in one worker's memory, the whole set need not fit anywhere. The steps, all on
the cluster:

1. (only when ``min_duration_seconds`` is unset) the duration column alone of each file is
   read and its known values counted, giving the dataset-wide median, so the speeder
   threshold is the one the in-memory path would use;
2. the single pass (:func:`personas.scale._partition.score_file`, one task per file): the
   file is read once, cleaned by the run's rules and its kept rows scored; it writes its
   ``assignments/`` and ``refused/`` parts and returns counts only. Kept rows with missing
   answers (``impute: auto``) are set aside, since their fill values are dataset-wide;
3. ids met in more than one file: each file's distinct ids, hashed, are bucketed on the
   cluster (a bucket holds ~2M ids, whatever the total); the first file in partition order
   keeps the id (as the first row does in memory) and only the files holding a later copy
   are read and scored again, with those rows refused as ``duplicate id``;
4. the fill values from the summed counts of the kept answers, and the set-aside rows
   filled and scored (``assignments/part-N-filled.parquet``).

Everything goes into a temporary folder beside ``--out`` that is renamed into place only when
every partition is written and ``assign-summary.json`` (counts per segment, rows refused by
reason) is complete; a failure (a bad partition, a lost worker) removes it, so a partial
output is never presented as complete. Rows are never collected on the client: only counts
and the (hashed) ids of cross-file duplicates come back.
"""

from __future__ import annotations

import glob
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pandas as pd

from personas.errors import InputError, Problem
from personas.instrument.model import CleaningRules
from personas.run.files import atomic_folder, load_run, write_json
from personas.scale import _partition as part
from personas.scale._stats import fill_values, median_from_counts

__all__ = ["PartitionedAssignment", "assign_partitioned", "SCHEMA"]

SCHEMA = "personas/assign-partitioned@1"


@dataclass(frozen=True)
class PartitionedAssignment:
    """What ``assign --engine dask`` wrote: the folder and its ``assign-summary.json``.

    ``shares``: per segment id ``name, n, share`` (as :class:`personas.waves.Assignment`).
    """

    path: Path
    summary: dict
    shares: pd.DataFrame


def _files(data: str | Path) -> list[str]:
    pattern = str(data)
    if Path(pattern).is_dir():
        pattern = str(Path(pattern) / "*.parquet")
    files = sorted(glob.glob(pattern))
    if not files:
        raise InputError(
            Problem(
                "no file matches",
                file=pattern,
                hint="give the Parquet partitions as a pattern in quotes, e.g. 'folder/*.parquet'",
            )
        )
    return files


@contextmanager
def _client(scheduler: str | None, workers: int):
    """A client of the cluster at ``scheduler``, else of a new ``LocalCluster``."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s", set_as_default=True)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                Problem(
                    f"cannot reach the Dask scheduler ({exc})",
                    value=scheduler,
                    hint="give the address `dask scheduler` printed, e.g. tcp://10.0.0.5:8786",
                )
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster, set_as_default=True) as client,
    ):
        yield client


def _speeder_threshold(files, instrument, rules) -> tuple[CleaningRules, dict]:
    """The run's rules with a fixed speeder threshold, and what was decided.

    Only when ``min_duration_seconds`` is unset: the duration column alone of each file is
    read and its known values counted, giving the dataset-wide median.
    """
    import dask

    if rules.min_duration_seconds is not None:
        return rules, {"threshold_seconds": rules.min_duration_seconds, "basis": "the run's rules"}
    tasks = [dask.delayed(part.duration_counts)(f, instrument=instrument) for f in files]
    counts = pd.concat(dask.compute(*tasks), ignore_index=True)
    median = median_from_counts(counts["value"].to_numpy(float), counts["count"].to_numpy(int))
    if median != median:  # NaN: no known duration anywhere, the rule is off as in memory
        return rules, {"threshold_seconds": None, "basis": "no known duration"}
    threshold = median / 3
    decided = {"threshold_seconds": threshold, "basis": "a third of the dataset's median duration"}
    return replace(rules, min_duration_seconds=threshold), decided


def _buckets(rows: int) -> int:
    """Hash buckets for the duplicate search: about 2 million ids each at most."""
    return max(1, -(-rows // 2_000_000))


def _cross_duplicates(files, tmp: Path, rows: int) -> dict[int, pd.DataFrame]:
    """Per file index, the ids (hashed) it shares with an earlier file, found on the cluster."""
    import dask

    keys = [str(tmp / ".keys" / f"part-{i:05d}.npy") for i in range(len(files))]
    buckets = _buckets(rows)
    tasks = [dask.delayed(part.cross_duplicates)(b, buckets, keys, files) for b in range(buckets)]
    found = pd.concat(dask.compute(*tasks), ignore_index=True)
    return {int(i): group.drop(columns="file") for i, group in found.groupby("file")}


def _single_pass(files, tmp: Path, score) -> dict[int, dict]:
    """Every file read, cleaned, scored and written once; files with ids met in an earlier
    file scored again with those rows refused (only those files are read twice)."""
    import dask

    tasks = [dask.delayed(score)(i, f, out=str(tmp)) for i, f in enumerate(files)]
    done = {r["index"]: r for r in dask.compute(*tasks)}
    rows = sum(r["rows"] for r in done.values())
    repeats = _cross_duplicates(files, tmp, rows)
    if repeats:
        again = [
            dask.delayed(score)(i, files[i], out=str(tmp), seen=seen) for i, seen in repeats.items()
        ]
        done.update({r["index"]: r for r in dask.compute(*again)})
    shutil.rmtree(tmp / ".keys", ignore_errors=True)
    done["across"] = sum(len(s) for s in repeats.values())
    return done


def _fills(done: dict[int, dict], instrument, rules) -> tuple[dict, dict]:
    if rules.impute == "none":
        return {}, {"rule": "none", "cells": 0}
    counts = pd.concat([r["counts"] for r in done.values()], ignore_index=True)
    return fill_values(counts, list(instrument.items))


def _score_pending(done, tmp: Path, run, names, fills) -> list[pd.DataFrame]:
    """The set-aside rows (kept, with missing answers) filled and scored, file by file."""
    import dask

    waiting = [i for i, r in done.items() if r["pending"]]
    tasks = [
        dask.delayed(part.score_pending)(i, model=run.model, names=names, fills=fills, out=str(tmp))
        for i in waiting
    ]
    tallies = list(dask.compute(*tasks))
    shutil.rmtree(tmp / ".pending", ignore_errors=True)
    return tallies


def _totals(tallies: list[pd.DataFrame]) -> dict:
    sums = pd.concat(tallies, ignore_index=True).groupby(["what", "key"])["count"].sum()
    get = lambda what: {k: int(v) for k, v in sums.get(what, pd.Series(dtype=int)).items()}  # noqa: E731
    return {
        "segments": {int(k): v for k, v in get("segment").items()},
        "reasons": get("refused"),
        "far": sum(get("far").values()),
    }


def assign_partitioned(
    run_dir: str | Path,
    data: str | Path,
    *,
    out: str | Path | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    lenient: bool | None = None,
) -> PartitionedAssignment:
    """Assign every row of a partitioned Parquet dataset to ``run_dir``'s segments, on Dask.

    Parameters
    ----------
    run_dir
        A saved run folder (``personas run``).
    data
        A glob pattern of Parquet files (``'folder/*.parquet'``) or a folder of them; one
        Dask partition per file.
    out
        Output folder (default ``RUN/assigned/<folder name>``), written atomically.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); ``None`` starts a
        ``LocalCluster`` of ``workers`` single-threaded worker processes.
    lenient
        As for :func:`personas.io.read_responses`.

    Returns
    -------
    PartitionedAssignment
        The folder written and its summary.

    Raises
    ------
    InputError
        No file matches, a file's questions differ from the model, a cell its question does
        not allow (unless lenient), an unreachable scheduler. Nothing is written then.
    """
    from personas.waves.assignment import _instrument_of, check_model_matches, segment_names

    run = load_run(run_dir)
    files = _files(data)
    out = Path(out) if out is not None else run.path / "assigned" / Path(files[0]).parent.name
    instrument = _instrument_of(run)
    check_model_matches(run.model, instrument, source=str(run.path / "model.json"))
    names = segment_names(run.typed)
    with atomic_folder(out, kind="assign") as tmp, _client(scheduler, workers) as client:
        rules, speeder = _speeder_threshold(files, instrument, instrument.cleaning)
        score = partial(
            part.score_file,
            instrument=instrument,
            rules=rules,
            lenient=lenient,
            model=run.model,
            names=names,
        )
        done = _single_pass(files, tmp, score)
        across = done.pop("across")
        fills, imputation = _fills(done, instrument, rules)
        tallies = [r["tally"] for r in done.values()]
        tallies += _score_pending(done, tmp, run, names, fills)
        summary = _summary(run, files, names, _totals(tallies), speeder, imputation, client)
        summary["cleaning"]["duplicates"]["across_files"] = across
        write_json(tmp / "assign-summary.json", summary)
    return PartitionedAssignment(path=out, summary=summary, shares=_shares(summary))


def _summary(run, files, names, tally, speeder, imputation, client) -> dict:
    segments, reasons = tally["segments"], tally["reasons"]
    assigned = sum(segments.values())
    refused = {str(k): int(v) for k, v in sorted(reasons.items())}
    return {
        "schema": SCHEMA,
        "run": str(run.path),
        "files": len(files),
        "rows": assigned + sum(refused.values()),
        "assigned": assigned,
        "refused": refused,
        "far": tally["far"],
        "segments": [
            {
                "id": int(s),
                "name": name,
                "n": int(segments.get(s, 0)),
                "share": int(segments.get(s, 0)) / max(assigned, 1),
            }
            for s, name in names.items()
        ],
        "cleaning": {
            "speeder": speeder,
            "imputation": imputation,
            "duplicates": {
                "rule": "the first row of an id in partition order is kept, later ones refused",
                "across_files": 0,
            },
        },
        "engine": {"name": "dask", "workers": len(client.scheduler_info().get("workers", {}))},
    }


def _shares(summary: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"segment": s["id"], "name": s["name"], "n": s["n"], "share": s["share"]}
            for s in summary["segments"]
        ]
    )

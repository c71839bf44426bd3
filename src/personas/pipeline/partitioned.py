"""``personas run --engine dask``: one wave as partitioned Parquet, larger than memory.

What is computed where:

1. :func:`draw_sample`: a seeded sample of at most 100,000 rows, drawn across the files in
   proportion to their rows (reproducible for a seed);
2. the ordinary in-memory :func:`personas.pipeline.study.run_study` on that sample, into a
   build folder beside ``out``: k, silhouette, stability, the segment profiles, the
   comparison and the map describe the **sample**;
3. every row of every file scored with the run's model
   (:func:`personas.scale.assign_partitioned`) into ``assigned/all/``;
4. k-modes and k-means: the model refit on all kept complete rows from the sample's
   centroids, as map-reduce passes (batch k-modes, :func:`personas.scale.fit_distributed`;
   Lloyd k-means in the model's [0, 1] rescaling of the items,
   :func:`personas.scale.fit_kmeans_distributed`); when the centroids moved, every row is
   scored again with them (the data is read again), ``model.json`` takes them (segment ids
   and names kept: the refit starts from the sample's centres; the distance percentiles that
   mark far respondents measured again on the sample) and the sample's model stays beside it
   as ``model-sample.json``, so that ``personas assign`` on the run labels rows as
   ``assigned/all`` does. k-prototypes and latent classes keep the sample's model;
5. the journal (``summary.json``, the report's "How this was done", the terminal) says what
   was fitted on the sample and what on all rows, with the segments' shares of all rows; the
   report is rendered again with it;
6. ``engine.json`` (engine, cluster, sample, rows, refit) and the whole folder published with
   one rename (:func:`personas.run.files.atomic_folder`): a failure anywhere leaves no run
   folder, or the previous one whole.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from personas.errors import InputError, Problem
from personas.run.files import Run, atomic_folder, load_run, write_json

__all__ = ["draw_sample", "journal_lines", "run_partitioned", "wave_of", "SAMPLE_ROWS"]

SAMPLE_ROWS = 100_000


def draw_sample(files, n: int = SAMPLE_ROWS, seed: int = 0) -> pd.DataFrame:
    """At most ``n`` rows drawn without replacement across Parquet ``files``, seeded.

    Each file gives its share of ``n`` in proportion to its rows (largest remainders get the
    rest); the rows of a file are a seeded choice, kept in file order. Only the chosen rows
    are kept in memory (a file is read, then cut).
    """
    import pyarrow.parquet as pq

    rows = np.array([pq.ParquetFile(f).metadata.num_rows for f in files], dtype=np.int64)
    total = int(rows.sum())
    n = min(int(n), total)
    exact = rows * n / max(total, 1)
    share = np.floor(exact).astype(np.int64)
    rest = n - int(share.sum())
    share[np.argsort(-(exact - share), kind="stable")[:rest]] += 1
    rng = np.random.default_rng(seed)
    parts = []
    for path, size, take in zip(files, rows, share, strict=True):
        picks = np.sort(rng.choice(int(size), size=int(take), replace=False))
        table = pq.read_table(path)
        parts.append(table.take(picks).to_pandas())
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def wave_of(data: Path, wave: str) -> str:
    """The wave name of partitioned data: the folder's name for a folder or a pattern."""
    path = Path(data)
    if path.is_dir():
        return path.name
    return path.parent.name if any(c in path.name for c in "*?[") else wave


def _complete_answers(
    path: str, *, instrument, items, lenient, fills, speeder, refused: str | None = None
) -> pd.DataFrame:
    """The kept rows of one file, filled as ``assign`` filled them: the rows the refit clusters.

    The speeder threshold and the fill values are the dataset-wide ones of the scoring pass
    (``assign-summary.json``). ``refused``: the scoring pass's ``refused/`` part of this file,
    whose rows are dropped too: an id already met in an earlier file is refused there, not by
    this file's own cleaning. So the refit clusters exactly the rows that were assigned.
    """
    from dataclasses import replace

    from personas.cleaning import clean
    from personas.scale._partition import _read

    rules = replace(instrument.cleaning, impute="none")
    if speeder is not None:
        rules = replace(rules, min_duration_seconds=speeder)
    cleaned = clean(_read(path, instrument, lenient), rules=rules)
    answers = cleaned.answers[items].astype("f8")
    if refused is not None:
        ledger = cleaned.ledger.table
        rows = ledger.loc[ledger["status"] == "kept", "row"].to_numpy()
        elsewhere = pd.read_parquet(refused, columns=["row"])["row"].to_numpy()
        answers = answers[~np.isin(rows, elsewhere)]
    return answers.fillna(fills).dropna().reset_index(drop=True)


#: The methods whose model is refit on all rows (see the module docstring).
REFIT_METHODS = ("kmodes", "kmeans")


def _answer_options(run: Run, summary: dict, lenient) -> dict:
    """:func:`_complete_answers`' options: the scoring pass's dataset-wide rules."""
    from personas.waves.assignment import _instrument_of

    cleaning = summary["cleaning"]
    return {
        "instrument": _instrument_of(run),
        "items": list(run.model["items"]),
        "lenient": lenient,
        "fills": {q: float(v) for q, v in cleaning["imputation"].get("values", {}).items()},
        "speeder": cleaning["speeder"]["threshold_seconds"],
    }


def _refit(files, run: Run, *, scored: Path, summary: dict, lenient, client) -> dict:
    """The model refit on all assigned rows (filled), from the sample's centroids.

    ``scored``: the scoring pass's output folder, whose ``refused/part-<i>`` parts name the
    rows of file ``i`` it refused. ``cost`` is the fit's own: items answered differently
    (k-modes), or the summed squared distance in the model's [0, 1] rescaling (k-means
    inertia).
    """
    import dask
    import dask.dataframe as dd

    items = list(run.model["items"])
    read = dask.delayed(_complete_answers)
    options = _answer_options(run, summary, lenient)
    tasks = [
        read(f, refused=str(Path(scored) / "refused" / f"part-{i:05d}.parquet"), **options)
        for i, f in enumerate(files)
    ]
    meta = pd.DataFrame({q: pd.Series(dtype="f8") for q in items})
    frame = dd.from_delayed(tasks, meta=meta, verify_meta=False)
    start = np.asarray(run.model["centers"], dtype=np.float64)
    if run.model["method"] == "kmeans":
        centers, fit, cost = _refit_kmeans(frame, run.model, start, client)
    else:
        from personas.scale import fit_distributed

        fit = fit_distributed(frame, items, start, client=client)
        centers, cost = np.asarray(fit.centroids, dtype=np.float64), fit.cost
    return {
        "method": run.model["method"],
        "rows": int(fit.rows),  # = the rows assigned: the same rules, the same refusals
        "passes": len(fit.passes),
        "iterations": int(fit.n_iter),
        "cost": float(cost),
        "moved": not np.array_equal(centers, start),
        "centers": centers,
    }


def _refit_kmeans(frame, model: dict, start: np.ndarray, client):
    """Lloyd k-means on all rows in the model's rescaling, as the in-memory fit clusters them;
    the centres come back in answer units, as the model stores them."""
    from personas.scale import fit_kmeans_distributed

    items = list(model["items"])
    scaling = np.array([model["scaling"][q] for q in items], dtype=np.float64)
    lo, width = scaling[:, 0], scaling[:, 1] - scaling[:, 0]  # width > 0 (segment._space)
    rescale = functools.partial(_rescale, lo=lo, width=width)  # per partition: no alignment
    scaled = frame.map_partitions(rescale, meta=frame._meta)
    fit = fit_kmeans_distributed(
        scaled, items, k=len(start), init=(start - lo) / width, client=client
    )
    return lo + np.asarray(fit.centroids, dtype=np.float64) * width, fit, fit.inertia


def _rescale(part: pd.DataFrame, *, lo: np.ndarray, width: np.ndarray) -> pd.DataFrame:
    return (part - lo) / width


def _refit_model(run: Run, centers: np.ndarray, sample_path: Path, options: dict) -> dict:
    """The run's model with the refit centres, and the distance percentiles that mark far
    respondents measured again with them on the sample (kept rows, filled as scored)."""
    from personas.segment._apply import assign_codes, distance_percentiles

    model = json.loads(json.dumps(run.model)) | {"centers": centers.tolist()}
    labels, distances = assign_codes(model, _complete_answers(str(sample_path), **options))
    model["distance_percentiles"] = distance_percentiles(labels, distances, int(model["k"]))
    return model


def _adopt_refit(staged: Path, model: dict) -> None:
    """``model.json`` takes the refit model; the sample's stays as ``model-sample.json``."""
    os.replace(staged / "model.json", staged / "model-sample.json")
    write_json(staged / "model.json", model)


def _scored_with(build: Path, run_dir: Path, model: dict) -> Path:
    """A linked copy of the run whose ``model.json`` is ``model`` (for scoring with it)."""
    from personas._atomic import link_tree

    copy = build / "refit-model"
    copy.mkdir()
    link_tree(run_dir, copy, copy=("charts",))
    (copy / "model.json").unlink()
    write_json(copy / "model.json", model)
    return copy


def journal_lines(engine: dict, shares: pd.DataFrame) -> list[str]:
    """What the journal says of a ``--engine dask`` run: sample, rows scored, refit, shares."""
    sample = engine["sample"]
    refused = sum(engine["refused"].values())
    drawn = (
        f"a seeded sample of {sample['rows']:,} of the {engine['rows']:,} rows"
        if sample["rows"] < engine["rows"]
        else f"all {engine['rows']:,} rows (a sample holds up to {sample['most']:,})"
    )
    lines = [
        f"On Dask (--engine dask), k, silhouette, stability, the segment profiles, the "
        f"comparison and the map come from {drawn} in {engine['files']:,} Parquet file(s) "
        f"(seed {sample['seed']}).",
        f"Every row scored: {engine['assigned']:,} assigned, {refused:,} refused "
        "(reasons in assigned/all/assign-summary.json).",
    ]
    refit = engine["refit"]
    if refit is None:
        lines.append("The model was not refit on all rows: only k-modes and k-means are.")
    else:
        moved = (
            "the centres moved, so every row was scored again with them; model.json holds "
            "them (the sample's model: model-sample.json)"
            if refit["moved"]
            else "the centres did not move"
        )
        lines.append(
            f"{refit['method']} refit on all {refit['rows']:,} kept complete rows from the "
            f"sample's centres ({refit['passes']} passes over the data): {moved}."
        )
    parts = [f"{r.name} {r.share:.1%}" for r in shares.itertuples()]
    lines.append("Shares of all assigned rows: " + ", ".join(parts) + ".")
    return lines


def _record(staged: Path, lines: list[str], report) -> None:
    """Append ``lines`` to the run's journal and render its report again with them."""
    from personas.pipeline.study import _report_writer

    summary = json.loads((staged / "summary.json").read_text(encoding="utf-8"))
    summary["journal"] = [*summary.get("journal", []), *lines]
    write_json(staged / "summary.json", summary)
    if report:
        _report_writer(report)(staged)


def run_partitioned(
    study_dir: Path,
    data,
    *,
    wave: str,
    out: Path,
    k="auto",
    method="auto",
    random_state: int = 0,
    report=("html",),
    scheduler: str | None = None,
    workers: int = 2,
    lenient=None,
    progress=None,
    echo=None,
) -> Run:
    """``personas run --engine dask``: sample, in-memory run, all rows scored, refit, publish.

    See the module docstring for what is computed on the sample and what on all rows.
    Nothing is presented as a run at ``out`` until every step succeeded.
    """
    from personas._atomic import check_out_folder
    from personas.pipeline.study import run_study, update_study_page
    from personas.scale import assign_partitioned
    from personas.scale.assign import _client, _files

    clock = time.perf_counter()
    out = Path(out)
    check_out_folder(out, kind="run")
    files = _files(data)
    others = [f for f in files if not f.endswith(".parquet")]
    if others:
        raise InputError(
            Problem(
                "--engine dask reads Parquet files only",
                file=others[0],
                hint="convert the wave to Parquet files, or run without --engine dask",
            )
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        sample = draw_sample(files, n=SAMPLE_ROWS, seed=random_state)
        sample_path = build / f"{wave}.parquet"
        sample.to_parquet(sample_path, index=False)
        staged = build / "run"
        run = run_study(
            study_dir, sample_path, wave=wave, out=staged, lenient=lenient, method=method,
            k=k, random_state=random_state, report=report, progress=progress, echo=echo,
        )  # fmt: skip
        assigned = staged / "assigned" / "all"
        scored = assign_partitioned(
            staged, data, out=assigned, scheduler=scheduler, workers=workers, lenient=lenient
        )
        refit = None
        if run.model.get("method") in REFIT_METHODS:
            with _client(scheduler, workers) as client:
                refit = _refit(
                    files, run, scored=assigned, summary=scored.summary, lenient=lenient,
                    client=client,
                )  # fmt: skip
            if refit["moved"]:
                options = _answer_options(run, scored.summary, lenient)
                model = _refit_model(run, refit["centers"], sample_path, options)
                scored = assign_partitioned(
                    _scored_with(build, staged, model), data, out=assigned,
                    scheduler=scheduler, workers=workers, lenient=lenient,
                )  # fmt: skip
                _adopt_refit(staged, model)
        engine = _engine_record(
            files, sample, scored, refit, scheduler, workers, random_state, clock
        )
        lines = journal_lines(engine, scored.shares)
        _record(staged, lines, report)
        if echo is not None:
            for line in lines:
                echo(line)
        with atomic_folder(out, kind="run") as tmp:
            for entry in os.listdir(staged):
                os.replace(staged / entry, tmp / entry)
            write_json(tmp / "engine.json", engine)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    if report and out.parent.name == Path(study_dir).name:
        update_study_page(out.parent)
    return load_run(out)


def _engine_record(files, sample, scored, refit, scheduler, workers, seed, clock) -> dict:
    summary = scored.summary
    return {
        "engine": "dask",
        "scheduler": scheduler,
        "workers": None if scheduler else workers,
        "files": len(files),
        "sample": {"rows": len(sample), "most": SAMPLE_ROWS, "seed": seed},
        "rows": summary["rows"],
        "assigned": summary["assigned"],
        "refused": summary["refused"],
        "assignments": "assigned/all",
        "refit": None
        if refit is None
        else {k: v for k, v in refit.items() if k != "centers"} | {"relabelled": refit["moved"]},
        "seconds": round(time.perf_counter() - clock, 3),
    }


def refuse_options(**given) -> None:
    """Refuse, before any work, the ``run`` options that ``--engine dask`` does not take."""
    hints = {
        "weights": "weights are not supported on Dask yet: run in memory, or drop --weights",
        "baseline": "compare with `personas assign --engine dask` output, or run in memory",
        "format": "--engine dask reads Parquet only: convert the files to Parquet",
    }
    problems = [
        Problem(f"--{name} does not work with --engine dask", hint=hints[name])
        for name, value in given.items()
        if value not in (None, False, "parquet")
    ]
    if problems:
        raise InputError(*problems)

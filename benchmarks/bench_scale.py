"""Benchmark: scale, on one machine and on Dask (not a unit test; prints medians and ratios).

    python benchmarks/bench_scale.py                  # everything below, default sizes
    python benchmarks/bench_scale.py --quick          # small sizes: a smoke run
    python benchmarks/bench_scale.py --only fit,dask  # some sections (fit, sweep, read, dask)
    python benchmarks/bench_scale.py --only dask --dask-rows 5000000   # 5M of the 50M

Sections (each measurement in a fresh subprocess, so each peak memory ``ru_maxrss`` is its
own; wall and CPU seconds are both printed, since a busy machine slows the wall clock, not
the CPU time):

``fit``
    1,000,000 x 30 planted booleans at a fixed k=5: ``personas.segment.KModes`` (one Huang
    start, the kmodes package's own algorithm) and scikit-learn ``KMeans`` (one start) on the
    same rows; ``segment(k=5)`` with every criterion. The kmodes package takes minutes at
    1M, so it runs on a subsample (``--reference-rows``, 50,000) next to personas on the same
    subsample; its 1M time is *extrapolated* as subsample time x (1M / subsample), i.e.
    assuming its time grows linearly with n (each pass is O(n k d); the iteration count may
    differ), and printed as such.
``sweep``
    ``segment(k="auto")``: k = 2..10 with elbow, exact silhouette and stability at 100,000.
``read``
    read + clean a 1,000,000 x 40 CSV (benchmarks/bench_clean.py's wave) against
    ``pandas.read_csv(dtype=str, engine="pyarrow")``, the floor.
``dask``
    The 50M scoring benchmark: writes ``--dask-rows`` (50,000,000) x 30 boolean rows (plus 2
    attention checks, id and duration) as Parquet partitions of ``--rows-per-file``
    (250,000) rows on disk (``--dask-files`` fixes the file count instead), then ``personas
    assign --engine dask`` with a LocalCluster of ``--workers`` (2) single-threaded workers
    (``memory_limit`` 1 GB each): rows per second, the peak memory of each worker process
    (sampled every 0.2 s) against the 1 GB bound, and, below 50M rows, the 50M time
    extrapolated at the measured rate. The per-worker peak depends on the file size, not on
    the total. Needs about 25 bytes per row of free disk in the temporary folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _bench_workers import watch_workers  # noqa: E402

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from bench_segment import planted
task, n = sys.argv[2], int(sys.argv[3])
X = planted(n, 30, 5, noise=0.15, seed=0)
if task == "personas":
    from personas.segment import KModes
elif task == "kmodes":
    from kmodes.kmodes import KModes
else:
    from sklearn.cluster import KMeans
def fit(data):
    if task == "kmeans":
        model = KMeans(n_clusters=5, n_init=1, random_state=0).fit(data)
        return float(model.inertia_), model.labels_
    model = KModes(n_clusters=5, init="Huang", n_init=1, random_state=0).fit(data)
    return float(model.cost_), model.labels_
fit(X[:1000])  # warm-up: lazy imports and first-call set-up are not the fit
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), time.process_time()
cost, labels = fit(X)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall": wall, "cpu": cpu, "peak_gb": peak / 1024**2,
                  "data_gb": base / 1024**2, "cost": cost,
                  "labels": [int(v) for v in labels[:2000]]}))
"""


def _child(task: str, n: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(HERE), task, str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median_runs(task: str, n: int, repeat: int) -> dict:
    runs = [_child(task, n) for _ in range(repeat)]
    return {
        "wall": statistics.median(r["wall"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "peak_gb": max(r["peak_gb"] for r in runs),
        "data_gb": runs[0]["data_gb"],
        "cost": runs[0]["cost"],
        "labels": runs[0]["labels"],
    }


def _line(name: str, r: dict, repeat: int) -> str:
    return (
        f"  {name:<28} {r['wall']:7.2f} s wall {r['cpu']:7.2f} s CPU (median of {repeat}), "
        f"peak {r['peak_gb']:.2f} GB (data alone {r['data_gb']:.2f} GB), cost {r['cost']:,.0f}"
    )


def bench_fit(n: int, reference_rows: int, repeat: int) -> None:
    """Fixed-k fits at ``n`` rows; the kmodes package on a subsample, extrapolated."""
    from bench_segment import bench_segment

    print(f"fit: {n:,} x 30 booleans, k=5, one start")
    ours = _median_runs("personas", n, repeat)
    print(_line("personas.segment.KModes", ours, repeat) + "   target <= 1.5 s, <= 1 GB")
    km = _median_runs("kmeans", n, repeat)
    print(_line("sklearn KMeans", km, repeat))
    print(
        f"  KMeans / personas: {km['wall'] / ours['wall']:.1f}x wall, "
        f"{km['cpu'] / ours['cpu']:.1f}x CPU"
    )
    small = _median_runs("personas", reference_rows, repeat)
    ref = _median_runs("kmodes", reference_rows, 1)
    same = small["labels"] == ref["labels"] and abs(small["cost"] - ref["cost"]) < 1e-6
    print(f"  on a {reference_rows:,}-row subsample (same seed, same algorithm):")
    print(_line("personas.segment.KModes", small, repeat))
    print(_line("kmodes.KModes 0.12.2", ref, 1))
    scale = n / reference_rows
    print(
        f"  kmodes / personas on the subsample: {ref['cpu'] / small['cpu']:.0f}x CPU "
        f"(same labels and cost: {same}); kmodes at {n:,} EXTRAPOLATED (linear in n): "
        f"~{ref['cpu'] * scale:,.0f} s CPU, i.e. ~{ref['cpu'] * scale / ours['cpu']:.0f}x "
        "personas' measured time (not run)"
    )
    bench_segment(n, "5", repeat, 1, 1.5)


def bench_sweep(n: int, repeat: int, n_jobs: str = "auto") -> None:
    """The sweep on one core, then with ``n_jobs`` (``"auto"``: segment()'s default, one
    forked worker per core from 20,000 respondents up)."""
    from bench_segment import bench_segment

    print(f"sweep: k = 2..10 with elbow, exact silhouette, stability at {n:,} x 30")
    bench_segment(n, "auto", repeat, "1", 5)
    if n_jobs != "1":
        bench_segment(n, "auto", repeat, n_jobs, 5)


def bench_read(rows: int, repeat: int) -> None:
    import bench_clean

    print(f"read: read + clean {rows:,} x 40 CSV (target <= 10 s, <= 2 GB)")
    bench_clean.main(["--rows", str(rows), "--repeat", str(repeat)])


# --- Dask scoring -------------------------------------------------------------------------


def _make_run(folder: Path) -> Path:
    """A study with 30 boolean items (jobsite's 24 + 6), one simulated wave, one run."""
    import yaml

    from personas.pipeline.study import run_study, simulate_study

    study = folder / "surveys" / "scale"
    shutil.copytree(
        HERE.parent / "surveys" / "jobsite",
        study,
        ignore=shutil.ignore_patterns("*.csv", "*.parquet", "*.xlsx", "*.sav"),
    )
    (study / "waves").mkdir(exist_ok=True)
    path = study / "instrument.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["study"]["id"] = "scale"
    tensions = [t["id"] for t in doc["tensions"]]
    extra = [
        {
            "id": f"q{24 + i}",
            "type": "boolean",
            "tension": tensions[i - 1],
            "pole": "ab"[i % 2],
            "text": f"Extra statement {i}.",
        }
        for i in range(1, 7)
    ]
    doc["questions"] = doc["questions"][:24] + extra + doc["questions"][24:]
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    wave, _ = simulate_study(study, n=3000, random_state=0, wave="wave-1")
    return run_study(study, wave, wave="wave-1", out=folder / "run", k=5, report=()).path


def _write_partitions(folder: Path, rows: int, files: int) -> list[Path]:
    """``rows`` x (30 boolean items, 2 checks, id, duration) as ``files`` Parquet files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir()
    per = -(-rows // files)
    prototypes = np.random.default_rng(1).random((5, 30)) < 0.5
    paths = []
    for f in range(files):
        n = min(per, rows - f * per)
        if n <= 0:
            break
        rng = np.random.default_rng(100 + f)
        answers = prototypes[rng.integers(0, 5, n)] ^ (rng.random((n, 30)) < 0.1)
        ids = np.char.add(f"r{f}-", np.arange(n).astype(str))
        columns = {"respondent_id": pa.array(ids.astype(object))}
        for j in range(30):
            columns[f"q{j + 1:02d}"] = pa.array(answers[:, j])
        columns["check1"] = pa.array(np.zeros(n, dtype=bool))
        columns["check2"] = pa.array(np.ones(n, dtype=bool))
        columns["duration_seconds"] = pa.array(rng.gamma(4, 80, n).round(0))
        paths.append(folder / f"part-{f:04d}.parquet")
        pq.write_table(pa.table(columns), paths[-1], row_group_size=250_000)
    return paths


def bench_dask(rows: int, files: int, workers: int, per_file: int = 250_000) -> None:
    from distributed import Client, LocalCluster

    from personas.scale import assign_partitioned

    files = files or max(1, -(-rows // per_file))
    print(f"dask: score {rows:,} x 30 booleans in {files} Parquet files, {workers} workers")
    with tempfile.TemporaryDirectory(prefix="personas-bench-scale-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        run = _make_run(folder)
        made = time.perf_counter()
        paths = _write_partitions(folder / "parts", rows, files)
        size = sum(p.stat().st_size for p in paths) / 1024**2
        print(
            f"  run in {made - started:.1f} s; partitions written in "
            f"{time.perf_counter() - made:.1f} s ({size:,.0f} MB on disk)"
        )
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                dashboard_address=":0",
                memory_limit="1GiB",
            ) as cluster,
            Client(cluster) as client,
        ):
            peaks, stop = {}, threading.Event()
            watcher = threading.Thread(target=watch_workers, args=(client, peaks, stop))
            watcher.start()
            t0 = time.perf_counter()
            result = assign_partitioned(
                run, folder / "parts", out=folder / "out", scheduler=cluster.scheduler_address
            )
            seconds = time.perf_counter() - t0
            stop.set()
            watcher.join()
        s = result.summary
        print(
            f"  {s['rows']:,} rows in {seconds:.1f} s: {s['rows'] / seconds:,.0f} rows/s "
            f"({s['assigned']:,} assigned, refused {s['refused']})"
        )
        shown = ", ".join(f"{v / 1024**3:.2f}" for v in peaks.values())
        print(f"  peak RSS per worker: [{shown}] GB (bound: 1 GB each, whatever the total)")
        if s["rows"] < 50_000_000:
            full = 50_000_000 / s["rows"] * seconds
            print(
                f"  50,000,000 rows EXTRAPOLATED at this rate (linear in rows): ~{full:,.0f} s "
                f"({full / 60:.1f} min; not run)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", default="fit,sweep,read,dask")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-rows", type=int, default=50_000)
    parser.add_argument("--dask-rows", type=int, default=50_000_000)
    parser.add_argument("--rows-per-file", type=int, default=250_000)
    parser.add_argument("--dask-files", type=int, default=0, help="0: rows / --rows-per-file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--n-jobs", default="auto", help="the sweep again with these workers ('auto': default)"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    fit_n, sweep_n, read_n = 1_000_000, 100_000, 1_000_000
    if args.quick:
        fit_n, sweep_n, read_n, args.repeat = 100_000, 20_000, 100_000, 1
        args.reference_rows, args.dask_rows, args.rows_per_file = 10_000, 200_000, 50_000
    if "fit" in only:
        bench_fit(fit_n, args.reference_rows, args.repeat)
    if "sweep" in only:
        bench_sweep(sweep_n, args.repeat, args.n_jobs)
    if "read" in only:
        bench_read(read_n, args.repeat)
    if "dask" in only:
        bench_dask(args.dask_rows, args.dask_files, args.workers, args.rows_per_file)


if __name__ == "__main__":
    main()

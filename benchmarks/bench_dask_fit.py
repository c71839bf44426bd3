"""Benchmark: k-modes fitted as map-reduce passes on Dask against the in-memory batch fit.

    python benchmarks/bench_dask_fit.py                   # 2,000,000 rows, 2 workers
    python benchmarks/bench_dask_fit.py --quick           # 200,000 rows: a smoke run
    python benchmarks/bench_dask_fit.py --rows 10000000   # the issue's 10M (long)

Writes ``--rows`` x 30 planted booleans as ``--files`` Parquet partitions, takes initial
centroids from an in-memory ``KModes`` (one k-modes++ start) on a seeded sample of
``--sample`` rows (what ``personas run --engine dask`` would do), then:

* ``personas.scale.fit_distributed`` on a ``LocalCluster`` of ``--workers`` single-threaded
  worker processes (1 GiB memory limit each): seconds per pass over the data, and each worker
  process's peak resident memory (sampled every 0.2 s);
* in a fresh subprocess, the in-memory batch fit on the same rows
  (``KModes(init=..).fit(X, sample_weight=ones)``): seconds and peak memory
  (``ru_maxrss``), and whether centroids, cost and iterations are identical.

Nothing here is a unit test; it prints measurements.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_workers import watch_workers  # noqa: E402

K, D = 5, 30

_CHILD = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
from personas.segment import KModes
folder, init = sys.argv[1], np.array(json.loads(sys.argv[2]), dtype=bool)
files = sorted(__import__("glob").glob(folder + "/*.parquet"))
t0 = time.perf_counter()
X = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True).to_numpy()
read = time.perf_counter() - t0
t0 = time.perf_counter()
model = KModes(n_clusters=init.shape[0], init=init, max_iter=100).fit(
    X, sample_weight=np.ones(len(X)))
fit = time.perf_counter() - t0
print(json.dumps({"read": read, "fit": fit, "cost": model.cost_, "n_iter": model.n_iter_,
                  "centroids": model.cluster_centroids_.astype(int).tolist(),
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def write_partitions(folder: Path, rows: int, files: int) -> list[Path]:
    """``rows`` x 30 booleans from 5 prototypes with 15% of answers flipped."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir()
    prototypes = np.random.default_rng(1).random((K, D)) < 0.5
    per, paths = -(-rows // files), []
    for f in range(files):
        n = min(per, rows - f * per)
        if n <= 0:
            break
        rng = np.random.default_rng(100 + f)
        answers = prototypes[rng.integers(0, K, n)] ^ (rng.random((n, D)) < 0.15)
        table = pa.table({f"q{j + 1:02d}": answers[:, j] for j in range(D)})
        paths.append(folder / f"part-{f:04d}.parquet")
        pq.write_table(table, paths[-1], row_group_size=250_000)
    return paths


def sample_start(paths: list[Path], sample: int, seed: int = 0) -> np.ndarray:
    """Centroids of an in-memory k-modes on a seeded sample spread over all files."""
    import pandas as pd

    from personas.segment import KModes

    rng = np.random.default_rng(seed)
    per = -(-sample // len(paths))
    parts = []
    for p in paths:
        frame = pd.read_parquet(p)
        parts.append(frame.iloc[np.sort(rng.choice(len(frame), min(per, len(frame)), False))])
    X = pd.concat(parts).to_numpy()
    return KModes(n_clusters=K, init="k-modes++", n_init=1, random_state=seed).fit(X)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--no-reference", action="store_true", help="skip the in-memory fit")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.files, args.sample = 200_000, 8, 20_000
    from distributed import Client, LocalCluster

    from personas.scale import fit_distributed

    items = [f"q{j + 1:02d}" for j in range(D)]
    with tempfile.TemporaryDirectory(prefix="personas-bench-dask-fit-") as tmp:
        folder = Path(tmp) / "parts"
        t0 = time.perf_counter()
        paths = write_partitions(folder, args.rows, args.files)
        size = sum(p.stat().st_size for p in paths) / 1024**2
        print(f"{args.rows:,} x {D} booleans in {len(paths)} files ({size:,.0f} MB), "
              f"written in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        t0 = time.perf_counter()
        start = sample_start(paths, args.sample)
        print(f"start: k-modes++ k={K} on a seeded sample of {args.sample:,} rows in "
              f"{time.perf_counter() - t0:.1f} s (cost {start.cost_:,.0f})")  # fmt: skip
        init = start.cluster_centroids_
        with (
            LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                dashboard_address=":0",
                memory_limit="1GiB",
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(lambda: __import__("personas.scale._reduce") and None)  # imports first
            peaks, stop = {}, threading.Event()
            watcher = threading.Thread(target=watch_workers, args=(client, peaks, stop))
            watcher.start()
            t0 = time.perf_counter()
            fit = fit_distributed(str(folder / "*.parquet"), items, init, client=client)
            total = time.perf_counter() - t0
            stop.set()
            watcher.join()
        print(f"dask fit, {args.workers} workers: {total:.1f} s, {len(fit.passes)} passes "
              f"({fit.n_iter} updates), cost {fit.cost:,.0f}")  # fmt: skip
        for p in fit.passes:
            what = "encoding" if p["pass"] == 0 else f"cost {p['cost']:,.0f} moved {p['moved']}"
            print(f"  pass {p['pass']}: {p['seconds']:.2f} s  {what}")
        per_pass = np.median([p["seconds"] for p in fit.passes[1:]])
        guess = (f"; at 10,000,000 rows ~{per_pass * 1e7 / args.rows:.0f} s per pass "
                 "(extrapolated linearly)" if args.rows < 10_000_000 else "")  # fmt: skip
        print(f"  median pass {per_pass:.2f} s = {args.rows / per_pass:,.0f} rows/s{guess}")
        shown = ", ".join(f"{v / 1024**3:.2f}" for v in peaks.values())
        print(f"  peak RSS per worker: [{shown}] GB (limit 1 GiB each)")
        if args.no_reference:
            return
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(folder), json.dumps(init.astype(int).tolist())],
            check=True,
            capture_output=True,
            text=True,
        )
        ref = json.loads(out.stdout.strip().splitlines()[-1])
        same = (
            ref["centroids"] == fit.centroids.astype(int).tolist()
            and ref["cost"] == fit.cost
            and ref["n_iter"] == fit.n_iter
        )
        print(f"in-memory batch fit, same rows, 1 process: read {ref['read']:.1f} s, "
              f"fit {ref['fit']:.1f} s, peak {ref['peak_gb']:.2f} GB; "
              f"identical centroids, cost and iterations: {same}")  # fmt: skip


if __name__ == "__main__":
    main()

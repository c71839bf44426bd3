"""Benchmark: Lloyd k-means fitted as map-reduce passes on Dask against scikit-learn in memory.

    python benchmarks/bench_dask_kmeans.py                   # 2,000,000 x 30, 2 workers
    python benchmarks/bench_dask_kmeans.py --quick           # 200,000 rows: a smoke run
    python benchmarks/bench_dask_kmeans.py --rows 10000000   # 10M (long; the reference may
                                                             # not fit: --no-reference)

Writes ``--rows`` x 30 planted numbers (5 Gaussian groups, stored as float32) as ``--files``
Parquet partitions, takes initial centroids from a scikit-learn ``KMeans`` (one k-means++
start) on a seeded sample of ``--sample`` rows (what a Dask run would do), then:

* ``personas.scale.fit_kmeans_distributed`` on a ``LocalCluster`` of ``--workers``
  single-threaded worker processes (1 GiB memory limit each): seconds per pass, the median
  pass as rows/s, and each worker process's peak resident memory (sampled every 0.2 s);
* in a fresh subprocess, ``KMeans(init=.., n_init=1, algorithm="lloyd")`` on the same rows in
  float64: read and fit seconds, peak memory (``ru_maxrss``), the ratio of the two fits'
  times, and whether the iterations are equal and the centroids agree to 1e-8.

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
import glob, json, resource, sys, time
import numpy as np, pandas as pd
from sklearn.cluster import KMeans
folder, init = sys.argv[1], np.array(json.loads(sys.argv[2]))
t0 = time.perf_counter()
X = np.concatenate([pd.read_parquet(f).to_numpy(dtype=np.float64)
                    for f in sorted(glob.glob(folder + "/*.parquet"))])
read = time.perf_counter() - t0
t0 = time.perf_counter()
km = KMeans(n_clusters=len(init), init=init, n_init=1, algorithm="lloyd").fit(X)
fit = time.perf_counter() - t0
print(json.dumps({"read": read, "fit": fit, "inertia": km.inertia_, "n_iter": int(km.n_iter_),
                  "centroids": km.cluster_centers_.tolist(),
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def write_partitions(folder: Path, rows: int, files: int) -> list[Path]:
    """``rows`` x 30 float32 numbers from 5 overlapping Gaussian groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir()
    centres = np.random.default_rng(1).normal(0, 2, (K, D))
    per, paths = -(-rows // files), []
    for f in range(files):
        n = min(per, rows - f * per)
        if n <= 0:
            break
        rng = np.random.default_rng(100 + f)
        X = (centres[rng.integers(0, K, n)] + rng.normal(0, 1.5, (n, D))).astype(np.float32)
        table = pa.table({f"x{j + 1:02d}": X[:, j] for j in range(D)})
        paths.append(folder / f"part-{f:04d}.parquet")
        pq.write_table(table, paths[-1], row_group_size=250_000)
    return paths


def sample_start(paths: list[Path], sample: int, seed: int = 0) -> np.ndarray:
    """Centroids of a scikit-learn k-means (one k-means++ start) on a seeded sample."""
    import pandas as pd
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(seed)
    per = -(-sample // len(paths))
    parts = []
    for p in paths:
        frame = pd.read_parquet(p)
        parts.append(frame.iloc[np.sort(rng.choice(len(frame), min(per, len(frame)), False))])
    X = pd.concat(parts).to_numpy(dtype=np.float64)
    return KMeans(K, n_init=1, random_state=seed).fit(X).cluster_centers_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--no-reference", action="store_true", help="skip the in-memory fit")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.files = 200_000, 8
    from distributed import Client, LocalCluster

    from personas.scale import fit_kmeans_distributed

    items = [f"x{j + 1:02d}" for j in range(D)]
    with tempfile.TemporaryDirectory(prefix="personas-bench-dask-kmeans-") as tmp:
        folder = Path(tmp) / "parts"
        t0 = time.perf_counter()
        paths = write_partitions(folder, args.rows, args.files)
        size = sum(p.stat().st_size for p in paths) / 1024**2
        print(f"{args.rows:,} x {D} float32 in {len(paths)} files ({size:,.0f} MB), "
              f"written in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        init = sample_start(paths, args.sample)
        with (
            LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0",
                         memory_limit="1GiB") as cluster,
            Client(cluster) as client,
        ):  # fmt: skip
            client.run(lambda: __import__("personas.scale._reduce_kmeans") and None)
            peaks, stop = {}, threading.Event()
            watcher = threading.Thread(target=watch_workers, args=(client, peaks, stop))
            watcher.start()
            t0 = time.perf_counter()
            fit = fit_kmeans_distributed(str(folder / "*.parquet"), items, k=K, init=init,
                                         client=client)  # fmt: skip
            total = time.perf_counter() - t0
            stop.set()
            watcher.join()
        print(f"dask fit, {args.workers} workers: {total:.1f} s, {len(fit.passes)} passes "
              f"({fit.n_iter} iterations, {fit.converged})")  # fmt: skip
        for p in fit.passes:
            what = "moments" if p["pass"] == 0 else f"inertia {p['inertia']:,.0f}"
            what += f" moved {p['moved']}" if p["moved"] is not None else ""
            print(f"  pass {p['pass']}: {p['seconds']:.2f} s  {what}")
        per_pass = float(np.median([p["seconds"] for p in fit.passes[1:]]))
        print(f"  median pass {per_pass:.2f} s = {args.rows / per_pass:,.0f} rows/s")
        shown = ", ".join(f"{v / 1024**3:.2f}" for v in peaks.values())
        print(f"  peak RSS per worker: [{shown}] GB (limit 1 GiB each)")
        if args.no_reference:
            return
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(folder), json.dumps(init.tolist())],
            check=True,
            capture_output=True,
            text=True,
        )
        ref = json.loads(out.stdout.strip().splitlines()[-1])
        close = np.allclose(fit.centroids, ref["centroids"], rtol=1e-8, atol=1e-10)
        print(f"scikit-learn KMeans lloyd in memory, 1 process: read {ref['read']:.1f} s, "
              f"fit {ref['fit']:.1f} s ({ref['fit'] / ref['n_iter']:.2f} s per iteration), "
              f"peak {ref['peak_gb']:.2f} GB")  # fmt: skip
        print(f"  dask / in-memory: fit {total / ref['fit']:.1f}x, per iteration "
              f"{per_pass / (ref['fit'] / ref['n_iter']):.1f}x; same n_iter: "
              f"{ref['n_iter'] == fit.n_iter}; centroids within 1e-8: {close}; inertia "
              f"relative difference {abs(fit.inertia / ref['inertia'] - 1):.1e}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Benchmark: k-modes and the k sweep on large boolean waves (not a unit test; prints medians).

    python benchmarks/bench_segment.py            # the targets below
    python benchmarks/bench_segment.py --quick    # 20,000 / 200,000 respondents, a smoke run
    python benchmarks/bench_segment.py --repeat 5 --skip-reference

Three measurements on planted answers (5 segments, 30 True/False items, 15% noise):

1. ``personas.segment.KModes`` against ``kmodes.KModes`` (0.12.2) at 100,000 x 30, k=5,
   ``n_init=1``, Huang initialisation with the same seed (so both compute the same clustering):
   median seconds, the speed-up, and both costs. Target: at least 50x faster, cost no worse.
2. ``segment()`` choosing k over 2..10 (elbow, exact silhouette, bootstrap stability with the
   default ``n_boot``) on 100,000 x 30. Target: under 30 s on 2 cores, under 2 GB peak.
3. ``segment()`` at a fixed k=5 on 1,000,000 x 30. Target: under 10 s.

Segmentation runs happen in a fresh subprocess per repeat so that each peak memory
(``ru_maxrss``) is its own; wall and CPU seconds are both printed, since a busy machine slows
the wall clock but not the CPU time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

_CHILD = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
from pathlib import Path
from personas.cleaning.model import CleanResponses, Ledger
from personas.instrument.model import Instrument, Question
from personas.io.responses import Source
sys.path.insert(0, sys.argv[4])
from bench_segment import planted
n, k = int(sys.argv[1]), sys.argv[2]
X = planted(n, 30, 5, noise=0.15, seed=0)
qs = tuple(Question(f"q{j:02d}", "?", "boolean") for j in range(1, 31))
ids = [f"r{i}" for i in range(n)]
answers = pd.DataFrame(X, index=ids, columns=[q.id for q in qs])
ledger = Ledger(pd.DataFrame({"respondent": ids, "row": np.arange(n), "status": "kept",
                              "reason": "", "other_reasons": ""}))
clean = CleanResponses(Instrument("bench", "Bench", (), qs), answers, ledger,
                       Source(Path("bench.csv"), "csv", "0" * 64))
del X
from personas.segment import segment
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), time.process_time()
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
jobs = None if sys.argv[3] == "auto" else int(sys.argv[3])
seg = segment(clean, k="auto" if k == "auto" else int(k), n_jobs=jobs)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
done = resource.getrusage(resource.RUSAGE_CHILDREN)  # the sweep's workers, ended by now
cpu += (done.ru_utime + done.ru_stime) - (kids.ru_utime + kids.ru_stime)
print(json.dumps({"wall": wall, "cpu": cpu, "peak_gb": peak / 1024**2,
                  "worker_gb": done.ru_maxrss / 1024**2,
                  "data_gb": base / 1024**2, "k": seg.k,
                  "table": seg.selection.table[["k", "silhouette", "min_jaccard"]].round(3)
                  .to_dict("records")}))
"""


def planted(n: int, d: int, k: int, *, noise: float, seed: int) -> np.ndarray:
    """0/1 answers from ``k`` random prototypes, each answer flipped at random w.p. ``noise``."""
    rng = np.random.default_rng(seed)
    prototypes = rng.integers(0, 2, size=(k, d))
    X = prototypes[rng.integers(0, k, size=n)]
    flip = rng.random((n, d)) < noise
    return np.where(flip, rng.integers(0, 2, size=(n, d)), X).astype(np.float64)


def _time(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_kmodes(n: int, repeat: int, *, reference: bool) -> None:
    from personas.segment import KModes

    X = planted(n, 30, 5, noise=0.15, seed=0)
    ours_s, ours = _time(lambda: KModes(n_clusters=5, n_init=1, random_state=0).fit(X), repeat)
    print(
        f"KModes {n:,} x 30, k=5, n_init=1: personas {ours_s:.3f} s (median of {repeat}), "
        f"cost {ours.cost_:,.0f}"
    )
    if not reference:
        return
    from kmodes.kmodes import KModes as Reference

    ref_s, ref = _time(
        lambda: Reference(n_clusters=5, init="Huang", n_init=1, random_state=0).fit(X),
        max(1, repeat // 3),
    )
    print(
        f"  kmodes.KModes {ref_s:.2f} s, cost {ref.cost_:,.0f}; personas is "
        f"{ref_s / ours_s:.0f}x faster; cost no worse: {ours.cost_ <= ref.cost_}; "
        f"same labels: {np.array_equal(ours.labels_, ref.labels_)}"
    )


def bench_segment(n: int, k: str, repeat: int, n_jobs, target_s: float) -> None:
    """``segment()`` in a fresh process per repeat; ``n_jobs`` an int or ``"auto"`` (None)."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(n), k, str(n_jobs), sys.path[0]],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    peak = max(r["peak_gb"] for r in runs)
    what = "choosing k over 2..10" if k == "auto" else f"fixed k={k}"
    workers = max(r["worker_gb"] for r in runs)
    print(
        f"segment() {n:,} x 30, {what}, n_jobs={n_jobs}: {wall:.1f} s wall, {cpu:.1f} s CPU "
        f"(workers' included; median of {repeat}; target {target_s:g} s), peak {peak:.2f} GB "
        f"(data alone {runs[0]['data_gb']:.2f} GB"
        + (f"; largest worker {workers:.2f} GB, pages shared with the parent" if workers else "")
        + f"), chose k={runs[0]['k']}"
    )
    if k == "auto":
        print("  ", runs[0]["table"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--n-jobs", default="1", help="worker processes for segment() ('auto': its default)"
    )
    parser.add_argument("--skip-reference", action="store_true", help="do not time kmodes")
    args = parser.parse_args()
    small, large = (20_000, 200_000) if args.quick else (100_000, 1_000_000)
    repeat = 1 if args.quick else args.repeat
    bench_kmodes(small, max(3, repeat), reference=not args.skip_reference)
    bench_segment(small, "auto", repeat, args.n_jobs, 30)
    bench_segment(large, "5", repeat, args.n_jobs, 10)


if __name__ == "__main__":
    main()

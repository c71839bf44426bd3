"""Benchmark: latent class analysis (``method="lca"``) against the k-modes sweep (prints medians).

    python benchmarks/bench_lca.py              # 20,000 x 30, k = 2..8, 3 repeats
    python benchmarks/bench_lca.py --quick      # 5,000 x 30, one repeat: a smoke run
    python benchmarks/bench_lca.py --repeat 5 --n 50000

Planted answers: 5 classes, 30 categorical items (15 True/False, 15 choices of 3 options),
each answer replaced by a random one with probability 0.2. Two measurements, each in a fresh
subprocess per repeat so that each peak memory is its own:

1. ``segment_lca`` over k = 2..8 (StepMix EM, 4 starts per k, BIC chooses): wall and CPU
   seconds, peak Python allocations (``tracemalloc``) and peak resident memory
   (``ru_maxrss``), the chosen k and its adjusted Rand index against the planted classes;
2. the k-modes sweep of ``segment(method="kmodes")`` over the same k (elbow, exact silhouette,
   10 bootstrap refits per k): the same figures.

``personas run --method lca`` runs both (the k-modes sweep is its comparison), so its
segmentation step costs about the sum. The ratio LCA / k-modes is printed last.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

import numpy as np

_CHILD = r"""
import json, resource, sys, time, tracemalloc, warnings
import numpy as np, pandas as pd
from pathlib import Path
from sklearn.metrics import adjusted_rand_score
from personas.cleaning.model import CleanResponses, Ledger
from personas.instrument.model import Instrument, Question
from personas.io.responses import Source
sys.path.insert(0, sys.argv[3])
from bench_lca import planted
n, which = int(sys.argv[1]), sys.argv[2]
X, truth = planted(n, seed=0)
qs = tuple(Question(f"b{j:02d}", "?", "boolean") for j in range(15)) + tuple(
    Question(f"c{j:02d}", "?", "choice", options=("x", "y", "z")) for j in range(15))
ids = [f"r{i}" for i in range(n)]
answers = pd.DataFrame(X, index=ids, columns=[q.id for q in qs])
ledger = Ledger(pd.DataFrame({"respondent": ids, "row": np.arange(n), "status": "kept",
                              "reason": "", "other_reasons": ""}))
clean = CleanResponses(Instrument("bench", "Bench", (), qs), answers, ledger,
                       Source(Path("bench.csv"), "csv", "0" * 64))
from personas.segment import segment
from personas.segment.lca import segment_lca
warnings.simplefilter("ignore")
tracemalloc.start()
t0, c0 = time.perf_counter(), time.process_time()
if which == "lca":
    seg = segment_lca(clean, ks=list(range(2, 9)), random_state=0)
else:
    seg = segment(clean, method="kmodes", ks=range(2, 9), random_state=0)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
_, traced = tracemalloc.get_traced_memory()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall": wall, "cpu": cpu, "traced_gb": traced / 1024**3,
                  "peak_gb": peak / 1024**2, "k": seg.k,
                  "ari": adjusted_rand_score(truth, seg.labels.to_numpy())}))
"""


def planted(n: int, *, seed: int, k: int = 5, noise: float = 0.2):
    """(n, 30) answer codes (15 booleans 0/1, 15 choices 0..2) from k prototypes, and the truth."""
    rng = np.random.default_rng(seed)
    levels = np.array([2] * 15 + [3] * 15)
    protos = (rng.random((k, 30)) * levels).astype(int)
    truth = rng.integers(0, k, n)
    random = (rng.random((n, 30)) * levels).astype(int)
    codes = np.where(rng.random((n, 30)) < noise, random, protos[truth])
    return codes.astype(np.float64), truth


def _child(n: int, which: str) -> dict:
    here = str(__import__("pathlib").Path(__file__).resolve().parent)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n), which, here],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, repeat = (5_000, 1) if args.quick else (args.n, args.repeat)
    print(f"{n:,} respondents x 30 categorical items, k = 2..8, {repeat} repeat(s), medians")
    medians = {}
    for which, label in (("lca", "LCA (StepMix, 4 starts per k)"), ("kmodes", "k-modes sweep")):
        runs = [_child(n, which) for _ in range(repeat)]
        keys = ("wall", "cpu", "traced_gb", "peak_gb")
        med = {key: statistics.median(run[key] for run in runs) for key in keys}
        medians[which] = med
        print(
            f"{label:32s} {med['wall']:7.1f} s wall  {med['cpu']:7.1f} s CPU  "
            f"{med['traced_gb']:.2f} GB traced  {med['peak_gb']:.2f} GB peak RSS  "
            f"k = {runs[0]['k']}  adjusted Rand vs planted {runs[0]['ari']:.3f}"
        )
    ratio = medians["lca"]["wall"] / medians["kmodes"]["wall"]
    cpu = medians["lca"]["cpu"] / medians["kmodes"]["cpu"]
    print(f"LCA / k-modes sweep: {ratio:.1f}x the wall time, {cpu:.1f}x the CPU time")


if __name__ == "__main__":
    main()

"""Benchmark: what survey weights cost (not a unit test; prints medians and ratios).

    python benchmarks/bench_weights.py            # 100,000 x 30 booleans, 1,000,000 rows raked
    python benchmarks/bench_weights.py --quick    # 20,000 / 200,000, a smoke run

1. ``segment()`` at a fixed k = 5 (no bootstrap) on planted True/False answers, unweighted
   (the exact kmodes-equivalent algorithm) and weighted (batch weighted k-modes, random weights
   from 0.2 to 5): median seconds and the ratio.
2. ``personas.weights.rake`` on three margins (4 x 2 x 5 categories) of 1,000,000 respondents:
   median seconds and passes to converge.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _clean(n: int):
    from _factories import boolean_instrument, clean_from, planted

    codes, _ = planted(n, 30, 5, noise=0.15, random_state=0)
    return clean_from(boolean_instrument(30), codes)


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from personas.segment import segment
    from personas.weights import rake

    n = 20_000 if args.quick else 100_000
    clean = _clean(n)
    weights = np.random.default_rng(1).uniform(0.2, 5.0, n)
    weighted = replace(clean, weights=pd.Series(weights, index=clean.answers.index))
    plain = _median(lambda: segment(clean, k=5, n_boot=0), args.repeat)
    heavy = _median(lambda: segment(weighted, k=5, n_boot=0), args.repeat)
    print(f"segment k=5, {n:,} x 30: unweighted {plain:.2f} s, weighted {heavy:.2f} s "
          f"({heavy / plain:.2f}x)")  # fmt: skip

    m = 200_000 if args.quick else 1_000_000
    rng = np.random.default_rng(2)
    codes = [rng.choice(4, m, p=[0.4, 0.3, 0.2, 0.1]), rng.choice(2, m, p=[0.7, 0.3]),
             rng.choice(5, m)]  # fmt: skip
    targets = [np.full(4, 0.25), np.array([0.5, 0.5]), np.array([0.1, 0.2, 0.3, 0.2, 0.2])]
    result = rake(codes, targets)
    seconds = _median(lambda: rake(codes, targets), args.repeat)
    print(f"rake 3 margins, {m:,} respondents: {seconds:.2f} s, {result.iterations} passes, "
          f"converged {result.converged}, deff {result.deff:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()

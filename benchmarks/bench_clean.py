"""Benchmark: read + clean a large boolean wave (not a unit test; prints medians).

    python benchmarks/bench_clean.py            # 1,000,000 rows x 40 questions
    python benchmarks/bench_clean.py --quick    # 100,000 rows
    python benchmarks/bench_clean.py --rows 250000 --repeat 5

Generates a CSV into a temporary folder (booleans mostly ``True``/``False`` with a few percent
of other spellings: ``yes``, `` TRUE ``, ``0``, ``n``, ``F``, ``1.0`` ..., some empty and
``NA`` cells, an id and a duration column, and a few duplicate ids), then times
``read_responses`` and ``clean`` in a fresh subprocess per repeat, so that each run's peak
memory (``ru_maxrss``) is its own. Target on a 2-core machine: 1M x 40 in under 30 s and
under 4 GB peak.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

TRUE_SPELLINGS = np.array(["true", "Yes", " TRUE ", "1", "y", "T", "1.0"])
FALSE_SPELLINGS = np.array(["false", "no", " FALSE ", "0", "n", "F", "0.0"])

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from personas.instrument.model import CleaningRules, DataMapping, Instrument, Question
from personas.io import read_responses
from personas.cleaning import clean
n_questions = int(sys.argv[2])
questions = tuple(Question(f"q{j:02d}", "?", "boolean") for j in range(1, n_questions + 1))
data = DataMapping(id_column="respondent_id", duration_column="duration_seconds",
                   missing=("", "NA"))
rules = CleaningRules(min_duration_seconds=None, max_missing_share=0.2)
instrument = Instrument("bench", "Bench", (), questions, data=data, cleaning=rules)
t1 = time.perf_counter()
responses = read_responses(sys.argv[1], instrument)
t2 = time.perf_counter()
cleaned = clean(responses)
t3 = time.perf_counter()
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"import": t1 - t0, "read": t2 - t1, "clean": t3 - t2, "total": t3 - t1,
                  "peak_gb": peak_kb / 1024**2, "loaded": cleaned.ledger.loaded,
                  "kept": cleaned.ledger.kept, "excluded": cleaned.ledger.counts()}))
"""


def make_wave(path: Path, *, rows: int, questions: int, seed: int = 0) -> None:
    """Write the benchmark CSV: mostly True/False, ~3% other spellings, ~0.5% missing."""
    rng = np.random.default_rng(seed)
    numbers = np.arange(rows)
    numbers[rng.choice(rows, size=max(1, rows // 1000), replace=False)] = 0  # duplicate ids
    ids = pc.binary_join_element_wise("r", pc.cast(pa.array(numbers), pa.string()), "")
    seconds = pa.array(rng.gamma(4, 80, rows).round(1))
    spellings = pa.array(["True", "False", *TRUE_SPELLINGS, *FALSE_SPELLINGS, "", "NA"])
    columns = {"respondent_id": ids, "duration_seconds": seconds}
    for j in range(1, questions + 1):
        answer = rng.random(rows) < 0.5
        codes = np.where(answer, 0, 1).astype(np.int8)
        mixed = rng.random(rows) < 0.03
        pick = rng.integers(0, len(TRUE_SPELLINGS), rows).astype(np.int8)
        other = np.where(answer, 2 + pick, 2 + len(TRUE_SPELLINGS) + pick)
        codes = np.where(mixed, other, codes)
        blank = rng.random(rows) < 0.005
        codes = np.where(blank, len(spellings) - 2 + (rng.random(rows) < 0.5), codes)
        encoded = pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)), spellings)
        columns[f"q{j:02d}"] = encoded.cast(pa.string())
    table = pa.table(columns)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))


def run_once(path: Path, questions: int) -> dict:
    """Read + clean in a fresh interpreter; returns its timings and peak memory."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(questions)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


_REFERENCE = """
import json, resource, sys, time
import pandas as pd
started = time.perf_counter()
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, engine="pyarrow")
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
print(json.dumps({"read": seconds, "peak_gb": peak, "rows": len(frame)}))
"""


def reference_once(path: Path) -> dict:
    """The floor: pandas reading every cell as text (pyarrow engine), no parsing, no rules."""
    out = subprocess.run(
        [sys.executable, "-c", _REFERENCE, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100,000 rows, 1 repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeat = 100_000, 1
    with tempfile.TemporaryDirectory(prefix="personas-bench-") as folder:
        path = Path(folder) / "wave.csv"
        started = time.perf_counter()
        make_wave(path, rows=args.rows, questions=args.questions)
        size = path.stat().st_size / 1024**2
        print(
            f"wave: {args.rows:,} rows x {args.questions} questions, {size:.0f} MB "
            f"(generated in {time.perf_counter() - started:.1f} s)"
        )
        runs = [run_once(path, args.questions) for _ in range(args.repeat)]
        floor = [reference_once(path) for _ in range(args.repeat)]
    for key in ("read", "clean", "total", "peak_gb"):
        values = [r[key] for r in runs]
        unit = "GB" if key == "peak_gb" else "s"
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"{key:>8}: median {statistics.median(values):6.2f} {unit}   [{shown}]")
    ref = statistics.median(r["read"] for r in floor)
    ref_peak = statistics.median(r["peak_gb"] for r in floor)
    total = statistics.median(r["total"] for r in runs)
    print(
        f"reference: pandas.read_csv(dtype=str, engine='pyarrow') alone: median {ref:.2f} s, "
        f"peak {ref_peak:.2f} GB; personas read + parse + clean takes {total / ref:.1f}x that"
    )
    last = runs[-1]
    print(
        f"  ledger: loaded {last['loaded']:,}, kept {last['kept']:,}, excluded {last['excluded']}"
    )


if __name__ == "__main__":
    main()

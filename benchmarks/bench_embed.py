"""How fast the map is drawn, and how much of it hides behind segmentation.

Run ``python benchmarks/bench_embed.py`` (about 10-12 minutes on 2 cores; ``--quick`` skips
the 20,000-respondent fits and uses fewer repeats). It prints:

1. first call in a fresh process, cold numba cache (an empty ``NUMBA_CACHE_DIR``);
2. first call in a fresh process, warm numba cache (the same folder, second time);
   both also for plain umap-learn (``UMAP(metric="hamming", random_state=0)``, its own
   neighbour search, no extra caching) as the baseline;
3. steady-state fit time (after warm-up, in one process) at n = 2,000 and n = 20,000;
4. overlap with a CPU-bound stand-in for the k sweep (a single-threaded numpy loop of about
   10 s): the sweep alone, the map alone (:func:`personas.embed.core.start_embedding`, a fresh
   worker process), both together, and the same with :func:`personas.embed.core.embed` in a
   thread instead of a process.

Data: jobsite-like, 24 True/False items, respondents planted from the six hand-made personas
of ``surveys/jobsite`` with 15% of answers flipped. Times are medians over the repeats, wall
clock; the load average is printed because other work on the machine skews them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def jobsite_clean(n: int, *, seed: int = 0):
    """``n`` planted jobsite respondents as CleanResponses (no file, no cleaning rules)."""
    from personas.cleaning.model import CleanResponses, Ledger
    from personas.embed._prepare import expected_profiles
    from personas.instrument import load_instrument
    from personas.io.responses import Source

    inst = load_instrument(REPO / "surveys" / "jobsite" / "instrument.yaml")
    items = [q.id for q in inst.items]
    centres = expected_profiles(inst, items).fillna(0.5).to_numpy()
    rng = np.random.default_rng(seed)
    p_true = centres[rng.integers(0, len(centres), n)]
    values = (rng.random(p_true.shape) < p_true).astype(float)
    flip = (rng.random(values.shape) < 0.15) & (p_true != 0.5)
    values[flip] = 1.0 - values[flip]
    ids = [f"r{i:06d}" for i in range(n)]
    answers = pd.DataFrame(values, index=pd.Index(ids), columns=items)
    ledger = Ledger(
        pd.DataFrame(
            {
                "respondent": ids,
                "row": np.arange(n) + 2,
                "status": "kept",
                "reason": "",
                "other_reasons": "",
            }
        )
    )
    return CleanResponses(inst, answers, ledger, Source(Path("bench.csv"), "csv", "0" * 64))


def sweep_stand_in(rounds: int) -> float:
    """A single-threaded, numpy-heavy stand-in for the k sweep; returns its seconds."""
    rng = np.random.default_rng(1)
    data = rng.integers(0, 2, (20_000, 24)).astype(np.int8)
    start = time.perf_counter()
    for r in range(rounds):
        modes = data[rng.choice(len(data), 2 + r % 9, replace=False)]
        cost = (data[:, None, :] != modes[None, :, :]).sum(axis=2)
        cost.argmin(axis=1)
    return time.perf_counter() - start


def calibrate_sweep(target: float = 10.0) -> int:
    per_round = sweep_stand_in(20) / 20
    return max(1, round(target / per_round))


# --- 1-2: first call in a fresh process -----------------------------------------------


def child_first_call(n: int) -> None:
    """Runs in the subprocess: time importing the stage and the first embed."""
    start = time.perf_counter()
    from personas.embed.core import embed

    clean = jobsite_clean(n)
    ready = time.perf_counter()
    embed(clean, random_state=0)
    done = time.perf_counter()
    print(json.dumps({"setup": ready - start, "first_embed": done - ready}))


def child_baseline(n: int) -> None:
    """Runs in the subprocess: plain umap-learn on the same data, fit and landmarks."""
    start = time.perf_counter()
    from personas.embed._prepare import expected_profiles

    clean = jobsite_clean(n)
    marks = expected_profiles(clean.instrument, list(clean.answers.columns)).fillna(0.0)
    ready = time.perf_counter()
    import umap

    model = umap.UMAP(metric="hamming", random_state=0)
    model.fit_transform(clean.answers.to_numpy())
    model.transform(marks.to_numpy())
    done = time.perf_counter()
    print(json.dumps({"setup": ready - start, "first_embed": done - ready}))


def first_call(n: int, cache: Path, *, baseline: bool = False) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--baseline" if baseline else "--child", str(n)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    timing = json.loads(out.strip().splitlines()[-1])
    timing["process"] = time.perf_counter() - start
    return timing


def bench_first_calls(n: int, cold_repeats: int, warm_repeats: int, *, baseline=False) -> dict:
    cold, warm = [], []
    for _ in range(cold_repeats):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(first_call(n, Path(cache), baseline=baseline))
            if len(warm) < warm_repeats:
                warm += [first_call(n, Path(cache), baseline=baseline) for _ in range(warm_repeats)]
    return {"cold": _medians(cold), "warm": _medians(warm)}


def _medians(rows: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in rows) for key in rows[0]}


# --- 3: steady state --------------------------------------------------------------------


def bench_steady(sizes: list[int], repeats: int) -> dict:
    from personas.embed.core import embed, warm_up

    warm_up()
    out = {}
    for n in sizes:
        clean = jobsite_clean(n)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            embed(clean, random_state=0)
            times.append(time.perf_counter() - start)
        out[n] = statistics.median(times)
    return out


# --- 4: overlap with the k sweep ------------------------------------------------------


def overlap_once(clean, rounds: int) -> dict:
    """One round of: sweep alone, map alone, both with a process, both with a thread."""
    from personas.embed.core import embed, start_embedding

    out = {"sweep": sweep_stand_in(rounds)}
    start = time.perf_counter()
    start_embedding(clean, random_state=0).result()
    out["map"] = time.perf_counter() - start

    start = time.perf_counter()
    future = start_embedding(clean, random_state=0)
    out["sweep_with_process"] = sweep_stand_in(rounds)
    future.result()
    out["both_process"] = time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(1) as pool:
        thread_future = pool.submit(embed, clean, random_state=0)
        out["sweep_with_thread"] = sweep_stand_in(rounds)
        thread_future.result()
    out["both_thread"] = time.perf_counter() - start
    return out


def bench_overlap(n: int, rounds: int, repeats: int) -> dict:
    """Medians over ``repeats`` rounds (run alternately, so load spikes hit every variant)."""
    clean = jobsite_clean(n)
    return _medians([overlap_once(clean, rounds) for _ in range(repeats)])


def hidden(result: dict, both: str) -> float:
    """Share of the map's time hidden behind the sweep (1 = the map costs no extra time)."""
    return 1.0 - (result[both] - result["sweep"]) / result["map"]


# --- report -----------------------------------------------------------------------------


def report_first_calls(quick: bool) -> None:
    repeats = (1, 1) if quick else (2, 2)
    for baseline in (False, True):
        first = bench_first_calls(2_000, *repeats, baseline=baseline)
        who = "plain umap-learn" if baseline else "personas.embed.core  "
        for kind, t in first.items():
            print(
                f"{who} first call, fresh process, {kind} numba cache (n=2,000): "
                f"{t['process']:.1f} s wall ({t['setup']:.1f} s imports + data, "
                f"{t['first_embed']:.1f} s embed incl. importing umap)"
            )


def report_steady(quick: bool) -> None:
    sizes = [2_000] if quick else [2_000, 20_000]
    for n, t in bench_steady(sizes, 2 if quick else 3).items():
        print(f"steady-state embed, n={n:,}: {t:.1f} s")


def report_overlap(quick: bool) -> None:
    n = 2_000 if quick else 20_000
    r = bench_overlap(n, calibrate_sweep(), 1 if quick else 3)
    print(
        f"overlap (n={n:,}): sweep alone {r['sweep']:.1f} s, map alone "
        f"(start_embedding) {r['map']:.1f} s, serial {r['sweep'] + r['map']:.1f} s"
    )
    for kind in ("process", "thread"):
        print(
            f"  {kind + ' worker:':16}both {r['both_' + kind]:.1f} s (sweep "
            f"{r['sweep_with_' + kind]:.1f} s), {hidden(r, 'both_' + kind):.0%} of the "
            "map's time hidden"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip n=20,000; fewer repeats")
    parser.add_argument("--only", choices=["first", "steady", "overlap"], help="one part only")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_first_call(args.child)
    if args.baseline:
        return child_baseline(args.baseline)
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    parts = {"first": report_first_calls, "steady": report_steady, "overlap": report_overlap}
    for name, part in parts.items():
        if args.only in (None, name):
            part(args.quick)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Benchmark: the typing tool on 100,000 respondents and the default plan grid (prints medians).

    python benchmarks/bench_typing_plan.py               # both targets below
    python benchmarks/bench_typing_plan.py --quick       # 20,000 respondents, a small grid
    python benchmarks/bench_typing_plan.py --skip-plan --repeat 5

1. ``personas typing`` (:func:`personas.typing.type_run`: re-read and clean the run's wave,
   then forward selection with 5-fold cross-validation) on a run of 100,000 simulated
   jobsite respondents, and :func:`personas.typing.find_screener` alone. Target: < 30 s.
2. ``personas plan surveys/jobsite`` with the default grid (n = 200, 500, 1000, 2000, 5000;
   noise 0.1, 0.2; 20 runs: 200 simulated waves through read, clean, segment and compare)
   on ``--jobs`` processes. Target: < 3 minutes on 2 cores.

The machine's load average is printed before and after, and the plan's CPU time (all
processes) beside its wall clock: on a shared machine the wall clock depends on the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "surveys" / "jobsite"


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _median(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.2f} s (runs: {', '.join(f'{v:.2f}' for v in values)})"
    )


def bench_typing(n: int, repeat: int, work: Path) -> None:
    from personas.pipeline.study import run_study, simulate_study
    from personas.run.files import load_run
    from personas.typing import find_screener, run_answers, type_run

    study = work / "jobsite"
    shutil.copytree(STUDY, study, ignore=shutil.ignore_patterns("waves"))
    path, _ = simulate_study(study, n=n, random_state=0, wave="big")
    t0 = time.perf_counter()
    run = run_study(study, path, wave="big", out=work / "run", report=())
    print(f"setup: `personas run` on {n:,} rows took {time.perf_counter() - t0:.1f} s (not timed)")
    whole, alone = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = type_run(run.path, data=path)
        whole.append(time.perf_counter() - t0)
    instrument, answers, labels = run_answers(load_run(run.path), data=path)
    for _ in range(repeat):
        t0 = time.perf_counter()
        find_screener(answers, labels, instrument.items)
        alone.append(time.perf_counter() - t0)
    print(
        f"typing, {len(answers):,} kept respondents: {len(result['questions'])} questions, "
        f"CV accuracy {result['accuracy']:.3f}"
    )
    print(f"  type_run (read + clean + select): {_median(whole)}; target < 30 s")
    print(f"  find_screener alone:              {_median(alone)}")


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children so far."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_plan(grid: dict, jobs: int, repeat: int, work: Path) -> None:
    from joblib.externals.loky import get_reusable_executor

    from personas.plan import plan_study

    times, cpu = [], []
    for i in range(repeat):
        t0, c0 = time.perf_counter(), _cpu()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = plan_study(STUDY, out=work / f"plan-{i}", n_jobs=jobs, **grid)
        times.append(time.perf_counter() - t0)
        get_reusable_executor().shutdown(wait=True)  # the workers' CPU time counts once reaped
        cpu.append(_cpu() - c0)
    cells = len(grid["n"]) * len(grid["noise"]) * grid["runs"]
    print(f"plan, {cells} simulated waves on {jobs} processes: {_median(times)}; target < 180 s")
    print(f"  CPU time (user + system, all processes): {_median(cpu)}")
    for row in plan.needed:
        print(f"  {row['name']:<20} noise {row['noise']:g}: n for 80% {row['80']}, 90% {row['90']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-plan", action="store_true")
    parser.add_argument("--skip-typing", action="store_true")
    args = parser.parse_args()
    n = 20_000 if args.quick else 100_000
    grid = (
        {"n": (200, 1000), "noise": (0.1,), "runs": 4}
        if args.quick
        else {"n": (200, 500, 1000, 2000, 5000), "noise": (0.1, 0.2), "runs": 20}
    )
    print(f"{os.cpu_count()} cores; {_load()}")
    with tempfile.TemporaryDirectory(prefix="bench-typing-plan-") as tmp:
        if not args.skip_typing:
            bench_typing(n, args.repeat, Path(tmp))
        if not args.skip_plan:
            bench_plan(grid, args.jobs, 1 if not args.quick else args.repeat, Path(tmp))
    print(_load())


if __name__ == "__main__":
    main()

"""Benchmark: ``personas run`` end to end on a large wave (not a unit test; prints medians).

    python benchmarks/bench_run.py                 # 1,000,000 respondents, 3 runs
    python benchmarks/bench_run.py --quick         # 100,000 respondents, 1 run
    python benchmarks/bench_run.py --rows 250000 --repeat 5
    python benchmarks/bench_run.py --profile       # also: where the main process's time goes

Simulates a wave of the bundled jobsite study (``personas simulate``: planted segments and
real-world dirt) as Parquet in a temporary folder, then times ``personas run`` on it in a
fresh process per repeat: the whole flow (read, clean, k sweep, comparison, the map on a
sample of 20,000, the HTML report). Memory is the peak of the *sum* of the resident memory of
the run's process tree (the map is drawn in a worker process while the k sweep runs), sampled
every 0.2 s. The first repeat may include numba's compile of UMAP when its cache
(``~/.cache/personas/numba``) is cold; the median is over all repeats. Target on a 2-core
machine (issue 17): 1,000,000 respondents in <= 90 s and <= 4 GB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PERSONAS = [sys.executable, "-m", "personas"]
# the subprocesses run in a temporary folder: import this checkout's personas, not another
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
}


def make_wave(folder: Path, rows: int) -> Path:
    """Copy the jobsite study into ``folder`` and simulate a Parquet wave of ``rows``."""
    shutil.copytree(ROOT / "surveys" / "jobsite", folder / "jobsite")
    subprocess.run(
        [*PERSONAS, "simulate", "jobsite", "--n", str(rows), "--format", "parquet", "--wave",
         "big", "--seed", "7"],
        cwd=folder, env=ENV, check=True, capture_output=True,
    )  # fmt: skip
    return folder / "jobsite" / "waves" / "big.parquet"


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed_run(folder: Path, wave: Path, out: Path, extra: list[str]) -> dict:
    """One ``personas run``: wall seconds, CPU seconds of the process tree, peak tree RSS."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    before = psutil.Process().cpu_times()
    proc = subprocess.Popen(
        [*PERSONAS, "run", "jobsite", "--data", str(wave), "--out", str(out), *extra],
        cwd=folder, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    watched, peak, done = psutil.Process(proc.pid), [0], threading.Event()

    def sample():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], _tree_rss(watched))
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"personas run failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    after = psutil.Process().cpu_times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return {"wall": wall, "cpu": cpu, "peak_gb": peak[0] / 1024**3}


def profile(folder: Path, wave: Path, out: Path) -> None:
    """cProfile of the main process (the map's worker process is not in it): the stages."""
    shutil.rmtree(out, ignore_errors=True)
    stats = folder / "run.prof"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "personas", "run", "jobsite",
         "--data", str(wave), "--out", str(out)],
        cwd=folder, env=ENV, check=True, capture_output=True,
    )  # fmt: skip
    import pstats

    print("where the main process's time goes (cumulative seconds, personas functions):")
    st = pstats.Stats(str(stats))
    rows = [
        (ct, f"{Path(file).parent.name}/{Path(file).name}:{name}")
        for (file, _, name), (_, _, _, ct, _) in st.stats.items()
        if "/personas/" in file and not name.startswith("<")
    ]
    for ct, where in sorted(rows, reverse=True)[:25]:
        print(f"  {ct:7.2f} s  {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 respondents, one run")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one more run")
    args = parser.parse_args()
    rows, repeat = (100_000, 1) if args.quick else (args.rows, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        wave = make_wave(folder, rows)
        size = wave.stat().st_size / 1e6
        print(f"wave: {rows:,} respondents, {size:.0f} MB Parquet (simulated in "
              f"{time.perf_counter() - t:.1f} s)")  # fmt: skip
        runs = [timed_run(folder, wave, folder / "run", []) for _ in range(repeat)]
        for key, unit in (("wall", "s"), ("cpu", "s"), ("peak_gb", "GB")):
            values = [r[key] for r in runs]
            shown = ", ".join(f"{v:.2f}" for v in values)
            print(f"  {key:>7}: median {statistics.median(values):7.2f} {unit}   [{shown}]")
        print("  target (issue 17, 1,000,000 respondents): <= 90 s wall, <= 4 GB")
        if args.profile:
            profile(folder, wave, folder / "run")


if __name__ == "__main__":
    main()

"""Every benchmark script still runs: its quick mode, end to end, in a subprocess.

The benchmarks are not tests (they print medians and ratios, and nothing here reads their
figures), but a script that no longer runs is a measurement nobody can repeat: two rotted
unnoticed when ``run_study`` started returning a ``Run``. Each runs with ``--quick`` (or a
smaller grid) and must exit 0 and print a line that only a finished run prints.
``bench_embed.py`` times UMAP's first calls (over two minutes even at ``--quick``): only its
option parsing and imports are run here; ``bench_run.py --quick`` already draws a map.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

# script, arguments, a text its finished output contains
QUICK = [
    ("bench_clean.py", ["--quick"], "ledger: loaded"),
    ("bench_weights.py", ["--quick"], "rake"),
    ("bench_lca.py", ["--quick"], "LCA / k-modes sweep"),
    ("bench_segment.py", ["--quick", "--skip-reference"], "segment()"),
    ("bench_scale.py", ["--quick"], "segment()"),
    ("bench_run.py", ["--quick"], "peak_gb: median"),
    ("bench_typing_plan.py", ["--quick"], "typing,"),
    ("bench_dask_fit.py", ["--quick"], "per pass"),
    ("bench_dask_kmeans.py", ["--quick"], "dask / in-memory"),
    (
        "bench_choose_k.py",
        ["--grid", "quick", "--n-seeds", "1", "--null-sets", "2", "--diffuse-seeds", "1"],
        "Recovery of the planted k",
    ),
    ("bench_embed.py", ["--help"], "--quick"),
    ("fuzz_long.py", ["--cases", "10", "--seed", "0"], "10 cases in"),
]


@pytest.mark.parametrize(("script", "args", "says"), QUICK, ids=[q[0] for q in QUICK])
def test_benchmark_runs(script, args, says, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # what a script leaves behind goes here
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    assert done.returncode == 0, f"{script} failed:\n{(done.stdout + done.stderr)[-3000:]}"
    assert says in done.stdout, f"{script} did not finish its report:\n{done.stdout[-2000:]}"

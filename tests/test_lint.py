"""The code is linted and formatted as ``make lint`` asks: ruff's rules and ruff's layout.

Run in the suite so that a change that breaks either fails ``make test`` (and CI), not only
the optional ``make lint``; ruff comes with the ``dev`` extra.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

FOLDERS = ["src", "tests", "benchmarks", "examples"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["rules", "format"])
def test_ruff_passes(command):
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *FOLDERS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (
        f"ruff {' '.join(command)} found problems (fix them, or run `ruff format`):\n"
        + (done.stdout + done.stderr)[-3000:]
    )

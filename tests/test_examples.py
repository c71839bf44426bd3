"""The Quarto example runs: its Python cells are executed in order, as Quarto would."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.slow
def test_python_api_example_runs(tmp_path):
    text = (REPO / "examples" / "python-api.qmd").read_text(encoding="utf-8")
    assert text.startswith("---\n") and "jupyter: python3" in text
    cells = re.findall(r"```\{python\}\n(.*?)```", text, flags=re.DOTALL)
    assert len(cells) >= 8
    script = tmp_path / "cells.py"
    script.write_text("\n".join(cells), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "The Survivor and The Quick Win merge" in done.stdout

"""Shared fixtures: a private copy of the example study, with a small simulated wave."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
JOBSITE = REPO / "surveys" / "jobsite"


def copy_study(root: Path, *, with_waves: bool = False) -> Path:
    """Copy surveys/jobsite under ``root/surveys/`` (without its local waves by default)."""
    target = root / "surveys" / "jobsite"
    ignore = None if with_waves else shutil.ignore_patterns("*.csv", "*.xlsx", "*.sav", "*.parquet")
    shutil.copytree(JOBSITE, target, ignore=ignore)
    (target / "waves").mkdir(exist_ok=True)
    return target


@pytest.fixture(scope="session")
def jobsite_wave(tmp_path_factory) -> Path:
    """A session-wide study copy with one simulated wave of 800 respondents (seed 0)."""
    from personas.pipeline.study import simulate_study

    root = tmp_path_factory.mktemp("jobsite-session")
    study = copy_study(root)
    path, _ = simulate_study(study, n=800, random_state=0, wave="wave-1")
    return path


@pytest.fixture
def study(tmp_path, jobsite_wave, monkeypatch) -> Path:
    """A fresh copy of the study (with the simulated wave) in a temporary working directory."""
    target = copy_study(tmp_path)
    shutil.copy(jobsite_wave, target / "waves" / jobsite_wave.name)
    monkeypatch.chdir(tmp_path)
    return target


def snapshot_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes: to prove nothing was written or modified."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def cluster():
    """A small in-process Dask cluster (2 single-threaded workers) for the --engine dask tests."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as local:
        yield local

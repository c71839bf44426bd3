"""A Run is the saved folder: ``write_report(run)`` renders it in one call, ``run.reports`` finds
the rendered files, and ``run_study`` returns the Run with its report and study page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from personas import load_run, write_report
from personas.pipeline.study import run_study

FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite"


@pytest.mark.slow
def test_write_report_renders_a_saved_run_and_reports_lists_it(tmp_path):
    folder = tmp_path / "wave-1"
    shutil.copytree(FIXTURE, folder)
    for old in folder.glob("index.*"):
        old.unlink()
    run = load_run(folder)
    assert run.reports == {}
    written = write_report(run, to=("html",), engine="pandoc")
    assert written == {"html": folder / "index.html"}
    assert (folder / "index.qmd").is_file() and "<html" in written["html"].read_text()
    assert load_run(folder).reports == written  # no study page: the parent is not the study


@pytest.mark.slow
def test_run_study_returns_the_run_with_its_report_and_study_page(study, jobsite_wave):
    out = study.parent.parent / "reports" / "jobsite" / "wave-1"
    run = run_study(study, jobsite_wave, wave="wave-1", out=out, k=3, report=("html",))
    assert run.path == out and run.typed.k == 3
    assert run.reports == {"html": out / "index.html", "study": out.parent / "index.html"}
    assert all(path.is_file() for path in run.reports.values())

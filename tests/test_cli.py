"""The command line: exit codes, one-line errors with locations, nothing written on failure."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import JOBSITE, REPO, snapshot_tree
from personas.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_validate_example_study_is_ok():
    result = invoke("validate", JOBSITE, "--no-waves")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("jobsite: 6 tensions, 26 questions")
    assert "OK" in result.output


def test_validate_reports_every_problem_with_its_line_and_exits_2(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (JOBSITE / "instrument.yaml").read_text(encoding="utf-8")
    text = text.replace(
        'type: boolean, tension: speed, pole: a, text: "I would accept',
        'type: bool, tension: speed, pole: a, text: "I would accept',
    )
    text = text.replace(
        'tension: pay, pole: b, text: "I would take', 'tension: money, pole: b, text: "I would take'
    )
    text = text.replace(
        "tensions: {speed: b, pay: b, horizon: b, guidance: a}",
        "tensions: {speed: c, pay: b, horizon: b, guidance: a}",
    )
    text = text.replace("  max_missing_share: 0.2", "  max_missing_share: 2")
    text = text.replace("  - id: returner\n    name:", "  - id: returner\n    nmae:")
    (broken / "instrument.yaml").write_text(text, encoding="utf-8")

    result = CliRunner().invoke(main, ["validate", str(broken)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) >= 5, result.output
    lines = text.splitlines()
    for needle in ("type: bool,", "tension: money", "speed: c", "max_missing_share: 2", "nmae"):
        line_no = next(i for i, line in enumerate(lines, 1) if needle in line)
        assert any(f"instrument.yaml:{line_no}:" in e for e in errors), (needle, result.output)
    assert "Traceback" not in result.output


def test_unknown_study_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "nope"])
    assert result.exit_code == 2
    assert "no study at 'nope'" in result.output


@pytest.mark.parametrize(
    "fmt, marker",
    [
        ("qualtrics", "[[AdvancedFormat]]"),
        ("md", "I would accept the first reasonable offer"),
        ("html", "<html"),
    ],
)
def test_instrument_prints_each_format(fmt, marker):
    result = invoke("instrument", JOBSITE, "--to", fmt)
    assert result.exit_code == 0
    assert marker in result.output


def test_instrument_codebook_to_file(tmp_path):
    out = tmp_path / "codebook.csv"
    result = invoke("instrument", JOBSITE, "--to", "csv", "--out", out)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["id"] for r in rows} >= {"q01", "q24", "check1", "check2"}


def test_simulate_refuses_to_overwrite_and_keeps_the_file(study):
    wave = study / "waves" / "wave-1.csv"
    before = wave.read_bytes()
    result = CliRunner().invoke(main, ["simulate", "jobsite", "--n", "50"])
    assert result.exit_code == 2
    assert "wave-1.csv" in result.output and "overwrite" in result.output
    assert wave.read_bytes() == before


def test_simulate_writes_a_named_wave_in_another_format(study):
    result = invoke(
        "simulate", "jobsite", "--n", "120", "--seed", "3", "--wave", "w9", "--format", "parquet"
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(study / "waves" / "w9.parquet")
    assert len(frame) >= 120


def test_clean_prints_the_ledger_and_writes_files(study):
    result = invoke("clean", "jobsite", "--wave", "wave-1")
    assert result.exit_code == 0, result.output
    out = Path("reports/jobsite/wave-1/clean")
    exclusions = pd.read_csv(out / "exclusions.csv")
    clean = pd.read_parquet(out / "clean.parquet")
    raw = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str)
    assert len(clean) + len(exclusions) == len(raw)
    assert "loaded" in result.output and "kept" in result.output
    assert f"{len(raw):,}" in result.output


def test_bad_cells_are_listed_with_row_and_column_and_nothing_is_written(study):
    wave = study / "waves" / "wave-1.csv"
    frame = pd.read_csv(wave, dtype=str, keep_default_na=False)
    frame.loc[4, "q07"] = "maybe"
    frame.loc[9, "q12"] = "sometimes"
    bad = study / "waves" / "bad.csv"
    frame.to_csv(bad, index=False)
    before = snapshot_tree(study)
    result = CliRunner().invoke(main, ["run", "jobsite", "--data", str(bad), "--no-report"])
    assert result.exit_code == 2, result.output
    assert "row 6" in result.output and "'q07'" in result.output and "maybe" in result.output
    assert "row 11" in result.output and "'q12'" in result.output
    assert "Traceback" not in result.output
    assert not Path("reports").exists()
    assert snapshot_tree(study) == before


def test_lenient_turns_bad_cells_into_recorded_missing_answers(study, tmp_path):
    frame = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    frame.loc[4, "q07"] = "maybe"
    bad = study / "waves" / "bad.csv"
    frame.to_csv(bad, index=False)
    result = invoke("clean", "jobsite", "--data", bad, "--lenient", "--out", tmp_path / "c")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "their question does not allow them (--lenient): 1 answers" in flat


@pytest.mark.parametrize("k", ["0", "ten", "5..2"])
def test_bad_k_is_an_input_error(study, k):
    result = CliRunner().invoke(main, ["run", "jobsite", "--k", k, "--no-report"])
    assert result.exit_code == 2
    assert "The 'k' option must be" in result.output and repr(k) in result.output


def test_data_and_wave_together_are_refused(study):
    result = CliRunner().invoke(
        main,
        [
            "run",
            "jobsite",
            "--wave",
            "wave-1",
            "--data",
            str(study / "waves" / "wave-1.csv"),
            "--no-report",
        ],
    )
    assert result.exit_code == 2
    assert "either --data" in result.output


def test_internal_errors_exit_1_without_traceback(study, monkeypatch):
    import personas.pipeline.study

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(personas.pipeline.study, "clean_wave", explode)
    result = CliRunner().invoke(main, ["clean", "jobsite"])
    assert result.exit_code == 1
    assert "internal error: RuntimeError: boom" in result.output
    assert "Traceback" not in result.output


def test_run_writes_a_complete_run_and_is_deterministic(study, tmp_path):
    args = ["run", "jobsite", "--wave", "wave-1", "--k", "5", "--no-report", "--seed", "7"]
    first = invoke(*args, "--out", tmp_path / "a")
    second = invoke(*args, "--out", tmp_path / "b")
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    for name in ("summary.json", "assignments.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert summary["schema"] == "personas/summary@1"
    assert summary["k"] == 5 and summary["seed"] == 7
    loaded = summary["respondents"]["loaded"]
    excluded = sum(summary["respondents"]["excluded"].values())
    assert loaded == summary["respondents"]["kept"] + excluded
    exclusions = pd.read_csv(tmp_path / "a" / "exclusions.csv")
    assignments = pd.read_csv(tmp_path / "a" / "assignments.csv")
    assert len(exclusions) == excluded and len(assignments) == summary["respondents"]["kept"]
    assert (tmp_path / "a" / "model.json").is_file()
    assert "Hand-made personas" in first.output


def test_assign_reproduces_the_runs_own_labels(study, tmp_path):
    run_dir = tmp_path / "run"
    assert invoke("run", "jobsite", "--k", "5", "--no-report", "--out", run_dir).exit_code == 0
    result = invoke(
        "assign", run_dir, "--data", study / "waves" / "wave-1.csv", "--out", tmp_path / "assigned"
    )
    assert result.exit_code == 0, result.output
    own = pd.read_csv(run_dir / "assignments.csv", dtype={"respondent": str})
    new = pd.read_csv(tmp_path / "assigned" / "assignments.csv", dtype={"respondent": str})
    merged = own.merge(new, on="respondent", suffixes=("_run", "_assign"))
    assert len(merged) == len(own)
    assert (merged["segment_run"] == merged["segment_assign"]).all()
    assert "share" in result.output


def test_assign_refuses_a_file_whose_questions_differ(study, tmp_path):
    run_dir = tmp_path / "run"
    assert invoke("run", "jobsite", "--k", "3", "--no-report", "--out", run_dir).exit_code == 0
    frame = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    frame = frame.drop(columns=["q05", "q06"])
    other = tmp_path / "other.csv"
    frame.to_csv(other, index=False)
    result = CliRunner().invoke(
        main, ["assign", str(run_dir), "--data", str(other), "--out", str(tmp_path / "assigned")]
    )
    assert result.exit_code == 2
    assert "q05" in result.output and "q06" in result.output
    assert not (tmp_path / "assigned").exists()


def test_report_on_a_folder_that_is_not_a_run(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a run folder" in result.output


def _personas_process(*args: str, cwd) -> subprocess.CompletedProcess:
    """The CLI in its own process, so what reaches the terminal is what a user sees."""
    code = "import sys; from personas.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_debug_shows_the_traceback(tmp_path):
    plain = _personas_process("validate", "nope", cwd=tmp_path)
    debug = _personas_process("--debug", "validate", "nope", cwd=tmp_path)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert "error: nope: no study at 'nope'" in plain.stderr
    assert debug.returncode == 1  # the exception escapes, as Python reports it
    assert "Traceback (most recent call last):" in debug.stderr
    assert "personas.errors.InputError" in debug.stderr and "no study at 'nope'" in debug.stderr


def test_version():
    import tomllib

    import personas

    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    version = declared["project"]["version"]
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"personas, version {version}"
    assert personas.__version__ == version


def test_progress_bar_is_one_bar_that_closes_when_done(monkeypatch):
    from personas import _cli_output

    bar = _cli_output._ProgressBar()
    for done, step in enumerate(["fitting k=2", "stability of k=2", "fitting k=3"], start=1):
        bar(step, done, 3)
        if done < 3:
            assert len(bar._bar.tasks) == 1 and bar._bar.tasks[0].description == step
    assert bar._bar is None
    monkeypatch.setattr(_cli_output.sys.stderr, "isatty", lambda: False, raising=False)
    assert _cli_output.progress() is None


def test_rerunning_a_run_keeps_its_clean_and_assigned_outputs(study, tmp_path):
    run_dir = tmp_path / "run"
    assert invoke("run", "jobsite", "--k", "3", "--no-report", "--out", run_dir).exit_code == 0
    assert invoke("assign", run_dir, "--data", study / "waves" / "wave-1.csv").exit_code == 0
    assert (run_dir / "assigned" / "wave-1" / "assignments.csv").is_file()
    assert invoke("run", "jobsite", "--k", "4", "--no-report", "--out", run_dir).exit_code == 0
    assert json.loads((run_dir / "summary.json").read_text("utf-8"))["k"] == 4
    assert (run_dir / "assigned" / "wave-1" / "assignments.csv").is_file()


def test_the_default_wave_is_the_last_in_natural_order(study):
    from personas.io.locate import resolve_data

    for name in ("wave-2", "wave-10"):
        shutil.copy(study / "waves" / "wave-1.csv", study / "waves" / f"{name}.csv")
    assert resolve_data(study, data=None, wave=None)[1] == "wave-10"


def test_user_text_is_not_read_as_terminal_markup():
    from personas._cli_output import safe

    assert safe("The [/x] Survivor [bold]") == "The \\[/x] Survivor \\[bold]"
    assert safe("a\x1b[31mred") == "a\ufffd[31mred"


def test_validate_takes_an_instrument_file_too():
    fixture = JOBSITE.parents[1] / "tests" / "fixtures" / "instruments" / "five_mistakes.yaml"
    result = CliRunner().invoke(main, ["validate", str(fixture)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 5 and all("five_mistakes.yaml:" in e for e in errors)


def test_many_missing_columns_are_one_problem_listing_them_all(study, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("respondent_id,duration_seconds,q01\nr1,100,True\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "jobsite", "--data", str(path), "--no-report"])
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "25 questions have no column: 'q02', 'q03'" in flat and "'check2'" in flat
    assert "did you mean 'q01'" not in flat  # q01 is already used by its own question

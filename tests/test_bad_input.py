"""Bad input from a careless or unlucky user: exit code 2, the place named, nothing written.

Each test runs one command the way a user would, on a damaged copy of the example study, and
checks the three promises of the README: the exit code is 2 (never a traceback), the message
names the file and, where there is one, the row / line and column, and no file was written or
changed (``snapshot_tree`` before and after).
"""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import JOBSITE, snapshot_tree
from personas.cli import main

RUN_FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite"
WAVES = Path(__file__).parent / "fixtures" / "waves"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(result, *needles: str, before: dict, root: Path) -> None:
    """Exit code 2, every needle in the message, no traceback, nothing written or changed."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    for needle in needles:
        assert needle in result.output, (needle, result.output)
    assert snapshot_tree(root) == before
    assert not (root / "reports").exists()


def wave_lines(study: Path) -> list[str]:
    return (study / "waves" / "wave-1.csv").read_text(encoding="utf-8").splitlines()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def big_wave(study: Path, name: str, *, rows: int = 9000) -> tuple[Path, list[str]]:
    """The header and ``rows`` data lines (the wave repeated): well over pyarrow's 1 MB block."""
    lines = wave_lines(study)
    body = (lines[1:] * (rows // (len(lines) - 1) + 1))[:rows]
    return study.parent / name, [lines[0], *body]


# --- files that are not what their name says -------------------------------------------------


def test_binary_garbage_named_csv_is_refused(study, tmp_path):
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(bytes(range(256)) * 20)
    before = snapshot_tree(tmp_path)
    result = invoke("clean", "jobsite", "--data", bad)
    refused(result, "garbage.csv", "not a text file", before=before, root=tmp_path)


def test_a_workbook_read_as_csv_names_its_real_format(study, tmp_path):
    book = tmp_path / "wave.xlsx"
    shutil.copy(WAVES / "basic.xlsx", book)
    before = snapshot_tree(tmp_path)
    result = invoke("clean", "jobsite", "--data", book, "--format", "csv")
    refused(result, "wave.xlsx", "--format xlsx", before=before, root=tmp_path)


def test_a_csv_named_xlsx_or_read_as_sav_says_it_is_text(study, tmp_path):
    fake = tmp_path / "fake.xlsx"
    shutil.copy(study / "waves" / "wave-1.csv", fake)
    before = snapshot_tree(tmp_path)
    refused(
        invoke("clean", "jobsite", "--data", fake),
        "fake.xlsx",
        "--format csv",
        before=before,
        root=tmp_path,
    )
    result = invoke("clean", "jobsite", "--wave", "wave-1", "--format", "sav")
    refused(result, "wave-1.csv", "--format csv", before=before, root=tmp_path)


def test_a_cut_short_spss_file_is_called_damaged(study, tmp_path):
    cut = tmp_path / "cut.sav"
    cut.write_bytes((WAVES / "basic.sav").read_bytes()[:500])
    before = snapshot_tree(tmp_path)
    result = invoke("clean", "jobsite", "--data", cut)
    refused(result, "cut.sav", "cut short or damaged", before=before, root=tmp_path)


@pytest.mark.parametrize(
    ("rows", "message"),
    [([], "the first sheet is empty"), ([[None], ["respondent_id", "q01"]], "no header row")],
)
def test_excel_without_a_header_row(study, tmp_path, rows, message):
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "sheet.xlsx"
    book.save(path)
    before = snapshot_tree(tmp_path)
    result = invoke("clean", "jobsite", "--data", path)
    refused(result, "sheet.xlsx", message, before=before, root=tmp_path)


# --- text files an ordinary tool wrote --------------------------------------------------------


def test_old_mac_line_endings_and_utf16_without_bom_read_like_the_original(study, tmp_path):
    original = (study / "waves" / "wave-1.csv").read_text(encoding="utf-8")
    (tmp_path / "mac.csv").write_bytes(original.replace("\n", "\r").encode("utf-8"))
    (tmp_path / "utf16.csv").write_bytes(original.encode("utf-16-le"))
    expected = invoke("clean", "jobsite", "--wave", "wave-1", "--out", tmp_path / "a")
    assert expected.exit_code == 0, expected.output
    for name in ("mac.csv", "utf16.csv"):
        out = tmp_path / f"out-{name}"
        result = invoke("clean", "jobsite", "--data", tmp_path / name, "--out", out)
        assert result.exit_code == 0, result.output
        assert pd.read_parquet(out / "clean.parquet").equals(
            pd.read_parquet(tmp_path / "a" / "clean.parquet")
        )


def test_an_unclosed_quote_in_a_large_file_loses_no_row_silently(study, tmp_path):
    path, lines = big_wave(study, "quote.csv")
    lines[4] = lines[4].replace(",", ',"', 1)  # a quote opens the second cell, never closes
    write_lines(path, lines)
    assert path.stat().st_size > 1 << 20
    before = snapshot_tree(tmp_path)
    result = invoke("clean", "jobsite", "--data", path)
    refused(result, "quote.csv:5:", "never closed", before=before, root=tmp_path)


def test_quoted_line_breaks_in_a_large_file_keep_every_row(study, tmp_path):
    from personas.instrument import load_instrument
    from personas.io import read_responses

    path, lines = big_wave(study, "comments.csv")
    lines[0] += ",comment"
    comment = '"{}\n{}"'.format("first line " * 10, "second line " * 10)
    lines[1:] = [line + "," + comment for line in lines[1:]]  # half of each line is quoted
    write_lines(path, lines)
    responses = read_responses(path, load_instrument(study))
    assert len(responses.answers) == 9000
    assert responses.extra["comment"].str.contains("\n").all()


def test_a_huge_cell_is_located_and_shown_short(study, tmp_path):
    lines = wave_lines(study)
    cells = lines[5].split(",")
    cells[3] = "x" * 3_000_000
    lines[5] = ",".join(cells)
    path = write_lines(tmp_path / "huge.csv", lines)
    before = snapshot_tree(tmp_path)
    result = invoke("clean", "jobsite", "--data", path)
    column = lines[0].split(",")[3]
    refused(result, "huge.csv, row 6", f"column {column!r}", before=before, root=tmp_path)
    assert max(len(line) for line in result.output.splitlines()) < 500


# --- studies, runs and waves that do not fit together -----------------------------------------


def test_a_wave_of_another_study_is_called_that(study, tmp_path):
    other = tmp_path / "other.csv"
    shutil.copy(WAVES / "basic.csv", other)
    before = snapshot_tree(tmp_path)
    result = invoke("clean", "jobsite", "--data", other)
    refused(result, "other.csv", "may be a wave of another study", before=before, root=tmp_path)
    assert result.output.index("another study") < result.output.index("have no column: 'q01'")


@pytest.fixture(scope="module")
def real_run(tmp_path_factory, jobsite_wave) -> Path:
    """A run written by ``personas run`` (k = 3, no report) on the session's wave."""
    from personas.pipeline.study import run_study

    root = tmp_path_factory.mktemp("real-run")
    out = root / "run"
    run_study(JOBSITE, jobsite_wave, wave="wave-1", out=out, k=3, report=())
    return out


def damaged_run(tmp_path: Path, source: Path = RUN_FIXTURE) -> Path:
    run = tmp_path / "run"
    shutil.copytree(source, run)
    if not (run / "instrument.yaml").exists():
        shutil.copy(JOBSITE / "instrument.yaml", run / "instrument.yaml")
    return run


@pytest.mark.parametrize(
    ("damage", "needles"),
    [
        (lambda run: (run / "model.json").write_text('{"items": ['), ["model.json:1:", "JSON"]),
        (lambda run: (run / "summary.json").write_text("[]"), ["summary.json", "JSON list"]),
        (
            lambda run: (run / "summary.json").write_text('{"schema": "personas/summary@1"}'),
            ["summary.json", "study: missing", "segments: missing"],
        ),
        (lambda run: (run / "summary.json").write_bytes(b"\xff\xfe\x00garbage"), ["summary.json"]),
        (lambda run: (run / "assignments.csv").write_text(""), ["assignments.csv", "CSV"]),
        (lambda run: (run / "assignments.csv").unlink(), ["assignments.csv", "missing"]),
        (lambda run: (run / "assignments.csv").write_text("a,b\n1,2\n"), ["'respondent'"]),
    ],
)
def test_report_on_a_damaged_run_folder(tmp_path, monkeypatch, damage, needles):
    monkeypatch.chdir(tmp_path)
    run = damaged_run(tmp_path)
    damage(run)
    before = snapshot_tree(tmp_path)
    result = invoke("report", run)
    refused(result, *needles, "rerun `personas run`", before=before, root=tmp_path)


def test_assign_with_a_run_without_its_model(study, tmp_path):
    run = damaged_run(tmp_path)
    (run / "model.json").unlink()
    before = snapshot_tree(tmp_path)
    result = invoke("assign", run, "--data", study / "waves" / "wave-1.csv")
    refused(result, "model.json: file is missing", before=before, root=tmp_path)
    assert result.output.count("error:") == 1


def test_assign_a_wave_of_another_study(tmp_path, monkeypatch, real_run):
    monkeypatch.chdir(tmp_path)
    run = damaged_run(tmp_path, real_run)
    other = tmp_path / "other.csv"
    shutil.copy(WAVES / "basic.csv", other)
    before = snapshot_tree(tmp_path)
    result = invoke("assign", run, "--data", other)
    refused(result, "other.csv", "study 'jobsite'", "another study", before=before, root=tmp_path)


def test_the_model_items_and_types_out_of_step(study, tmp_path, real_run):
    run = damaged_run(tmp_path, real_run)
    model = json.loads((run / "model.json").read_text())
    model["types"] = model["types"][:-1]
    (run / "model.json").write_text(json.dumps(model))
    before = snapshot_tree(tmp_path)
    result = invoke("assign", run, "--data", study / "waves" / "wave-1.csv")
    refused(result, "model.json", "'items' and 'types'", before=before, root=tmp_path)


# --- where the output goes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("run", "jobsite", "--no-report", "--out", "taken/run"),
        ("clean", "jobsite", "--out", "taken/clean"),
        ("instrument", "jobsite", "--out", "taken/survey.md"),
    ],
)
def test_out_below_an_existing_file(study, tmp_path, args):
    (tmp_path / "taken").write_text("a file, not a folder\n")
    before = snapshot_tree(tmp_path)
    result = invoke(*args)
    refused(result, "taken is a file, not a folder", "--out", before=before, root=tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "jobsite", "--no-report", "--out", "mine"), "personas did not write"),
        (("clean", "jobsite", "--out", "mine"), "personas did not write"),
        (("run", "jobsite", "--no-report", "--out", "."), "the folder you are working in"),
        (("clean", "jobsite", "--out", "a-run"), "the output of `personas run`"),
    ],
)
def test_out_never_replaces_a_folder_personas_did_not_write(study, tmp_path, args, message):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("three years of work\n")
    (tmp_path / "a-run").mkdir()
    (tmp_path / "a-run" / "summary.json").write_text("{}\n")
    before = snapshot_tree(tmp_path)
    result = invoke(*args)
    refused(result, message, "--out", before=before, root=tmp_path)


def test_out_in_a_folder_one_may_not_write(study, tmp_path, monkeypatch):
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == Path("locked") else real_access(p, mode)
    )
    before = snapshot_tree(tmp_path)
    result = invoke("clean", "jobsite", "--out", "locked/clean")
    refused(result, "locked/clean", "permission denied", before=before, root=tmp_path)


def test_a_folder_that_refuses_the_temporary_copy(study, tmp_path, monkeypatch):
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    monkeypatch.setattr(tempfile, "mkstemp", denied)
    before = snapshot_tree(tmp_path)
    refused(
        invoke("clean", "jobsite", "--out", "out"), "cannot write in", before=before, root=tmp_path
    )
    result = invoke("instrument", "jobsite", "--out", "survey.md")
    refused(result, "cannot write in", "Permission denied", before=before, root=tmp_path)


@pytest.mark.parametrize("wave", ["../../escape", "", ".hidden", "a/b"])
def test_simulate_keeps_the_wave_inside_the_study(study, tmp_path, wave):
    before = snapshot_tree(tmp_path)
    result = invoke("simulate", "jobsite", "--n", "10", "--wave", wave)
    refused(result, "'wave' option", before=before, root=tmp_path)


# --- waves that leave nothing to segment ------------------------------------------------------


def test_every_respondent_excluded_says_why(study, tmp_path):
    frame = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    frame["check1"] = "True"  # the attention check expects False
    path = tmp_path / "careless.csv"
    frame.to_csv(path, index=False)
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--data", path, "--no-report")
    refused(
        result,
        "careless.csv",
        f"excluded all {len(frame):,}",
        "failed attention check",
        before=before,
        root=tmp_path,
    )


def test_missing_answers_with_impute_none_point_at_the_rule(study, tmp_path):
    text = (study / "instrument.yaml").read_text(encoding="utf-8")
    (study / "instrument.yaml").write_text(
        text.replace("\ncleaning:\n", "\ncleaning:\n  impute: none\n")
    )
    lines = wave_lines(study)
    path = write_lines(tmp_path / "holes.csv", lines[:60])
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--data", path, "--no-report")
    refused(result, "holes.csv, column 'q", "cleaning.impute", before=before, root=tmp_path)


def test_one_respondent_who_skipped_a_question(study, tmp_path):
    lines = wave_lines(study)
    cells = lines[1].split(",")
    cells[5] = ""
    path = write_lines(tmp_path / "one.csv", [lines[0], ",".join(cells)])
    column = lines[0].split(",")[5]
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--data", path, "--no-report")
    refused(
        result, f"one.csv, column {column!r}", "no kept respondent", before=before, root=tmp_path
    )


def test_warnings_are_one_line_each(study, tmp_path):
    path = write_lines(tmp_path / "five.csv", wave_lines(study)[:6])
    result = invoke("run", "jobsite", "--data", path, "--no-report", "--k", "2..3")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert warnings
    assert "SelectionWarning" not in result.output and "segment(" not in result.output


def test_bom_detection_still_wins_over_the_zero_byte_guess(study, tmp_path):
    """UTF-16 with a BOM keeps its BOM reading (the guess is only for files without one)."""
    from personas.io.csv import detect_encoding

    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "a,b\n1,2\n".encode("utf-16-le"))
    assert detect_encoding(path) == "utf-16"
    path.write_bytes("a,b\n1,2\n".encode("utf-16-be"))
    assert detect_encoding(path) == "utf-16-be"


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (
            lambda text: text.replace("  id: jobsite", "  id: other", 1),
            ["summary.json", "study 'jobsite'", "'other'"],
        ),
        (
            lambda text: (
                "\n".join(line for line in text.splitlines() if "id: q24," not in line) + "\n"
            ),
            ["model.json", "'q24'"],
        ),
    ],
)
def test_a_baseline_that_does_not_fit_the_wave(study, tmp_path, real_run, change, needles):
    instrument = study / "instrument.yaml"
    instrument.write_text(change(instrument.read_text(encoding="utf-8")), encoding="utf-8")
    baseline = damaged_run(tmp_path, real_run)
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--no-report", "--k", "3", "--baseline", baseline)
    refused(result, *needles, "--baseline", before=before, root=tmp_path)


def test_a_damaged_baseline_is_refused_before_the_work(study, tmp_path, monkeypatch):
    import personas.run.analysis

    baseline = damaged_run(tmp_path)
    (baseline / "summary.json").write_text("{")
    monkeypatch.setattr(personas.run.analysis, "analyze", lambda *a, **k: pytest.fail("analysed"))
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--no-report", "--baseline", baseline)
    refused(result, "summary.json:1:", "rerun `personas run`", before=before, root=tmp_path)

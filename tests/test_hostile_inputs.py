"""Inputs an attacker (or a very unlucky user) would try: each one a clean refusal, never a
crash or a hang.

Every case of issue #19's list: an ``.xlsx`` that is a zip of junk XML, a wave too small to
segment, a Parquet list column, a deeply nested YAML file, a damaged ``summary.json`` (given
to ``personas report`` and as ``--baseline``), ``--data /dev/zero`` and a FIFO, files over the
size limits, and the stale temporary folders a killed run leaves. Each asserts the README's
promise: exit code 2, the file (and where there is one, the place) in the message, no
traceback, nothing written. Cases that could hang run the real CLI in a subprocess with a
timeout, so a hang fails the test instead of stopping the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conftest import REPO, snapshot_tree
from personas.cli import main

RUN_FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite"
CLI = [sys.executable, "-c", "from personas.cli import main; main()"]


def invoke(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def cli(*args, cwd: Path, timeout: float = 60, env: dict | None = None):
    """The real command line in a subprocess: a hang is a ``TimeoutExpired``, not a stuck run."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})}
    return subprocess.run(
        [*CLI, *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def refused(result, *needles: str, before: dict | None = None, root: Path | None = None):
    """Exit code 2, every needle in the message, no traceback, nothing written or changed."""
    code = getattr(result, "exit_code", getattr(result, "returncode", None))
    output = getattr(result, "output", None) or (result.stdout + result.stderr)
    assert code == 2, output
    assert "Traceback" not in output and "internal error" not in output, output
    for needle in needles:
        assert needle in output, (needle, output)
    if root is not None:
        assert snapshot_tree(root) == before
        assert not (root / "reports").exists()
    return output


def wave_lines(study: Path) -> list[str]:
    return (study / "waves" / "wave-1.csv").read_text(encoding="utf-8").splitlines()


def a_run(tmp_path: Path) -> Path:
    """A copy of the saved example run (no report in it yet)."""
    run = tmp_path / "reports" / "jobsite" / "wave-1"
    shutil.copytree(RUN_FIXTURE, run)
    return run


# --- .xlsx files that are zips of junk -------------------------------------------------------


def _zip(path: Path, parts: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


JUNK_WORKBOOKS = {
    "junk-xml": {
        "[Content_Types].xml": "<junk><<<",
        "xl/workbook.xml": "not xml at all &&&",
        "xl/worksheets/sheet1.xml": "<x>",
    },
    "no-parts": {"hello.txt": "a zip, but no workbook in it"},
    "empty-sheet-xml": {
        "[Content_Types].xml": '<?xml version="1.0"?><Types '
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": "",
    },
}


@pytest.mark.parametrize("kind", sorted(JUNK_WORKBOOKS))
def test_xlsx_of_junk_xml_is_refused(study, tmp_path, kind):
    path = _zip(tmp_path / f"{kind}.xlsx", JUNK_WORKBOOKS[kind])
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--data", path, "--no-report")
    output = refused(result, f"{kind}.xlsx", before=before, root=tmp_path)
    assert "excel" in output.lower() or "workbook" in output.lower()


# --- waves too small to segment --------------------------------------------------------------


@pytest.mark.parametrize(("rows", "k", "needed"), [(2, "auto", 3), (1, "auto", 3), (4, "4", 5)])
def test_too_few_respondents_says_how_many_are_needed(study, tmp_path, rows, k, needed):
    path = tmp_path / "small.csv"
    path.write_text("\n".join(wave_lines(study)[: rows + 1]) + "\n", encoding="utf-8")
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--data", path, "--no-report", "--k", k)
    output = refused(result, "small.csv", f"needs at least {needed}", before=before, root=tmp_path)
    assert f"only {rows} respondent" in output


def test_too_few_respondents_from_the_api_is_an_input_error(study):
    from personas import clean, load_instrument, read_responses, segment
    from personas.errors import InputError

    instrument = load_instrument(study)
    path = study.parent / "three.csv"
    path.write_text("\n".join(wave_lines(study)[:3]) + "\n", encoding="utf-8")
    cleaned = clean(read_responses(path, instrument))
    with pytest.raises(InputError) as caught:
        segment(cleaned, k="auto", random_state=0)
    (problem,) = caught.value.problems
    assert problem.code == "too-few-respondents" and problem.value == len(cleaned.answers)


def test_the_smallest_wave_that_can_be_segmented_is_segmented(study, tmp_path):
    path = tmp_path / "three.csv"
    path.write_text("\n".join(wave_lines(study)[:4]) + "\n", encoding="utf-8")
    result = invoke("run", "jobsite", "--data", path, "--no-report", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["k"] == 2 and summary["respondents"]["kept"] == 3


# --- Parquet cells that are not one answer --------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [pa.array([[1, 2]] * 5, type=pa.list_(pa.int64())), pa.array([{"a": 1}] * 5)],
    ids=["list", "struct"],
)
def test_parquet_nested_column_is_refused(study, tmp_path, column):
    frame = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, nrows=5)
    table = pa.Table.from_pandas(frame, preserve_index=False).set_column(3, "q02", column)
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path)
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--data", path, "--no-report")
    refused(result, "nested.parquet", "'q02'", "one answer per cell", before=before, root=tmp_path)


# --- YAML nested deeper than any instrument ---------------------------------------------------


def _deep(kind: str, depth: int = 3000) -> str:
    if kind == "flow":
        return "extra: " + "[" * depth + "]" * depth + "\n"
    keys = "".join("  " * i + "a:\n" for i in range(1, depth))
    return "extra:\n" + keys + "  " * depth + "b: 1\n"


@pytest.mark.parametrize("kind", ["flow", "block"])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_deeply_nested_instrument_is_refused(study, tmp_path, kind, command):
    yaml_file = study / "instrument.yaml"
    first = len(yaml_file.read_text(encoding="utf-8").splitlines()) + 1
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8") + _deep(kind), encoding="utf-8")
    before = snapshot_tree(tmp_path)
    extra = ("--no-report",) if command == "run" else ()
    result = invoke(command, "jobsite", *extra)
    output = refused(result, "instrument.yaml:", "nested more than", before=before, root=tmp_path)
    line = int(output.split("instrument.yaml:")[1].split(":")[0])
    assert line >= first  # the place named is in the nested part, not the instrument


def test_deeply_nested_truth_file_is_refused(study, tmp_path):
    truth = study / "truth.yaml"
    truth.write_text(truth.read_text(encoding="utf-8") + _deep("flow"), encoding="utf-8")
    before = snapshot_tree(tmp_path)
    result = invoke("simulate", "jobsite", "--n", "50", "--wave", "wave-9")
    refused(result, "truth.yaml:", "nested more than", before=before)
    assert snapshot_tree(tmp_path) == before


def test_the_depth_limit_is_exact():
    from personas.errors import InputError
    from personas.instrument._yaml import MAX_DEPTH, parse

    def nested(levels: int) -> str:  # the top-level mapping is one level
        return "a: " + "[" * (levels - 1) + "]" * (levels - 1) + "\n"

    assert parse(nested(MAX_DEPTH), "x.yaml") is not None
    with pytest.raises(InputError, match="nested more than"):
        parse(nested(MAX_DEPTH + 1), "x.yaml")


# --- a damaged summary.json, for `personas report` and as --baseline -------------------------

DAMAGE = {
    "wrong types": (
        lambda d: d.update(k="five", respondents=[1, 2], personas=None),
        ["k: expected an integer", "respondents: expected an object", "personas: expected a list"],
    ),
    "a wrong nested type": (
        lambda d: d["segments"][0].update(share="x"),
        ["segments[0].share: expected a number"],
    ),
    "no segments": (lambda d: d.update(segments=[]), ["segments: a run has at least one"]),
    "k and segments disagree": (lambda d: d.update(k=-3), ["k: is -3 but there are"]),
    "a share out of range": (lambda d: d["segments"][0].update(share=7.5), ["segments[0]"]),
    "a ledger that does not add up": (
        lambda d: d["respondents"].update(loaded=1),
        ["respondents: loaded (1) is not kept"],
    ),
    "a missing key": (lambda d: d.pop("segments"), ["segments: missing"]),
}


def _damage(run: Path, how) -> None:
    path = run / "summary.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    how(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_summary_is_refused_by_report(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    run = a_run(tmp_path)
    how, needles = DAMAGE[case]
    _damage(run, how)
    before = snapshot_tree(tmp_path)
    result = invoke("report", run)
    refused(result, "summary.json", *needles, "rerun `personas run`")
    assert snapshot_tree(tmp_path) == before


@pytest.mark.parametrize("case", ["wrong types", "no segments", "a ledger that does not add up"])
def test_damaged_summary_is_refused_as_baseline(study, tmp_path, case):
    run = a_run(tmp_path / "old")
    how, needles = DAMAGE[case]
    _damage(run, how)
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--no-report", "--baseline", run)
    refused(result, f"{run}/summary.json", *needles, before=before, root=tmp_path)


def test_assignments_to_unknown_segments_are_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = a_run(tmp_path)
    frame = pd.read_csv(run / "assignments.csv", dtype=str)
    frame.loc[3, "segment"] = "99"
    frame.to_csv(run / "assignments.csv", index=False)
    before = snapshot_tree(tmp_path)
    refused(invoke("report", run), "assignments.csv", "column segment", "'99'")
    assert snapshot_tree(tmp_path) == before


def test_truncated_summary_names_line_and_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = a_run(tmp_path)
    text = (run / "summary.json").read_text(encoding="utf-8")
    (run / "summary.json").write_text(text[: len(text) // 2], encoding="utf-8")
    before = snapshot_tree(tmp_path)
    refused(invoke("report", run), "summary.json:", "not valid JSON")
    assert snapshot_tree(tmp_path) == before


# --- devices, FIFOs and huge files: refused before a byte is read ----------------------------


@pytest.mark.slow
def test_dev_zero_as_data_is_refused_at_once(study, tmp_path):
    before = snapshot_tree(tmp_path)
    result = cli("run", "jobsite", "--data", "/dev/zero", "--no-report", cwd=tmp_path, timeout=60)
    refused(result, "/dev/zero", "not a regular file", before=before, root=tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("extra", [(), ("--format", "csv")])
def test_fifo_as_data_is_refused_without_hanging(study, tmp_path, extra):
    fifo = tmp_path / "wave.csv"
    os.mkfifo(fifo)
    result = cli("run", "jobsite", "--data", fifo, "--no-report", *extra, cwd=tmp_path)
    refused(result, "wave.csv", "not a regular file")
    assert not (tmp_path / "reports").exists()


def test_fifo_as_instrument_is_refused_without_hanging(study, tmp_path):
    (study / "instrument.yaml").unlink()
    os.mkfifo(study / "instrument.yaml")
    result = cli("validate", "jobsite", cwd=tmp_path)
    refused(result, "instrument.yaml", "not a regular file")


@pytest.mark.slow
def test_fifo_as_summary_is_refused_without_hanging(tmp_path):
    run = a_run(tmp_path)
    (run / "summary.json").unlink()
    os.mkfifo(run / "summary.json")
    result = cli("report", run, cwd=tmp_path)
    refused(result, "summary.json", "not a regular file")
    assert not (run / "index.html").exists()


def test_data_over_the_size_limit_is_refused_and_the_variable_named(study, tmp_path):
    size = (study / "waves" / "wave-1.csv").stat().st_size
    limit = f"{size / 2 / 1024 / 1024:.6f}"
    before = snapshot_tree(tmp_path)
    result = invoke("run", "jobsite", "--no-report", env={"PERSONAS_MAX_DATA_MB": limit})
    refused(result, "wave-1.csv", "MiB limit", "PERSONAS_MAX_DATA_MB", before=before, root=tmp_path)
    raised = invoke("run", "jobsite", "--no-report", env={"PERSONAS_MAX_DATA_MB": "1"})
    assert raised.exit_code == 0, raised.output


def test_yaml_over_the_size_limit_is_refused(study, tmp_path):
    before = snapshot_tree(tmp_path)
    result = invoke("validate", "jobsite", env={"PERSONAS_MAX_YAML_MB": "0.0001"})
    refused(result, "instrument.yaml", "PERSONAS_MAX_YAML_MB", before=before, root=tmp_path)


@pytest.mark.parametrize("value", ["", "zero", "-1", "0"])
def test_a_meaningless_limit_falls_back_to_the_default(monkeypatch, value):
    from personas._paths import INPUT_LIMITS, input_limit

    monkeypatch.setenv("PERSONAS_MAX_DATA_MB", value)
    assert input_limit("data") == (INPUT_LIMITS["data"][1], "PERSONAS_MAX_DATA_MB")


# --- temporary folders of killed runs ------------------------------------------------------


def _holder(path: Path) -> subprocess.Popen:
    """A live process holding the lock on ``path``, as a running ``personas run`` does."""
    code = (
        "import sys, time; from personas._atomic import hold_lock; "
        "fd = hold_lock(sys.argv[1]); print('locked', flush=True); time.sleep(120)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_stale_temporary_folders_go_and_live_ones_stay(study, tmp_path):
    reports = tmp_path / "reports" / "jobsite"
    stale = reports / ".wave-1.k1ll3d.tmp"
    (stale / "charts").mkdir(parents=True)
    (stale / "summary.json").write_text("{half", encoding="utf-8")
    stale_file = reports / ".wave-1.s0me.tmp"
    stale_file.write_text("not a folder", encoding="utf-8")
    live = reports / ".wave-1.l1ve.tmp"
    live.mkdir()
    other = reports / ".wave-2.k1ll3d.tmp"  # another wave's: left to that wave's next run
    other.mkdir()
    holder = _holder(live)
    try:
        result = invoke("run", "jobsite", "--no-report", "--k", "5")
        assert result.exit_code == 0, result.output
        assert not stale.exists() and not stale_file.exists()
        assert live.is_dir() and other.is_dir()
    finally:
        holder.kill()
        holder.wait()
    result = invoke("run", "jobsite", "--no-report", "--k", "5")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in reports.iterdir()) == [".wave-2.k1ll3d.tmp", "wave-1"]


def test_stale_report_files_of_the_study_page_go(tmp_path):
    from personas.pipeline.study import update_study_page

    reports = tmp_path / "reports" / "jobsite"
    shutil.copytree(RUN_FIXTURE, reports / "wave-1")
    left = [reports / ".index.0123abcd.html.tmp", reports / ".index.4567cdef.qmd.tmp"]
    for path in left:
        path.write_text("<html>half", encoding="utf-8")
    page = update_study_page(reports)
    assert page == reports / "index.html" and page.is_file()
    assert not [p for p in reports.iterdir() if p.name.endswith(".tmp")]


# --- permissions: the user's umask, not tempfile's 0700 -------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_run_folder_gets_the_umask_permissions(study, tmp_path, umask):
    old = os.umask(umask)
    try:
        result = invoke("run", "jobsite", "--no-report", "--k", "5")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    run = tmp_path / "reports" / "jobsite" / "wave-1"
    assert run.stat().st_mode & 0o777 == 0o777 & ~umask
    for path in run.rglob("*"):
        expected = (0o777 if path.is_dir() else 0o666) & ~umask
        assert path.stat().st_mode & 0o777 == expected, path


def test_atomic_text_file_gets_the_umask_permissions(tmp_path):
    from personas._atomic import current_umask, write_text_atomic

    path = write_text_atomic(tmp_path / "out.txt", "hello")
    assert path.stat().st_mode & 0o777 == 0o666 & ~current_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]

"""``kill -9`` at several points of a run and of a report render, and runs racing for one folder.

The promise (README, "A run on disk"): the run folder holds either the old complete run or the
new one, never a mix and never nothing, whatever happens to the writer; and the next run into
that reports folder leaves no temporary leftovers. The real command line runs in a subprocess
(its own session, so the test can end it and any worker it started), killed with SIGKILL at a
fixed time or when the file system shows it has reached a given step.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO, snapshot_tree
from personas.cli import main
from personas.run.files import atomic_folder, load_run

RUN_FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite"
CLI = [sys.executable, "-c", "from personas.cli import main; main()"]
RUN_FILES = {"summary.json", "model.json", "assignments.csv", "exclusions.csv"}


def start(*args, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen(
        [*CLI, *map(str, args)],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: its workers end with it
    )


def kill(proc: subprocess.Popen) -> int:
    """SIGKILL the command itself (as ``kill -9 PID`` does); returns its exit status."""
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return proc.wait(timeout=30)


def end_group(proc: subprocess.Popen) -> None:
    """End what the killed command left running (a map worker), by its process group."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=30)
    if proc.stderr is not None:
        proc.stderr.close()


def wait_for(condition, proc: subprocess.Popen, *, timeout: float = 240) -> bool:
    """Poll ``condition`` every 5 ms; ``False`` when ``proc`` ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    raise AssertionError("the command never reached the step")


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if p.name.endswith((".tmp", ".old"))]


def old_run(tmp_path: Path) -> tuple[Path, dict]:
    """The example run as the complete earlier run in the folder; its bytes."""
    run = tmp_path / "reports" / "jobsite" / "wave-1"
    shutil.copytree(RUN_FIXTURE, run)
    return run, snapshot_tree(run)


def assert_old_or_new(run: Path, old: dict, *, new_seed: int) -> str:
    """The folder is the old run byte for byte, or a complete new run of ``new_seed``."""
    if snapshot_tree(run) == old:
        return "old"
    loaded = load_run(run)  # complete and consistent, or this raises
    assert loaded.typed.seed == new_seed
    assert RUN_FILES <= {p.name for p in run.iterdir()}
    return "new"


def next_run_cleans_up(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "jobsite", "--no-report", "--k", "5"])
    assert result.exit_code == 0, result.output
    reports = tmp_path / "reports"
    assert temporaries(reports) == []
    assert load_run(reports / "jobsite" / "wave-1").typed.k == 5


# --- kill -9 during `personas run` ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.5, 2.0])
def test_kill_run_after_a_while(study, tmp_path, after):
    run, old = old_run(tmp_path)
    proc = start("run", "jobsite", "--no-report", "--seed", "1", cwd=tmp_path)
    try:
        time.sleep(after)
        status = kill(proc)
        state = assert_old_or_new(run, old, new_seed=1)
        # The folder swap is the commit point: a run killed after it (while it exits) leaves
        # the complete new run, one killed before it the old one. A run that finished must
        # have replaced the folder.
        assert state == "new" or status != 0
    finally:
        end_group(proc)
    next_run_cleans_up(tmp_path)


def _temporary_folder(reports: Path, holding: str | None = None):
    def found() -> bool:
        for tmp in reports.glob(".wave-1.*.tmp"):
            if holding is None or any(tmp.glob(holding)):
                return True
        return False

    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    "step",
    [None, "charts/*.svg", "index.qmd", ".index.*.html.tmp"],
    ids=["folder-made", "charts", "report-source", "rendering-html"],
)
def test_kill_run_while_it_writes_its_folder_and_report(study, tmp_path, step):
    run, old = old_run(tmp_path)
    proc = start("run", "jobsite", "--seed", "1", cwd=tmp_path)
    try:
        reached = wait_for(_temporary_folder(run.parent, step), proc)
        status = kill(proc)
        assert reached, proc.stderr.read().decode()
        assert status == -signal.SIGKILL
        assert assert_old_or_new(run, old, new_seed=1) == "old"
        assert temporaries(run.parent)  # what the killed run left: the next run removes it
    finally:
        end_group(proc)
    next_run_cleans_up(tmp_path)


# --- kill -9 during `personas report` ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("step", ["charts/*.svg", ".index.*.html.tmp"], ids=["build", "render"])
def test_kill_report_render_keeps_the_run_whole(tmp_path, monkeypatch, step):
    monkeypatch.chdir(tmp_path)
    run, old = old_run(tmp_path)
    proc = start("report", run, cwd=tmp_path)
    try:
        reached = wait_for(_temporary_folder(run.parent, step), proc)
        kill(proc)
        assert reached, proc.stderr.read().decode()
        assert snapshot_tree(run) == old  # the run, and no half report in it
    finally:
        end_group(proc)
    result = CliRunner().invoke(main, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert (run / "index.html").is_file() and temporaries(run.parent) == []
    assert {k: v for k, v in snapshot_tree(run).items() if k in old} == old  # run files kept


# --- two runs into one folder -----------------------------------------------------------------


def _reference(tmp_path: Path, seed: int) -> dict:
    out = tmp_path / "ref" / f"seed-{seed}"
    args = ["run", "jobsite", "--no-report", "--seed", str(seed), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return {name: (out / name).read_bytes() for name in RUN_FILES}


@pytest.mark.slow
def test_two_runs_into_one_folder_leave_one_whole_run(study, tmp_path):
    run, _ = old_run(tmp_path)
    references = {seed: _reference(tmp_path, seed) for seed in (1, 2)}
    procs = [
        start("run", "jobsite", "--no-report", "--seed", seed, cwd=tmp_path) for seed in (1, 2)
    ]
    try:
        for proc in procs:
            assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    finally:
        for proc in procs:
            end_group(proc)
    seed = json.loads((run / "summary.json").read_text(encoding="utf-8"))["seed"]
    assert {name: (run / name).read_bytes() for name in RUN_FILES} == references[seed]
    assert temporaries(tmp_path / "reports") == []


def test_racing_writers_never_show_a_mix(tmp_path):
    """Writers replace one folder over and over; a reader never sees it missing or mixed."""
    target = tmp_path / "out" / "wave-1"
    names = [f"part-{i}.txt" for i in range(6)]
    errors: list[str] = []
    swaps: list[int] = []

    def write(writer: int) -> None:
        for round_ in range(15):
            with atomic_folder(target, kind="run") as tmp:
                (tmp / "summary.json").write_text("{}", encoding="utf-8")
                for name in names:
                    (tmp / name).write_text(f"{writer}-{round_}", encoding="utf-8")
                    time.sleep(0.0005)

    def stamp() -> tuple[int, int] | None:  # an inode number alone may be reused later
        try:
            info = (target / "summary.json").stat()
        except FileNotFoundError:
            errors.append("the folder had no summary.json")
            return None
        return info.st_ino, info.st_ctime_ns

    def read(stop: threading.Event) -> None:
        while not stop.is_set():
            before = stamp()
            try:
                seen = {(target / name).read_text(encoding="utf-8") for name in names}
            except FileNotFoundError:
                seen = None
            if stamp() != before:  # swapped while reading: what load_run retries on
                swaps.append(1)
                continue
            if seen is None:
                errors.append("a file was missing from a folder nobody replaced")
                continue
            if len(seen) != 1:
                errors.append(f"a mix: {sorted(seen)}")

    with atomic_folder(target, kind="run") as tmp:  # the first complete folder
        (tmp / "summary.json").write_text("{}", encoding="utf-8")
        for name in names:
            (tmp / name).write_text("first", encoding="utf-8")
    stop = threading.Event()
    reader = threading.Thread(target=read, args=(stop,))
    writers = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()
    assert errors == []
    assert swaps  # the reader did run across swaps
    assert temporaries(tmp_path) == []
    assert len({(target / name).read_text(encoding="utf-8") for name in names}) == 1


def test_a_report_of_a_run_replaced_meanwhile_keeps_the_new_run(tmp_path, monkeypatch):
    from personas.errors import InputError
    from personas.pipeline import study as pipeline
    from personas.report import build
    from personas.report import render as render_module

    monkeypatch.chdir(tmp_path)
    run, _ = old_run(tmp_path)
    newer = tmp_path / "newer"
    shutil.copytree(RUN_FIXTURE, newer)
    (newer / "instrument.yaml").write_text("# the newer run\n", encoding="utf-8")

    def build_then_replace(loaded):  # another `personas run` swaps its folder in meanwhile
        path = Path(loaded.path) / "index.qmd"
        path.write_text("# report\n", encoding="utf-8")
        with atomic_folder(run, kind="run") as tmp:
            shutil.copytree(newer, tmp, dirs_exist_ok=True)
        return path

    def render(folder, *, to=("html",), engine="auto"):  # pandoc's work is not the point here
        (Path(folder) / "index.html").write_text("<html></html>", encoding="utf-8")
        return {"html": Path(folder) / "index.html"}

    monkeypatch.setattr(build, "build_report", build_then_replace)
    monkeypatch.setattr(render_module, "render_report", render)
    with pytest.raises(InputError, match="replaced while its report was rendered"):
        pipeline.report_run(run)
    assert (run / "instrument.yaml").read_text(encoding="utf-8") == "# the newer run\n"
    assert not (run / "index.html").exists() and temporaries(tmp_path) == []


# --- the pieces --------------------------------------------------------------------------------


def test_kept_subfolders_survive_as_links_not_moves(tmp_path):
    target = tmp_path / "wave-1"
    with atomic_folder(target, kind="run") as tmp:
        (tmp / "summary.json").write_text("{}", encoding="utf-8")
        (tmp / "clean").mkdir()
        (tmp / "clean" / "clean.parquet").write_text("clean", encoding="utf-8")
    first = (target / "clean" / "clean.parquet").stat().st_ino
    with atomic_folder(target, kind="run", keep=("clean",)) as tmp:
        (tmp / "summary.json").write_text('{"new": 1}', encoding="utf-8")
        # the old folder is still whole while the new one is being finished
        assert (target / "clean" / "clean.parquet").read_text(encoding="utf-8") == "clean"
    assert (target / "clean" / "clean.parquet").stat().st_ino == first
    assert (target / "summary.json").read_text(encoding="utf-8") == '{"new": 1}'


def test_a_half_done_two_rename_swap_is_repaired(tmp_path):
    from personas._atomic import recover_swap

    target = tmp_path / "wave-1"
    old = tmp_path / ".wave-1.old"
    old.mkdir()
    (old / "summary.json").write_text("{}", encoding="utf-8")
    recover_swap(target)  # killed between the renames: the old run comes back
    assert (target / "summary.json").is_file() and not old.exists()
    old.mkdir()
    recover_swap(target)  # killed after them: the leftover goes
    assert not old.exists() and target.is_dir()


def test_without_an_atomic_exchange_the_swap_still_completes(tmp_path, monkeypatch):
    from personas.run import files

    monkeypatch.setattr(files, "exchange", lambda new, old: False)
    target = tmp_path / "wave-1"
    for text in ("one", "two"):
        with atomic_folder(target, kind="run") as tmp:
            (tmp / "summary.json").write_text(text, encoding="utf-8")
    assert (target / "summary.json").read_text(encoding="utf-8") == "two"
    assert temporaries(tmp_path) == []

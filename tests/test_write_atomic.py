"""``write_atomic``: the one temp-then-rename every file writer of personas goes through."""

from __future__ import annotations

import os
import stat
import time

import pandas as pd
import pytest

from personas import _atomic
from personas._atomic import hold_lock, release, write_atomic, write_text_atomic


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_failing_writer_leaves_the_old_file_whole_and_no_temporary_file(tmp_path):
    target = tmp_path / "wave.csv"
    target.write_text("old\n", encoding="utf-8")

    def half_then_fail(temporary):
        temporary.write_text("half of the new", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, half_then_fail)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _leftovers(tmp_path) == []


def test_any_path_writer_works_and_the_file_gets_the_umask_permissions(tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "weight": [0.5, 1.5]})
    old = os.umask(0o027)
    try:
        out = write_atomic(tmp_path / "sub" / "w.csv", lambda t: frame.to_csv(t, index=False))
    finally:
        os.umask(old)
    assert pd.read_csv(out).equals(frame)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # not mkstemp's private 0600


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    stale = tmp_path / ".index.qmd.abc123.tmp"
    stale.write_text("a killed writer's half file", encoding="utf-8")
    other = tmp_path / ".unrelated.tmp"
    other.write_text("not ours", encoding="utf-8")
    write_text_atomic(tmp_path / "index.qmd", "# report\n")
    assert _leftovers(tmp_path) == [".unrelated.tmp"]
    assert (tmp_path / "index.qmd").read_text(encoding="utf-8") == "# report\n"


@pytest.mark.slow
def test_inside_a_folder_the_caller_holds_lock_false_does_not_wait_for_itself(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(_atomic, "LOCK_WAIT", 2.0)
    held = hold_lock(tmp_path)
    try:
        start = time.monotonic()
        write_text_atomic(tmp_path / "index.qmd", "x", lock=False)
        assert time.monotonic() - start < 1.0
        start = time.monotonic()
        write_text_atomic(tmp_path / "other.qmd", "y")  # takes the lock: waits, then goes on
        assert time.monotonic() - start >= 2.0
    finally:
        release(held)
    assert (tmp_path / "index.qmd").read_text(encoding="utf-8") == "x"


def test_parents_false_makes_only_the_files_own_folder(tmp_path):
    run = tmp_path / "run.tmp"  # a failed run removed its temporary folder
    with pytest.raises(FileNotFoundError):
        write_atomic(run / "parts" / "part-0.txt", lambda p: p.write_text("x"), parents=False)
    assert not run.exists()  # a late task does not recreate it
    run.mkdir()
    done = write_atomic(run / "parts" / "part-0.txt", lambda p: p.write_text("x"), parents=False)
    assert done.read_text() == "x" and [p.name for p in (run / "parts").iterdir()] == ["part-0.txt"]

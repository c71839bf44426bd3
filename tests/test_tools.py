"""``require_tool``: a missing browser or PDF tool skips a test on a laptop, fails it in CI."""

from __future__ import annotations

import os

import pytest

from _chromium import CHROMIUM_ENV, chromium_path
from _tools import find_tool, in_ci, require_tool


def _program(folder, name: str):
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bare_path(tmp_path, monkeypatch):
    """A PATH holding only one folder, with a fake ``fake-tool`` in it."""
    folder = tmp_path / "bin"
    folder.mkdir()
    _program(folder, "fake-tool")
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    return folder


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", False), ("0", False), ("false", False), ("no", False), ("true", True), ("1", True)],
)
def test_in_ci_reads_the_ci_variable(monkeypatch, value, expected):
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def test_a_tool_on_path_is_found(bare_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert require_tool("fake-tool", install="x") == str(bare_path / "fake-tool")


def test_a_missing_tool_skips_outside_ci(bare_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"^pdftotext is not installed \(apt-get"):
        require_tool("pdftotext", install="apt-get install -y poppler-utils")


def test_a_missing_tool_fails_in_ci(bare_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        require_tool("pdftotext", install="apt-get install -y poppler-utils")


def test_the_environment_variable_wins_over_path(bare_path, tmp_path, monkeypatch):
    other = _program(tmp_path, "my-chromium")
    monkeypatch.setenv(CHROMIUM_ENV, str(other))
    _program(bare_path, "chromium")
    assert chromium_path() == str(other)
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "missing"))
    assert find_tool("chromium", env=CHROMIUM_ENV) is None  # not silently the one on PATH
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"at \\${CHROMIUM_ENV}="):
        chromium_path()


def test_chromium_is_looked_up_on_path_not_at_a_fixed_place(bare_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        chromium_path()  # /usr/bin/chromium may exist, but it is not on this PATH
    fake = _program(bare_path, "chromium")
    assert chromium_path() == str(fake)
    assert os.access(chromium_path(), os.X_OK)

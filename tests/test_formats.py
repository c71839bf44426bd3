"""The one registry of file formats: every list of formats comes from it."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from personas import cli
from personas.errors import InputError
from personas.io import FORMATS, formats
from personas.io.formats import FILE_FORMATS, by_extension, cli_names, lookup, writable_names
from personas.io.locate import wave_files

ROOT = Path(__file__).resolve().parents[1]


def _choices(command: click.Command, option: str) -> tuple[str, ...]:
    (param,) = [p for p in command.params if p.name == option]
    return tuple(param.type.choices)


def test_cli_choices_come_from_the_registry():
    assert _choices(cli.main.commands["clean"], "fmt") == cli_names()
    assert _choices(cli.main.commands["run"], "fmt") == cli_names()
    assert _choices(cli.main.commands["simulate"], "fmt") == writable_names()
    assert writable_names() == ("csv", "xlsx", "sav", "parquet")


def test_read_formats_and_extensions_come_from_the_registry():
    assert FORMATS == tuple(f.name for f in FILE_FORMATS)
    for fmt in FILE_FORMATS:
        for ext in fmt.extensions:
            assert by_extension(f"wave{ext.upper()}") is fmt
        for name in (fmt.name, *fmt.names):
            assert lookup(name.upper()) is fmt
    assert by_extension("wave.docx") is None and lookup("docx") is None


def test_module_table_and_readme_list_every_format():
    doc = formats.__doc__
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for fmt in FILE_FORMATS:
        row = next(line for line in doc.splitlines() if line.startswith(f"``{fmt.name}``"))
        assert all(f"``{ext}``" in row for ext in fmt.extensions), row
        assert all(f"``{ext}``" in row for ext in fmt.writes), row
    clean = re.search(r"### `personas clean`.*?\n\n(.*?)\n\n", readme, re.S).group(1)
    assert re.findall(r"`(\w+)`", clean.split("does not\ntell", 1)[1].split(")")[0]) == list(
        cli_names()
    )
    simulate = re.search(r"### `personas simulate`.*?\n\n(.*?)\n\n", readme, re.S).group(1)
    assert f"`{'|'.join(writable_names())}`" in simulate


def test_every_readable_extension_is_a_wave(tmp_path):
    (tmp_path / "waves").mkdir()
    names = [f"w{i}{ext}" for i, ext in enumerate(formats.wave_extensions())]
    for name in [*names, "notes.docx", ".hidden.csv"]:
        (tmp_path / "waves" / name).write_text("x")
    assert [p.name for p in wave_files(tmp_path)] == names


@pytest.mark.parametrize("name", ["wave.txt", "wave.tsv", "wave.dta"])
def test_simulate_writes_only_what_the_registry_says(name, tmp_path):
    from personas.simulate._wave_file import _format

    with pytest.raises(InputError, match="unknown wave format") as caught:
        _format(tmp_path / name, None)
    assert ".csv, .xlsx, .sav, .parquet" in caught.value.problems[0].hint
    assert _format(tmp_path / "w.pq", None) == "parquet"
    assert _format(tmp_path / "w.bin", "XLSX") == "xlsx"

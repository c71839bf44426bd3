"""One reader of ``tensions:`` positions for the three YAML file kinds.

A persona in ``instrument.yaml``, a planted segment in a truth file and an entry of a names
file all write ``tensions: {speed: c}``; the same mistake must read the same in each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from personas.compare.names import SCHEMA as NAMES_SCHEMA
from personas.compare.names import load_names
from personas.errors import InputError
from personas.instrument import load_instrument
from personas.simulate.core import load_truth

STUDY = Path(__file__).resolve().parents[1] / "surveys" / "jobsite"
GOOD_LINE = "    tensions: {speed: a, pay: a}\n"
BAD_LINE = "    tensions: {speed: c, pay: a}\n"


def _problems(call) -> list:
    with pytest.raises(InputError) as caught:
        call()
    return [p for p in caught.value.problems if p.code == "bad-position"]


def _instrument_problem(tmp_path):
    text = (STUDY / "instrument.yaml").read_text(encoding="utf-8")
    assert GOOD_LINE in text
    path = tmp_path / "instrument.yaml"
    path.write_text(text.replace(GOOD_LINE, BAD_LINE, 1), encoding="utf-8")
    return path, _problems(lambda: load_instrument(path))


def _truth_problem(tmp_path, instrument):
    path = tmp_path / "truth.yaml"
    path.write_text(
        f"schema: personas/truth@1\nsegments:\n  - id: survivor\n    share: 1\n{BAD_LINE}",
        encoding="utf-8",
    )
    return path, _problems(lambda: load_truth(path, instrument))


def _names_problem(tmp_path, instrument):
    path = tmp_path / "names.yaml"
    path.write_text(
        f"schema: {NAMES_SCHEMA}\nnames:\n  - name: survivor\n{BAD_LINE}", encoding="utf-8"
    )
    return path, _problems(lambda: load_names(path, instrument))


def test_same_bad_position_reads_the_same_in_every_file_kind(tmp_path):
    instrument = load_instrument(STUDY / "instrument.yaml")
    found = [
        _instrument_problem(tmp_path),
        _truth_problem(tmp_path, instrument),
        _names_problem(tmp_path, instrument),
    ]
    messages = set()
    for path, problems in found:
        (problem,) = problems
        assert problem.file == str(path)
        assert problem.value == "c" or "'c'" in problem.message
        assert "-1 (pole a) to 1 (pole b)" in problem.hint
        # The owner differs (persona 'survivor', segment 'survivor', names entry ...); the
        # rest of the sentence is one wording.
        messages.add(problem.message.split(" has position ", 1)[1])
        assert (
            problem.line
            == Path(path).read_text(encoding="utf-8").splitlines().index(BAD_LINE.rstrip("\n")) + 1
        )
    assert messages == {"'c' on tension 'speed'"}

"""Instruments shaped as real surveys are: tensions keyed one way, and no tensions at all.

Each study is written here as YAML, simulated from its own personas, then read, cleaned,
segmented, compared and saved like ``personas run`` does (without the map), and its report
source is built from the saved run alone.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from personas import load_instrument, read_responses
from personas.errors import DataWarning
from personas.pipeline.study import simulate_study
from personas.report.build import build_report
from personas.report.render import render_report
from personas.run.analysis import analyze, save_run

ONE_WAY = """\
schema: personas/instrument@1
study: {id: oneway, title: "A one-way-keyed study"}
tensions:
  - {id: mood, label: "Calm vs upset", a: "Calm and even-tempered", b: "Easily upset"}
  - {id: pace, label: "Pace", a: "Quick", b: "Thorough"}
questions:
  - {id: m1, type: likert, scale: {min: 1, max: 5}, tension: mood, pole: b, text: "I anger fast."}
  - {id: m2, type: likert, scale: {min: 1, max: 5}, tension: mood, pole: b, text: "I panic easily."}
  - {id: m3, type: likert, scale: {min: 1, max: 5}, tension: mood, pole: b, text: "I feel blue."}
  - {id: p1, type: likert, scale: {min: 1, max: 5}, tension: pace, pole: a, text: "I decide fast."}
  - {id: p2, type: likert, scale: {min: 1, max: 5}, tension: pace, pole: b, text: "I check twice."}
  - {id: p3, type: likert, scale: {min: 1, max: 5}, tension: pace, pole: a, text: "I skim."}
  - {id: p4, type: likert, scale: {min: 1, max: 5}, tension: pace, pole: b, text: "I plan ahead."}
personas:
  - {id: calm, name: "The Calm", summary: "Calm and quick.", tensions: {mood: a, pace: a}}
  - {id: upset, name: "The Upset", summary: "Upset and thorough.", tensions: {mood: b, pace: b}}
"""

NO_TENSIONS = """\
schema: personas/instrument@1
study: {id: plain, title: "A survey without a tension model"}
questions:
  - {id: web, type: boolean, text: "I build web applications."}
  - {id: mobile, type: boolean, text: "I build mobile apps."}
  - {id: data, type: boolean, text: "I analyse data."}
  - {id: ml, type: boolean, text: "I train models."}
  - {id: ops, type: boolean, text: "I run servers."}
  - {id: dba, type: boolean, text: "I look after databases."}
  - {id: remote, type: choice, options: [Remote, Office, Both], text: "Where do you work?"}
  - {id: happy, type: likert, scale: {min: 1, max: 5}, text: "I am happy with my career."}
personas:
  - id: builder
    name: "The Builder"
    summary: "Web and mobile apps."
    answers: {web: true, mobile: true, data: false, ml: false, ops: false, dba: false}
  - id: analyst
    name: "The Analyst"
    summary: "Data and models, from home."
    answers: {web: false, data: true, ml: true, ops: false, remote: Remote}
  - id: operator
    name: "The Operator"
    summary: "Servers and databases, in the office."
    answers: {web: false, mobile: false, ops: true, dba: true, remote: Office}
"""


def _study(tmp_path: Path, text: str, name: str, *, n: int = 600) -> tuple[Path, Path]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "instrument.yaml").write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        wave, _ = simulate_study(folder, n=n, random_state=3, wave="wave-1")
    return folder, wave


def _run(folder: Path, wave: Path, out: Path, *, html: bool = False):
    """Analyse and save like ``personas run`` (no map), then build the report source."""

    def report(tmp: Path) -> None:
        build_report(tmp)
        if html:
            render_report(tmp, to=("html",), engine="pandoc")

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        instrument = load_instrument(folder)
        analysis = analyze(
            instrument,
            read_responses(wave, instrument),
            wave="wave-1",
            embedding=False,
            random_state=0,
        )
        run = save_run(analysis, out, write_extra=report)
    return run, [str(w.message) for w in seen]


@pytest.fixture(scope="module")
def one_way(tmp_path_factory):
    root = tmp_path_factory.mktemp("oneway")
    folder, wave = _study(root, ONE_WAY, "oneway")
    return _run(folder, wave, root / "run")


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    root = tmp_path_factory.mktemp("plain")
    folder, wave = _study(root, NO_TENSIONS, "plain")
    return _run(folder, wave, root / "run")


# --- tensions keyed one way -----------------------------------------------------------------


@pytest.mark.slow
def test_one_way_keyed_study_runs_with_a_warning_and_a_journal_line(one_way):
    run, seen = one_way
    assert any(m.startswith("tension-one-pole: tension 'mood'") for m in seen)
    assert not any("'pace'" in m for m in seen if m.startswith("tension-one-pole"))
    summary = json.loads((run.path / "summary.json").read_text(encoding="utf-8"))
    counts = summary["respondents"]
    assert counts["loaded"] == counts["kept"] + sum(counts["excluded"].values())
    journal = [line for line in summary["journal"] if "acquiescence" in line]
    assert len(journal) == 1 and "'mood'" in journal[0] and "pole b" in journal[0]
    # positions on the one-pole tension still come from its items, and still separate people
    moods = [s["tensions"]["mood"] for s in summary["segments"]]
    assert max(moods) - min(moods) > 0.5


def test_one_way_keyed_report_explains_acquiescence_in_the_method_section(one_way):
    run, _ = one_way
    text = (run.path / "index.qmd").read_text(encoding="utf-8")
    method = text.split("## How this was done", 1)[1]
    assert "### Tensions measured from one side only" in method
    note = method.split("### Tensions measured from one side only", 1)[1].split("###", 1)[0]
    assert "**Calm vs upset**" in note and "Easily upset" in note
    assert "Pace" not in note  # keyed both ways: not listed
    assert "agree with whatever statement" in note and "cannot be told apart" in note
    assert "worded the other way round" in note  # what would fix it
    assert "## The tensions" in text  # the chart is still drawn from the items there are


@pytest.mark.slow
def test_a_study_keyed_both_ways_has_no_acquiescence_note(plain):
    run, _ = plain
    # the fixture study is keyed both ways on every tension
    fixture = Path(__file__).parent / "fixtures" / "run_jobsite" / "summary.json"
    from personas.report._build_instrument import one_pole_notes
    from personas.run.schema import Summary

    summary = Summary.from_json(json.loads(fixture.read_text(encoding="utf-8")))
    assert summary.tensions and summary.questions  # the check below has something to check
    assert one_pole_notes(summary.tensions, summary.questions) == []
    assert "measured from one side" not in (run.path / "index.qmd").read_text(encoding="utf-8")


# --- no tensions ------------------------------------------------------------------------------


def test_instrument_without_tensions_loads(tmp_path):
    path = tmp_path / "instrument.yaml"
    path.write_text(NO_TENSIONS, encoding="utf-8")
    inst = load_instrument(path)
    assert inst.tensions == () and len(inst.items) == 8
    assert inst.one_pole_tensions == ()


def test_an_empty_tension_list_is_the_same_as_none(tmp_path):
    path = tmp_path / "instrument.yaml"
    path.write_text(NO_TENSIONS.replace("questions:\n", "tensions: []\nquestions:\n"), "utf-8")
    assert load_instrument(path).tensions == ()


def test_without_tensions_a_question_naming_one_is_refused_with_its_line(tmp_path):
    from click.testing import CliRunner

    from personas.cli import main

    text = NO_TENSIONS.replace('text: "I run servers."', 'tension: infra, pole: a, text: "x"')
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "instrument.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "infra" in row)
    done = CliRunner().invoke(main, ["validate", str(folder)])
    assert done.exit_code == 2
    assert f"instrument.yaml:{line}:" in done.output and "infra" in done.output
    assert sorted(p.name for p in folder.iterdir()) == ["instrument.yaml"]


def test_study_without_tensions_runs_and_compares_on_answers(plain):
    run, _ = plain
    summary = json.loads((run.path / "summary.json").read_text(encoding="utf-8"))
    counts = summary["respondents"]
    assert counts["loaded"] == counts["kept"] + sum(counts["excluded"].values())
    assert summary["tensions"] == []
    assert all(s["tensions"] == {} for s in summary["segments"])
    assert all(s["distinctive"] for s in summary["segments"])  # described by their answers
    verdicts = {p["id"]: p["verdict"] for p in summary["personas"]}
    assert verdicts == {"builder": "confirmed", "analyst": "confirmed", "operator": "confirmed"}
    assert any("no tensions" in line for line in summary["journal"])


def test_report_without_tensions_says_why_there_is_no_tension_chart(plain):
    run, _ = plain
    text = (run.path / "index.qmd").read_text(encoding="utf-8")
    section = text.split("## The tensions", 1)[1].split("\n## ", 1)[0]
    assert "no tension model" in section and "no tension chart" in section
    assert "compared on the answers" in section
    assert "tensions" not in {p.stem for p in (run.path / "charts").glob("*.svg")}
    assert "Where they stand" not in text


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["oneway", "plain"])
def test_both_shapes_render_to_html(tmp_path, shape):
    text = ONE_WAY if shape == "oneway" else NO_TENSIONS
    folder, wave = _study(tmp_path, text, shape, n=400)
    run, _ = _run(folder, wave, tmp_path / "run", html=True)
    html = (run.path / "index.html").read_text(encoding="utf-8")
    needle = "Tensions measured from one side only" if shape == "oneway" else "no tension model"
    assert needle in html


# --- on the command line ------------------------------------------------------------------------


@pytest.mark.parametrize(("shape", "needle"), [("oneway", "tension-one-pole"), ("plain", "")])
def test_validate_and_run_on_the_command_line(tmp_path, shape, needle):
    from click.testing import CliRunner

    from personas.cli import main

    folder, wave = _study(tmp_path, ONE_WAY if shape == "oneway" else NO_TENSIONS, shape, n=300)
    checked = CliRunner().invoke(main, ["validate", str(folder)])
    assert checked.exit_code == 0, checked.output
    assert "OK" in checked.output and needle in checked.output
    out = tmp_path / "run"
    done = CliRunner().invoke(main, ["run", str(folder), "--out", str(out), "--no-report"])
    assert done.exit_code == 0, done.output
    assert needle in done.output and (out / "summary.json").is_file()
    if not needle:
        assert "warning: tension" not in done.output

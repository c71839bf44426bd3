"""`personas plan`: recovery grows with the sample size on a planted study; bad grids refused."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from personas.cli import main
from personas.errors import InputError
from personas.instrument import load_instrument
from personas.plan import PlanWarning, expected_outcome, indistinguishable, simulate_plan
from personas.simulate import load_truth


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_recovery_grows_with_n_and_reaches_090_at_the_largest(study, tmp_path):
    out = tmp_path / "plan"
    args = ("plan", "jobsite", "--n", "50,600", "--noise", "0.15", "--runs", "4", "--jobs", "2")
    result = _invoke(*args, "--out", out)
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    rows = plan["personas"]
    small = [r["p"] for r in rows if r["n"] == 50]
    large = [r["p"] for r in rows if r["n"] == 600]
    assert sum(small) / len(small) < sum(large) / len(large)
    assert min(large) >= 0.9
    assert all(r["low"] <= r["p"] <= r["high"] for r in rows)
    assert [r["p"] for r in plan["k"] if r["n"] == 600] == [1.0]
    assert "<figure" in (out / "index.html").read_text()
    for row in plan["needed"]:
        assert row["90"] in (50, 600)
        assert re.search(re.escape(row["name"]), result.output)


def test_personas_with_identical_answers_are_named_before_any_simulation(study):
    instrument = load_instrument(study)
    assert indistinguishable(instrument) == [("survivor", "quick_win")]
    truth = load_truth(study / "truth.yaml", instrument)
    verdicts, k = expected_outcome(instrument, truth, indistinguishable(instrument), from_file=True)
    assert verdicts["survivor"] == verdicts["quick_win"] == "merged"
    assert verdicts["returner"] == "confirmed" and k == 5
    with pytest.warns(PlanWarning, match="The Survivor and The Quick Win"):
        simulate_plan(study, n=[60], noise=[0.1], runs=1, n_jobs=1)


def test_a_study_whose_personas_all_look_alike_is_refused(study):
    path = study / "instrument.yaml"
    text = path.read_text()
    start, end = text.index("  - id: perfectionist"), text.index("\ndata:")
    path.write_text(text[:start] + text[end:])  # only the Survivor and the Quick Win left
    (study / "truth.yaml").unlink()
    with pytest.raises(InputError, match="cannot be told apart"):
        simulate_plan(study, n=[60], noise=[0.1], runs=1, n_jobs=1)
    result = _invoke("plan", "jobsite", "--runs", "1")
    assert result.exit_code == 2 and "cannot be told apart" in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--n", "20,500"), "--n"),
        (("--n", "abc"), "--n"),
        (("--noise", "0.7"), "--noise"),
        (("--noise", "-0.1"), "--noise"),
        (("--runs", "0"), "--runs"),
    ],
)
def test_a_bad_grid_is_refused_naming_the_option(study, tmp_path, args, option):
    out = tmp_path / "plan"
    result = _invoke("plan", "jobsite", *args, "--out", out)
    assert result.exit_code == 2, result.output
    assert option in result.output
    assert not out.exists()


def test_an_unknown_study_is_refused(study, tmp_path):
    result = _invoke("plan", "nowhere", "--out", tmp_path / "plan")
    assert result.exit_code == 2 and "nowhere" in result.output
    assert not (tmp_path / "plan").exists()

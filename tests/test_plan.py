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


@pytest.mark.slow
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
    assert "stability measured only" in plan["pipeline"]["stability"]
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


@pytest.mark.slow
@pytest.mark.parametrize("noise", [0.15, 0.35])
def test_the_plans_stability_shortcut_gives_the_runs_k_segments_and_verdicts(noise):
    """plan measures stability only where the choice of k needs it: nothing it uses changes."""
    import tempfile
    import warnings
    from dataclasses import replace
    from pathlib import Path

    import numpy as np

    from personas.cleaning import clean
    from personas.compare import compare
    from personas.io import read_responses
    from personas.segment import segment
    from personas.simulate import simulate, write_wave

    root = Path(__file__).resolve().parents[1] / "surveys" / "jobsite"
    inst = load_instrument(root)
    truth = load_truth(root / "truth.yaml", inst)
    truth = replace(
        truth, noise=noise, segments=tuple(replace(s, noise=None) for s in truth.segments)
    )
    skipped = 0
    for seed in (3, 4):
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wave = write_wave(
                simulate(inst, n=400, random_state=seed, truth=truth), Path(tmp) / "w.csv"
            )
            cleaned = clean(read_responses(wave, inst))
            full = segment(cleaned, random_state=seed)
            short = segment(cleaned, random_state=seed, stability="needed")
        assert short.k == full.k
        assert short.labels.equals(full.labels)
        assert len(short.refits) == len(full.refits) > 0
        for (i, a), (j, b) in zip(short.refits, full.refits, strict=True):
            assert np.array_equal(i, j) and np.array_equal(a, b)
        verdicts = [(v.persona, v.verdict) for v in compare(full, inst).verdicts]
        assert [(v.persona, v.verdict) for v in compare(short, inst).verdicts] == verdicts
        table = short.selection.table.set_index("k")
        assert (
            table.loc[short.k, "min_jaccard"]
            == full.selection.table.set_index("k").loc[full.k, "min_jaccard"]
        )
        skipped += int(table["min_jaccard"].isna().sum())
    assert skipped > 0  # the shortcut does skip refits

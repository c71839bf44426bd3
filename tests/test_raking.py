"""Raking: ``personas weight STUDY --wave W --margins margins.yaml``.

The IPF is checked against an independent hand computation; the command writes a new wave file
with the weight column (the input untouched), reports convergence and the design effect, and
refuses bad margins and bad categories with exit code 2, the place named and nothing written.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import snapshot_tree
from personas.cli import main
from personas.errors import DataWarning, InputError
from personas.instrument import load_instrument
from personas.weights import load_margins, rake, weight_wave

MARGINS = """schema: personas/margins@1
margins:
  region: {north: 0.5, south: 0.3, west: 0.2}
  gender: {female: 0.5, male: 0.5}
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def with_demographics(study, *, name="wave-d.csv", seed=7):
    """The study's wave plus ``region`` and ``gender`` columns far from the margins."""
    frame = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng([seed, 99])
    frame["region"] = rng.choice(["north", "south", "west"], len(frame), p=[0.2, 0.3, 0.5])
    frame["gender"] = rng.choice(["female", "male"], len(frame), p=[0.7, 0.3])
    path = study / "waves" / name
    frame.to_csv(path, index=False)
    return path


def margins_file(folder, text=MARGINS):
    path = folder / "margins.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the algorithm ---------------------------------------------------------------------------


def _hand_ipf(cells, rows, cols, passes=200):
    """Textbook IPF on a 2 x 2 table of counts, one cell at a time (pure Python)."""
    w = [[1.0, 1.0], [1.0, 1.0]]
    for _ in range(passes):
        total = sum(cells[i][j] * w[i][j] for i in range(2) for j in range(2))
        for i in range(2):
            share = sum(cells[i][j] * w[i][j] for j in range(2)) / total
            for j in range(2):
                w[i][j] *= rows[i] / share
        total = sum(cells[i][j] * w[i][j] for i in range(2) for j in range(2))
        for j in range(2):
            share = sum(cells[i][j] * w[i][j] for i in range(2)) / total
            for i in range(2):
                w[i][j] *= cols[j] / share
    return w


def test_raking_equals_a_hand_computation():
    cells = [[30, 10], [20, 40]]
    sex = np.repeat([0, 0, 1, 1], [30, 10, 20, 40])
    age = np.repeat([0, 1, 0, 1], [30, 10, 20, 40])
    result = rake([sex, age], [np.array([0.5, 0.5]), np.array([0.6, 0.4])], tolerance=1e-10)
    hand = _hand_ipf(cells, [0.5, 0.5], [0.6, 0.4])
    mean = sum(cells[i][j] * hand[i][j] for i in range(2) for j in range(2)) / 100
    expected = np.repeat([hand[0][0], hand[0][1], hand[1][0], hand[1][1]], [30, 10, 20, 40])
    assert result.converged
    assert result.weights == pytest.approx(expected / mean, rel=1e-8)
    w = result.weights
    assert np.bincount(sex, weights=w) / w.sum() == pytest.approx([0.5, 0.5])
    assert np.bincount(age, weights=w) / w.sum() == pytest.approx([0.6, 0.4])
    assert result.deff == pytest.approx(100 * (w**2).sum() / w.sum() ** 2)
    assert result.n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum())


def test_contradictory_margins_do_not_converge():
    # everyone young is female: 'male' and 'young' cannot both reach their targets
    sex = np.array([0, 0, 0, 1, 1])
    age = np.array([0, 0, 0, 1, 1])
    result = rake([sex, age], [np.array([0.5, 0.5]), np.array([0.2, 0.8])], max_iterations=50)
    assert not result.converged and result.iterations == 50 and result.max_error > 0.1


# --- the margins file ------------------------------------------------------------------------


def test_margins_file_problems_are_listed_with_lines(tmp_path):
    path = margins_file(
        tmp_path,
        "schema: personas/margins@1\nmargins:\n  region: {north: 0.5, south: 0.3}\n"
        "  gender: {female: 1.5, male: 0.5}\n  age: {all: 1.0}\ntolerence: 0.1\n",
    )
    with pytest.raises(InputError) as caught:
        load_margins(path)
    text = str(caught.value)
    assert "margins.yaml:3" in text and "add up to 0.8" in text
    assert "margins.yaml:4" in text and "'female'" in text
    assert "margins.yaml:5" in text and "at least two categories" in text
    assert "margins.yaml:6" in text and "tolerance" in text


# --- the command -----------------------------------------------------------------------------


def test_weight_writes_a_new_wave_and_reports_convergence(study):
    data = with_demographics(study)
    margins = margins_file(study.parent.parent)
    original = data.read_bytes()
    result = invoke("weight", study, "--data", data, "--margins", margins)
    assert result.exit_code == 0, result.output
    assert "converged after" in result.output and "design effect" in result.output
    assert data.read_bytes() == original
    out = study / "waves" / "wave-d-weighted.csv"
    written = pd.read_csv(out, dtype={"respondent_id": str})
    assert len(written) == len(pd.read_csv(data)) and (written["weight"] > 0).all()
    run = invoke(
        "run", study, "--data", out, "--weights", "weight", "--no-report", "--out", "raked"
    )
    assert run.exit_code == 0, run.output
    kept = pd.read_csv(study.parent.parent / "raked" / "assignments.csv", dtype=str)
    people = written.drop_duplicates("respondent_id").set_index("respondent_id")
    rows = people.loc[kept["respondent"]]
    w = kept["weight"].astype(float).to_numpy()
    region = pd.Series(w).groupby(rows["region"].to_numpy()).sum() / w.sum()
    gender = pd.Series(w).groupby(rows["gender"].to_numpy()).sum() / w.sum()
    assert region.to_dict() == pytest.approx({"north": 0.5, "south": 0.3, "west": 0.2}, abs=1e-4)
    assert gender.to_dict() == pytest.approx({"female": 0.5, "male": 0.5}, abs=1e-4)
    unweighted = rows["gender"].value_counts(normalize=True)
    assert unweighted["female"] > 0.6  # the sample was far from the margin
    summary = json.loads((study.parent.parent / "raked" / "summary.json").read_text())
    assert summary["weights"]["deff"] > 1


def test_weight_refuses_unknown_categories_with_rows_and_writes_nothing(study):
    data = with_demographics(study)
    frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    frame.loc[[0, 5], "gender"] = ["other", ""]
    frame.to_csv(data, index=False)
    margins = margins_file(study.parent.parent)
    before = snapshot_tree(study.parent.parent)
    result = invoke("weight", study, "--data", data, "--margins", margins)
    assert result.exit_code == 2, result.output
    assert "row 2, column 'gender'" in result.output and "'other'" in result.output
    assert "row 7, column 'gender'" in result.output and "missing" in result.output
    assert snapshot_tree(study.parent.parent) == before


def test_weight_refuses_a_missing_column_bad_margins_and_an_existing_output(study):
    data = with_demographics(study)
    root = study.parent.parent
    bad = margins_file(root, MARGINS.replace("region", "regio"))
    before = snapshot_tree(root)
    result = invoke("weight", study, "--data", data, "--margins", bad)
    assert result.exit_code == 2 and "no column 'regio'" in result.output, result.output
    sums = margins_file(root, MARGINS.replace("0.2}", "0.4}"))
    result = invoke("weight", study, "--data", data, "--margins", sums)
    assert result.exit_code == 2 and "margins.yaml:3" in result.output, result.output
    good = margins_file(root)
    taken = invoke("weight", study, "--data", data, "--margins", good, "--column", "gender")
    assert taken.exit_code == 2 and "already has a column 'gender'" in taken.output
    same = invoke("weight", study, "--data", data, "--margins", good, "--out", data)
    assert same.exit_code == 2 and "replace the input" in same.output
    before = snapshot_tree(root)
    assert invoke("weight", study, "--data", data, "--margins", good).exit_code == 0
    again = invoke("weight", study, "--data", data, "--margins", good)
    assert again.exit_code == 2 and "file exists" in again.output
    assert invoke("weight", study, "--data", data, "--margins", good, "--overwrite").exit_code == 0
    assert set(snapshot_tree(root)) - set(before) == {"surveys/jobsite/waves/wave-d-weighted.csv"}


def test_weight_warns_when_raking_does_not_converge(study, tmp_path):
    data = with_demographics(study)
    frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    frame["age"] = np.where(frame["gender"] == "female", "young", "old")
    frame.to_csv(data, index=False)
    margins = load_margins(
        margins_file(
            tmp_path,
            "schema: personas/margins@1\nmax_iterations: 20\nmargins:\n"
            "  gender: {female: 0.5, male: 0.5}\n  age: {young: 0.2, old: 0.8}\n",
        )
    )
    with pytest.warns(DataWarning, match="did not converge"):
        result = weight_wave(load_instrument(study), data, margins, out=tmp_path / "w.csv")
    assert not result.result.converged and result.path.is_file()

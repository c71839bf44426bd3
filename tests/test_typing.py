"""`personas typing`: a screener that reproduces a planted run's segments, exported and used."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.naive_bayes import CategoricalNB

from conftest import snapshot_tree
from personas.cli import main
from personas.run.files import load_run
from personas.typing import TypingWarning, find_screener, run_answers


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def run(study, tmp_path):
    out = tmp_path / "run"
    result = _invoke("run", "jobsite", "--k", "5", "--no-report", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_the_screener_reaches_the_target_with_no_more_than_its_questions(run):
    result = _invoke("typing", run)
    assert result.exit_code == 0, result.output
    typing = json.loads((run / "typing.json").read_text())
    assert typing["reached"] and typing["accuracy"] >= 0.9
    assert 1 <= len(typing["questions"]) <= 8
    assert [s["question"] for s in typing["steps"]] == typing["questions"]
    assert f"{len(typing['questions'])} questions" in result.output
    # an independent check: scikit-learn's own cross-validation on those questions alone
    instrument, answers, labels = run_answers(load_run(run))
    X = answers[typing["questions"]].to_numpy().astype(int)
    folds = StratifiedKFold(5, shuffle=True, random_state=1)
    scores = cross_val_score(CategoricalNB(), X, labels.to_numpy(), cv=folds)
    assert scores.mean() >= 0.9 - 0.02
    counts = np.asarray(typing["confusion"]["counts"])
    assert counts.sum() == len(answers) and np.trace(counts) / counts.sum() == pytest.approx(
        typing["accuracy"], abs=1e-6
    )


def test_assign_with_the_screener_agrees_with_full_assignment(run, study, tmp_path):
    from personas.pipeline.study import simulate_study

    assert _invoke("typing", run).exit_code == 0
    stated = json.loads((run / "typing.json").read_text())["accuracy"]
    new, _ = simulate_study(study, n=800, random_state=7, wave="new")
    full = _invoke("assign", run, "--data", new, "--out", tmp_path / "full")
    short = _invoke("assign", run, "--typing", "--data", new, "--out", tmp_path / "short")
    assert full.exit_code == 0 and short.exit_code == 0, short.output
    a = pd.read_csv(tmp_path / "full" / "assignments.csv", dtype={"respondent": str})
    b = pd.read_csv(tmp_path / "short" / "assignments.csv", dtype={"respondent": str})
    assert list(b.columns) == list(a.columns)
    both = a.merge(b, on="respondent")
    assert len(both) >= 0.9 * len(a)
    assert (both["segment_x"] == both["segment_y"]).mean() >= stated - 0.04


@pytest.mark.slow
def test_the_screener_exports_to_qualtrics_and_the_report_shows_it(run, study):
    assert _invoke("typing", run).exit_code == 0
    questions = json.loads((run / "typing.json").read_text())["questions"]
    result = _invoke("instrument", "jobsite", "--typing", run, "--to", "qualtrics")
    assert result.exit_code == 0, result.output
    assert sorted(re.findall(r"\[\[ID:(\w+)\]\]", result.output)) == sorted(questions)
    assert _invoke("report", run).exit_code == 0
    qmd = (run / "index.qmd").read_text()
    assert "the screener" in qmd and "chart-typing" in qmd
    assert (run / "charts" / "typing.svg").is_file()


def test_the_same_run_and_seed_give_the_same_screener(run):
    assert _invoke("typing", run).exit_code == 0
    first = (run / "typing.json").read_bytes()
    assert _invoke("typing", run).exit_code == 0
    assert (run / "typing.json").read_bytes() == first


def test_a_target_out_of_reach_warns_and_keeps_the_best_set(run):
    instrument, answers, labels = run_answers(load_run(run))
    with pytest.warns(TypingWarning, match="no set of at most 1 questions"):
        screener = find_screener(answers, labels, instrument.items, max_questions=1)
    assert not screener.reached and len(screener.questions) == 1


def test_bad_input_is_refused_and_nothing_written(run, tmp_path):
    before = snapshot_tree(run)
    result = _invoke("typing", tmp_path / "nowhere")
    assert result.exit_code == 2 and "nowhere" in result.output
    result = _invoke("typing", run, "--target", "1.5")
    assert result.exit_code == 2 and "'target'" in result.output
    result = _invoke("typing", run, "--max-questions", "0")
    assert result.exit_code == 2 and "'max_questions'" in result.output
    result = _invoke("assign", run, "--typing", "--data", run / "assignments.csv")
    assert result.exit_code == 2 and "typing.json" in result.output
    result = _invoke("instrument", "jobsite", "--typing", run)
    assert result.exit_code == 2 and "typing.json" in result.output
    assert snapshot_tree(run) == before


def test_a_moved_wave_file_is_asked_for(run, study, tmp_path):
    moved = tmp_path / "moved.csv"
    (study / "waves" / "wave-1.csv").rename(moved)
    result = _invoke("typing", run)
    assert result.exit_code == 2 and "--data" in result.output
    assert not (run / "typing.json").exists()
    assert _invoke("typing", run, "--data", moved).exit_code == 0


# --- survey weights ---------------------------------------------------------------------------


def _weighted_copy(study, run, path, *, heavy: int, factor: float = 8.0):
    """``path`` with a ``w`` column: the respondents of the run's segment ``heavy`` weigh
    ``factor``, everyone else 1 (people the run excluded: 1)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    seg = pd.read_csv(run / "assignments.csv", dtype={"respondent": str})
    heavy_ids = set(seg.loc[seg["segment"] == heavy, "respondent"])
    frame["w"] = [factor if r in heavy_ids else 1.0 for r in frame["respondent_id"]]
    out = path.with_name(path.stem + "-w.csv")
    frame.to_csv(out, index=False)
    return out


@pytest.fixture
def weighted_run(run, study, tmp_path):
    """The planted wave with its least common segment upweighted, run with --weights w."""
    seg = pd.read_csv(run / "assignments.csv")
    smallest = int(seg["segment"].value_counts().idxmin())
    wave = _weighted_copy(study, run, study / "waves" / "wave-1.csv", heavy=smallest)
    out = tmp_path / "run-w"
    result = _invoke("run", "jobsite", "--data", wave, "--weights", "w", "--k", "5",
                     "--no-report", "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_a_weighted_run_types_with_its_weights(weighted_run, run):
    from personas.typing import run_wave

    result = _invoke("typing", weighted_run)
    assert result.exit_code == 0, result.output
    assert "weighted cross-validated accuracy" in result.output
    typing = json.loads((weighted_run / "typing.json").read_text())
    assert typing["weighted"] is True
    counts = np.asarray(typing["confusion"]["counts"], dtype=float)
    weighted = np.asarray(typing["confusion"]["weighted"])
    # the accuracy is the weighted share typed right, and the weights change it
    assert np.trace(weighted) / weighted.sum() == pytest.approx(typing["accuracy"], abs=1e-5)
    assert abs(np.trace(counts) / counts.sum() - typing["accuracy"]) > 1e-4
    assert counts.sum() == typing["respondents"]
    # the points are fitted with the weights: the prior is the segments' weighted shares
    _, cleaned, labels = run_wave(load_run(weighted_run))
    w = cleaned.weights.to_numpy()
    shares = pd.Series(w, index=labels.index).groupby(labels).sum() / w.sum()
    prior = np.exp(np.asarray(typing["rule"]["prior"]))
    assert prior == pytest.approx(shares.loc[typing["rule"]["segments"]].to_numpy(), abs=1e-4)
    assert not np.allclose(prior, labels.value_counts(normalize=True).sort_index(), atol=0.01)
    # an independent weighted cross-validation of the chosen questions with scikit-learn
    answers = cleaned.answers
    X = answers[typing["questions"]].to_numpy().astype(int)
    y = labels.to_numpy()
    right = total = 0.0
    for train, test in StratifiedKFold(5, shuffle=True, random_state=1).split(X, y):
        model = CategoricalNB(min_categories=X.max(axis=0) + 1).fit(
            X[train], y[train], sample_weight=w[train]
        )
        right += float(w[test][model.predict(X[test]) == y[test]].sum())
        total += float(w[test].sum())
    assert right / total >= typing["accuracy"] - 0.03


def test_an_unweighted_run_and_equal_weights_give_the_unweighted_screener(run):
    assert _invoke("typing", run).exit_code == 0
    typing = json.loads((run / "typing.json").read_text())
    assert typing["weighted"] is False and "weighted" not in typing["confusion"]
    instrument, answers, labels = run_answers(load_run(run))
    plain = find_screener(answers, labels, instrument.items)
    ones = find_screener(answers, labels, instrument.items, sample_weight=np.full(len(labels), 3.0))
    assert ones.questions == plain.questions and ones.accuracy == pytest.approx(plain.accuracy)
    assert ones.rule["prior"] == pytest.approx(plain.rule["prior"])


def test_assign_with_the_screener_gives_weighted_shares_when_the_file_has_weights(
    weighted_run, run, study, tmp_path
):
    from personas.pipeline.study import simulate_study
    from personas.waves._screener import assign_screener_file

    assert _invoke("typing", weighted_run).exit_code == 0
    new, _ = simulate_study(study, n=600, random_state=7, wave="new")
    frame = pd.read_csv(new, dtype=str, keep_default_na=False)
    frame["w"] = np.where(np.arange(len(frame)) % 3 == 0, 5.0, 1.0)
    heavy = tmp_path / "new-w.csv"
    frame.to_csv(heavy, index=False)
    result = assign_screener_file(weighted_run, heavy, out=tmp_path / "a")
    table = result.table
    assert "weight" in table.columns
    held = table.groupby("segment")["weight"].sum() / table["weight"].sum()
    expected = [float(held.get(s, 0.0)) for s in result.shares["segment"]]
    assert result.shares["share"].tolist() == pytest.approx(expected)
    plain = table["segment"].value_counts(normalize=True)
    assert not np.allclose(expected, [plain.get(s, 0.0) for s in result.shares["segment"]])
    # a screener file without the weight column is typed, unweighted
    bare = assign_screener_file(weighted_run, new, out=tmp_path / "b")
    assert "weight" not in bare.table.columns
    assert bare.shares["share"].tolist() == pytest.approx(
        (bare.shares["n"] / len(bare.table)).tolist()
    )
    assert bare.table["segment"].tolist() == table["segment"].tolist()

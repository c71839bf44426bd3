"""Respondent weights: reading and checking them, the ledger, weighted fits and shares.

The weight column comes from ``data.weight_column`` or ``--weights``; bad weights are refused
with every row listed, extreme ones warned about; the ledger keeps each respondent's weight,
and the excluded weight is reported beside the excluded count.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import adjusted_rand_score, silhouette_samples

from _factories import boolean_instrument, clean_from, planted
from conftest import snapshot_tree
from personas.cleaning import clean
from personas.cli import main
from personas.compare import compare
from personas.errors import DataWarning, InputError
from personas.instrument import load_instrument
from personas.instrument.model import Instrument, Persona, Question, Scale
from personas.io import read_responses
from personas.io._weights import weight_facts
from personas.report.build import build_report, report_source
from personas.run.files import load_run
from personas.segment import KModes, segment
from personas.segment._silhouette import silhouette
from personas.segment._space import build_space
from personas.segment._stability import resamples
from personas.waves import assign_file
from personas.waves.core import effective_counts

RUN_FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite"


def build_report_text(run) -> str:
    return report_source(run, charts={})


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def tiny_instrument(**data) -> Instrument:
    inst = Instrument("demo", "Demo", (), (Question("q1", "Q?", "boolean"),))
    return replace(inst, data=replace(inst.data, **data))


def write(tmp_path, text: str, name: str = "wave.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def weighted_wave(study, weights, *, name: str = "wave-w.csv"):
    """The study's wave with a ``w`` column; ``weights`` is a function of the row number."""
    frame = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    frame["w"] = [weights(i) for i in range(len(frame))]
    path = study / "waves" / name
    frame.to_csv(path, index=False)
    return path


# --- reading and checking -------------------------------------------------------------------


def test_weights_are_read_from_the_instrument_column(tmp_path):
    path = write(tmp_path, "q1,w\nYes,1.5\nNo,0.5\nYes,2\n")
    responses = read_responses(path, tiny_instrument(weight_column="w"))
    assert responses.weights.tolist() == [1.5, 0.5, 2.0]
    assert "w" not in responses.extra.columns
    assert responses.instrument.data.weight_column == "w"


def test_weights_option_overrides_the_instrument(tmp_path):
    path = write(tmp_path, "q1,w,v\nYes,1.5,3\nNo,0.5,1\n")
    responses = read_responses(path, tiny_instrument(weight_column="w"), weights="v")
    assert responses.weights.tolist() == [3.0, 1.0]
    assert responses.instrument.data.weight_column == "v"
    assert read_responses(path, tiny_instrument()).weights is None


def test_bad_weights_list_every_row(tmp_path):
    path = write(tmp_path, "q1,w\nYes,1\nNo,-2\nYes,\nNo,heavy\nYes,inf\nNo,3\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, tiny_instrument(weight_column="w"))
    text = str(caught.value)
    assert len(caught.value.problems) == 4
    for row, why in ((3, "negative weight"), (4, "missing weight"), (5, "not a number"),
                     (6, "not a number")):  # fmt: skip
        assert f"row {row}, column 'w': {why}" in text, text
    assert "'heavy'" in text and "-2" in text


def test_bad_weights_come_with_the_other_bad_cells(tmp_path):
    path = write(tmp_path, "q1,w\nmaybe,1\nNo,-2\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, tiny_instrument(weight_column="w"))
    codes = [p.code for p in caught.value.problems]
    assert "bad-weight" in codes and len(codes) == 2


def test_zero_weights_everywhere_are_refused(tmp_path):
    path = write(tmp_path, "q1,w\nYes,0\nNo,0\n")
    with pytest.raises(InputError, match="every weight is zero"):
        read_responses(path, tiny_instrument(weight_column="w"))


def test_a_missing_weight_column_is_named(tmp_path):
    path = write(tmp_path, "q1,weight\nYes,1\n")
    with pytest.raises(InputError, match=r"weight column 'w' \(data.weight_column\)"):
        read_responses(path, tiny_instrument(weight_column="w"))


def test_extreme_weights_warn(tmp_path):
    path = write(tmp_path, "q1,w\n" + "Yes,1\n" * 20 + "No,25\n")
    with pytest.warns(DataWarning, match="1 respondent has a weight above 10 times the median"):
        read_responses(path, tiny_instrument(weight_column="w"))
    calm = write(tmp_path, "q1,w\n" + "Yes,1\n" * 20 + "No,9\n", name="calm.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        read_responses(calm, tiny_instrument(weight_column="w"))


def test_weight_column_in_the_instrument_yaml(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "instrument.yaml").write_text(
        "schema: personas/instrument@1\nstudy: {id: s, title: S}\n"
        "tensions: [{id: t, label: T, a: A, b: B}]\n"
        "questions: [{id: q1, text: Q, type: boolean, tension: t, pole: a}]\n"
        "data: {weight_column: w}\n",
        encoding="utf-8",
    )
    assert load_instrument(folder).data.weight_column == "w"
    (folder / "instrument.yaml").write_text(
        (folder / "instrument.yaml")
        .read_text()
        .replace("{weight_column: w}", "{weight_column: [w]}")
    )
    with pytest.raises(InputError, match="weight_column"):
        load_instrument(folder)


def test_kish_effective_n_by_hand():
    w = np.array([2.0, 1.0, 1.0, 0.5, 0.5])
    facts = weight_facts(w)
    assert facts["n_eff"] == pytest.approx(25 / 6.5, abs=1e-4)
    assert facts["deff"] == pytest.approx(5 * 6.5 / 25, abs=1e-4)
    assert (facts["min"], facts["max"], facts["median"]) == (0.5, 2.0, 1.0)


# --- the ledger -----------------------------------------------------------------------------


def test_the_ledger_keeps_each_weight_and_the_excluded_weight(tmp_path):
    inst = Instrument(
        "demo",
        "Demo",
        (),
        (Question("q1", "Q?", "boolean"), Question("check", "Say yes", "boolean", attention=1.0)),
    )
    inst = replace(inst, data=replace(inst.data, weight_column="w"))
    path = write(tmp_path, "id,q1,check,w\na,Yes,Yes,1\nb,No,No,3\nc,Yes,Yes,0.5\nd,No,No,2\n")
    cleaned = clean(read_responses(path, replace(inst, data=replace(inst.data, id_column="id"))))
    ledger = cleaned.ledger
    assert ledger.table["weight"].tolist() == [1.0, 3.0, 0.5, 2.0]
    assert (ledger.excluded, ledger.excluded_weight, ledger.kept_weight) == (2, 5.0, 1.5)
    assert ledger.summary()["excluded_weight"] == 5.0
    assert ledger.exclusions()["weight"].tolist() == [3.0, 2.0]
    assert cleaned.weights.tolist() == [1.0, 0.5]


def test_an_unweighted_ledger_has_no_weight_column(tmp_path):
    path = write(tmp_path, "q1\nYes\nNo\n")
    ledger = clean(read_responses(path, tiny_instrument())).ledger
    assert not ledger.weighted and ledger.excluded_weight is None
    assert "weight" not in ledger.exclusions().columns
    assert "excluded_weight" not in ledger.summary()


# --- the command line -----------------------------------------------------------------------


def test_run_refuses_bad_weights_with_rows_and_writes_nothing(study):
    path = weighted_wave(study, lambda i: "-1" if i in (3, 7) else ("" if i == 10 else "1"))
    before = snapshot_tree(study.parent.parent)
    result = invoke("run", study, "--data", path, "--weights", "w", "--no-report")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for row in (5, 9):
        assert f"row {row}, column 'w': negative weight" in result.output, result.output
    assert "row 12, column 'w': missing weight" in result.output
    assert snapshot_tree(study.parent.parent) == before
    assert not (study.parent.parent / "reports").exists()


def test_run_names_a_missing_weights_column(study):
    before = snapshot_tree(study.parent.parent)
    result = invoke("run", study, "--wave", "wave-1", "--weights", "wt", "--no-report")
    assert result.exit_code == 2, result.output
    assert "'wt'" in result.output
    assert snapshot_tree(study.parent.parent) == before


# --- weighted fits, shares and intervals ----------------------------------------------------


def _weighted(clean_responses, weights):
    return replace(clean_responses, weights=pd.Series(weights, index=clean_responses.answers.index))


def _planted_weighted(n=1500, *, seed=0):
    """Three planted segments sampled 60/25/15 whose population shares are 20/40/40: each
    respondent's weight is population share / sample share of its segment."""
    codes, truth = planted(n, 20, 3, noise=0.1, random_state=seed, shares=[0.6, 0.25, 0.15])
    weights = (np.array([0.2, 0.4, 0.4]) / np.array([0.6, 0.25, 0.15]))[truth]
    return codes, truth, weights


def _matched_shares(seg, truth, weights=None):
    """Share of each planted segment as the segmentation found it (matched by majority)."""
    labels = seg.labels.to_numpy()
    out = {}
    for t in range(3):
        found = np.bincount(labels[truth == t]).argmax()
        out[t] = seg.profile(int(found)).share
    return out


def test_weighted_shares_and_intervals_equal_a_hand_computation():
    inst = boolean_instrument(6)
    rows = [[1, 1, 1, 0, 0, 0]] * 6 + [[0, 0, 0, 1, 1, 1]] * 4
    weights = [0.5, 0.5, 1.0, 1.0, 0.5, 0.5, 3.0, 2.0, 2.0, 1.0]
    seg = segment(_weighted(clean_from(inst, rows), weights), k=2, n_boot=0)
    total = sum(weights)
    n_eff = total**2 / sum(w * w for w in weights)
    z = 1.959963984540054
    by_pattern = {}
    for row, w in zip(rows, weights, strict=True):
        by_pattern[row[0]] = by_pattern.get(row[0], 0.0) + w
    for profile in seg.profiles:
        first = int(profile.profile["q01"])
        p = by_pattern[first] / total
        centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
        half = z * ((p * (1 - p) / n_eff + z * z / (4 * n_eff**2)) ** 0.5) / (1 + z * z / n_eff)
        assert profile.share == pytest.approx(p)
        assert profile.share_ci == pytest.approx((centre - half, centre + half))
    # the group with more weight (9 of 11.5) comes first although it has fewer respondents
    assert [p.size for p in seg.profiles] == [4, 6]
    assert seg.profiles[0].means["q04"] == 1.0


@pytest.mark.parametrize("method", ["kmodes", "kmeans", "kprototypes"])
def test_a_planted_study_is_recovered_with_its_weighted_shares(method):
    codes, truth, weights = _planted_weighted()
    inst = boolean_instrument(20) if method != "kprototypes" else _half_likert(20)
    if method == "kprototypes":
        codes = codes.copy()
        codes[:, 10:] = 1 + 4 * codes[:, 10:]  # 0/1 -> 1/5 on the likert half
    cleaned = clean_from(inst, codes)
    raw = _matched_shares(segment(cleaned, method=method, k=3, n_boot=0), truth)
    seg = segment(_weighted(cleaned, weights), method=method, k=3, n_boot=2)
    shares = _matched_shares(seg, truth)
    assert [raw[t] for t in range(3)] == pytest.approx([0.6, 0.25, 0.15], abs=0.04)
    assert [shares[t] for t in range(3)] == pytest.approx([0.2, 0.4, 0.4], abs=0.03)
    assert adjusted_rand_score(truth, seg.labels) > 0.9
    assert any("weights:" in line for line in seg.journal)


def _half_likert(n_items: int) -> Instrument:
    inst = boolean_instrument(n_items)
    questions = tuple(
        q if j < n_items // 2 else replace(q, type="likert", scale=Scale(1, 5))
        for j, q in enumerate(inst.questions)
    )
    return replace(inst, questions=questions)


def test_weighted_kmodes_takes_the_weighted_mode_and_weighted_cost():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 0], [0, 0]])
    w = np.array([1.0, 5.0, 1.0, 1.0, 1.0])
    km = KModes(n_clusters=1, n_init=1, random_state=0).fit(X, sample_weight=w)
    # column 1: answer 1 carries 5 against 4 for answer 0 (unweighted: 1 against 4)
    assert km.cluster_centroids_.tolist() == [[0, 1]]
    mismatches = (X != np.array([0, 1])).sum(axis=1)
    assert km.cost_ == pytest.approx(float(w @ mismatches))
    unweighted = KModes(n_clusters=1, n_init=1, init="Cao").fit(X)
    assert unweighted.cluster_centroids_.tolist() != km.cluster_centroids_.tolist()
    with pytest.raises(ValueError, match="zero"):
        KModes(n_clusters=1).fit(X, sample_weight=np.zeros(5))


def test_weighted_silhouette_is_the_weighted_mean_of_each_respondents():
    codes, _ = planted(300, 10, 3, noise=0.2, random_state=3)
    cleaned = clean_from(boolean_instrument(10), codes)
    weights = np.random.default_rng(0).uniform(0.2, 3.0, 300)
    weighted = _weighted(cleaned, weights)
    labels = segment(weighted, k=3, n_boot=0).labels.to_numpy() - 1
    each = silhouette_samples(codes, labels, metric="hamming")
    for method in ("kmodes", "kmeans"):
        measured, _ = silhouette(build_space(weighted, method), labels, 3, random_state=0)
        if method == "kmeans":
            each = silhouette_samples(codes, labels, metric="euclidean")
        assert measured == pytest.approx(np.average(each, weights=weights))
    assert measured != pytest.approx(each.mean())


def test_weighted_bootstrap_draws_in_proportion_to_the_weights():
    weights = np.array([1.0, 1.0, 8.0, 0.0])
    draws = resamples(4, 2, n_boot=20, boot_size=4, random_state=0, weights=weights)
    drawn = np.bincount(np.concatenate([index for index, _ in draws]), minlength=4)
    assert drawn[3] == 0 and drawn[2] > 3 * max(drawn[0], drawn[1])


def test_coverage_is_weighted():
    inst = boolean_instrument(4)
    inst = replace(
        inst,
        personas=(Persona("p", "P", "all yes", answers={q.id: 1.0 for q in inst.items}),),
    )
    rows = [[1, 1, 1, 1]] * 5 + [[0, 0, 0, 0]] * 5
    weights = [3.0] * 5 + [1.0] * 5
    plain = compare(segment(clean_from(inst, rows), k=2, n_boot=0), inst)
    heavy = compare(segment(_weighted(clean_from(inst, rows), weights), k=2, n_boot=0), inst)
    assert plain.coverage["p"] == pytest.approx(0.5)
    assert heavy.coverage["p"] == pytest.approx(15 / 20)


# --- weights survive the run folder, assign, waves and the report ---------------------------


def _weighted_run(study, name="wave-w.csv", out="run-w", seed=0):
    rng = np.random.default_rng(seed)
    draws = np.round(rng.uniform(0.3, 3.0, 2000), 3)
    path = weighted_wave(study, lambda i: str(draws[i]), name=name)
    result = invoke("run", study, "--data", path, "--weights", "w", "--no-report", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Weighted by column 'w'" in result.output
    return path, study.parent.parent / out


@pytest.mark.slow
def test_a_weighted_run_records_its_weights(study):
    path, run = _weighted_run(study)
    summary = json.loads((run / "summary.json").read_text())
    frame = pd.read_csv(path)
    kept = pd.read_csv(run / "assignments.csv", dtype={"respondent": str})
    excluded = pd.read_csv(run / "exclusions.csv", dtype={"respondent": str})
    assert summary["weights"]["column"] == "w"
    by_id = frame.drop_duplicates("respondent_id").set_index("respondent_id")["w"]
    assert kept["weight"].to_numpy() == pytest.approx(by_id.loc[kept["respondent"]].to_numpy())
    assert summary["respondents"]["excluded_weight"] == pytest.approx(excluded["weight"].sum())
    assert summary["weights"]["n_eff"] == pytest.approx(
        kept["weight"].sum() ** 2 / (kept["weight"] ** 2).sum(), rel=1e-4
    )
    shares = kept.groupby("segment")["weight"].sum() / kept["weight"].sum()
    for seg in summary["segments"]:
        assert seg["share"] == pytest.approx(shares[seg["id"]], abs=1e-6)
    text = (build_report(run)).read_text(encoding="utf-8")
    assert "**Results are weighted**" in text and "Kish effective sample size" in text
    assert "| Weights |" in text


def test_an_unweighted_report_says_nothing_about_weights():
    text = build_report_text(load_run(RUN_FIXTURE))
    assert "Results are weighted" not in text and "| Weights |" not in text


def test_weights_survive_assign(study):
    path, run = _weighted_run(study)
    result = assign_file(run, path, out=study.parent.parent / "assigned")
    table = result.table
    assert "weight" in table.columns
    frame = pd.read_csv(path).drop_duplicates("respondent_id").set_index("respondent_id")
    assert table["weight"].to_numpy() == pytest.approx(frame.loc[table["respondent"], "w"])
    held = table.groupby("segment")["weight"].sum() / table["weight"].sum()
    for row in result.shares.itertuples():
        assert row.share == pytest.approx(held.get(row.segment, 0.0))
    written = pd.read_csv(study.parent.parent / "assigned" / "assignments.csv")
    assert "weight" in written.columns


@pytest.mark.slow
def test_weights_survive_waves(study):
    _, first = _weighted_run(study, name="wave-a.csv", out="run-a", seed=1)
    second_wave = weighted_wave(study, lambda i: str(1.0 + (i % 3)), name="wave-b.csv")
    result = invoke(
        "run", study, "--data", second_wave, "--weights", "w", "--no-report",
        "--out", "run-b", "--baseline", first,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    base = json.loads((first / "summary.json").read_text())
    now = json.loads((study.parent.parent / "run-b" / "summary.json").read_text())
    shares_then = {s["id"]: s["share"] for s in base["segments"]}
    shares_now = {s["id"]: s["share"] for s in now["segments"]}
    matched = [s for s in now["baseline"]["segments"] if s["id"] and s["baseline_id"]]
    assert matched
    for entry in matched:
        assert entry["share"] == pytest.approx(shares_now[entry["id"]], abs=1e-6)
        assert entry["share_baseline"] == pytest.approx(shares_then[entry["baseline_id"]], abs=1e-6)


def test_weighted_drift_tests_use_the_effective_sample_size():
    labels = pd.Series([1] * 6 + [2] * 4)
    weights = pd.Series([2.0] * 6 + [1.0] * 4)
    counts, n = effective_counts(labels, weights)
    n_eff = 16**2 / (6 * 4 + 4 * 1)
    assert n == pytest.approx(n_eff)
    assert counts[1] == pytest.approx(12 / 16 * n_eff)
    assert effective_counts(labels, None) == ({1: 6, 2: 4}, 10)


def test_a_weighted_lca_run_gives_the_weighted_shares():
    """``--method lca`` on a weighted wave: the survey weights reach StepMix's fit."""
    codes, truth, weights = _planted_weighted()
    cleaned = clean_from(boolean_instrument(20), codes)
    seg = segment(_weighted(cleaned, weights), method="lca", k=3, n_boot=0)
    shares = _matched_shares(seg, truth)
    assert [shares[t] for t in range(3)] == pytest.approx([0.2, 0.4, 0.4], abs=0.03)
    assert adjusted_rand_score(truth, seg.labels) > 0.9

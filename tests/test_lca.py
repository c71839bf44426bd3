"""Latent class analysis (``--method lca``): recovery, k by BIC, posteriors, assign, report."""

from __future__ import annotations

import importlib
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import adjusted_rand_score

from _factories import boolean_instrument, clean_from, planted
from conftest import copy_study, snapshot_tree
from personas.cli import main
from personas.errors import InputError
from personas.instrument.model import Instrument, Question, Scale
from personas.segment import _lca_model as lm
from personas.segment import assign_codes, segment
from personas.segment.lca import CONFIDENT, segment_lca


def _choice_instrument(n_items: int) -> Instrument:
    """Choice items with three options and likert items on 1..3: all categorical for LCA."""
    questions = []
    for j in range(n_items):
        if j % 2:
            questions.append(Question(f"c{j:02d}", f"c {j}", "choice", options=("a", "b", "c")))
        else:
            questions.append(Question(f"l{j:02d}", f"l {j}", "likert", scale=Scale(1, 3)))
    return Instrument("toy", "Toy study", (), tuple(questions))


def _likert_codes(instrument: Instrument, codes: np.ndarray) -> np.ndarray:
    """Category positions 0..2 as each item's own codes (likert 1..3, choice 0..2)."""
    out = codes.copy()
    for j, q in enumerate(instrument.items):
        if q.type == "likert":
            out[:, j] += 1
    return out


@pytest.fixture(scope="module")
def planted_boolean():
    codes, truth = planted(1200, 20, 4, noise=0.15, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment_lca(clean_from(boolean_instrument(20), codes), ks=list(range(2, 8)))
    return codes, truth, seg


@pytest.mark.slow
def test_lca_recovers_a_planted_study_and_chooses_its_k_by_bic(planted_boolean):
    _, truth, seg = planted_boolean
    table = seg.selection.table.set_index("k")
    assert seg.method == "lca"
    assert seg.k == 4 == int(table["bic"].idxmin())
    assert adjusted_rand_score(truth, seg.labels) >= 0.9
    assert table.loc[4, "entropy"] > 0.9  # crisp planted classes: near-certain posteriors
    assert (table["aic"] < table["bic"]).all()  # ln(1200) > 2: BIC penalises more
    assert any("lowest BIC at k = 4" in line for line in seg.journal)


def test_lca_recovers_choice_and_likert_items_as_categories():
    inst = _choice_instrument(16)
    codes, truth = planted(900, 16, 3, noise=0.2, random_state=7, n_categories=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment_lca(clean_from(inst, _likert_codes(inst, codes)), ks=[2, 3, 4, 5])
    assert seg.k == 3
    assert adjusted_rand_score(truth, seg.labels) >= 0.9
    probs = seg.model["probabilities"]["l00"]  # likert 1..3: three categories per class
    assert np.asarray(probs).shape == (3, 3)
    assert seg.model["categories"]["l00"] == [1.0, 2.0, 3.0]


def test_bic_is_stepmix_own_and_posteriors_are_its_predictions():
    from stepmix.stepmix import StepMix

    codes, _ = planted(500, 10, 3, noise=0.1, random_state=1)
    x = codes.astype(int)
    est = StepMix(n_components=3, measurement="categorical", n_init=2, random_state=0,
                  init_params="kmeans", verbose=0, progress_bar=0)  # fmt: skip
    est.fit(x)
    weights, probs = lm.parameters(est, [2] * 10)
    loglik, post = lm.log_likelihood(weights, probs, x)
    bic = -2 * loglik + est.n_parameters * math.log(500)
    assert bic == pytest.approx(est.bic(x), rel=1e-9)
    np.testing.assert_allclose(post, est.predict_proba(x), atol=1e-8)


def test_a_lowest_bic_at_the_largest_k_tried_is_a_warning():
    from personas.errors import SelectionWarning

    codes, _ = planted(600, 16, 4, noise=0.1, random_state=6)
    with pytest.warns(SelectionWarning, match="largest k tried"):
        seg = segment_lca(clean_from(boolean_instrument(16), codes), ks=[2, 3])
    assert seg.k == 3
    assert any("largest k tried" in w for w in seg.selection.warnings)


def test_one_class_bic_is_stepmix_own_and_warns_on_answers_without_classes(planted_boolean):
    from stepmix.stepmix import StepMix

    from personas.errors import SelectionWarning

    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(0, 2, 500), rng.integers(0, 3, 500)])
    one = StepMix(n_components=1, measurement="categorical", verbose=0, progress_bar=0,
                  random_state=0, init_params="kmeans").fit(x)  # fmt: skip
    assert lm.one_class_bic(x, [2, 3]) == pytest.approx(one.bic(x), rel=1e-9)
    _, _, seg = planted_boolean  # real classes: one class is far worse
    assert seg.selection.params["bic_one_class"] > seg.selection.table["bic"].min() + 1000
    assert not any("single class fits" in w for w in seg.selection.warnings)
    noise = rng.integers(0, 2, (600, 12)).astype(float)  # independent answers: no classes
    with pytest.warns(SelectionWarning, match="single class fits as well by BIC"):  # + entropy
        segment_lca(clean_from(boolean_instrument(12), noise), ks=[2, 3])


def test_posteriors_are_saved_and_assign_reproduces_the_labels(planted_boolean):
    codes, _, seg = planted_boolean
    post = seg.posteriors
    assert list(post.columns) == ["p1", "p2", "p3", "p4"]
    np.testing.assert_allclose(post.sum(axis=1), 1.0, atol=1e-9)
    assert (post.to_numpy().argmax(axis=1) + 1 == seg.labels.to_numpy()).all()
    model = json.loads(json.dumps(seg.model))  # as model.json holds it
    labels, distances = assign_codes(model, seg.clean.answers)
    assert (labels == seg.labels.to_numpy()).all()
    np.testing.assert_allclose(distances, seg.distances.to_numpy(), atol=1e-12)
    sizes = [p.size for p in seg.profiles]
    assert sizes == sorted(sizes, reverse=True)  # segment 1 is the largest


def test_same_seed_same_segmentation_and_weights_reach_the_fit():
    codes, _ = planted(400, 12, 3, noise=0.1, random_state=2)
    clean = clean_from(boolean_instrument(12), codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = segment_lca(clean, ks=[3], fixed=True, random_state=5)
        b = segment_lca(clean, ks=[3], fixed=True, random_state=5)
        heavy = np.where(a.labels.to_numpy() == 1, 10.0, 1.0)
        w = segment_lca(clean, ks=[3], fixed=True, random_state=5, sample_weight=heavy)
    assert a.model == b.model and a.labels.equals(b.labels)
    assert w.model["class_weights"][0] > a.model["class_weights"][0] + 0.2


def test_missing_answers_are_left_out_of_the_likelihood():
    codes, truth = planted(600, 12, 3, noise=0.1, random_state=4)
    codes[np.random.default_rng(0).random(codes.shape) < 0.05] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment_lca(clean_from(boolean_instrument(12), codes), ks=[3], fixed=True)
    assert adjusted_rand_score(truth, seg.labels) >= 0.85
    assert any("categorical_nan" in line for line in seg.journal)
    labels, _ = assign_codes(seg.model, seg.clean.answers)
    assert (labels == seg.labels.to_numpy()).all()


def test_number_items_and_bad_weights_are_refused_with_every_problem():
    inst = Instrument("toy", "Toy", (), (Question("b1", "b", "boolean"),
                                         Question("n1", "n", "number")))  # fmt: skip
    clean = clean_from(inst, [[0, 3.5], [1, 2.0], [0, 1.0]])
    with pytest.raises(InputError) as err:
        segment(clean, method="lca", k=2)
    assert "n1 hold free numbers" in str(err.value)
    codes, _ = planted(50, 6, 2, noise=0.1, random_state=0)
    ok = clean_from(boolean_instrument(6), codes)
    with pytest.raises(InputError, match="sample_weight must be 50 finite"):
        segment_lca(ok, ks=[2], sample_weight=[-1.0] * 50)


@pytest.fixture(scope="module")
def lca_run(tmp_path_factory, jobsite_wave):
    from personas.instrument import load_instrument
    from personas.io import read_responses
    from personas.run.analysis import analyze, save_run

    root = tmp_path_factory.mktemp("lca-run")
    study = copy_study(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        instrument = load_instrument(study)
        answers = read_responses(jobsite_wave, instrument)
        analysis = analyze(instrument, answers, method="lca", k=range(3, 8), embedding=False)
    return save_run(analysis, root / "run"), analysis


def test_run_files_hold_posteriors_confident_counts_and_the_kmodes_comparison(lca_run):
    run, analysis = lca_run
    seg = analysis.segmentation
    table = run.assignments
    ks = [f"p{c}" for c in range(1, seg.k + 1)]
    assert list(table.columns) == ["respondent", "segment", "distance", "posterior", *ks]
    np.testing.assert_allclose(table[ks].sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(table["posterior"], table[ks].max(axis=1), atol=1e-6)
    summary = run.summary
    assert summary["method"] == "lca" and summary["k"] == seg.k
    for entry in summary["segments"]:
        members = table[table["segment"] == entry["id"]]
        assert entry["confident"] == int((members["posterior"] >= CONFIDENT).sum())
    kmodes = summary["lca"]["kmodes"]
    assert kmodes["k"] == seg.alternative.k
    assert kmodes["adjusted_rand"] == pytest.approx(
        adjusted_rand_score(table["segment"], seg.alternative.labels), abs=1e-6
    )
    assert {r["k"] for r in kmodes["selection"]} == {3, 4, 5, 6, 7}
    assert run.model["method"] == "lca" and len(run.model["class_weights"]) == seg.k


def test_assign_on_an_lca_run_reproduces_its_labels(lca_run, jobsite_wave, tmp_path):
    from personas.waves.assignment import assign_file

    run, _ = lca_run
    result = assign_file(run.path, jobsite_wave, out=tmp_path / "again")
    merged = result.table.merge(run.assignments, on="respondent", suffixes=("", "_run"))
    assert len(merged) == len(run.assignments)
    assert (merged["segment"] == merged["segment_run"]).all()
    np.testing.assert_allclose(merged["distance"], merged["distance_run"], atol=1e-6)
    assert result.table["far"].mean() <= 0.06  # the run's own 95th percentile of 1 - posterior
    np.testing.assert_allclose(merged["posterior"], merged["posterior_run"], atol=1e-6)


@pytest.mark.slow
def test_report_shows_the_bic_chart_beside_kmodes_and_the_confident_members(lca_run):
    from personas.report.build import build_report
    from personas.report.render import render_report

    run, analysis = lca_run
    qmd = build_report(run.path)
    text = qmd.read_text(encoding="utf-8")
    for name in ("bic", "kmodes-elbow", "kmodes-silhouette"):
        assert (run.path / "charts" / f"{name}.svg").is_file()
    assert not (run.path / "charts" / "stability.svg").exists()
    assert "#### Latent class analysis" in text and "adjusted Rand" in text
    assert "are classified with a probability of 0.8 or more" in text
    html = render_report(run.path, to=["html"], engine="pandoc")["html"].read_text("utf-8")
    assert "How many latent classes the data supports" in html
    assert html.count("classified with a probability of 0.8 or more") == analysis.segmentation.k


def test_bic_chart_marks_the_chosen_k_and_says_where_bic_is_lowest():
    from personas.charts import alt_text, bic_chart

    rows = [{"k": 2, "bic": 900.0, "status": "ok"}, {"k": 3, "bic": 800.0, "status": "ok"},
            {"k": 4, "bic": None, "status": "failed: empty"}]  # fmt: skip
    spec = bic_chart(rows, chosen=3).to_dict()
    assert "lowest at k = 3" in alt_text(spec)
    values = json.dumps(spec)
    assert "Chosen: k = 3, lowest BIC" in values
    data = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert data["k"].tolist() == [2, 3]  # the failed k is not drawn


def test_cli_refuses_lca_on_number_items_with_exit_2_and_writes_nothing(
    tmp_path, monkeypatch, jobsite_wave
):
    study = copy_study(tmp_path)
    path = study / "instrument.yaml"
    anchor = (
        '  - {id: check2, type: boolean, attention: true, text: "Please answer True to this '
        'question."}\n'
    )
    text = path.read_text(encoding="utf-8")
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + "  - {id: age, type: number, text: Age}\n"),
                    encoding="utf-8")  # fmt: skip
    wave = pd.read_csv(jobsite_wave, dtype=str, keep_default_na=False)
    wave["age"] = [str(20 + i % 40) for i in range(len(wave))]
    wave.to_csv(study / "waves" / "wave-1.csv", index=False)
    monkeypatch.chdir(tmp_path)
    embed_core = importlib.import_module("personas.embed.core")  # the module, not the function
    monkeypatch.setattr(embed_core, "start_embedding", lambda *a, **k: None)
    before = snapshot_tree(tmp_path)
    result = CliRunner().invoke(main, ["run", "jobsite", "--method", "lca", "--no-report"])
    assert result.exit_code == 2, result.output
    assert "age hold free numbers" in result.output and "kprototypes" in result.output
    assert snapshot_tree(tmp_path) == before

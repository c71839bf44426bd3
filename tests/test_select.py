"""Choosing k: elbow, silhouette, bootstrap stability, the rule and its reasons, failing ks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from _factories import boolean_instrument, clean_from, planted
from personas.errors import InputError, SelectionWarning
from personas.segment import _kmodes_data, _reasons, _silhouette, segment
from personas.segment._space import build_space
from personas.segment._stability import best_jaccard, bootstrap
from personas.segment.select import elbow


@pytest.mark.parametrize("seed", range(5))
def test_exact_matching_silhouette_equals_scikit_learn_hamming(seed):
    rng = np.random.default_rng(seed)
    n, d, k = int(rng.integers(20, 300)), int(rng.integers(1, 9)), int(rng.integers(2, 6))
    X, _ = planted(n, d, k, noise=0.5, random_state=seed, n_categories=int(rng.integers(2, 5)))
    labels = rng.integers(0, k, n)
    labels[:k] = np.arange(k)
    labels[-1] = k  # a segment of one respondent scores 0, as in scikit-learn
    categories, codes = _kmodes_data.encode(X)
    enc = _kmodes_data.prepare(codes, [len(c) for c in categories])
    ours = _silhouette.matching_silhouette(enc, labels, k + 1)
    assert ours == pytest.approx(silhouette_score(X, labels, metric="hamming"), abs=1e-12)


def test_elbow_of_a_convex_curve_and_none_for_a_straight_line():
    ks = list(range(2, 11))
    assert elbow(ks, [100, 60, 30, 12, 10, 9, 8, 7, 6]) == 5
    assert elbow(ks, [100 - 10 * k for k in ks]) is None
    assert elbow([2, 3], [10, 5]) is None


def test_best_jaccard_known_answer():
    reference = np.array([0, 0, 0, 1, 1, 1])
    refit = np.array([1, 1, 0, 0, 0, 0])
    # cluster 0 vs refit 1: 2 shared of 3 + 2 - 2; cluster 1 vs refit 0: 3 of 3 + 4 - 3
    assert best_jaccard(reference, refit, 2).tolist() == pytest.approx([2 / 3, 3 / 4])


def test_bootstrap_of_well_separated_segments_is_perfectly_stable():
    X, truth = planted(600, 12, 3, noise=0.0, random_state=1)
    space = build_space(clean_from(boolean_instrument(12), X), "kmodes")
    ari, jaccard = bootstrap(space, truth, 3, n_boot=4, boot_size=10_000, n_init=2, random_state=0)
    assert ari == pytest.approx(1.0)
    assert jaccard.tolist() == pytest.approx([1.0, 1.0, 1.0])


def _table(rows):
    return pd.DataFrame(rows, columns=["k", "cost", "silhouette", "stability", "min_jaccard"])


SWEEP = [  # k, cost, silhouette, stability, min_jaccard
    (2, 900, 0.45, 0.95, 0.90),
    (3, 600, 0.40, 0.90, 0.85),
    (4, 400, 0.38, 0.85, 0.80),
    (5, 300, 0.35, 0.80, 0.70),
]


def test_rule_takes_the_best_silhouette_and_the_elbow_does_not_veto_it():
    chosen, reasons, warnings = _reasons.choose(_table(SWEEP), 4, binary=True, measured=True)
    assert chosen == 2 and warnings == []
    assert reasons[0] == (
        "k = 2: elbow at 4; silhouette highest at 2 (0.45); both segments stable (Jaccard ≥ 0.90)"
    )
    assert any(r.startswith("the elbow at 4 is one voice, not a veto") for r in reasons)


def test_rule_breaks_a_near_tie_of_silhouettes_toward_more_segments():
    rows = [(2, 900, 0.400, 0.95, 0.9), (3, 600, 0.41, 0.9, 0.85), (4, 400, 0.395, 0.85, 0.8),
            (5, 300, 0.30, 0.8, 0.8)]  # fmt: skip
    chosen, reasons, _ = _reasons.choose(_table(rows), 3, binary=True, measured=True)
    assert chosen == 4  # 0.395 is within 0.02 of the best, 0.41 at 3
    assert any("within 0.02 of the best (0.41 at 3)" in r for r in reasons)


def test_rule_skips_a_k_with_an_unstable_segment_even_with_the_best_silhouette():
    rows = [(k, c, s, a, j) for k, c, s, a, j in SWEEP]
    rows[0] = (2, 900, 0.45, 0.95, 0.55)  # the best silhouette, but an unstable segment
    chosen, _, warnings = _reasons.choose(_table(rows), 5, binary=False, measured=True)
    assert chosen == 4 and warnings == []  # best left: 0.40 at 3; 0.38 at 4 is a near tie


def test_rule_warns_when_every_k_has_an_unstable_segment():
    rows = [(k, c, s, a, 0.5) for k, c, s, a, _ in SWEEP]
    chosen, reasons, warnings = _reasons.choose(_table(rows), 4, binary=True, measured=True)
    assert chosen == 2
    assert "tentative" in warnings[0]


def test_rule_without_stability_says_so():
    rows = [(k, c, s, np.nan, np.nan) for k, c, s, _, _ in SWEEP]
    chosen, reasons, _ = _reasons.choose(_table(rows), 3, binary=True, measured=False)
    assert chosen == 2
    assert "stability was not measured" in reasons[-1]


def test_a_k_that_cannot_be_fitted_is_a_warning_and_the_sweep_goes_on():
    patterns = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 1, 0]])
    X = patterns[np.arange(90) % 3]
    with pytest.warns(SelectionWarning) as record:
        seg = segment(clean_from(boolean_instrument(4), X), ks=range(2, 6), n_boot=2)
    messages = [str(w.message) for w in record]
    table = seg.selection.table.set_index("k")
    assert (table.loc[[2, 3], "status"] == "ok").all()
    for k in (4, 5):
        why = "there are only 3 distinct answer patterns"
        assert table.loc[k, "status"] == f"failed: {why}"
        assert f"k = {k} could not be fitted: {why}" in messages
        assert f"warning: k = {k} could not be fitted: {why}" in seg.journal
    assert "only 2 usable k values: too few for an elbow" in messages
    assert seg.k in (2, 3)


def test_a_cost_curve_without_elbow_is_a_recorded_warning():
    # ten equally common patterns, pairwise equally far apart: every extra segment removes the
    # same cost, a straight line without an elbow; only k = 10 splits them all stably
    X = np.tile(np.eye(10), (30, 1))
    with pytest.warns(SelectionWarning, match=r"cost curve over k = 2\.\.10 has no elbow"):
        seg = segment(clean_from(boolean_instrument(10), X), n_boot=2)
    assert seg.selection.knee is None
    assert seg.k == 10
    assert seg.selection.reasons[0].startswith("k = 10: no elbow; silhouette highest at 10")
    assert "warning: the cost curve over k = 2..10 has no elbow (kneedle)" in seg.journal


def test_no_k_at_all_is_an_input_error():
    X = np.zeros((20, 3))
    with pytest.raises(InputError, match="no k could be fitted"):
        segment(clean_from(boolean_instrument(3), X), k=(2, 3))


def test_too_few_ks_for_an_elbow_is_a_recorded_warning():
    X, _ = planted(300, 10, 3, noise=0.1, random_state=2)
    with pytest.warns(SelectionWarning, match="too few for an elbow"):
        seg = segment(clean_from(boolean_instrument(10), X), k=(2, 3), n_boot=2)
    assert seg.selection.knee is None
    assert any("too few for an elbow" in w for w in seg.selection.warnings)


def test_large_waves_use_a_sampled_euclidean_silhouette(monkeypatch):
    monkeypatch.setattr(_silhouette, "EUCLIDEAN_SAMPLE", 200)
    X, _ = planted(500, 8, 3, noise=0.1, random_state=4)
    seg = segment(clean_from(boolean_instrument(8), X), method="kmeans", k=3, n_boot=0)
    assert seg.selection.silhouette_sample == 200
    assert any("random sample of 200" in line for line in seg.journal)


@pytest.mark.filterwarnings("ignore::personas.errors.SelectionWarning")
def test_a_ks_stability_does_not_depend_on_the_other_ks():
    X, _ = planted(400, 10, 3, noise=0.3, random_state=6)
    clean = clean_from(boolean_instrument(10), X)
    a = segment(clean, k=(2, 3), n_boot=3).selection.table.set_index("k").loc[3]
    b = segment(clean, k=(3, 4), n_boot=3).selection.table.set_index("k").loc[3]
    assert a["stability"] == b["stability"] and a["min_jaccard"] == b["min_jaccard"]


def test_stability_phrase_of_two_segments_says_both_and_uses_the_sign():
    import pandas as pd

    two = _reasons.stability_phrase(pd.Series({"k": 2, "min_jaccard": 0.91}))
    assert two == "both segments stable (Jaccard ≥ 0.91)"
    five = _reasons.stability_phrase(pd.Series({"k": 5, "min_jaccard": 0.9}))
    assert five.startswith("all five segments stable") and ">=" not in five

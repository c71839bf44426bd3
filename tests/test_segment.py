"""segment(): planted recovery, numbering, profiles, the model and assign_codes, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from _factories import boolean_instrument, clean_from, mixed_instrument, planted
from personas.errors import InputError
from personas.instrument.model import Instrument, Question, Scale, Tension
from personas.segment import Segmentation, assign_codes, segment, wilson_interval

# degenerate-but-usable sweeps (no elbow among few ks) are tested in test_select.py
pytestmark = pytest.mark.filterwarnings("ignore::personas.errors.SelectionWarning")


@pytest.fixture(scope="module")
def planted_wave():
    """5 planted segments, 24 boolean items over 6 tensions, 10% noise, 2,000 respondents."""
    X, truth = planted(2000, 24, 5, noise=0.1, random_state=0)
    return clean_from(boolean_instrument(24, n_tensions=6), X), truth


@pytest.fixture(scope="module")
def seg(planted_wave) -> Segmentation:
    return segment(planted_wave[0])


def _mixed(n=600, seed=1):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    b = (rng.random((n, 2)) < np.array([0.9, 0.1, 0.5])[truth, None]).astype(float)
    likert = np.clip(np.round(np.array([1.5, 4.5, 3.0])[truth] + rng.normal(0, 0.7, n)), 1, 5)
    choice = np.where(rng.random(n) < 0.1, rng.integers(0, 3, n), truth).astype(float)
    number = np.array([10.0, 50.0, 30.0])[truth] + rng.normal(0, 5, n)
    return clean_from(mixed_instrument(), np.column_stack([b, likert, choice, number])), truth


def test_planted_segments_are_recovered_and_k_5_is_chosen(seg, planted_wave):
    assert seg.method == "kmodes"
    assert seg.k == 5 and seg.selection.chosen == 5 and seg.selection.knee == 5
    assert adjusted_rand_score(planted_wave[1], seg.labels) >= 0.9
    assert seg.selection.reasons[0].startswith("k = 5: elbow at 5")
    assert all(p.stability >= 0.75 for p in seg.profiles)


def test_k_means_on_booleans_recovers_them_too(planted_wave):
    seg = segment(planted_wave[0], method="kmeans", n_boot=3)
    assert seg.method == "kmeans" and seg.k == 5
    assert adjusted_rand_score(planted_wave[1], seg.labels) >= 0.9
    assert seg.model["scaling"]["q01"] == [0.0, 1.0]


def test_segments_are_numbered_by_size_largest_first(seg):
    sizes = [p.size for p in seg.profiles]
    assert [p.id for p in seg.profiles] == [1, 2, 3, 4, 5]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes == np.bincount(seg.labels, minlength=6)[1:].tolist()
    assert sum(sizes) == len(seg.labels)


def test_same_seed_same_segmentation(planted_wave, seg):
    again = segment(planted_wave[0])
    assert again.labels.equals(seg.labels)
    assert again.model == seg.model
    pd.testing.assert_frame_equal(again.selection.table, seg.selection.table)


_SAME_IN_WORKERS = """
import json, sys
import pandas as pd
sys.path.insert(0, sys.argv[1])
from _factories import boolean_instrument, clean_from, planted
from personas.segment import _tasks, segment
fork = sys.argv[2] == "fork"
if not fork:
    _tasks._can_fork = lambda: False
assert _tasks._can_fork() == fork, "this process cannot fork: the test would prove nothing"
X, _ = planted(400, 24, 5, noise=0.1, random_state=0)
clean = clean_from(boolean_instrument(24, n_tensions=6), X)
one = segment(clean, k=(3, 5), n_boot=2, n_jobs=1)
two = segment(clean, k=(3, 5), n_boot=2, n_jobs=2)
assert one.labels.equals(two.labels)
assert one.model == two.model
pd.testing.assert_frame_equal(one.selection.table, two.selection.table)
assert [r.tolist() for _, r in one.refits] == [r.tolist() for _, r in two.refits]
print(json.dumps({"k": two.k, "refits": len(two.refits)}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["fork", "joblib"])
def test_worker_processes_give_the_same_result(how):
    """In a fresh process: the test process may run threads (Dask, the map's collector), and
    a sweep does not fork beside other threads."""
    import subprocess
    import sys
    from pathlib import Path

    if how == "fork" and not sys.platform.startswith("linux"):
        pytest.skip("sweeps fork their workers on Linux only")
    done = subprocess.run(
        [sys.executable, "-c", _SAME_IN_WORKERS, str(Path(__file__).parent), how],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["refits"] == 2


def test_how_many_worker_processes_a_sweep_runs_on(monkeypatch):
    from personas.segment import _tasks

    monkeypatch.setattr(_tasks.joblib, "cpu_count", lambda: 4)
    small, large = _tasks.PARALLEL_ROWS - 1, _tasks.PARALLEL_ROWS
    assert _tasks.processes(None, small) == 1  # a small sweep: starting workers costs more
    assert _tasks.processes(None, large) == 4
    assert _tasks.processes(-1, small) == 4 and _tasks.processes(-2, small) == 3
    assert _tasks.processes(3, large) == 3 and _tasks.processes(1, large) == 1
    monkeypatch.setattr(_tasks.joblib, "cpu_count", lambda: 64)
    assert _tasks.processes(None, large) == _tasks.MOST_AUTO_JOBS


def test_a_process_with_another_thread_does_not_fork():
    import threading

    from personas.segment import _tasks

    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert not _tasks._can_fork()  # another thread may hold a lock the child would need
    finally:
        release.set()
        other.join()


def test_row_order_does_not_change_ids_or_profiles(planted_wave):
    clean = planted_wave[0]
    order = np.random.default_rng(3).permutation(len(clean.answers))
    shuffled = clean_from(
        clean.instrument, clean.answers.iloc[order], ids=clean.answers.index[order]
    )
    a, b = segment(clean, k=5, n_boot=0), segment(shuffled, k=5, n_boot=0)
    assert a.labels.equals(b.labels.loc[a.labels.index])
    for pa, pb in zip(a.profiles, b.profiles, strict=True):
        assert (pa.size, pa.medoid) == (pb.size, pb.medoid)
        pd.testing.assert_series_equal(pa.profile, pb.profile)
        pd.testing.assert_series_equal(pa.tensions, pb.tensions)


@pytest.mark.parametrize("method", ["kmodes", "kmeans", "kprototypes"])
def test_assign_codes_reproduces_the_fitted_labels_from_json(method, planted_wave):
    clean = _mixed()[0] if method == "kprototypes" else planted_wave[0]
    seg = segment(clean, method=method, k=3, n_boot=0)
    model = json.loads(json.dumps(seg.model))
    answers = clean.answers[list(reversed(clean.answers.columns))].assign(extra=1.0)
    labels, distances = assign_codes(model, answers)
    assert labels.tolist() == seg.labels.tolist()
    assert distances == pytest.approx(seg.distances.to_numpy())
    assert model["distance_percentiles"]["segments"]["1"]["95"] >= 0


def test_model_holds_what_assignment_needs(seg):
    model = seg.model
    assert model["method"] == "kmodes" and model["distance"] == "matching"
    assert model["items"] == [f"q{j:02d}" for j in range(1, 25)]
    assert np.array_equal(np.array(model["centers"]), seg.centers.to_numpy())
    overall = model["distance_percentiles"]["overall"]
    assert overall["50"] == np.percentile(seg.distances, 50)
    assert overall["95"] == np.percentile(seg.distances, 95)


def test_assign_codes_names_missing_columns(seg):
    with pytest.raises(InputError, match="no column for item 'q24'"):
        assign_codes(seg.model, seg.clean.answers.drop(columns=["q24"]))


def test_mixed_items_use_k_prototypes_and_find_the_planted_groups():
    clean, truth = _mixed()
    seg = segment(clean, ks=range(2, 6), n_boot=3)
    assert seg.method == "kprototypes" and seg.k == 3
    assert adjusted_rand_score(truth, seg.labels) >= 0.8
    assert seg.model["categorical"] == [0, 1, 3] and seg.model["numeric"] == [2, 4]
    assert seg.model["gamma"] > 0
    assert "the 5 items mix boolean, choice, likert and number answers" in seg.journal[0]


def test_likert_items_use_k_means_scaled_by_their_scale():
    tension = Tension("t", "T", "a", "b")
    qs = tuple(Question(f"l{i}", "l", "likert", "t", "b", scale=Scale(1, 7)) for i in range(4))
    rng = np.random.default_rng(0)
    X = np.clip(np.round(np.repeat([[2.0], [6.0]], 100, axis=0) + rng.normal(0, 1, (200, 4))), 1, 7)
    seg = segment(clean_from(Instrument("s", "S", (tension,), qs), X), k=2, n_boot=0)
    assert seg.method == "kmeans"
    assert seg.model["scaling"] == {f"l{i}": [1.0, 7.0] for i in range(4)}


def _toy_profile_wave():
    """Segment A (60): agrees with both pole-b items; segment B (40): only with the pole-a one."""
    tension = Tension("t", "T", "pole a", "pole b")
    qs = (
        Question("a1", "a1", "boolean", "t", "a"),
        Question("b1", "b1", "boolean", "t", "b"),
        Question("l1", "l1", "likert", "t", "b", scale=Scale(1, 5)),
        Question("c1", "c1", "choice", options=("x", "y")),
    )
    A = np.tile([0.0, 1.0, 5.0, 0.0], (60, 1))
    B = np.tile([1.0, 0.0, 1.0, 1.0], (40, 1))
    return clean_from(Instrument("s", "S", (tension,), qs), np.vstack([A, B]))


def test_profiles_known_answer():
    seg = segment(_toy_profile_wave(), method="kprototypes", k=2, n_boot=0)
    big, small = seg.profiles
    assert (big.size, small.size) == (60, 40)
    assert big.share == 0.6 and big.share_ci == pytest.approx(wilson_interval(60, 100))
    assert big.tensions["t"] == 1.0 and small.tensions["t"] == -1.0  # -1 = pole a
    assert big.profile.tolist() == [0.0, 1.0, 5.0, 0.0]
    assert big.means["l1"] == 5.0 and small.means["a1"] == 1.0
    assert big.frequencies.loc["c1", 0.0] == 1.0 and np.isnan(big.frequencies.loc["c1", 5.0])
    first = big.distinctive.iloc[0]
    assert abs(first["difference"]) == big.distinctive["difference"].abs().max()
    assert set(big.distinctive["question"]) == {"a1", "b1", "l1", "c1"}
    assert big.distinctive.query("question == 'b1'")["label"].tolist() == ["True"]
    assert big.medoid == "r00000"  # every member sits on the centre: the smallest id


def test_wilson_interval_known_value():
    low, high = wilson_interval(50, 100)
    assert (round(float(low), 4), round(float(high), 4)) == (0.4038, 0.5962)


def test_fixed_k_still_measures_stability(planted_wave):
    seg = segment(planted_wave[0], k=5, n_boot=2)
    assert seg.selection.table["k"].tolist() == [5]
    assert seg.selection.reasons[0].startswith("k = 5 fixed by the caller")
    assert all(p.stability is not None for p in seg.profiles)


def test_progress_reports_every_step_up_to_the_total(planted_wave):
    calls = []
    segment(planted_wave[0], k=(2, 3), n_boot=2, progress=lambda *a: calls.append(a))
    assert all(isinstance(s, str) and 0 <= d <= t for s, d, t in calls)
    assert calls[-1][1] == calls[-1][2] == 6
    assert [d for _, d, _ in calls] == sorted(d for _, d, _ in calls)


def test_every_bad_option_is_reported_at_once(planted_wave):
    with pytest.raises(InputError) as err:
        segment(planted_wave[0], method="kmedoids", k=1, n_boot=-1, random_state="x", n_jobs=0)
    text = str(err.value)
    assert text.startswith("5 problems:")
    for name in ("method", "k", "n_boot", "random_state", "n_jobs"):
        assert f"The '{name}' option must be" in text


def test_items_the_method_cannot_use_are_input_errors():
    clean, _ = _mixed()
    with pytest.raises(InputError, match="k-modes treats every answer as a category, but n1"):
        segment(clean, method="kmodes", k=2)
    with pytest.raises(InputError, match="k-means needs numeric answers, but c1 are choices"):
        segment(clean, method="kmeans", k=2)


def test_missing_answers_are_an_input_error():
    X, _ = planted(50, 4, 2, noise=0.1, random_state=0)
    X[[3, 7], 1] = np.nan
    with pytest.raises(InputError, match="item 'q02' has 2 missing answers"):
        segment(clean_from(boolean_instrument(4), X), k=2)


def test_a_method_that_does_not_fit_the_items_is_a_journal_warning():
    from personas.errors import SelectionWarning

    X, _ = planted(300, 12, 3, noise=0.1, random_state=2)
    clean = clean_from(boolean_instrument(12, n_tensions=3), X)
    with pytest.warns(SelectionWarning, match="works as k-modes"):
        seg = segment(clean, method="kprototypes", k=3, random_state=0, n_boot=0)
    assert any("works as k-modes" in line for line in seg.journal)


@pytest.mark.parametrize("seed", range(6))
def test_stability_adjusted_rand_is_scikit_learns(seed):
    """The sweep's ARI from its contingency table is exactly scikit-learn's, including the
    degenerate cases (one cluster each, identical partitions, clusters absent on one side)."""
    from personas.segment._stability import adjusted_rand, contingency

    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 9))
    n = int(rng.integers(1, 3000))
    reference = rng.integers(0, k, n)
    cases = [
        rng.integers(0, k, n),
        reference.copy(),
        np.where(rng.random(n) < 0.2, rng.integers(0, k, n), reference),
        np.zeros(n, dtype=int),
        np.minimum(reference, 1),
    ]
    for labels in cases:
        ours = adjusted_rand(contingency(reference, labels, k))
        assert ours == adjusted_rand_score(reference, labels)

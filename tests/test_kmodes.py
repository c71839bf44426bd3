"""personas.segment.KModes: the kmodes package's algorithm, vectorised, as a scikit-learn
estimator. The kmodes package (0.12.2) is the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kmodes.kmodes import KModes as ReferenceKModes
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_estimator

from _factories import planted
from personas.segment import KModes

# check_clustering fits continuous blobs and expects ARI > 0.4: k-modes treats every distinct
# value as its own category, so continuous points share no category and cannot be grouped.
EXPECTED_FAILURES = {
    "check_clustering": "k-modes treats each distinct value as a category; continuous blobs "
    "share none, so the blob structure is invisible to the matching dissimilarity",
    "check_sample_weight_equivalence_on_dense_data": "weighted k-modes is a batch algorithm "
    "with its own seeding, while repeated rows go through the kmodes package's online "
    "algorithm: both minimise the same weighted cost but may stop in other local minima",
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_scikit_learn_conventions():
    results = check_estimator(KModes(), expected_failed_checks=EXPECTED_FAILURES, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])) for r in results if r["status"] == "failed"]
    assert failed == []
    expected = {r["check_name"] for r in results if r["status"] == "xfail"}
    assert expected == set(EXPECTED_FAILURES)


def test_toy_known_answer_including_the_tie_rule():
    X = np.array(
        [["a", "a", "a", "x"], ["a", "a", "b", "x"], ["b", "b", "b", "y"], ["b", "b", "a", "y"],
         ["a", "a", "a", "y"]]
    )  # fmt: skip
    init = np.array([["a", "a", "a", "x"], ["b", "b", "b", "y"]])
    km = KModes(n_clusters=2, init=init).fit(X)
    # cluster 1 = rows 2, 3 answer b/a in column 2: a tie, the smallest category ("a") wins
    assert km.labels_.tolist() == [0, 0, 1, 1, 0]
    assert km.cluster_centroids_.tolist() == [["a", "a", "a", "x"], ["b", "b", "a", "y"]]
    assert km.cost_ == 3.0  # rows 1, 2 and 4 differ from their mode in one answer each
    assert km.n_iter_ == 1
    ref = ReferenceKModes(n_clusters=2, init=np.array([[0, 0, 0, 0], [1, 1, 1, 1]])).fit(X)
    assert ref.labels_.tolist() == km.labels_.tolist() and ref.cost_ == km.cost_


def _data(seed: int):
    """Noisy categorical data whose columns use every code 0..m-1 (so codes = values)."""
    rng = np.random.default_rng(seed)
    n, d, k, m = int(rng.integers(150, 1500)), int(rng.integers(3, 14)), 5, int(rng.integers(2, 5))
    X, _ = planted(n, d, k, noise=float(rng.uniform(0.2, 0.7)), random_state=seed, n_categories=m)
    X[:m] = np.arange(m)[:, None]
    return X.astype(int), rng


@pytest.mark.parametrize("seed", range(6))
def test_same_initial_centroids_give_the_same_result_as_kmodes(seed):
    X, rng = _data(seed)
    k = int(rng.integers(2, 9))
    init = X[rng.choice(X.shape[0], k, replace=False)]
    if seed == 0:
        init[1] = init[0]  # a duplicate centroid: its cluster starts empty (random refill)
    ours = KModes(n_clusters=k, init=init, random_state=seed).fit(X)
    ref = ReferenceKModes(n_clusters=k, init=init.copy(), random_state=seed).fit(X)
    assert ours.labels_.tolist() == ref.labels_.tolist()
    assert ours.cost_ == ref.cost_
    assert np.array_equal(ours.cluster_centroids_, ref.cluster_centroids_)
    assert ours.n_iter_ == ref.n_iter_


@pytest.mark.parametrize("init", ["Huang", "Cao", "random"])
@pytest.mark.parametrize("seed", [10, 11])
def test_seeded_restarts_are_no_worse_than_kmodes(init, seed):
    X, rng = _data(seed)
    k = int(rng.integers(3, 8))
    ours = KModes(n_clusters=k, init=init, n_init=3, random_state=seed).fit(X)
    ref = ReferenceKModes(n_clusters=k, init=init, n_init=3, random_state=seed).fit(X)
    assert ours.cost_ <= ref.cost_
    # the same random draws and the same tie rules: the very same clustering
    assert ours.labels_.tolist() == ref.labels_.tolist()


def test_same_seed_same_labels():
    X, _ = planted(3000, 20, 6, noise=0.4, random_state=3)
    a = KModes(n_clusters=6, n_init=2, random_state=7).fit(X)
    b = KModes(n_clusters=6, n_init=2, random_state=7).fit(X)
    assert np.array_equal(a.labels_, b.labels_) and a.cost_ == b.cost_


def test_labels_are_the_nearest_centroid_and_cost_their_sum():
    X, _ = planted(800, 10, 4, noise=0.5, random_state=5, n_categories=3)
    km = KModes(n_clusters=4, n_init=2, random_state=0).fit(X)
    mismatches = (X[:, None, :] != km.cluster_centroids_[None]).sum(axis=2)
    assert np.array_equal(km.labels_, mismatches.argmin(axis=1))
    assert km.cost_ == mismatches.min(axis=1).sum()
    assert np.array_equal(km.predict(X), km.labels_)


def test_predict_counts_an_unknown_answer_as_a_difference():
    X = np.array([[0, 0, 0], [0, 0, 1], [1, 1, 1], [1, 1, 0]])
    km = KModes(n_clusters=2, init=np.array([[0, 0, 0], [1, 1, 1]])).fit(X)
    # 9 is unknown in column 0: one difference from either centroid; the rest decides
    assert km.predict(np.array([[9, 1, 1], [9, 0, 0]])).tolist() == [1, 0]


def test_strings_and_dataframes():
    frame = pd.DataFrame({"device": ["mobile", "mobile", "desktop", "desktop", "mobile"],
                          "plan": ["free", "free", "paid", "paid", "paid"]})  # fmt: skip
    km = KModes(n_clusters=2, init="Cao").fit(frame)
    assert km.feature_names_in_.tolist() == ["device", "plan"]
    assert sorted(map(tuple, km.cluster_centroids_)) == [("desktop", "paid"), ("mobile", "free")]
    assert km.labels_.dtype == np.int64


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_clusters": 0}, "The 'n_clusters' parameter of KModes must be an int in the range "
         r"\[1, inf\). Got 0 instead."),
        ({"n_init": 1.5}, "The 'n_init' parameter .* Got 1.5 instead."),
        ({"max_iter": -1}, "The 'max_iter' parameter .* Got -1 instead."),
        ({"init": "kmeans++"}, "The 'init' parameter of KModes must be a str among"),
        ({"init": np.zeros((3, 2))}, r"The 'init' array must have shape \(2, 2\)"),
        ({"init": np.array([[0, 0], [7, 1]])}, "holds 7 in column 0"),
    ],
)  # fmt: skip
def test_invalid_parameters_are_reported_at_fit(params, message):
    X = np.array([[0, 0], [0, 1], [1, 1], [1, 0]])
    km = KModes(**{"n_clusters": 2, **params})
    with pytest.raises(ValueError, match=message):
        km.fit(X)


def test_more_clusters_than_samples():
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=5"):
        KModes(n_clusters=5).fit(np.array([[0], [1], [2]]))


def test_fewer_distinct_rows_than_clusters_warns_and_keeps_n_clusters():
    X = np.array([[0, 1], [0, 1], [1, 0], [1, 0], [0, 1]])
    with pytest.warns(ConvergenceWarning, match=r"distinct clusters \(2\) found smaller"):
        km = KModes(n_clusters=3).fit(X)
    assert km.cluster_centroids_.shape == (3, 2)
    assert km.cost_ == 0.0
    assert sorted(set(km.labels_.tolist())) == [0, 1]

"""Tests for personas.embed.core (the UMAP map).

Only the tests using the module-scoped ``fitted`` fixture (and the determinism / background
tests next to it) fit UMAP: three small fits in all. Everything else (metric choice,
encoding, neighbour distances, sampling, landmark profiles, validation) runs without umap.
With a cold numba cache the first fit compiles UMAP (~30-45 s on two cores); the compiled
code is cached, so later runs take a few seconds.
"""

from __future__ import annotations

from concurrent.futures import CancelledError
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from personas.cleaning.model import CleanResponses, Ledger
from personas.embed._prepare import ItemSpec, choose_metric, encode, expected_profiles
from personas.embed._sample import PROXY_CLUSTERS, allocate, draw, stratified_positions
from personas.embed._umap import Neighbours
from personas.embed.core import Embedding, embed, start_embedding
from personas.errors import InputError
from personas.instrument.model import Instrument, Persona, Question, Scale, Tension
from personas.io.responses import Source

TENSIONS = ("t1", "t2", "t3")
PERSONAS = {  # id -> positions on tensions; each plants one segment of the fixture wave
    "p1": {"tensions": {"t1": -1.0, "t2": -1.0, "t3": -1.0}},
    "p2": {"tensions": {"t1": 1.0, "t2": 1.0, "t3": -1.0}},
    "p3": {"tensions": {"t1": -1.0, "t2": 1.0, "t3": 1.0}},
    "p4": {"tensions": {"t1": 1.0, "t3": 1.0}},  # silent on t2: answers it 50/50
}
SIZES = (120, 90, 60, 30)
SAMPLE = 200
MISSING_CELLS = 7


def instrument(*, extra: tuple[Question, ...] = (), personas=PERSONAS) -> Instrument:
    """Three tensions with four boolean items each (``t1_a1, t1_a2, t1_b1, t1_b2``, ...)."""
    tensions = tuple(Tension(t, t.upper(), f"{t} a", f"{t} b") for t in TENSIONS)
    questions = (
        tuple(
            Question(f"{t}_{pole}{i}", f"{t} {pole} {i}", "boolean", tension=t, pole=pole)
            for t in TENSIONS
            for pole in ("a", "b")
            for i in (1, 2)
        )
        + extra
    )
    people = tuple(
        Persona(
            pid, f"The {pid.upper()}", tensions=spec["tensions"], answers=spec.get("answers", {})
        )
        for pid, spec in personas.items()
    )
    return Instrument("toy", "Toy study", tensions, questions, people)


def clean_wave(inst: Instrument, answers: pd.DataFrame) -> CleanResponses:
    ids = list(answers.index)
    ledger = Ledger(
        pd.DataFrame(
            {
                "respondent": ids,
                "row": np.arange(len(ids)) + 2,
                "status": "kept",
                "reason": "",
                "other_reasons": "",
            }
        )
    )
    return CleanResponses(inst, answers, ledger, Source(Path("wave.csv"), "csv", "0" * 64))


def planted_wave(*, seed: int = 0, noise: float = 0.1):
    """Respondents planted from the personas' expected answers (10% of answers flipped)."""
    inst = instrument()
    items = [q.id for q in inst.items]
    centres = expected_profiles(inst, items).fillna(0.5).to_numpy()
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(1, len(SIZES) + 1), SIZES)
    rng.shuffle(labels)
    p_true = centres[labels - 1]
    undecided = p_true == 0.5
    values = (rng.random(p_true.shape) < p_true).astype(float)
    flip = (rng.random(values.shape) < noise) & ~undecided
    values[flip] = 1.0 - values[flip]
    cells = rng.choice(values.size, MISSING_CELLS, replace=False)  # as with ``impute: none``
    values[np.unravel_index(cells, values.shape)] = np.nan
    ids = pd.Index([f"r{i:04d}" for i in range(len(labels))])
    answers = pd.DataFrame(values, index=ids, columns=items)
    return clean_wave(inst, answers), pd.Series(labels, index=ids, name="segment")


# --- without umap -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "metric"),
    [
        (["boolean"], "hamming"),
        (["choice"], "hamming"),
        (["boolean", "choice"], "hamming"),
        (["likert"], "euclidean"),
        (["number", "likert"], "euclidean"),
        (["boolean", "likert"], "euclidean"),
        (["choice", "number"], "euclidean"),
    ],
)
def test_metric_is_chosen_by_item_types(types, metric):
    assert choose_metric(types) == metric


def test_neighbour_distances_are_the_share_of_items_answered_differently():
    rng = np.random.default_rng(3)
    codes = np.column_stack([rng.integers(0, 2, (80, 5)), rng.integers(0, 4, (80, 3))])
    items = [ItemSpec(f"b{j}", "boolean") for j in range(5)]
    items += [ItemSpec(f"c{j}", "choice", n_options=4) for j in range(3)]
    features = encode(codes.astype(float), items, np.full((8, 2), np.nan))
    indices, dists = Neighbours(features, metric="hamming", n_items=8).graph(6)
    truth = cdist(codes, codes, metric="hamming")
    np.testing.assert_array_equal(indices[:, 0], np.arange(80))  # itself first ...
    np.testing.assert_array_equal(dists[:, 0], 0.0)  # ... at distance 0
    got = np.take_along_axis(truth, indices.astype(np.int64), axis=1)
    np.testing.assert_allclose(dists, got, atol=1e-6)  # distances are hamming shares
    others = np.where(np.eye(80, dtype=bool), np.inf, truth)
    np.testing.assert_allclose(dists[:, 1:], np.sort(others, axis=1)[:, :5], atol=1e-6)


def test_likert_and_number_items_are_scaled_to_unit_range():
    items = [ItemSpec("l", "likert", 1.0, 5.0), ItemSpec("n", "number")]
    codes = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]])
    features = encode(codes, items, np.array([[np.nan, np.nan], [10.0, 30.0]]))
    np.testing.assert_allclose(features, [[0.0, 0.0], [0.5, 1.0], [1.0, 0.5]])


def test_expected_profiles_follow_poles_and_explicit_answers():
    extra = (
        Question("lik", "likert", "likert", tension="t1", pole="b", scale=Scale(1, 5)),
        Question("dev", "device", "choice", options=("mobile", "desktop")),
    )
    personas = {
        "pa": {"tensions": {"t1": -1.0}, "answers": {"dev": 1.0}},
        "mid": {"tensions": {"t1": 0.0, "t2": 1.0}, "answers": {"t1_a1": 1.0}},
    }
    inst = instrument(extra=extra, personas=personas)
    got = expected_profiles(inst, ["t1_a1", "t1_b1", "t2_a1", "t2_b1", "lik", "dev"])
    expected = pd.DataFrame(
        [[1.0, 0.0, np.nan, np.nan, 1.0, 1.0], [1.0, 0.5, 0.0, 1.0, 3.0, np.nan]],
        index=["pa", "mid"],
        columns=got.columns,
    )
    pd.testing.assert_frame_equal(got, expected)


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 400), min_size=1, max_size=12), data=st.data())
def test_allocation_is_within_one_respondent_of_proportional(sizes, data):
    sizes = np.array(sizes)
    total = data.draw(st.integers(1, int(sizes.sum())))
    counts = allocate(sizes, total)
    assert counts.sum() == total
    assert np.all(np.abs(counts - sizes * total / sizes.sum()) < 1.0)
    assert np.all(counts <= sizes)


def test_stratified_sample_is_proportional_sorted_and_seeded():
    strata = np.repeat([3, 1, 2, 9], [500, 301, 7, 1])
    np.random.default_rng(0).shuffle(strata)
    rows = stratified_positions(strata, 250, np.random.default_rng(5))
    assert len(rows) == 250 and len(np.unique(rows)) == 250
    assert np.all(np.diff(rows) > 0)  # file order
    got = pd.Series(strata[rows]).value_counts()
    share = pd.Series(strata).value_counts() * 250 / len(strata)
    assert (got.reindex(share.index, fill_value=0) - share).abs().max() < 1.0
    again = stratified_positions(strata, 250, np.random.default_rng(5))
    np.testing.assert_array_equal(rows, again)


def test_sample_without_labels_is_stratified_by_a_provisional_clustering():
    features = np.random.default_rng(1).random((400, 6)).astype(np.float32)
    rows, how = draw(features, None, sample_size=50, random_state=0)
    assert len(rows) == 50 and f"{PROXY_CLUSTERS}-cluster k-means" in how
    np.testing.assert_array_equal(rows, draw(features, None, sample_size=50, random_state=0)[0])
    rows, how = draw(features, None, sample_size=400, random_state=0)
    assert len(rows) == 400 and how == "all respondents"


def test_bad_options_are_all_reported_before_any_fit():
    clean, labels = planted_wave()
    with pytest.raises(InputError) as err:
        embed(
            clean,
            labels=labels.iloc[3:],
            random_state="0",
            sample_size=2,
            n_neighbors=1,
            min_dist=-0.5,
        )
    text = str(err.value)
    assert len(err.value.problems) == 5
    for name in ("random_state", "sample_size", "n_neighbors", "min_dist", "no segment label"):
        assert name in text


# --- one fitted map, shared --------------------------------------------------------------


@pytest.fixture(scope="module")
def wave():
    return planted_wave()


@pytest.fixture(scope="module")
def fitted(wave) -> Embedding:
    clean, labels = wave
    return embed(clean, labels=labels, sample_size=SAMPLE, random_state=0)


def test_one_finite_point_per_sampled_respondent(fitted, wave):
    clean, _ = wave
    assert fitted.n == len(clean) == sum(SIZES)
    assert fitted.sample_size == len(fitted.coords) == SAMPLE
    assert fitted.coords.index.is_unique and fitted.coords.index.isin(clean.answers.index).all()
    assert np.isfinite(fitted.coords[["x", "y"]].to_numpy()).all()
    assert fitted.params["max_sample_size"] == SAMPLE
    assert fitted.params["sampling"] == "stratified by segment"
    assert fitted.params["filled_cells"] == MISSING_CELLS


def test_sample_keeps_each_segment_within_one_respondent_of_proportional(fitted, wave):
    _, labels = wave
    got = fitted.coords["segment"].value_counts()
    proportional = labels.value_counts() * SAMPLE / len(labels)
    assert (got.reindex(proportional.index) - proportional).abs().max() <= 1.0
    pd.testing.assert_series_equal(
        fitted.coords["segment"], labels.reindex(fitted.coords.index), check_names=False
    )


def test_every_persona_is_a_finite_landmark_nearest_its_own_segment(fitted):
    marks = fitted.landmarks
    assert list(marks.index) == list(PERSONAS) and list(marks["name"]) == [
        f"The {p.upper()}" for p in PERSONAS
    ]
    assert np.isfinite(marks[["x", "y"]].to_numpy()).all()
    centres = fitted.coords.groupby("segment")[["x", "y"]].median()
    for segment, persona in enumerate(PERSONAS, start=1):
        gaps = np.hypot(*(centres.to_numpy() - marks.loc[persona, ["x", "y"]].to_numpy()).T)
        assert centres.index[np.argmin(gaps)] == segment, persona


def test_metric_frames_and_summary(fitted):
    assert fitted.metric == "hamming"
    points, marks = fitted.to_frames()
    assert list(points.columns) == ["respondent", "x", "y", "segment"]
    assert list(marks.columns) == ["persona", "name", "x", "y"]
    assert len(points) == SAMPLE and len(marks) == len(PERSONAS)
    assert fitted.summary() == {
        "method": "umap",
        "metric": "hamming",
        "n": sum(SIZES),
        "sample_size": SAMPLE,
        "random_state": 0,
        "sampling": "stratified by segment",
    }


def test_with_labels_sets_segments_and_requires_every_respondent(fitted):
    bare = Embedding(
        fitted.coords[["x", "y"]],
        fitted.landmarks,
        fitted.metric,
        fitted.n,
        fitted.sample_size,
        fitted.random_state,
        fitted.params,
    )
    assert bare.to_frames()[0]["segment"].isna().all()
    relabelled = bare.with_labels(pd.Series(7, index=fitted.coords.index[::-1]))
    assert (relabelled.coords["segment"] == 7).all() and "segment" not in bare.coords
    with pytest.raises(InputError, match="no segment label"):
        bare.with_labels(pd.Series(1, index=fitted.coords.index[1:]))


def test_same_seed_gives_identical_coordinates(fitted, wave):
    clean, labels = wave
    again = embed(clean, labels=labels, sample_size=SAMPLE, random_state=0)
    pd.testing.assert_frame_equal(again.coords, fitted.coords, check_exact=True)
    pd.testing.assert_frame_equal(again.landmarks, fitted.landmarks, check_exact=True)


@pytest.mark.slow
def test_background_start_returns_the_direct_result(fitted, wave):
    clean, labels = wave
    result = start_embedding(clean, labels=labels, sample_size=SAMPLE, random_state=0).result(
        timeout=300
    )
    pd.testing.assert_frame_equal(result.coords, fitted.coords, check_exact=True)
    pd.testing.assert_frame_equal(result.landmarks, fitted.landmarks, check_exact=True)
    assert result.params == fitted.params


def test_background_start_can_be_cancelled(wave):
    clean, _ = wave
    future = start_embedding(clean, random_state=0)
    assert future.cancel() and future.cancelled()
    with pytest.raises(CancelledError):
        future.result(timeout=10)

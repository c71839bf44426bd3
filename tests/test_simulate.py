"""Tests for personas.simulate.core: planted segments, dirt, the truth file and wave files."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kmodes.kmodes import KModes
from kneed import KneeLocator
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from personas.errors import InputError
from personas.instrument import load_instrument
from personas.instrument.model import DataMapping, Instrument, Persona, Question, Scale, Tension
from personas.simulate._dirt import duplicate_sources
from personas.simulate.core import Dirt, Truth, load_truth, simulate, write_wave

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "surveys" / "jobsite"
TRUE_WORDS = {"true", "yes", "y", "t", "1"}
FALSE_WORDS = {"false", "no", "n", "f", "0"}


@pytest.fixture(scope="module")
def jobsite() -> Instrument:
    return load_instrument(STUDY / "instrument.yaml")


@pytest.fixture(scope="module")
def truth(jobsite) -> Truth:
    return load_truth(STUDY / "truth.yaml", jobsite)


@pytest.fixture(scope="module")
def big(jobsite, truth):
    """A large jobsite wave with default dirt, for rate checks."""
    return simulate(jobsite, n=5000, random_state=7, truth=truth)


def _mixed_instrument() -> Instrument:
    """A small study with every question type and mapped raw column names."""
    return Instrument(
        study_id="mini",
        title="Mini",
        tensions=(Tension("speed", "Speed", "Fast", "Right"),),
        questions=(
            Question("b1", "b1?", "boolean", tension="speed", pole="a"),
            Question("b2", "b2?", "boolean", tension="speed", pole="b"),
            Question(
                "l1",
                "l1?",
                "likert",
                tension="speed",
                pole="b",
                scale=Scale(1, 5, {1: "Disagree", 5: "Agree"}),
            ),
            Question("c1", "c1?", "choice", options=("mobile", "desktop", "both")),
            Question("n1", "n1?", "number"),
            Question("chk", "Answer 2", "likert", scale=Scale(1, 5), attention=2.0),
        ),
        personas=(
            Persona("fast", "Fast", tensions={"speed": -1.0}, answers={"c1": 0.0}),
            Persona("slow", "Slow", tensions={"speed": 1.0}, answers={"n1": 40.0}),
        ),
        data=DataMapping(columns={"Q_B1": "b1", "Q_L1": "l1"}),
    )


def _as_code(series: pd.Series) -> pd.Series:
    """A boolean column as written -> 1/0/NaN, accepting every spelling the simulator uses."""
    word = series.str.strip().str.lower()
    return pd.Series(
        np.select([word.isin(TRUE_WORDS), word.isin(FALSE_WORDS)], [1.0, 0.0], np.nan),
        index=series.index,
    )


def test_same_seed_gives_identical_wave_and_csv_bytes(jobsite, truth, tmp_path):
    first = simulate(jobsite, n=800, random_state=11, truth=truth)
    second = simulate(jobsite, n=800, random_state=11, truth=truth)
    other = simulate(jobsite, n=800, random_state=12, truth=truth)
    pd.testing.assert_frame_equal(first.data, second.data)
    pd.testing.assert_frame_equal(first.truth, second.truth)
    assert not first.data.equals(other.data)
    a = write_wave(first, tmp_path / "a.csv").read_bytes()
    b = write_wave(second, tmp_path / "b.csv").read_bytes()
    assert a == b


def test_planted_shares_are_recovered_within_tolerance(jobsite, truth, big):
    observed = big.truth["segment"].value_counts(normalize=True)
    for segment in truth.segments:
        assert abs(observed[segment.id] - segment.share) < 0.03, segment.id
    assert list(big.segments["id"]) == [s.id for s in truth.segments]


def test_without_truth_each_persona_is_an_equal_segment(jobsite):
    sim = simulate(jobsite, n=3000, random_state=1, dirt=Dirt.none())
    assert list(sim.segments["id"]) == [p.id for p in jobsite.personas]
    assert np.allclose(sim.segments["share"], 1 / len(jobsite.personas))
    clean = sim.codes.join(sim.truth["segment"])
    perfectionist = clean[clean["segment"] == "perfectionist"]
    # speed b: the pole-b item q02 is mostly True, the pole-a item q01 mostly False
    assert perfectionist["q02"].mean() > 0.8 > 0.2 > perfectionist["q01"].mean()
    # a tension the persona does not mention is answered at random
    assert 0.4 < perfectionist["q09"].mean() < 0.6


def test_dirt_rates_are_within_tolerance(jobsite, big):
    rates = big.truth[["attention_failed", "speeder", "straightliner", "duplicate"]].mean()
    assert abs(rates["attention_failed"] - 0.03) < 0.01
    assert abs(rates["speeder"] - 0.03) < 0.01
    assert abs(rates["straightliner"] - 0.02) < 0.008
    assert abs(rates["duplicate"] - 0.01) < 0.006
    items = [q.id for q in jobsite.items]
    assert abs(big.codes[items].isna().to_numpy().mean() - 0.02) < 0.004
    answered = big.codes.notna().to_numpy().sum()
    assert abs(big.truth["n_respelled"].sum() / answered - 0.10) < 0.01


def test_dirt_flags_match_what_is_in_the_data(jobsite, big):
    data, key, codes = big.data, big.truth, big.codes
    seconds = data["duration_seconds"]
    assert seconds[key["speeder"]].max() < 45 <= 80 <= seconds[~key["speeder"]].min()
    checks = pd.DataFrame({q.id: codes[q.id] == q.attention for q in jobsite.attention_checks})
    assert (~checks.all(axis=1))[key["attention_failed"]].all()
    assert checks.all(axis=1)[~key["attention_failed"]].all()
    items = codes[[q.id for q in jobsite.items]]
    assert (items[key["straightliner"]].nunique(axis=1) == 1).all()
    assert (items[key["clean"]].nunique(axis=1) == 2).mean() > 0.99
    dup_rows = np.flatnonzero(key["duplicate"])
    ids = data["respondent_id"]
    for row in dup_rows[:20]:
        earlier = data.iloc[:row][ids.iloc[:row] == ids.iloc[row]]
        assert len(earlier) == 1
        assert earlier.iloc[0].equals(data.iloc[row])
    assert ids.duplicated().sum() == len(dup_rows)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 300), st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_duplicates_copy_an_earlier_original_row(n, rate, seed):
    source = duplicate_sources(n, rate, np.random.default_rng(seed))
    index = np.arange(n)
    assert source[0] == 0
    assert (source <= index).all()
    assert (source[source] == source).all()  # a copy is never copied from a copy


def test_written_answers_decode_to_the_codes(jobsite, big):
    missing = {str(m) for m in jobsite.data.missing}
    for question in jobsite.questions:
        text = big.data[question.id]
        decoded = _as_code(text)
        np.testing.assert_array_equal(decoded.to_numpy(), big.codes[question.id].to_numpy())
        assert text[decoded.isna()].isin(missing).all()
    spelled = big.data[[q.id for q in jobsite.questions]].stack()
    assert {"True", "False", "Yes", "n", "1", "TRUE", "f", ""} <= set(spelled)
    assert spelled.str.match(r"^\s|.*\s$").any()  # stray spaces


def test_clean_wave_has_no_dirt(jobsite, truth):
    sim = simulate(jobsite, n=500, random_state=3, truth=truth, dirt=Dirt.none())
    assert sim.truth["clean"].all()
    assert sim.truth[["n_missing", "n_respelled"]].to_numpy().sum() == 0
    answers = sim.data[[q.id for q in jobsite.questions]]
    assert set(np.unique(answers.to_numpy())) == {"True", "False"}
    assert sim.data["respondent_id"].is_unique


def test_partial_dirt_overrides_only_the_named_rates(jobsite, truth):
    sim = simulate(jobsite, n=2000, random_state=5, truth=truth, dirt={"speeders": 0.2})
    assert sim.dirt.speeders == 0.2 and sim.dirt.attention == truth.dirt.attention
    assert abs(sim.truth["speeder"].mean() - 0.2) < 0.03


def test_every_question_type_and_mapped_columns():
    inst = _mixed_instrument()
    sim = simulate(inst, n=1000, random_state=2)
    assert list(sim.data.columns) == [
        "respondent_id",
        "duration_seconds",
        "Q_B1",
        "b2",
        "Q_L1",
        "c1",
        "n1",
        "chk",
    ]
    assert set(sim.codes["l1"].dropna()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert set(sim.data["c1"]) <= {"mobile", "desktop", "both", ""}
    fast = sim.codes[(sim.truth["segment"] == "fast") & sim.truth["clean"]]
    slow = sim.codes[(sim.truth["segment"] == "slow") & sim.truth["clean"]]
    assert fast["l1"].mean() < 2.5 < 3.5 < slow["l1"].mean()
    assert (fast["c1"] == 0).mean() > 0.8
    assert abs(slow["n1"].median() - 40) < 2
    wrong = sim.codes.loc[sim.truth["attention_failed"], "chk"]
    assert len(wrong) and (wrong != 2).all()


def test_jobsite_truth_merges_survivor_and_quick_win(truth):
    assert len(truth.segments) == 5
    merged = [s for s in truth.segments if len(s.personas) > 1]
    assert len(merged) == 1
    assert set(merged[0].personas) == {"survivor", "quick_win"}
    assert dict(merged[0].tensions) == {"speed": -1.0, "pay": -1.0}
    planted = [p for s in truth.segments for p in s.personas]
    assert sorted(planted) == sorted(
        ["survivor", "quick_win", "perfectionist", "climber", "free_spirit", "returner"]
    )
    assert abs(sum(truth.shares.values()) - 1) < 1e-9
    assert len(set(truth.shares.values())) > 1


def test_invalid_truth_reports_every_problem_with_its_line(jobsite, tmp_path):
    path = tmp_path / "truth.yaml"
    path.write_text(
        "schema: personas/truth@1\n"
        "noise: 0.7\n"
        "segments:\n"
        "  - id: a\n"
        "    share: 0.5\n"
        "    persona: survivr\n"
        "    tensions: {speed: c, colour: a}\n"
        "    answers: {q01: maybe}\n"
        "  - {id: a, share: 0.5}\n"
    )
    with pytest.raises(InputError) as caught:
        load_truth(path, jobsite)
    found = {(p.line, p.code) for p in caught.value.problems}
    assert {
        (2, "bad-rate"),
        (6, "unknown-persona"),
        (7, "bad-position"),
        (7, "unknown-tension"),
        (8, "segment-answer"),
        (9, "duplicate-id"),
    } <= found
    assert all(p.file == str(path) for p in caught.value.problems)
    assert "Did you mean 'survivor'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema: personas/truth@1\nsegments:\n  - {id: a, share: 0.5}\n", "add up to 0.5"),
        ("schema: personas/truth@9\nsegments:\n  - {id: a, share: 1}\n", "unknown schema"),
        ("schema: personas/truth@1\nsegments: [\n", "YAML syntax error"),
        ("schema: personas/truth@1\nsegments: []\n", "is empty"),
        ("schema: personas/truth@1\nsegment:\n  - {id: a, share: 1}\n", "Did you mean"),
    ],
)
def test_truth_file_mistakes_are_named(jobsite, tmp_path, text, message):
    path = tmp_path / "truth.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)):
        load_truth(path, jobsite)


def test_missing_truth_file_names_the_path(jobsite, tmp_path):
    with pytest.raises(InputError, match="nope.yaml: truth file not found"):
        load_truth(tmp_path / "nope.yaml", jobsite)


def test_drift_shifts_shares_and_adds_a_segment(jobsite, tmp_path):
    path = tmp_path / "truth.yaml"
    path.write_text(
        "schema: personas/truth@1\n"
        "segments:\n"
        "  - {id: fast, share: 0.5, persona: survivor}\n"
        "  - {id: slow, share: 0.5, persona: perfectionist}\n"
        "drift:\n"
        "  w2:\n"
        "    shares: {fast: 0.2}\n"
        "    add: [{id: gig, share: 0.3, tensions: {horizon: a}}]\n"
    )
    truth = load_truth(path, jobsite)
    assert truth.segments[0].tensions == {"speed": -1.0, "pay": -1.0}  # inherited
    assert truth.for_wave("w1") is truth
    shifted = truth.for_wave("w2").shares
    assert shifted == pytest.approx({"fast": 0.2, "slow": 0.5, "gig": 0.3})
    sim = simulate(jobsite, n=4000, random_state=0, truth=truth, wave="w2")
    observed = sim.truth["segment"].value_counts(normalize=True)
    assert abs(observed["gig"] - 0.3) < 0.03 and abs(observed["fast"] - 0.2) < 0.03


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n": 0}, "'n' option"),
        ({"dirt": {"typo": 0.1}}, "unknown dirt kind"),
        ({"dirt": {"missing": 1.5}}, "'missing' must be between 0 and 1"),
    ],
)
def test_bad_options_raise_input_error(jobsite, options, message):
    with pytest.raises(InputError, match=re.escape(message)):
        simulate(jobsite, **options)


def test_truth_built_in_code_is_checked(jobsite):
    bad = Truth.from_personas(jobsite)
    seg = bad.segments[0]
    broken = Truth(segments=(type(seg)(seg.id, seg.name, 1.0, {"colour": 1.0}),))
    with pytest.raises(InputError, match="bad position on 'colour'"):
        simulate(jobsite, truth=broken)


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet"])
def test_write_wave_round_trips_text_formats(jobsite, truth, tmp_path, ext):
    sim = simulate(jobsite, n=300, random_state=4, truth=truth)
    path = write_wave(sim, tmp_path / "waves" / f"w1.{ext}")
    if ext == "csv":
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif ext == "xlsx":
        back = pd.read_excel(path, dtype=str, keep_default_na=False)
    else:
        back = pd.read_parquet(path)
    expected = sim.data.astype({"duration_seconds": str}) if ext != "parquet" else sim.data
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


def test_write_wave_sav_has_numbers_and_value_labels(tmp_path):
    inst = _mixed_instrument()
    sim = simulate(inst, n=300, random_state=4)
    path = write_wave(sim, tmp_path / "w1.data", format="sav")
    back, meta = pyreadstat.read_sav(str(path))
    assert meta.variable_value_labels["Q_B1"] == {1.0: "True", 0.0: "False"}
    assert meta.variable_value_labels["c1"] == {1.0: "mobile", 2.0: "desktop", 3.0: "both"}
    assert meta.column_names_to_labels["Q_B1"] == "b1?"
    assert np.allclose(back["Q_B1"], sim.codes["b1"], equal_nan=True)
    assert np.allclose(back["c1"], sim.codes["c1"] + 1, equal_nan=True)
    assert list(back["respondent_id"]) == list(sim.data["respondent_id"])


def test_write_wave_refuses_to_overwrite(jobsite, truth, tmp_path):
    sim = simulate(jobsite, n=50, random_state=0, truth=truth)
    path = tmp_path / "w1.csv"
    path.write_text("keep me")
    with pytest.raises(InputError, match=re.escape(str(path))):
        write_wave(sim, path)
    assert path.read_text() == "keep me"
    write_wave(sim, path, overwrite=True)
    assert path.read_text().startswith("respondent_id,duration_seconds,q01")


def test_write_wave_rejects_unknown_format(jobsite, truth, tmp_path):
    sim = simulate(jobsite, n=50, random_state=0, truth=truth)
    with pytest.raises(InputError, match="unknown wave format '.txt'"):
        write_wave(sim, tmp_path / "w1.txt")
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_planted_jobsite_segments_are_recoverable(jobsite, truth):
    sim = simulate(jobsite, n=2000, random_state=0, truth=truth)
    keep = sim.truth["clean"].to_numpy()
    items = sim.codes.loc[keep, [q.id for q in jobsite.items]]
    x = items.fillna(items.mode().iloc[0]).to_numpy()
    planted = sim.truth.loc[keep, "segment"].to_numpy()
    inertia = []
    with threadpool_limits(1), warnings.catch_warnings():  # one thread: fast on busy machines
        warnings.simplefilter("ignore")
        for k in range(2, 11):
            fit = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x)
            inertia.append(fit.inertia_)
            if k == 5:
                assert adjusted_rand_score(planted, fit.labels_) >= 0.9
        modes = KModes(n_clusters=5, init="Huang", n_init=10, random_state=0).fit(x)
    knee = KneeLocator(range(2, 11), inertia, curve="convex", direction="decreasing").knee
    assert knee == 5
    assert adjusted_rand_score(planted, modes.labels_) >= 0.9

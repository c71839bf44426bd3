"""Tests of the comparison stage: hand-made personas against data-driven segments."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _compare_factories import (
    JOBSITE,
    JOBSITE_SEGMENTS,
    choice_question,
    jobsite_segmentation,
    likert_question,
    planted,
    relabel,
    segmentation,
    toy_instrument,
)
from personas.compare.core import (
    Comparison,
    compare,
    comparison_summary,
    verdict_paragraph,
    verdict_table,
)
from personas.errors import InputError

TWO_POLES = {"p1": {"tensions": {"t1": "a", "t2": "a"}}, "p2": {"tensions": {"t1": "b", "t2": "b"}}}


def _toy(personas, segments, *, seed=0, noise=0.1, **kw):
    inst = toy_instrument(personas, **kw)
    answers, labels = planted(inst, segments, noise=noise, seed=seed)
    return segmentation(inst, answers, labels)


@pytest.fixture(scope="module")
def jobsite():
    seg = jobsite_segmentation()
    return seg, compare(seg)


# --- expected profiles and similarity -------------------------------------------------------


def test_expected_profile_follows_poles_mid_and_explicit_answers():
    inst = toy_instrument(
        {"p": {"tensions": {"t1": "a", "t2": "mid"}, "answers": {"t3_a1": 0.0, "q_l": 2.0}}},
        extra=(likert_question("q_l", "t1", "b"), likert_question("q_m", "t2", "a")),
    )
    answers, labels = planted(inst, [(20, {}), (20, {})])
    c = compare(segmentation(inst, answers, labels))
    row = c.expected.loc["p"]
    assert row[["t1_a1", "t1_a2"]].tolist() == [1.0, 1.0]
    assert row[["t1_b1", "t1_b2"]].tolist() == [0.0, 0.0]
    assert row[["t2_a1", "t2_b2"]].tolist() == [0.5, 0.5]
    assert row["q_m"] == 3.0  # mid on a 1..5 scale
    assert row["q_l"] == 2.0  # the explicit answer overrides pole b (which would be 5)
    assert row["t3_a1"] == 0.0
    assert row[["t3_a2", "t3_b1", "t3_b2"]].isna().all()  # silent questions are left out
    # positions read back from the expected answers: the explicit answer pulls t1 off the pole
    # (4 items at pole a, q_l at 1/4 of the way to pole b: 2 * (0.25 / 5) - 1)
    assert c.persona_tensions.loc["p", "t1"] == pytest.approx(-0.9)
    assert c.persona_tensions.loc["p", "t2"] == pytest.approx(0.0)
    assert c.persona_tensions.loc["p", "t3"] == 1.0  # a "False" to a pole-a item leans to b


def test_random_answers_do_not_look_like_a_pole():
    seg = _toy(
        {"pole": {"tensions": {"t1": "a"}}},
        [(600, {"t1": "a"}), (600, {})],  # segment 2 answers t1 50/50
    )
    c = compare(seg)
    assert c.similarity.loc["pole", 1] == pytest.approx(0.9, abs=0.03)
    assert c.similarity.loc["pole", 2] == pytest.approx(0.5, abs=0.04)
    assert c.verdict("pole").segments == (1,)
    assert 2 in c.new_segments


def test_likert_similarity_is_one_minus_scaled_distance():
    q = likert_question("l1", "t1", "a")
    inst = toy_instrument({"p": {"tensions": {"t1": "a"}}}, tensions=("t1",), extra=(q,))
    answers, labels = planted(inst, [(50, {}), (50, {})], seed=3)
    seg = segmentation(inst, answers, labels)
    c = compare(seg)
    means = answers.groupby(labels).mean()
    expected = pd.Series({"t1_a1": 1.0, "t1_a2": 1.0, "t1_b1": 0.0, "t1_b2": 0.0, "l1": 5.0})
    spans = pd.Series({"t1_a1": 1, "t1_a2": 1, "t1_b1": 1, "t1_b2": 1, "l1": 4})
    for k in (1, 2):
        manual = (1 - (expected - means.loc[k, expected.index]).abs() / spans).mean()
        assert c.similarity.loc["p", k] == pytest.approx(manual)


def test_choice_similarity_is_share_choosing_the_expected_option():
    inst = toy_instrument(
        {"mobile": {"answers": {"device": 0.0}}},
        tensions=("t1",),
        extra=(choice_question("device"),),
    )
    answers, labels = planted(inst, [(40, {}), (60, {})], seed=1)
    c = compare(segmentation(inst, answers, labels))
    shares = (answers["device"] == 0.0).groupby(labels).mean()
    assert c.similarity.loc["mobile"].tolist() == pytest.approx(shares.tolist())


def test_coverage_matches_a_per_respondent_count():
    seg = _toy(TWO_POLES, [(150, {"t1": "a", "t2": "a"}), (150, {"t1": "b", "t2": "b"})], seed=4)
    c = compare(seg, coverage_threshold=0.75)
    answers = seg.clean.answers
    for pid in ("p1", "p2"):
        e = c.expected.loc[pid].dropna()
        agree = [(row[e.index] == e).mean() >= 0.75 for _, row in answers.iterrows()]
        assert c.coverage[pid] == pytest.approx(np.mean(agree))
    assert 0.3 < c.coverage["p1"] < 0.6


# --- verdicts ---------------------------------------------------------------------------------


def test_confirmed():
    seg = _toy(TWO_POLES, [(200, {"t1": "a", "t2": "a"}), (200, {"t1": "b", "t2": "b"})])
    c = compare(seg)
    assert [v.verdict for v in c.verdicts] == ["confirmed", "confirmed"]
    assert c.verdict("p1").segments == (1,) and c.verdict("p2").segments == (2,)
    assert c.new_segments == ()
    assert c.segment(1).name.text == "The P1" and c.segment(1).name.source == "suggested"
    assert "The P1 agrees" in c.verdict("p1").reason and "segment 1" in c.verdict("p1").reason


def test_merged_names_every_persona_of_the_merge():
    personas = {
        "fast": {"name": "The Fast", "tensions": {"t1": "a"}},
        "quick": {"name": "The Quick", "tensions": {"t1": "a"}},
        "slow": {"name": "The Slow", "tensions": {"t1": "b"}},
    }
    seg = _toy(personas, [(200, {"t1": "a"}), (200, {"t1": "b"})])
    c = compare(seg)
    assert c.verdict("fast").verdict == "merged" and c.verdict("quick").verdict == "merged"
    assert c.verdict("fast").merged_with == ("quick",)
    assert c.verdict("quick").merged_with == ("fast",)
    assert c.verdict("fast").segments == (1,) == c.verdict("quick").segments
    assert c.verdict("slow").verdict == "confirmed"
    reason = c.verdict("quick").reason
    assert "The Fast" in reason and "The Quick" in reason and "segment 1" in reason
    assert c.segment(1).personas == ("fast", "quick")
    assert c.segment(1).name.text == "The Fast + The Quick"


def test_merged_reason_names_questions_they_differ_on():
    personas = {
        "x": {"name": "X", "tensions": {"t1": "a", "t2": "a"}},
        "y": {"name": "Y", "tensions": {"t1": "a", "t2": "b"}},
        "z": {"name": "Z", "tensions": {"t1": "b"}},
    }
    seg = _toy(personas, [(300, {"t1": "a"}), (300, {"t1": "b"})], noise=0.02)
    c = compare(seg, confirm=0.7)
    assert c.verdict("x").verdict == "merged"
    assert "does not take sides" in c.verdict("x").reason
    assert "t2_a1" in c.verdict("x").reason


def test_split():
    personas = {
        "wide": {"name": "The Wide", "tensions": {"t1": "a"}},
        "other": {"name": "The Other", "tensions": {"t1": "b", "t3": "b"}},
    }
    seg = _toy(
        personas,
        [
            (200, {"t1": "a", "t2": "a"}),
            (200, {"t1": "a", "t2": "b"}),
            (200, {"t1": "b", "t3": "b"}),
        ],
    )
    c = compare(seg)
    v = c.verdict("wide")
    assert v.verdict == "split" and v.segments == (1, 2)
    assert "T2 label" in v.reason  # the tension the two segments differ on
    assert c.verdict("other").verdict == "confirmed"
    names = {c.segment(1).name.text, c.segment(2).name.text}
    assert names == {"The Wide – t2 pole a", "The Wide – t2 pole b"}


def test_unsupported_persona_and_its_reason():
    personas = dict(TWO_POLES, nomad={"name": "The Nomad", "tensions": {"t3": "b"}})
    seg = _toy(personas, [(200, {"t1": "a", "t2": "a", "t3": "a"}), (200, {"t1": "b", "t2": "b"})])
    c = compare(seg)
    v = c.verdict("nomad")
    assert v.verdict == "unsupported" and v.segments == ()
    assert v.reason.startswith("No segment agrees more than")
    assert "The Nomad" in v.reason and f"closest is segment {v.closest}" in v.reason
    assert v.closest == 2  # 50/50 on t3 is closer to pole b than a segment at pole a
    assert verdict_table(c)[2][2] == "none (closest 2)"


def test_persona_speaking_to_no_item_is_unsupported():
    inst = toy_instrument({"p": {"answers": {"gone": 1.0}}}, tensions=("t1",))
    answers, labels = planted(inst, [(30, {"t1": "a"})])
    c = compare(segmentation(inst, answers, labels))
    assert c.verdict("p").verdict == "unsupported"
    assert c.verdict("p").similarity is None
    assert "speaks to none" in c.verdict("p").reason


def test_planted_segment_without_persona_is_new():
    seg = _toy(
        TWO_POLES,
        [
            (200, {"t1": "a", "t2": "a"}),
            (200, {"t1": "b", "t2": "b"}),
            (150, {"t3": "b", "t2": "mid"}),
        ],
    )
    c = compare(seg)
    assert c.new_segments == (3,)
    assert c.segment(3).new and c.segment(3).persona is None and c.segment(3).personas == ()
    assert c.segment(3).name.text.startswith("t3 pole b")
    assert "No hand-made persona agrees" in c.segment(3).reason
    # one wording with the report (compare.plain): the new persona is counted, and named in
    # its own report section and segment entry, not in the lead paragraph
    assert verdict_paragraph(c).endswith(
        "The data shows one new persona that no hand-made persona describes."
    )


def test_verdicts_and_numbers_invariant_to_permuting_segment_labels():
    seg = _toy(
        dict(TWO_POLES, q={"tensions": {"t1": "a", "t2": "a"}}, w={"tensions": {"t3": "b"}}),
        [
            (200, {"t1": "a", "t2": "a"}),
            (150, {"t1": "b", "t2": "b", "t3": "a"}),
            (120, {"t1": "b", "t2": "b", "t3": "b"}),
            (100, {"t3": "a", "t1": "mid"}),
        ],
    )
    perm = {1: 3, 2: 1, 3: 4, 4: 2}
    a, b = compare(seg), compare(relabel(seg, perm))
    pd.testing.assert_frame_equal(
        a.similarity.rename(columns=perm).sort_index(axis=1), b.similarity
    )
    pd.testing.assert_series_equal(a.coverage, b.coverage)
    pd.testing.assert_frame_equal(a.tension_separation, b.tension_separation)
    for va, vb in zip(a.verdicts, b.verdicts, strict=True):
        assert (va.verdict, va.merged_with, va.similarity) == (
            vb.verdict,
            vb.merged_with,
            vb.similarity,
        )
        assert sorted(perm[k] for k in va.segments) == list(vb.segments)
    assert sorted(perm[k] for k in a.new_segments) == list(b.new_segments)
    for s in a.segments:
        t = b.segment(perm[s.segment])
        assert (s.personas, s.name.text, s.similarity) == (t.personas, t.name.text, t.similarity)


# --- the jobsite case study -----------------------------------------------------------------


def test_jobsite_survivor_and_quick_win_merge_the_others_are_confirmed(jobsite):
    seg, c = jobsite
    verdicts = {v.persona: v.verdict for v in c.verdicts}
    assert verdicts == {
        "survivor": "merged",
        "quick_win": "merged",
        "perfectionist": "confirmed",
        "climber": "confirmed",
        "free_spirit": "confirmed",
        "returner": "confirmed",
    }
    for pid in ("survivor", "quick_win"):
        assert "The Survivor" in c.verdict(pid).reason and "The Quick Win" in c.verdict(pid).reason
    assert c.verdict("survivor").segments == c.verdict("quick_win").segments == (1,)
    merged = c.segment(1)
    assert merged.personas == ("survivor", "quick_win")
    assert merged.name.text == "The Survivor + The Quick Win"
    assert c.new_segments == ()
    # each persona's planted segment agrees far more than any other segment
    s = c.similarity
    for pid, k in [("perfectionist", 2), ("climber", 3), ("free_spirit", 4), ("returner", 5)]:
        assert c.verdict(pid).segments == (k,)
        assert s.loc[pid, k] >= 0.85 and s.loc[pid].drop(k).max() < 0.7


def test_jobsite_tensions_and_separation(jobsite):
    seg, c = jobsite
    assert list(c.segment_tensions.columns) == [t.id for t in seg.instrument.tensions]
    assert (
        c.segment_tensions.loc[1, "speed"] < -0.6 and abs(c.segment_tensions.loc[1, "place"]) < 0.2
    )
    assert c.persona_tensions.loc["survivor"].dropna().to_dict() == {"speed": -1.0, "pay": -1.0}
    sep = c.tension_separation
    assert sep["separation"].is_monotonic_decreasing
    assert sep["separation"].between(0, 1).all() and len(sep) == 6


def test_separation_ranks_a_separating_tension_above_a_random_one():
    seg = _toy({}, [(200, {"t1": "a"}), (200, {"t1": "b"})])
    sep = compare(seg).tension_separation.set_index("tension")["separation"]
    assert sep.index[0] == "t1" and sep["t1"] > 0.5
    assert sep["t2"] < 0.02 and sep["t3"] < 0.02


def test_jobsite_paragraph_table_and_summary(jobsite):
    seg, c = jobsite
    text = verdict_paragraph(c)
    # the report's wording, one for report, journal and API (personas.compare.plain)
    assert text.startswith(
        f"The answers of {len(seg.labels):,} respondents fall into 5 data-driven personas. "
    )
    assert "4 of the 6 hand-made personas are confirmed." in text
    assert "The Survivor and The Quick Win merge into one: the data cannot tell" in text
    assert text.endswith("No new persona appeared.")
    table = verdict_table(c)
    assert table[0][:3] == ("The Survivor", "merged", "1")
    assert all(row[3].endswith("%") for row in table)
    summary = comparison_summary(c)
    json.dumps(summary)  # plain JSON types only
    assert set(summary) == {
        "segments",
        "personas",
        "new_segments",
        "unstable_segments",
        "clear_segments",
        "similarity",
        "tensions",
        "thresholds",
    }
    assert summary["segments"][1] == {
        "persona": "survivor",
        "personas": ["survivor", "quick_win"],
        "similarity": c.similarity.loc["survivor", 1],
        "name": "The Survivor + The Quick Win",
    }
    first = summary["personas"][0]
    assert set(first) == {
        "id",
        "name",
        "summary",
        "verdict",
        "segments",
        "similarity",
        "coverage",
        "merged_with",
        "reason",
        "tensions",
        "stability",
    }
    assert first["merged_with"] == ["quick_win"] and first["segments"] == [1]
    assert summary["similarity"]["segments"] == [1, 2, 3, 4, 5]
    assert np.allclose(summary["similarity"]["values"], c.similarity.to_numpy())
    assert summary["thresholds"] == {"confirm": 0.75, "coverage_threshold": 0.8}
    assert [t["id"] for t in summary["tensions"]] == c.tension_separation["tension"].tolist()


def test_jobsite_merge_survives_permutation_and_other_seeds():
    for seed in (1, 2):
        seg = jobsite_segmentation(seed=seed)
        perm = {1: 4, 2: 5, 3: 1, 4: 2, 5: 3}
        c = compare(relabel(seg, perm))
        assert c.verdict("survivor").segments == (4,) == c.verdict("quick_win").segments
        assert c.count("confirmed") == 4 and c.count("merged") == 2


# --- options, determinism, no mutation --------------------------------------------------------


def test_thresholds_recorded_and_change_the_verdicts(jobsite):
    seg, _ = jobsite
    strict = compare(seg, confirm=0.95, coverage_threshold=0.9)
    assert dict(strict.thresholds) == {"confirm": 0.95, "coverage_threshold": 0.9}
    assert strict.count("unsupported") == 6 and len(strict.new_segments) == 5


@pytest.mark.parametrize("bad", [0, 1.5, -0.1, float("nan"), "high", True])
def test_bad_threshold_is_an_input_error(jobsite, bad):
    seg, _ = jobsite
    with pytest.raises(InputError, match="'confirm' option must be a number in"):
        compare(seg, confirm=bad)


def test_deterministic_and_does_not_mutate(jobsite):
    seg, c = jobsite
    before = seg.clean.answers.copy(), [p.means.copy() for p in seg.profiles]
    again = compare(seg)
    assert json.dumps(comparison_summary(again), sort_keys=True) == json.dumps(
        comparison_summary(c), sort_keys=True
    )
    pd.testing.assert_frame_equal(seg.clean.answers, before[0])
    for p, m in zip(seg.profiles, before[1], strict=True):
        pd.testing.assert_series_equal(p.means, m)
    assert isinstance(c, Comparison) and "4 confirmed, 2 merged" in repr(c)


def test_jobsite_segments_constant_matches_the_instrument_personas(jobsite):
    seg, _ = jobsite
    planted_positions = [spec for _, spec in JOBSITE_SEGMENTS]
    for persona in seg.instrument.personas:
        as_words = {t: "a" if x < 0 else "b" for t, x in persona.tensions.items()}
        assert as_words in planted_positions


def test_no_personas_every_segment_is_new():
    c = compare(_toy({}, [(50, {"t1": "a"}), (50, {"t1": "b"})]))
    assert c.new_segments == (1, 2) and c.verdicts == ()
    assert {c.segment(1).name.text, c.segment(2).name.text} == {"t1 pole a", "t1 pole b"}
    assert "There are no hand-made personas to compare with." in verdict_paragraph(c)
    assert "The data shows two new personas" in verdict_paragraph(c)
    assert comparison_summary(c)["similarity"] == {"personas": [], "segments": [1, 2], "values": []}


def test_single_segment():
    c = compare(_toy({"p": {"tensions": {"t1": "a"}}}, [(50, {"t1": "a"})]))
    assert c.verdict("p").verdict == "confirmed" and "the only segment" in c.verdict("p").reason
    assert verdict_paragraph(c).startswith(
        "The answers of 50 respondents fall into 1 data-driven persona. "
        "1 of the 1 hand-made persona is confirmed."
    )
    assert (c.tension_separation["separation"] == 0).all()
    assert repr(c) == "Comparison(1 persona × 1 segment: 1 confirmed; 0 new)"


@pytest.fixture(scope="module")
def four_segments():
    return _toy(
        dict(TWO_POLES, q={"tensions": {"t1": "a", "t2": "a"}}, w={"tensions": {"t3": "b"}}),
        [
            (200, {"t1": "a", "t2": "a"}),
            (150, {"t1": "b", "t2": "b", "t3": "a"}),
            (120, {"t1": "b", "t2": "b", "t3": "b"}),
            (100, {"t3": "a", "t1": "mid"}),
        ],
        seed=5,
    )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations([1, 2, 3, 4]))
def test_any_relabelling_permutes_the_result(four_segments, order):
    perm = dict(zip([1, 2, 3, 4], order, strict=True))
    a, b = compare(four_segments), compare(relabel(four_segments, perm))
    assert ((b.similarity >= 0) & (b.similarity <= 1)).all().all()

    def unlabelled(summary, relabel=None):  # reasons name segment numbers: left out here
        return [
            dict(p, reason=None, segments=sorted((relabel or {}).get(k, k) for k in p["segments"]))
            for p in summary["personas"]
        ]

    assert unlabelled(comparison_summary(b)) == unlabelled(comparison_summary(a), perm)
    assert set(b.new_segments) == {perm[k] for k in a.new_segments}


# --- end to end: simulate the jobsite wave, read, clean, segment, compare ---------------------


@pytest.fixture(scope="module")
def jobsite_wave(tmp_path_factory):
    from personas.cleaning import clean
    from personas.instrument import load_instrument
    from personas.io import read_responses
    from personas.simulate.core import load_truth, simulate, write_wave

    inst = load_instrument(JOBSITE)
    truth = load_truth(JOBSITE / "truth.yaml", inst)
    sim = simulate(inst, n=2000, random_state=0, truth=truth)
    path = write_wave(sim, tmp_path_factory.mktemp("jobsite") / "wave-1.csv")
    return clean(read_responses(path, inst))


@pytest.mark.parametrize("method", ["kmodes", "kmeans"])
def test_end_to_end_jobsite_wave_gives_the_case_study_verdicts(jobsite_wave, method):
    from personas.segment.core import segment

    seg = segment(jobsite_wave, k=5, method=method, random_state=0, n_boot=0)
    c = compare(seg)
    verdicts = {v.persona: v.verdict for v in c.verdicts}
    assert verdicts == {
        "survivor": "merged",
        "quick_win": "merged",
        "perfectionist": "confirmed",
        "climber": "confirmed",
        "free_spirit": "confirmed",
        "returner": "confirmed",
    }
    assert c.verdict("survivor").segments == c.verdict("quick_win").segments
    assert c.new_segments == ()
    assert "The Survivor and The Quick Win merge into one:" in verdict_paragraph(c)


def test_a_new_segment_is_not_named_with_the_words_of_an_unmatched_persona(jobsite):
    """Below the threshold, the Survivor and the Quick Win both come closest to one segment:
    its name says so instead of printing their own poles ("Find a job quickly, ...")."""
    seg, _ = jobsite
    strict = compare(seg, confirm=0.95, coverage_threshold=0.9)
    names = {k: strict.segment(k).name.text for k in strict.new_segments}
    both = [t for t in names.values() if "The Survivor" in t and "The Quick Win" in t]
    assert len(both) == 1 and both[0].startswith("Close to ") and " and " in both[0]
    assert not any("quickly" in t.lower() for t in names.values())
    for k in strict.new_segments:
        nearest = strict.segment(k).nearest
        if names[k].startswith("Close to "):
            assert strict.verdict(nearest).verdict == "unsupported"
            assert seg.instrument.persona(nearest).name in names[k]

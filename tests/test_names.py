"""Tests of names.yaml: reading it, and naming segments so names survive renumbering."""

from __future__ import annotations

import textwrap

import pytest

from _compare_factories import jobsite_segmentation, planted, relabel, segmentation, toy_instrument
from personas.compare.core import compare, comparison_summary
from personas.compare.names import SCHEMA, NameEntry, Names, apply_names, load_names
from personas.errors import DataWarning, InputError

PERM = {1: 3, 2: 5, 3: 1, 4: 2, 5: 4}


def _write(tmp_path, body: str, name="names.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def jobsite():
    return jobsite_segmentation()


GOOD = f"""
schema: {SCHEMA}
names:
  - name: "Fast earners"
    persona: quick_win
  - name: "Free agents"
    profile: {{q13: true, q15: yes, q10: true, q12: true}}
  - name: "Ladder climbers"
    tensions: {{horizon: b, security: a}}
"""


def test_load_names_reads_entries_as_codes(tmp_path, jobsite):
    names = load_names(_write(tmp_path, GOOD), jobsite.instrument)
    assert len(names) == 3 and names.path.name == "names.yaml"
    first, second, third = names.entries
    assert (first.name, first.persona, first.line) == ("Fast earners", "quick_win", 3)
    assert dict(second.answers) == {"q13": 1.0, "q15": 1.0, "q10": 1.0, "q12": 1.0}
    assert dict(third.tensions) == {"horizon": 1.0, "security": -1.0}
    assert first.key == "persona: quick_win" and second.key == "profile: q13, q15, q10, q12"


def test_names_applied_by_persona_and_by_profile(tmp_path, jobsite):
    c = compare(jobsite, names=_write(tmp_path, GOOD))
    merged = c.segment(1)  # the Survivor + Quick Win segment: found through quick_win
    assert merged.name.text == "Fast earners" and merged.name.source == "user"
    assert merged.name.key == "persona: quick_win" and merged.name.line == 3
    assert c.segment(4).name.text == "Free agents"  # the Free Spirit's segment
    assert c.segment(3).name.text == "Ladder climbers"  # the Career Climber's segment
    assert c.segment(2).name.text == "The Perfectionist"
    assert c.segment(2).name.source == "suggested"
    assert comparison_summary(c)["segments"][1]["name"] == "Fast earners"
    assert any("Segment 1 is named “Fast earners” by names.yaml:3" in j for j in c.journal)


def test_names_survive_a_permutation_of_segment_ids(tmp_path, jobsite):
    path = _write(tmp_path, GOOD)
    a = compare(jobsite, names=path)
    b = compare(relabel(jobsite, PERM), names=path)
    for s in a.segments:
        t = b.segment(PERM[s.segment])
        assert (t.name.text, t.name.source, t.name.key) == (s.name.text, s.name.source, s.name.key)


def test_names_carry_over_to_a_later_wave(tmp_path):
    path = _write(tmp_path, GOOD)
    wave1, wave2 = jobsite_segmentation(seed=1), relabel(jobsite_segmentation(seed=7), PERM)
    named = []
    for seg in (wave1, wave2):
        c = compare(seg, names=load_names(path, seg.instrument))
        named.append({s.name.text: s.personas for s in c.segments if s.name.source == "user"})
    assert named[0] == named[1]
    assert named[0]["Fast earners"] == ("survivor", "quick_win")
    assert named[0]["Free agents"] == ("free_spirit",)


def test_apply_names_replaces_earlier_user_names(tmp_path, jobsite):
    c = compare(jobsite, names=_write(tmp_path, GOOD))
    other = Names((NameEntry("Dreamers", persona="perfectionist", line=2),))
    again = apply_names(c, other)
    assert again.segment(2).name.text == "Dreamers"
    assert again.segment(1).name.text == "The Survivor + The Quick Win"
    assert again.segment(1).name.source == "suggested"


def test_two_entries_for_one_merged_segment_the_first_wins(tmp_path, jobsite):
    path = _write(
        tmp_path,
        f"""
        schema: {SCHEMA}
        names:
          - {{name: "Survivors", persona: survivor}}
          - {{name: "Quick winners", persona: quick_win}}
        """,
    )
    with pytest.warns(DataWarning, match="segment 1 is named “Survivors” by names.yaml:3"):
        c = compare(jobsite, names=path)
    assert c.segment(1).name.text == "Survivors"


def test_entry_that_fits_no_segment_warns_and_is_journalled(tmp_path):
    inst = toy_instrument({"p": {"tensions": {"t1": "a"}}, "gone": {"tensions": {"t3": "b"}}})
    answers, labels = planted(inst, [(200, {"t1": "a"}), (200, {"t1": "b", "t3": "a"})])
    seg = segmentation(inst, answers, labels)
    path = _write(
        tmp_path,
        f"""
        schema: {SCHEMA}
        names:
          - {{name: "Ghosts", persona: gone}}
          - {{name: "Pole b people", profile: {{t2_b1: true, t2_b2: true}}}}
        """,
    )
    with pytest.warns(DataWarning) as caught:
        c = compare(seg, names=path)
    messages = [str(w.message) for w in caught]
    assert any("“Ghosts”" in m and "unsupported" in m for m in messages)
    assert any("“Pole b people”" in m and "no segment agrees 75% or more" in m for m in messages)
    assert all(s.name.source == "suggested" for s in c.segments)
    assert sum("names no segment" in j for j in c.journal) == 2


def test_user_name_equal_to_a_suggestion_keeps_names_unique(tmp_path, jobsite):
    path = _write(
        tmp_path,
        f"""
        schema: {SCHEMA}
        names: [{{name: "The Perfectionist", persona: climber}}]
        """,
    )
    c = compare(jobsite, names=path)
    texts = [s.name.text for s in c.segments]
    assert len(set(texts)) == len(texts)
    assert c.segment(3).name.text == "The Perfectionist"
    assert c.segment(2).name.text == "The Perfectionist (2)"


BAD = """
schema: personas/names@2
names:
  - name: "Fast earners"
    persona: quick_wn
  - name: "Free agents"
    profile: {q13: maybe, q99: true}
  - persona: climber
  - name: "Fast earners"
    persona: survivor
    profile: {q01: true}
  - name: "Odd"
    colour: red
    tensions: {speed: c}
"""


def test_bad_names_file_reports_every_problem_with_its_line(tmp_path, jobsite):
    with pytest.raises(InputError) as info:
        load_names(_write(tmp_path, BAD), jobsite.instrument)
    problems = info.value.problems
    where = {(p.code, p.line) for p in problems}
    assert ("schema", 1) in where
    assert ("unknown-persona", 4) in where
    assert ("bad-answer", 6) in where and ("unknown-question", 6) in where
    assert ("missing-key", 7) in where  # no name
    assert ("ambiguous-entry", 9) in where and ("duplicate-name", 8) in where
    assert ("unknown-key", 12) in where and ("bad-position", 13) in where
    assert all(p.file.endswith("names.yaml") for p in problems)
    text = str(info.value)
    assert "names.yaml:4:" in text and "Did you mean 'quick_win'?" in text


@pytest.mark.parametrize(
    ("body", "code", "line"),
    [
        ("schema: personas/names@1\nnames:\n  - name: [unclosed\n", "yaml-syntax", 4),
        ("", "empty", 1),
        ("names: []\n", "missing-key", 1),
        (f"schema: {SCHEMA}\nnames: {{a: 1}}\n", "wrong-type", 2),
        (
            f"schema: {SCHEMA}\nnames:\n  - {{name: X, persona: survivor}}\n"
            "  - {name: Y, persona: survivor}\n",
            "duplicate-persona",
            4,
        ),
        (f"schema: {SCHEMA}\nnames:\n  - {{name: '  ', persona: survivor}}\n", "empty-name", 3),
        (f"schema: {SCHEMA}\nnames:\n  - {{name: X, profile: {{}}}}\n", "wrong-type", 3),
    ],
)
def test_each_bad_input_is_located(tmp_path, jobsite, body, code, line):
    path = tmp_path / "names.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_names(path, jobsite.instrument)
    assert (code, line) in {(p.code, p.line) for p in info.value.problems}


def test_missing_file_is_an_input_error(tmp_path, jobsite):
    with pytest.raises(InputError, match="file not found"):
        load_names(tmp_path / "nope.yaml", jobsite.instrument)


def test_file_order_breaks_ties_whichever_entry_comes_first(tmp_path, jobsite):
    for first, second in (("survivor", "quick_win"), ("quick_win", "survivor")):
        path = _write(
            tmp_path,
            f"""
            schema: {SCHEMA}
            names:
              - {{name: "First", persona: {first}}}
              - {{name: "Second", persona: {second}}}
            """,
        )
        with pytest.warns(DataWarning, match="“Second”"):
            c = compare(jobsite, names=path)
        assert c.segment(1).name.text == "First"

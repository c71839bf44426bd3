"""Tests for personas.instrument.load: loading, codes, and located validation problems."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personas.errors import InputError
from personas.instrument import describe, load_instrument
from personas.instrument.model import Instrument

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "instruments"
SMALL = (FIXTURES / "small.yaml").read_text(encoding="utf-8")


def pos(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of ``needle``'s n-th occurrence in ``text``.

    A ``|`` in the needle marks the exact spot: ``"pole: |b"`` is the position of ``b``.
    """
    offset = needle.index("|") if "|" in needle else 0
    needle = needle.replace("|", "")
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    start += offset
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column


def variant(tmp_path: Path, old: str, new: str, *, count: int = 1) -> tuple[str, str]:
    """Write small.yaml with ``old`` replaced by ``new``; return (path as given, text)."""
    assert SMALL.count(old) >= count, f"fixture does not contain {old!r}"
    text = SMALL.replace(old, new, count)
    path = tmp_path / "instrument.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path), text


def problems_of(path: str, code: str | None = None) -> list:
    with pytest.raises(InputError) as info:
        load_instrument(path)
    problems = info.value.problems
    return [p for p in problems if code is None or p.code == code]


def assert_located(problem, path: str, text: str, needle: str, occurrence: int = 1) -> None:
    line, column = pos(text, needle, occurrence)
    assert (problem.file, problem.line, problem.column) == (path, line, column)
    assert str(problem).startswith(f"{path}:{line}:{column}: ")
    assert problem.hint


# ---------------------------------------------------------------- loading valid files


def test_jobsite_loads_with_counts_and_codes():
    instrument = load_instrument(ROOT / "surveys" / "jobsite")
    assert isinstance(instrument, Instrument)
    assert len(instrument.tensions) == 6
    assert len(instrument.questions) == 26
    assert len(instrument.items) == 24
    assert len(instrument.attention_checks) == 2
    assert len(instrument.personas) == 6
    survivor = instrument.persona("survivor")
    assert dict(survivor.tensions) == {"speed": -1.0, "pay": -1.0}
    assert instrument.question("check1").attention == 0.0
    assert instrument.question("check2").attention == 1.0
    assert instrument.cleaning.min_duration_seconds == 45.0
    for tension in instrument.tensions:
        poles = {q.pole for q in instrument.questions_of(tension.id)}
        assert poles == {"a", "b"}


def test_folder_and_file_give_the_same_instrument():
    folder = load_instrument(ROOT / "surveys" / "jobsite")
    file = load_instrument(str(ROOT / "surveys" / "jobsite" / "instrument.yaml"))
    assert folder == file
    assert folder.path == ROOT / "surveys" / "jobsite" / "instrument.yaml"


def test_small_fixture_codes_every_type():
    instrument = load_instrument(FIXTURES / "small.yaml")
    survivor, seeker = instrument.personas
    assert dict(survivor.tensions) == {"speed": -1.0, "pay": -0.5}
    assert dict(survivor.answers) == {"device": 0.0, "q1": 1.0}
    assert dict(seeker.tensions) == {"speed": 1.0, "pay": 0.0}
    assert dict(seeker.answers) == {"q2": 4.0, "age": 35.0}
    assert instrument.question("check2").attention == 5.0
    assert instrument.question("q2").scale.labels[1] == "Strongly disagree"
    assert instrument.question("device").options == ("mobile", "desktop", "both")
    assert dict(instrument.data.columns) == {"Q1": "q1", "Q2": "q2"}
    assert instrument.data.missing == (-99, "", "NA", "Don't know")
    assert instrument.cleaning.invalid == "missing"
    assert instrument.cleaning.impute == "none"


def test_yaml_words_stay_text_where_text_is_meant(tmp_path):
    text = SMALL.replace("[mobile, desktop, both]", "[yes, no, 01]").replace("mobile", "01")
    (tmp_path / "instrument.yaml").write_text(text, encoding="utf-8")
    instrument = load_instrument(tmp_path)
    assert instrument.question("device").options == ("yes", "no", "01")
    assert instrument.persona("survivor").answers["device"] == 2.0


def test_describe_counts_all_questions_and_names_checks():
    instrument = load_instrument(ROOT / "surveys" / "jobsite")
    assert describe(instrument) == (
        "jobsite: 6 tensions, 26 questions (2 attention checks), 6 personas — OK"
    )


def test_unsafe_yaml_tags_are_refused(tmp_path):
    path, text = variant(
        tmp_path, 'title: "A small study"', "title: !!python/object/apply:os.getcwd []"
    )
    (problem,) = problems_of(path, "yaml-syntax")
    assert_located(problem, path, text, "!!python")


def test_missing_file_and_folder_without_instrument(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_instrument(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="no instrument.yaml"):
        load_instrument(tmp_path)


# ---------------------------------------------------------------- located problems


def test_syntax_error_is_located():
    path = str(FIXTURES / "syntax_error.yaml")
    text = Path(path).read_text(encoding="utf-8")
    (problem,) = problems_of(path)
    assert problem.code == "yaml-syntax"
    assert_located(problem, path, text, "this|: broken")


def test_tab_indentation_gets_a_hint(tmp_path):
    path, text = variant(tmp_path, "    type: number", "\ttype: number")
    (problem,) = problems_of(path)
    assert_located(problem, path, text, "\ttype")
    assert "tabs" in problem.hint


def test_five_mistakes_are_reported_at_once():
    path = str(FIXTURES / "five_mistakes.yaml")
    text = Path(path).read_text(encoding="utf-8")
    problems = problems_of(path)
    assert [p.code for p in problems] == [
        "unknown-type",
        "unknown-tension",
        "duplicate-id",
        "bad-position",
        "cleaning",
    ]
    needles = ["bool,", "sped", "q1, type: boolean, tension: speed, pole: b", "c}", "1.5"]
    for problem, needle in zip(problems, needles, strict=True):
        assert_located(problem, path, text, needle)
    assert "first used on line 7" in problems[2].message


def test_unknown_type_message_matches_house_style(tmp_path):
    path, text = variant(tmp_path, "type: number", "type: numbr")
    (problem,) = problems_of(path, "unknown-type")
    assert_located(problem, path, text, "numbr")
    assert str(problem) == (
        f"{path}:{pos(text, 'numbr')[0]}:{pos(text, 'numbr')[1]}: question 'age' has unknown "
        "type 'numbr'. Did you mean 'number'? Write one of: boolean, likert, choice, number"
    )


def test_missing_schema(tmp_path):
    path, text = variant(tmp_path, "schema: personas/instrument@1\n", "")
    (problem,) = problems_of(path, "missing-key")
    assert_located(problem, path, text, "study:")
    assert "personas/instrument@1" in problem.hint


def test_wrong_schema(tmp_path):
    path, text = variant(tmp_path, "instrument@1", "instrument@2")
    (problem,) = problems_of(path, "schema")
    assert_located(problem, path, text, "personas/instrument@2")


UNKNOWN_KEYS = [
    ("cleaning:", "cleanup:", "cleanup", "cleaning"),
    ('  title: "A small study"', '  titel: "A small study"', "titel", "title"),
    ('    label: "Speed vs fit"', '    lable: "Speed vs fit"', "lable", "label"),
    ("    type: number", "    type: number\n    colour: red", "colour", None),
    ("{min: 1, max: 5}", "{min: 1, max: 5, mx: 7}", "mx", "max"),
    ('    summary: "Needs', '    summery: "Needs', "summery", "summary"),
    ("  id_column:", "  idcolumn:", "idcolumn", "id_column"),
    ("  impute: none", "  imputation: none", "imputation", "impute"),
]


@pytest.mark.parametrize(("old", "new", "key", "guess"), UNKNOWN_KEYS)
def test_unknown_keys_at_every_level(tmp_path, old, new, key, guess):
    path, text = variant(tmp_path, old, new)
    problems = problems_of(path, "unknown-key")
    assert len(problems) == 1
    assert_located(problems[0], path, text, key + ":")
    assert f"unknown key '{key}'" in problems[0].message
    if guess:
        assert f"Did you mean '{guess}'?" in problems[0].hint


MISSING = [
    ("  id: small\n", "", "study", "id", 'title: "A small'),
    ('    label: "Pay vs purpose"\n', "", "tension 'pay'", "label", "id: pay"),
    ('    a: "A well-paid job"\n', "", "tension 'pay'", "a", "id: pay"),
    ('    b: "Meaningful work"\n', "", "tension 'pay'", "b", "id: pay"),
    ("  - id: pay\n    label", "  - label", "tension #2", "id", 'label: "Pay vs'),
    ("  - id: age\n    text", "  - text", "question #6", "id", 'text: "How old'),
    ('    text: "How old are you?"\n', "", "question 'age'", "text", "id: age"),
    ("    type: number\n", "", "question 'age'", "type", "id: age"),
    ("  - id: seeker\n    name", "  - name", "persona #2", "id", 'name: "The Seeker'),
    ('    name: "The Seeker"\n', "", "persona 'seeker'", "name", "id: seeker"),
]


@pytest.mark.parametrize(("old", "new", "where", "key", "start"), MISSING)
def test_missing_required_keys(tmp_path, old, new, where, key, start):
    path, text = variant(tmp_path, old, new)
    problems = [p for p in problems_of(path, "missing-key") if f"'{key}'" in p.message]
    assert len(problems) == 1
    assert problems[0].message == f"{where} is missing '{key}'"
    assert_located(problems[0], path, text, start)


def test_empty_required_text(tmp_path):
    path, text = variant(tmp_path, '    a: "A well-paid job"', '    a: ""')
    (problem,) = problems_of(path, "missing-key")
    assert_located(problem, path, text, '""')
    assert "empty 'a'" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "what", "first"),
    [
        ("  - id: pay\n", "  - id: speed\n", "tension", "id: speed"),
        ("  - id: q3\n", "  - id: q1\n", "question", "id: q1"),
        ("  - id: seeker\n", "  - id: survivor\n", "persona", "id: survivor"),
    ],
)
def test_duplicate_ids_name_the_first_line(tmp_path, old, new, what, first):
    path, text = variant(tmp_path, old, new)
    (problem,) = problems_of(path, "duplicate-id")
    assert_located(problem, path, text, first.replace(": ", ": |"), occurrence=2)
    assert problem.message.startswith(f"duplicate {what} id")
    assert f"first used on line {pos(text, first)[0]}" in problem.message


def test_question_naming_unknown_tension(tmp_path):
    path, text = variant(tmp_path, "tension: pay\n    pole: a", "tension: pya\n    pole: a")
    (problem,) = problems_of(path, "unknown-tension")
    assert_located(problem, path, text, "pya")
    assert "Did you mean 'pay'?" in problem.hint


def test_persona_naming_unknown_tension(tmp_path):
    path, text = variant(tmp_path, "{speed: b, pay: mid}", "{speed: b, pace: mid}")
    (problem,) = problems_of(path, "unknown-tension")
    assert_located(problem, path, text, "pace")


def test_pole_not_a_or_b(tmp_path):
    path, text = variant(tmp_path, "    pole: a", "    pole: up")
    (problem,) = problems_of(path, "bad-pole")
    assert_located(problem, path, text, "up")


def test_pole_without_tension(tmp_path):
    path, text = variant(tmp_path, "    type: number", "    type: number\n    pole: b")
    (problem,) = problems_of(path, "pole-without-tension")
    assert_located(problem, path, text, "type: number\n    pole: |b")


def test_pole_on_choice_question(tmp_path):
    path, text = variant(
        tmp_path, "    type: choice", "    type: choice\n    tension: pay\n    pole: a"
    )
    (problem,) = problems_of(path, "bad-pole")
    assert problem.line == pos(text, "type: choice")[0] + 2
    assert "no agree direction" in problem.message


def test_tension_without_pole_on_boolean(tmp_path):
    path, text = variant(tmp_path, "    tension: speed\n    pole: a\n", "    tension: speed\n")
    (problem,) = problems_of(path, "missing-pole")
    assert_located(problem, path, text, "tension: |speed")


def test_likert_without_scale(tmp_path):
    path, text = variant(tmp_path, "    scale: {min: 1, max: 5}\n", "")
    (problem,) = problems_of(path, "likert-scale")
    assert_located(problem, path, text, "id: q4")
    assert "no scale" in problem.message


def test_likert_min_not_below_max(tmp_path):
    path, text = variant(tmp_path, "{min: 1, max: 5}", "{min: 5, max: 5}")
    (problem,) = problems_of(path, "likert-scale")
    assert_located(problem, path, text, "5, max: 5")
    assert "min 5 >= max 5" in problem.message


def test_likert_label_outside_scale(tmp_path):
    path, text = variant(tmp_path, '{5: "Strongly agree"}', '{7: "Strongly agree"}')
    (problem,) = problems_of(path, "likert-scale")
    assert_located(problem, path, text, '7: "Strongly')


def test_choice_without_options(tmp_path):
    path, text = variant(tmp_path, "    options: [mobile, desktop, both]\n", "")
    (problem,) = problems_of(path, "choice-options")
    assert_located(problem, path, text, "id: device")


def test_choice_with_duplicate_options(tmp_path):
    path, text = variant(tmp_path, "[mobile, desktop, both]", "[mobile, desktop, mobile]")
    (problem,) = problems_of(path, "choice-options")
    assert_located(problem, path, text, "mobile]")
    assert f"first on line {problem.line}" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "needle", "allowed"),
    [
        ("attention: false", "attention: maybe", "maybe", "True, False"),
        ("attention: 5", "attention: 7", "7", "1, 2, 3, 4, 5"),
    ],
)
def test_attention_check_expects_impossible_answer(tmp_path, old, new, needle, allowed):
    path, text = variant(tmp_path, old, new)
    (problem,) = problems_of(path, "attention")
    assert_located(problem, path, text, f"attention: |{needle}")  # at the value
    assert allowed in problem.hint


def test_tension_with_no_questions(tmp_path):
    extra = '  - id: place\n    label: "Where"\n    a: "Anywhere"\n    b: "Office"\nquestions:'
    path, text = variant(tmp_path, "questions:", extra)
    (problem,) = problems_of(path, "tension-no-questions")
    assert_located(problem, path, text, "place")


def test_tension_with_questions_on_one_pole_loads_with_a_warning(tmp_path):
    from personas.errors import DataWarning

    path, _ = variant(tmp_path, "    tension: pay\n    pole: b", "    tension: pay\n    pole: a")
    with pytest.warns(DataWarning, match="tension-one-pole.*'pay'.*pole a only") as seen:
        inst = load_instrument(path)
    assert "acquiescence" in str(seen[0].message)
    assert "pole b" in str(seen[0].message)  # what would fix it
    assert ("pay", "a") in inst.one_pole_tensions
    assert len(inst.questions_of("pay")) >= 1  # positions still come from the items there are


def test_one_pole_tension_is_in_the_journal(tmp_path):
    from personas.run._journal import Journal

    path, _ = variant(tmp_path, "    tension: pay\n    pole: b", "    tension: pay\n    pole: a")
    with pytest.warns(UserWarning):
        inst = load_instrument(path)
    journal = Journal()
    journal.one_pole(inst)
    assert any("'pay'" in line and "acquiescence" in line for line in journal)


@pytest.mark.parametrize(("old", "new"), [("pay: -0.5", "pay: -1.5"), ("pay: mid", "pay: middle")])
def test_persona_position_outside_range(tmp_path, old, new):
    path, text = variant(tmp_path, old, new)
    (problem,) = problems_of(path, "bad-position")
    assert_located(problem, path, text, new.split(": ")[1])


def test_persona_answer_to_unknown_question(tmp_path):
    path, text = variant(tmp_path, "{q2: 4, age: 35}", "{q2: 4, agee: 35}")
    (problem,) = problems_of(path, "unknown-question")
    assert_located(problem, path, text, "agee")
    assert "Did you mean 'age'?" in problem.hint


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [("{q2: 4,", "{q2: 9,", "9,"), ("device: mobile", "device: tablet", "tablet")],
)
def test_persona_impossible_answer(tmp_path, old, new, needle):
    path, text = variant(tmp_path, old, new)
    (problem,) = problems_of(path, "persona-answer")
    assert_located(problem, path, text, needle)


def test_persona_that_says_nothing(tmp_path):
    path, text = variant(
        tmp_path, "    tensions: {speed: b, pay: mid}\n    answers: {q2: 4, age: 35}\n", ""
    )
    (problem,) = problems_of(path, "persona-empty")
    assert_located(problem, path, text, "id: seeker")


def test_data_column_mapping_to_unknown_question(tmp_path):
    path, text = variant(tmp_path, "{Q1: q1, Q2: q2}", "{Q1: q1, Q2: q9}")
    (problem,) = problems_of(path, "unknown-question")
    assert_located(problem, path, text, "q9")


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("max_missing_share: 0.2", "max_missing_share: 1.5", "1.5"),
        ("min_duration_seconds: 60", "min_duration_seconds: -1", "-1"),
        ("invalid: missing", "invalid: drop", "drop"),
        ("impute: none", "impute: mean", "mean"),
        ("straightlining: true", "straightlining: 1", "straightlining: |1"),
        ("straightlining_boolean: false", "straightlining_boolean: nope", "nope"),
    ],
)
def test_cleaning_values(tmp_path, old, new, needle):
    path, text = variant(tmp_path, old, new)
    (problem,) = problems_of(path, "cleaning")
    assert_located(problem, path, text, needle)


def test_problem_names_the_path_as_given(tmp_path, monkeypatch):
    variant(tmp_path, "instrument@1", "instrument@9")
    monkeypatch.chdir(tmp_path.parent)
    given = f"{tmp_path.name}/instrument.yaml"
    (problem,) = problems_of(given)
    assert problem.file == given
    (problem,) = problems_of(tmp_path.name)
    assert problem.file.endswith("instrument.yaml") and problem.file.startswith(tmp_path.name)


# ---------------------------------------------------------------- property test

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip()
)


@st.composite
def instruments(draw):
    """A random valid instrument as a plain dict, plus its expected counts."""
    n_tensions = draw(st.integers(1, 4))
    tensions = [
        {"id": f"t{i}", "label": draw(_TEXT), "a": draw(_TEXT), "b": draw(_TEXT)}
        for i in range(n_tensions)
    ]
    questions = []
    for t in tensions:
        for pole in ("a", "b"):
            for _ in range(draw(st.integers(1, 3))):
                q = {"id": f"q{len(questions)}", "text": draw(_TEXT), "tension": t["id"]}
                q["pole"] = pole
                if draw(st.booleans()):
                    q.update(type="likert", scale={"min": 1, "max": draw(st.integers(2, 7))})
                else:
                    q["type"] = "boolean"
                questions.append(q)
    options = draw(st.lists(_TEXT, min_size=2, max_size=4, unique=True))
    questions.append({"id": "pick", "type": "choice", "text": draw(_TEXT), "options": options})
    n_checks = draw(st.integers(0, 3))
    for i in range(n_checks):
        check = {"id": f"check{i}", "type": "boolean", "text": draw(_TEXT)}
        questions.append({**check, "attention": draw(st.booleans())})
    position = st.one_of(st.sampled_from(["a", "b", "mid"]), st.floats(-1, 1))
    personas = [
        {
            "id": f"p{i}",
            "name": draw(_TEXT),
            "tensions": {t["id"]: draw(position) for t in tensions},
            "answers": {"pick": draw(st.sampled_from(options))},
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    doc = {
        "schema": "personas/instrument@1",
        "study": {"id": "prop", "title": draw(_TEXT)},
        "tensions": tensions,
        "questions": questions,
        "personas": personas,
    }
    return doc


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=instruments())
def test_random_valid_instruments_load_and_round_trip(tmp_path, doc):
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    instrument = load_instrument(path)
    assert len(instrument.tensions) == len(doc["tensions"])
    assert len(instrument.questions) == len(doc["questions"])
    assert len(instrument.personas) == len(doc["personas"])
    assert [q.text for q in instrument.questions] == [q["text"] for q in doc["questions"]]
    assert [t.label for t in instrument.tensions] == [t["label"] for t in doc["tensions"]]
    pick = instrument.question("pick")
    assert pick.options == tuple(doc["questions"][-1 - len(instrument.attention_checks)]["options"])
    words = {"a": -1.0, "b": 1.0, "mid": 0.0}
    for persona, raw in zip(instrument.personas, doc["personas"], strict=True):
        for tid, value in raw["tensions"].items():
            expected = words.get(value, value)
            assert math.isclose(persona.tensions[tid], expected)
        assert pick.options[int(persona.answers["pick"])] == raw["answers"]["pick"]


def test_key_written_twice(tmp_path):
    path, text = variant(tmp_path, "    type: number\n", "    type: number\n    type: choice\n")
    (problem,) = problems_of(path, "duplicate-key")
    assert_located(problem, path, text, "number\n    |type: choice")
    assert f"first on line {pos(text, 'type: number')[0]}" in problem.message


def test_section_of_the_wrong_shape(tmp_path):
    path, text = variant(tmp_path, "  columns: {Q1: q1, Q2: q2}", "  columns: [Q1, Q2]")
    (problem,) = problems_of(path, "wrong-type")
    assert_located(problem, path, text, "[Q1")
    assert "mapping" in problem.message


def test_every_problem_of_a_broken_file_is_sorted_and_located(tmp_path):
    broken = SMALL.replace("type: number", "type: numbr").replace("pay: mid", "pay: 3")
    broken = broken.replace("invalid: missing", "invalid: skip")
    path = tmp_path / "instrument.yaml"
    path.write_text(broken, encoding="utf-8")
    problems = problems_of(str(path))
    assert len(problems) == 3
    assert [(p.line, p.column) for p in problems] == sorted((p.line, p.column) for p in problems)
    assert all(p.file == str(path) and p.line and p.column and p.code for p in problems)

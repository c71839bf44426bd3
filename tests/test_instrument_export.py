"""Tests for personas.instrument.export: survey order, previews, Qualtrics file, codebook."""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personas.instrument import load_instrument
from personas.instrument.export import (
    CODEBOOK_COLUMNS,
    FORMATS,
    render_survey,
    survey_order,
    survey_pages,
    to_codebook,
    to_html,
    to_markdown,
    to_qualtrics,
)
from personas.instrument.model import Instrument, Question, Scale, Tension

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "instruments"


@pytest.fixture(scope="module")
def jobsite() -> Instrument:
    return load_instrument(ROOT / "surveys" / "jobsite")


@pytest.fixture(scope="module")
def small() -> Instrument:
    return load_instrument(FIXTURES / "small.yaml")


def _expected_choices(question: Question) -> list[str]:
    """What a respondent must be offered, written independently of the exporter."""
    if question.type == "boolean":
        return ["True", "False"]
    if question.type == "likert":
        scale = question.scale
        return [
            f"{p} – {scale.labels[p]}" if p in scale.labels else str(p)
            for p in range(scale.min, scale.max + 1)
        ]
    if question.type == "choice":
        return list(question.options)
    return []


# ---------------------------------------------------------------- survey order


def _clashes(order: list[Question]) -> int:
    return sum(
        1
        for left, right in zip(order, order[1:], strict=False)
        if left.tension and (left.tension, left.pole) == (right.tension, right.pole)
    )


def test_order_is_a_permutation_and_deterministic(jobsite):
    first = survey_order(jobsite, random_state=7)
    assert sorted(q.id for q in first) == sorted(q.id for q in jobsite.questions)
    assert [q.id for q in survey_order(jobsite, random_state=7)] == [q.id for q in first]
    others = {tuple(q.id for q in survey_order(jobsite, random_state=s)) for s in range(5)}
    assert len(others) == 5


@pytest.mark.parametrize("seed", range(25))
def test_no_same_tension_and_pole_neighbours_on_jobsite(jobsite, seed):
    order = survey_order(jobsite, random_state=seed)
    assert _clashes(order) == 0


@pytest.mark.parametrize("seed", range(10))
def test_attention_checks_spread_mid_survey(jobsite, seed):
    order = survey_order(jobsite, random_state=seed)
    where = [i for i, q in enumerate(order) if q.is_attention_check]
    assert len(where) == 2
    assert 0 not in where and len(order) - 1 not in where
    n = len(order)
    assert abs(where[0] / n - 1 / 3) < 0.1
    assert abs(where[1] / n - 2 / 3) < 0.1


def _toy(groups: list[int], n_checks: int) -> Instrument:
    """Items in groups: group g has groups[g] items on tension t<g//2>, pole a/b."""
    questions = []
    for g, size in enumerate(groups):
        for _ in range(size):
            qid = f"q{len(questions)}"
            pole = "ab"[g % 2]
            questions.append(Question(qid, qid, "boolean", f"t{g // 2}", pole))
    for i in range(n_checks):
        questions.append(Question(f"c{i}", "check", "boolean", attention=1.0))
    tensions = tuple(Tension(f"t{i}", "t", "a", "b") for i in range((len(groups) + 1) // 2))
    return Instrument("toy", "Toy", tensions, tuple(questions))


@settings(max_examples=80, deadline=None)
@given(
    groups=st.lists(st.integers(1, 5), min_size=1, max_size=6),
    n_checks=st.integers(0, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_order_avoids_neighbours_whenever_possible(groups, n_checks, seed):
    instrument = _toy(groups, n_checks)
    order = survey_order(instrument, random_state=seed)
    assert Counter(q.id for q in order) == Counter(q.id for q in instrument.questions)
    n_items = sum(groups)
    if max(groups) <= (n_items + 1) // 2:  # an order without clashes exists
        items_only = [q for q in order if not q.is_attention_check]
        assert _clashes(items_only) == 0
    else:  # the best possible: the surplus of the largest group
        surplus = max(groups) - (n_items - max(groups)) - 1
        assert _clashes([q for q in order if not q.is_attention_check]) == surplus
    if n_items >= 2 and n_checks:
        assert not order[0].is_attention_check and not order[-1].is_attention_check


def test_pages_hold_about_eight_questions(jobsite):
    pages = survey_pages(jobsite, random_state=3)
    assert [q.id for page in pages for q in page] == [
        q.id for q in survey_order(jobsite, random_state=3)
    ]
    assert all(1 <= len(page) <= 8 for page in pages)
    assert max(map(len, pages)) - min(map(len, pages)) <= 1


# ---------------------------------------------------------------- Qualtrics


def parse_qualtrics(text: str) -> dict:
    """A strict parser for the Advanced Format subset the exporter writes.

    Grammar::

        file     := "[[AdvancedFormat]]" block (question | "[[PageBreak]]")*
        block    := "[[Block:" name "]]"
        question := "[[Question:" type "]]" "[[ID:" id "]]" text choices?
        choices  := "[[AdvancedChoices]]" ("[[Choice:" n "]]" text)+   (n = 1, 2, ...)

    Blank lines are ignored; a text line may not start with "[[".
    """
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0] == "[[AdvancedFormat]]"
    block = re.fullmatch(r"\[\[Block:([^\[\]]+)\]\]", lines[1])
    assert block, lines[1]
    questions, pages, page = {}, [], []
    i = 2
    while i < len(lines):
        line = lines[i]
        if line == "[[PageBreak]]":
            assert page, "empty page"
            pages.append(page)
            page, i = [], i + 1
            continue
        qtype = re.fullmatch(
            r"\[\[Question:(MC:SingleAnswer:(?:Vertical|Horizontal)|TE:SingleLine)\]\]", line
        )
        assert qtype, f"line {i}: {line!r}"
        qid = re.fullmatch(r"\[\[ID:([A-Za-z0-9_.\-]+)\]\]", lines[i + 1])
        assert qid, lines[i + 1]
        assert not lines[i + 2].startswith("[[")
        entry = {"type": qtype.group(1), "text": lines[i + 2], "choices": []}
        i += 3
        if i < len(lines) and lines[i] == "[[AdvancedChoices]]":
            i += 1
            while i < len(lines) and (m := re.fullmatch(r"\[\[Choice:(\d+)\]\]", lines[i])):
                assert int(m.group(1)) == len(entry["choices"]) + 1
                assert not lines[i + 1].startswith("[[")
                entry["choices"].append(lines[i + 1])
                i += 2
            assert entry["choices"], "AdvancedChoices without choices"
        assert qid.group(1) not in questions, f"{qid.group(1)} twice"
        questions[qid.group(1)] = entry
        page.append(qid.group(1))
    assert page, "empty last page"
    pages.append(page)
    return {"block": block.group(1), "questions": questions, "pages": pages}


@pytest.mark.parametrize("name", ["jobsite", "small"])
def test_qualtrics_file_follows_the_grammar(request, name):
    instrument = request.getfixturevalue(name)
    parsed = parse_qualtrics(to_qualtrics(instrument, random_state=1))
    assert parsed["block"] == html.escape(instrument.title, quote=False)
    assert set(parsed["questions"]) == {q.id for q in instrument.questions}
    for question in instrument.questions:
        entry = parsed["questions"][question.id]
        assert entry["text"] == html.escape(question.text, quote=False)
        assert entry["choices"] == [
            html.escape(c, quote=False) for c in _expected_choices(question)
        ]
        expected_type = {"number": "TE:SingleLine", "likert": "MC:SingleAnswer:Horizontal"}
        assert entry["type"] == expected_type.get(question.type, "MC:SingleAnswer:Vertical")
    order = [q.id for q in survey_order(instrument, random_state=1)]
    assert [qid for page in parsed["pages"] for qid in page] == order
    assert all(len(page) <= 8 for page in parsed["pages"])
    assert len(parsed["pages"]) == -(-len(order) // 8)


def test_qualtrics_escapes_html_and_tags(small):
    nasty = replace(small.questions[0], text="Pick <b>one</b> [[PageBreak]] & go\nnow")
    instrument = replace(small, questions=(nasty, *small.questions[1:]))
    parsed = parse_qualtrics(to_qualtrics(instrument))
    text = parsed["questions"][nasty.id]["text"]
    assert "<b>" not in text and "&lt;b&gt;" in text and "&amp;" in text
    assert "[[" not in text and text.endswith("go now")


# ---------------------------------------------------------------- codebook


def test_codebook_round_trips_through_pandas(small, jobsite):
    for instrument in (small, jobsite):
        frame = pd.read_csv(io.StringIO(to_codebook(instrument)), dtype=str, keep_default_na=False)
        assert tuple(frame.columns) == CODEBOOK_COLUMNS
        assert list(frame["id"]) == [q.id for q in instrument.questions]
        assert list(frame["text"]) == [q.text for q in instrument.questions]
        assert list(frame["type"]) == [q.type for q in instrument.questions]
        assert list(frame["tension"]) == [q.tension or "" for q in instrument.questions]
        assert list(frame["pole"]) == [q.pole or "" for q in instrument.questions]
    rows = frame.set_index("id")
    assert rows.loc["q01", "pole_text"] == "Find a job quickly"
    assert rows.loc["q01", "allowed_answers"] == "0 = False; 1 = True"
    assert rows.loc["q01", "qualtrics_values"] == "1 = True; 2 = False"  # as --to qualtrics
    assert rows.loc["check1", "attention"] == "False"
    assert rows.loc["q01", "attention"] == ""


def test_codebook_survives_commas_quotes_and_newlines(small):
    text = 'He said "no", then\nleft; 50% of us'
    question = replace(small.question("device"), text=text)
    instrument = replace(small, questions=(*small.questions[:4], question, *small.questions[5:]))
    frame = pd.read_csv(io.StringIO(to_codebook(instrument)), dtype=str, keep_default_na=False)
    row = frame.set_index("id").loc["device"]
    assert row["text"] == text
    assert row["allowed_answers"] == "0 = mobile; 1 = desktop; 2 = both"
    age = frame.set_index("id").loc["age"]
    assert age["allowed_answers"] == "any number"


# ---------------------------------------------------------------- previews


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_preview_escapes_question_text(small):
    attack = "<script>alert(1)</script>"
    question = replace(small.questions[0], text=attack)
    instrument = replace(
        small, title="A & B <i>study</i>", questions=(question, *small.questions[1:])
    )
    page = to_html(instrument)
    assert attack not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parser = _TagCollector()
    parser.feed(page)
    assert "script" not in parser.tags and "i" not in parser.tags
    assert attack in "".join(parser.text)


def test_html_preview_is_standalone_and_complete(jobsite):
    page = to_html(jobsite, random_state=2)
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page and "http://" not in page and "https://" not in page
    order = survey_order(jobsite, random_state=2)
    positions = [page.index(f'id="q-{q.id}"') for q in order]
    assert positions == sorted(positions)
    assert page.count('type="radio"') == 2 * len(jobsite.questions)


def test_markdown_lists_every_question_once_in_order(small):
    text = to_markdown(small, random_state=4)
    order = survey_order(small, random_state=4)
    found = [text.index(f"`{q.id}`") for q in order]
    assert found == sorted(found)
    assert all(text.count(f"`{q.id}`") == 1 for q in order)
    assert "1 – Strongly disagree / 2 / 3 / 4 / 5 – Strongly agree" in text
    assert "mobile / desktop / both" in text
    assert text.count("## Page") == len(survey_pages(small, random_state=4))


def test_markdown_escapes_markup(small):
    question = replace(small.questions[0], text="Use *stars* and <b>tags</b>")
    instrument = replace(small, questions=(question, *small.questions[1:]))
    text = to_markdown(instrument)
    assert r"Use \*stars\* and \<b\>tags\</b\>" in text


def test_exports_do_not_depend_on_scale_labels_being_complete():
    question = Question("x", "How much?", "likert", scale=Scale(0, 3, {0: "none"}))
    instrument = Instrument("s", "S", (), (question,))
    parsed = parse_qualtrics(to_qualtrics(instrument))
    assert parsed["questions"]["x"]["choices"] == ["0 – none", "1", "2", "3"]


@pytest.mark.parametrize("fmt", ["md", "html", "qualtrics", "csv"])
def test_render_survey_dispatches_by_format(small, fmt):
    direct = {
        "md": to_markdown(small, random_state=5),
        "html": to_html(small, random_state=5),
        "qualtrics": to_qualtrics(small, random_state=5),
        "csv": to_codebook(small),
    }
    assert render_survey(small, to=fmt, random_state=5) == direct[fmt]
    assert set(FORMATS) == set(direct)


def test_render_survey_rejects_unknown_format(small):
    with pytest.raises(ValueError, match="'to' option must be one of md, html, qualtrics, csv"):
        render_survey(small, to="docx")


def test_codebook_qualtrics_values_are_the_recodes_of_the_qualtrics_survey(small, jobsite):
    """One answer, two codings (personas' 0/1 codes, Qualtrics' 1/2 recodes): the codebook
    lists both, and its Qualtrics column matches the ``[[Choice:n]]`` lines exactly."""
    for instrument in (small, jobsite):
        survey = to_qualtrics(instrument).splitlines()
        frame = pd.read_csv(io.StringIO(to_codebook(instrument)), dtype=str, keep_default_na=False)
        for row in frame.itertuples():
            start = survey.index(f"[[ID:{row.id}]]")
            end = next(
                (i for i in range(start + 1, len(survey)) if survey[i].startswith("[[ID:")),
                len(survey),
            )
            block = survey[start:end]
            choices = [
                f"{line[len('[[Choice:') : -2]} = {block[i + 1]}"
                for i, line in enumerate(block)
                if line.startswith("[[Choice:")
            ]
            expected = "; ".join(choices) if choices else "any number"
            assert row.qualtrics_values == expected, row.id

"""Real exports name things their own way: ids of dropped responses, raw column names.

A Qualtrics preview keeps its own id in ``exclusions.csv`` (never ``row-<n>`` when the export
has an id), and messages about missing answers name the export's column as well as the
question id.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from personas.cleaning import clean
from personas.errors import DataWarning, InputError
from personas.instrument.model import CleaningRules, DataMapping, Instrument, Question
from personas.io import read_responses
from personas.segment import segment

QUESTIONS = tuple(Question(f"q{i}", "?", "boolean") for i in range(1, 4))


def _instrument(**data) -> Instrument:
    return Instrument("t", "T", (), QUESTIONS, data=DataMapping(**data))


def _qualtrics(tmp_path: Path, id_name: str = "ResponseId", *, import_id="_recordId") -> Path:
    lines = [
        f"Status,{id_name},pid,q1,q2,q3",
        "Response Type,Response ID,Panel id,A,B,C",
        f'{{"ImportId":"status"}},{{"ImportId":"{import_id}"}},{{"ImportId":"pid"}},'
        '{"ImportId":"QID1"},{"ImportId":"QID2"},{"ImportId":"QID3"}',
        "Survey Preview,R_prev,P_prev,True,True,True",
        "IP Address,R_a,P_a,True,False,False",
        "Survey Test,R_test,P_test,False,False,False",
        "IP Address,R_b,P_b,False,True,True",
    ]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("id_name", ["ResponseId", "ResponseID", "Response Id"])
def test_a_preview_keeps_its_own_response_id(tmp_path, id_name):
    responses = read_responses(_qualtrics(tmp_path, id_name), _instrument())
    assert responses.dropped["respondent"].tolist() == ["R_prev", "R_test"]
    assert list(responses.answers.index) == ["R_a", "R_b"]
    exclusions = clean(responses, rules=CleaningRules(max_missing_share=1)).ledger.exclusions()
    assert exclusions["respondent"].tolist() == ["R_prev", "R_test"]
    assert exclusions["row"].tolist() == [4, 6]


def test_a_preview_is_named_by_the_configured_id_column(tmp_path):
    responses = read_responses(_qualtrics(tmp_path), _instrument(id_column="pid"))
    assert list(responses.answers.index) == ["P_a", "P_b"]
    assert responses.dropped["respondent"].tolist() == ["P_prev", "P_test"]


def test_the_record_id_column_is_found_by_its_import_id(tmp_path):
    responses = read_responses(_qualtrics(tmp_path, "Respondent"), _instrument())
    assert responses.dropped["respondent"].tolist() == ["R_prev", "R_test"]
    assert list(responses.answers.index) == ["R_a", "R_b"]


def test_without_any_id_column_a_preview_is_its_row(tmp_path):
    path = _qualtrics(tmp_path, "Other", import_id="other")
    responses = read_responses(path, _instrument())
    assert responses.dropped["respondent"].tolist() == ["row-4", "row-6"]


def _mapped(tmp_path: Path, *, impute: str) -> Instrument:
    """q1..q3 read from the export's columns Q1_1, Q1_2, Q1_3."""
    return Instrument(
        "t",
        "T",
        (),
        QUESTIONS,
        data=DataMapping(columns={"Q1_1": "q1", "Q1_2": "q2", "Q1_3": "q3"}),
        cleaning=CleaningRules(max_missing_share=1, impute=impute),
    )


def _holes(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = ["Q1_1,Q1_2,Q1_3"]
    for i in range(40):
        a, b = rng.integers(0, 2, 2)
        rows.append(f"{a},{'' if i % 4 == 0 else b},")  # Q1_3: nobody; Q1_2: some holes
    path = tmp_path / "holes.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_warning_about_an_unanswered_item_names_its_column(tmp_path):
    responses = read_responses(_holes(tmp_path), _mapped(tmp_path, impute="auto"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cleaned = clean(responses)
    (message,) = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert "'q3' (column 'Q1_3')" in message
    assert cleaned.columns == {"q1": "Q1_1", "q2": "Q1_2", "q3": "Q1_3"}


def test_missing_answer_problems_name_the_raw_column_and_the_question(tmp_path):
    responses = read_responses(_holes(tmp_path), _mapped(tmp_path, impute="none"))
    cleaned = clean(responses)
    with pytest.raises(InputError) as caught:
        segment(cleaned, k=2, random_state=0)
    problems = {p.column: str(p) for p in caught.value.problems if p.code == "missing-answers"}
    assert set(problems) == {"Q1_2", "Q1_3"}
    assert "item 'q2' (column 'Q1_2') has 10 missing answers" in problems["Q1_2"]
    assert "no kept respondent answered item 'q3' (column 'Q1_3')" in problems["Q1_3"]
    assert "holes.csv, column 'Q1_3'" in problems["Q1_3"]

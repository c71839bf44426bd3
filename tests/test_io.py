"""Tests for personas.io: every format, every spelling, every way a file can be wrong."""

from __future__ import annotations

import csv
import hashlib
import html
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from make_fixtures import (
    EXPECTED,
    HERE,
    fixture_instrument,
    qualtrics_instrument,
)
from personas.cleaning import clean
from personas.errors import DataWarning, InputError
from personas.instrument import load_instrument
from personas.instrument.export import to_qualtrics
from personas.instrument.model import CleaningRules, DataMapping, Instrument, Question, Scale
from personas.io import read_responses
from test_instrument_export import parse_qualtrics

FIXTURES = [
    "basic.csv",
    "basic.tsv",
    "cp1252.csv",
    "bom.csv",
    "semicolon.csv",
    "basic.xlsx",
    "basic.sav",
    "basic.dta",
    "basic.parquet",
]
BOOLS = [Question(f"q{i}", "?", "boolean") for i in range(1, 4)]


def bool_instrument(**data) -> Instrument:
    return Instrument("t", "T", (), tuple(BOOLS), data=DataMapping(**data))


def write(tmp_path: Path, text: str, name: str = "wave.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- every format loads to the same answers ---------------------------------------------
@pytest.mark.parametrize("name", FIXTURES)
def test_every_format_loads_to_the_same_answers(name):
    responses = read_responses(HERE / name, fixture_instrument())
    pd.testing.assert_frame_equal(responses.answers, EXPECTED)
    assert responses.duration.tolist() == [300.0, 120.0, 450.5, 30.0, 200.0, 90.0]
    assert list(responses.rows) == [2, 3, 4, 5, 6, 7]
    assert list(responses.extra.columns) == ["note"]
    assert responses.invalid.empty and responses.dropped.empty


@pytest.mark.parametrize(
    "name, encoding, delimiter",
    [
        ("basic.csv", "utf-8", ","),
        ("basic.tsv", "utf-8", "\t"),
        ("cp1252.csv", "cp1252", ","),
        ("bom.csv", "utf-8-sig", ","),
        ("semicolon.csv", "utf-8", ";"),
    ],
)
def test_text_files_detect_encoding_and_delimiter(name, encoding, delimiter):
    source = read_responses(HERE / name, fixture_instrument()).source
    assert (source.encoding, source.delimiter) == (encoding, delimiter)
    assert source.sha256 == sha(HERE / name)


def test_utf16_tab_separated_export(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_bytes((HERE / "basic.tsv").read_text(encoding="utf-8").encode("utf-16"))
    responses = read_responses(path, fixture_instrument())
    pd.testing.assert_frame_equal(responses.answers, EXPECTED)
    assert (responses.source.encoding, responses.source.delimiter) == ("utf-16", "\t")


def test_spss_user_missing_code_counts_as_missing():
    frame, meta = pyreadstat.read_sav(str(HERE / "basic.sav"), user_missing=True)
    assert frame.loc[5, "b1"] == 9.0 and meta.missing_ranges["b1"]  # the raw cell is 9
    responses = read_responses(HERE / "basic.sav", fixture_instrument())
    assert np.isnan(responses.answers.loc["r6", "b1"])
    assert responses.invalid.empty


def test_spss_value_labels_decide_over_raw_codes(tmp_path):
    frame = pd.DataFrame({"q1": [1.0, 2.0], "q2": [1.0, 1.0], "q3": [2.0, 2.0]})
    labels = {q: {1.0: "No", 2.0: "Yes"} for q in ("q1", "q2", "q3")}
    pyreadstat.write_sav(frame, tmp_path / "w.sav", variable_value_labels=labels)
    answers = read_responses(tmp_path / "w.sav", bool_instrument()).answers
    assert answers["q1"].tolist() == [0.0, 1.0]  # 1 = "No" means False


def test_inputs_are_byte_identical_after_reading_and_cleaning():
    paths = [HERE / name for name in [*FIXTURES, "qualtrics.csv"]]
    before = {p: (sha(p), p.stat().st_mtime_ns) for p in paths}
    for path in paths:
        inst = qualtrics_instrument() if path.name == "qualtrics.csv" else fixture_instrument()
        clean(read_responses(path, inst), rules=CleaningRules(max_missing_share=0.5))
    assert {p: (sha(p), p.stat().st_mtime_ns) for p in paths} == before


# --- Qualtrics ----------------------------------------------------------------------------
def test_qualtrics_export_skips_header_rows_and_drops_previews():
    responses = read_responses(HERE / "qualtrics.csv", qualtrics_instrument())
    assert responses.source.format == "qualtrics"
    ids = [f"R_{i}" for i in range(1, 7)]
    pd.testing.assert_frame_equal(
        responses.answers, EXPECTED.set_axis(pd.Index(ids, dtype="str", name="respondent"))
    )
    # header = 1, texts = 2 (a quoted multi-line cell), ImportId = 3, preview = 4
    assert list(responses.rows) == [5, 6, 7, 9, 10, 11]
    assert responses.dropped.to_dict("records") == [
        {"respondent": "R_preview", "row": 4, "reason": "preview response"},
        {"respondent": "R_test", "row": 8, "reason": "test response"},
    ]
    assert responses.duration.tolist() == [300.0, 120.0, 450.5, 30.0, 200.0, 90.0]
    assert responses.n_loaded == 8


def test_qualtrics_numeric_status_and_first_data_row_is_4(tmp_path):
    lines = [
        "Status,ResponseId,q1,q2,q3",
        "Response Type,Response ID,A,B,C",
        '{"ImportId":"status"},{"ImportId":"_recordId"},{"ImportId":"QID1"},'
        '{"ImportId":"QID2"},{"ImportId":"QID3"}',
        "1,R_a,True,True,True",
        "0,R_b,True,maybe,False",
        "2,R_c,False,False,False",
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument())
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.value) == (5, "q2", "maybe")
    with pytest.warns(DataWarning):
        responses = read_responses(path, bool_instrument(), lenient=True)
    assert responses.dropped["reason"].tolist() == ["preview response", "test response"]
    assert list(responses.answers.index) == ["R_b"]


def test_forcing_qualtrics_on_a_plain_csv_is_an_error():
    with pytest.raises(InputError, match="Qualtrics"):
        read_responses(HERE / "basic.csv", fixture_instrument(), format="qualtrics")


# --- Qualtrics exports of our own Advanced Format file: choice text and numeric recodes -----
JOBSITE = Path(__file__).resolve().parents[1] / "surveys" / "jobsite"
QUALTRICS_META = [
    "StartDate",
    "Status",
    "Duration (in seconds)",
    "Finished",
    "ResponseId",
    "DistributionChannel",
]


def exported_choices(instrument: Instrument) -> dict[str, list[tuple[str, float]]]:
    """Each question's choices (text, code) in the order the real export writes them.

    Parsed from ``to_qualtrics``; a choice's code is read from its text independently of the
    exporter, so recode k (Qualtrics numbers choices 1, 2, ...) is proven to mean choice k.
    """
    parsed = parse_qualtrics(to_qualtrics(instrument))["questions"]
    choices = {}
    for question in instrument.questions:
        texts = [html.unescape(text) for text in parsed[question.id]["choices"]]
        if question.type == "boolean":
            codes = [{"True": 1.0, "False": 0.0}[text] for text in texts]
        elif question.type == "likert":
            codes = [float(re.match(r"-?\d+", text)[0]) for text in texts]
        else:
            codes = [float(question.options.index(text)) for text in texts]
        choices[question.id] = list(zip(texts, codes, strict=True))
    return choices


def write_qualtrics_export(
    path: Path, instrument: Instrument, codes: pd.DataFrame, *, numeric: bool
) -> Path:
    """A Qualtrics CSV export ("numeric values" or "choice text") of answer ``codes``."""
    choices = exported_choices(instrument)

    def cell(qid: str, code: float) -> str:
        if np.isnan(code):
            return ""
        (k,) = [k for k, (_, c) in enumerate(choices[qid], start=1) if c == code]
        return str(k) if numeric else choices[qid][k - 1][0]

    qids = list(codes.columns)
    header = QUALTRICS_META + qids
    texts = ["Start Date", "Response Type", "Duration (in seconds)", "Finished", "Response ID"]
    texts += ["Distribution Channel"] + [instrument.question(q).text for q in qids]
    imports = [f'{{"ImportId":"{name}"}}' for name in header]
    status, finished = ("0", "1") if numeric else ("IP Address", "True")
    preview = ["1" if numeric else "Survey Preview", "5", finished, "R_preview", "preview"]
    rows = [header, texts, imports]
    first = codes.iloc[0]
    rows.append(["2024-05-01 09:00:00", *preview, *(cell(q, first[q]) for q in qids)])
    for i, (_, answers) in enumerate(codes.iterrows()):
        meta = ["2024-05-02 10:00:00", status, str(60 + 7 * i), finished, f"R_{i}", "anonymous"]
        rows.append(meta + [cell(q, answers[q]) for q in qids])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_export_numbers_choices_as_the_reader_expects():
    questions = (
        Question("ok", "?", "boolean"),
        Question("nps", "?", "likert", scale=Scale(0, 10, {0: "Never", 10: "Surely"})),
        Question("device", "?", "choice", options=("Phone & tablet", "Desktop")),
    )
    choices = exported_choices(Instrument("t", "T", (), questions))
    assert choices["ok"] == [("True", 1.0), ("False", 0.0)]  # boolean 1 = True, 2 = False
    assert [c for _, c in choices["nps"]] == [float(p) for p in range(11)]
    assert choices["device"] == [("Phone & tablet", 0.0), ("Desktop", 1.0)]


def test_numeric_qualtrics_export_of_jobsite_reads_like_the_choice_text_export(tmp_path):
    instrument = load_instrument(JOBSITE)
    assert instrument.data.id_column == "respondent_id"  # not in a Qualtrics export
    ids = [q.id for q in instrument.questions]
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 2, size=(12, len(ids))).astype(float)
    truth[rng.random(truth.shape) < 0.1] = np.nan
    codes = pd.DataFrame(truth, columns=ids)
    read = {}
    for numeric in (True, False):
        path = write_qualtrics_export(
            tmp_path / f"{numeric}.csv", instrument, codes, numeric=numeric
        )
        with pytest.warns(DataWarning) as warned:
            read[numeric] = read_responses(path, instrument)
        messages = [str(w.message) for w in warned]
        assert len(messages) == 2 and "'ResponseId' instead" in messages[0]
        assert "'Duration (in seconds)' instead" in messages[1]
    numeric, text = read[True], read[False]
    pd.testing.assert_frame_equal(numeric.answers, text.answers)
    assert np.array_equal(numeric.answers.to_numpy(), truth, equal_nan=True)
    assert list(numeric.answers.index) == [f"R_{i}" for i in range(12)]
    assert numeric.duration.tolist() == [60.0 + 7 * i for i in range(12)]
    assert numeric.dropped["reason"].tolist() == ["preview response"]
    assert any("'respondent_id'" in note for note in numeric.source.notes)
    assert any("Duration (in seconds)" in note for note in numeric.source.notes)
    assert any(note.startswith("Read Qualtrics recode values") for note in numeric.source.notes)
    assert not any("recode" in note for note in text.source.notes)


def _scales_instrument(*extra: Question) -> Instrument:
    questions = (
        Question("nps", "?", "likert", scale=Scale(0, 10, {0: "Never", 10: "Surely"})),
        Question("device", "?", "choice", options=("Phone & tablet", "Desktop", "Other")),
        Question("agree", "?", "likert", scale=Scale(1, 5, {1: "No", 5: "Yes"})),
        *extra,
    )
    return Instrument("t", "T", (), questions)


NAN = np.nan
SCALE_CODES = {
    "nps": [0, 10, 5, NAN, 3, 9],
    "device": [0, 1, 2, 0, NAN, 1],
    "agree": [1, 5, 3, 2, 4, NAN],
    "ok": [1, 0, 1, NAN, 0, 1],
}


@pytest.mark.parametrize("numeric", [True, False])
def test_likert_0_to_10_and_choice_round_trip_through_recodes(tmp_path, numeric):
    instrument = _scales_instrument(Question("ok", "?", "boolean"))
    codes = pd.DataFrame(SCALE_CODES, dtype=float)
    path = write_qualtrics_export(tmp_path / "w.csv", instrument, codes, numeric=numeric)
    responses = read_responses(path, instrument)
    assert np.array_equal(responses.answers.to_numpy(), codes.to_numpy(), equal_nan=True)
    recoded = [n for n in responses.source.notes if n.startswith("Read Qualtrics recode")]
    if numeric:  # 11 (the top of 0..10) is no scale point: nps is recodes, no guess needed;
        # agree (1..5) reads the same either way, so it needs no recode
        (note,) = recoded
        assert note.endswith("in 3 questions: nps, device, ok.")
    else:
        assert recoded == []


def test_ambiguous_recodes_follow_the_rest_of_the_file_or_warn(tmp_path):
    codes = pd.DataFrame({"nps": [0, 9, 5, 3, 1], "ok": [1, 0, 1, 1, 0]}, dtype=float)
    inst = _scales_instrument(Question("ok", "?", "boolean"))
    inst = replace(inst, questions=(inst.question("nps"), inst.question("ok")))
    # recodes 1, 10, 6, 4, 2: all also points of 0..10; the boolean 2s show a numeric export
    path = write_qualtrics_export(tmp_path / "w.csv", inst, codes, numeric=True)
    responses = read_responses(path, inst)
    assert responses.answers["nps"].tolist() == [0, 9, 5, 3, 1]
    assert any("nps as recode positions" in note for note in responses.source.notes)
    # without that evidence, the numbers are read as scale points, with a warning
    alone = replace(inst, questions=(inst.question("nps"),))
    path = write_qualtrics_export(tmp_path / "alone.csv", alone, codes[["nps"]], numeric=True)
    with pytest.warns(DataWarning, match="export choice text to be sure"):
        responses = read_responses(path, alone)
    assert responses.answers["nps"].tolist() == [1, 10, 6, 4, 2]
    # a choice-text export of the same column needs no guess
    path = write_qualtrics_export(tmp_path / "text.csv", alone, codes[["nps"]], numeric=False)
    assert read_responses(path, alone).answers["nps"].tolist() == [0, 9, 5, 3, 1]


def test_a_qualtrics_column_mixing_scale_points_and_recodes_is_refused(tmp_path):
    inst = _scales_instrument()
    lines = [
        "ResponseId,nps,device,agree",
        "Response ID,A,B,C",
        '{"ImportId":"_recordId"},{"ImportId":"QID1"},{"ImportId":"QID2"},{"ImportId":"QID3"}',
        "R_1,0,1,1",
        "R_2,11,4,6",
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, inst)
    assert [(p.line, p.column, p.value) for p in caught.value.problems] == [
        (5, "nps", "11"),
        (5, "device", "4"),
        (5, "agree", "6"),
    ]


def test_plain_csv_keeps_the_strict_rules(tmp_path):
    path = write(tmp_path, "q1,q2,q3\n1,2,True\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument())
    (problem,) = caught.value.problems
    assert "'2' is not an answer to question 'q2' (boolean)" in problem.message
    inst = _scales_instrument()
    path = write(tmp_path, "nps,device,agree\n11,2,Yes\n", name="scales.csv")
    with pytest.raises(InputError) as caught:
        read_responses(path, inst)
    assert [(p.column, p.value) for p in caught.value.problems] == [("nps", "11"), ("device", "2")]
    path = write(tmp_path, "ResponseId,q1,q2,q3\nR_1,1,0,1\n", name="ids.csv")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument(id_column="respondent_id"))
    (problem,) = caught.value.problems
    assert problem.column == "respondent_id" and problem.code == "missing-column"
    assert "'ResponseId'" in problem.hint


# --- bad values ---------------------------------------------------------------------------
def test_every_bad_cell_is_reported_with_file_row_column_and_value(tmp_path):
    path = write(tmp_path, "q1,q2,q3\nTrue,yes,0\nmaybe,1,F\nTrue,2,nope\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument())
    problems = caught.value.problems
    located = [(p.file, p.line, p.column, p.value) for p in problems]
    assert located == [
        (str(path), 3, "q1", "maybe"),
        (str(path), 4, "q2", "2"),
        (str(path), 4, "q3", "nope"),
    ]
    text = str(caught.value)
    assert f"{path}, row 3, column 'q1'" in text and "'maybe'" in text
    assert "Allowed: True/False" in problems[0].hint


def test_hint_caps_allowed_values(tmp_path):
    options = tuple(f"option{i}" for i in range(12))
    inst = Instrument("t", "T", (), (Question("c", "?", "choice", options=options),))
    path = write(tmp_path, "c\noption3\nOPTION11\nnone of these\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, inst)
    (problem,) = caught.value.problems
    assert problem.line == 4 and "and 4 more" in problem.hint
    assert "option8" not in problem.hint


def test_thousands_of_bad_cells_are_grouped_but_all_counted(tmp_path):
    n = 3000
    rows = ["q1,q2,q3"] + ["maybe,True,x" if i % 2 else "True,no,x" for i in range(n)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument())
    head, *groups = caught.value.problems
    assert f"{n + n // 2:,} cells" in head.message
    counted = sum(int(re.search(r": ([\d,]+) rows", g.message)[1].replace(",", "")) for g in groups)
    assert counted == n + n // 2
    assert {(g.column, g.value, g.line) for g in groups} == {("q1", "maybe", 3), ("q3", "x", 2)}


def test_many_distinct_bad_values_fall_back_to_one_problem_per_column(tmp_path):
    rows = ["q1,q2,q3"] + [f"v{i},True,False" for i in range(500)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument())
    head, column = caught.value.problems
    assert "500 cells" in head.message and column.column == "q1" and column.line == 2
    assert "500 different values" in column.message


def test_lenient_reading_turns_bad_cells_into_recorded_missing_answers(tmp_path):
    path = write(tmp_path, "id,q1,q2,q3\na,True,yes,0\nb,maybe,1,F\n")
    inst = bool_instrument(id_column="id")
    with pytest.warns(DataWarning, match="1 cell holds"):
        responses = read_responses(path, inst, lenient=True)
    assert np.isnan(responses.answers.loc["b", "q1"])
    assert responses.invalid.to_dict("records") == [
        {"respondent": "b", "row": 3, "column": "q1", "question": "q1", "value": "maybe"}
    ]
    lenient_inst = replace(inst, cleaning=CleaningRules(invalid="missing"))
    with pytest.warns(DataWarning):
        assert len(read_responses(path, lenient_inst).invalid) == 1
    with pytest.raises(InputError):
        read_responses(path, lenient_inst, lenient=False)


def test_duration_must_be_a_number(tmp_path):
    path = write(tmp_path, "secs,q1,q2,q3\n12.5,1,1,1\nlong,0,0,0\n-3,1,0,1\n")
    inst = bool_instrument(duration_column="secs")
    with pytest.raises(InputError) as caught:
        read_responses(path, inst)
    assert [(p.line, p.column, p.value) for p in caught.value.problems] == [
        (3, "secs", "long"),
        (4, "secs", "-3"),
    ]
    with pytest.warns(DataWarning):
        responses = read_responses(path, inst, lenient=True)
    assert responses.duration.tolist()[0] == 12.5 and responses.duration.isna().sum() == 2


def test_missing_codes_are_missing_not_errors(tmp_path):
    path = write(tmp_path, "q1,q2,q3\n-99,NA, \nDON'T KNOW,-99.0,True\n")
    inst = bool_instrument(missing=(-99, "NA", "Don't know"))
    answers = read_responses(path, inst).answers
    assert answers.isna().sum().sum() == 5 and answers.loc["row-3", "q3"] == 1.0


def test_likert_and_choice_accept_labels_and_options_in_any_case(tmp_path):
    from personas.instrument.model import Scale

    questions = (
        Question("l", "?", "likert", scale=Scale(1, 5, {1: "Never", 5: "Always"})),
        Question("c", "?", "choice", options=("Mobile", "Desktop")),
        Question("n", "?", "number"),
    )
    inst = Instrument("t", "T", (), questions)
    path = write(tmp_path, "l,c,n\n never ,mobile,1e3\n4.0, DESKTOP ,-2.5\nALWAYS,Mobile,0\n")
    answers = read_responses(path, inst).answers
    assert answers.to_numpy().tolist() == [[1, 0, 1000], [4, 1, -2.5], [5, 0, 0]]
    bad = write(tmp_path, "l,c,n\n6,tablet,inf\n", name="bad.csv")
    with pytest.raises(InputError) as caught:
        read_responses(bad, inst)
    assert [p.column for p in caught.value.problems] == ["l", "c", "n"]


# --- columns ------------------------------------------------------------------------------
def test_missing_column_lists_columns_and_suggests_a_name(tmp_path):
    path = write(tmp_path, "id,q1,q2,qq3,extra\nx,1,1,1,a\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument(id_column="id"))
    (problem,) = caught.value.problems
    assert problem.column == "q3" and problem.file == str(path) and problem.line is None
    assert "question 'q3'" in problem.message and "header" in problem.message
    assert "row 1" not in str(problem)
    assert "did you mean 'qq3'?" in problem.hint and "'extra'" in problem.hint


def test_configured_id_column_must_exist(tmp_path):
    path = write(tmp_path, "respondent,q1,q2,q3\nx,1,1,1\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument(id_column="respondent_id"))
    (problem,) = caught.value.problems
    assert problem.column == "respondent_id" and "did you mean 'respondent'" in problem.hint
    assert "set data.id_column to the right one" in problem.hint
    assert "data.columns" not in problem.hint  # that key maps questions, not the id


def test_header_problems_name_the_header_not_a_row(tmp_path):
    path = write(tmp_path, "q1,q2,q2,q3\n1,1,1,1\n1,0,0,1\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument(id_column="respondent_id"))
    problems = {p.code: p for p in caught.value.problems}
    assert set(problems) == {"missing-column", "duplicate-column"}
    for problem in problems.values():
        assert problem.line is None and "row" not in problem.location()
        assert "header" in problem.message


def test_columns_match_case_insensitively_and_through_data_columns(tmp_path):
    path = write(tmp_path, " Q1 ,Q2,Third,other\n1,0,1,z\n")
    inst = bool_instrument(columns={"Third": "q3"})
    responses = read_responses(path, inst)
    assert responses.answers.iloc[0].tolist() == [1.0, 0.0, 1.0]
    assert responses.columns == {"q1": "Q1", "q2": "Q2", "q3": "Third"}
    assert list(responses.extra.columns) == ["other"]


def test_ambiguous_and_duplicated_columns_are_errors(tmp_path):
    path = write(tmp_path, "Q1,q1x,q2,q2,q4\n1,1,1,1,1\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument())
    assert [p.code for p in caught.value.problems] == ["missing-column", "duplicate-column"]
    assert [p.column for p in caught.value.problems] == ["q3", "q2"]
    path = write(tmp_path, "OK,Ok\n1,1\n", name="b.csv")
    inst = Instrument("t", "T", (), (Question("ok", "?", "boolean"),))
    with pytest.raises(InputError, match="several header columns match 'ok'"):
        read_responses(path, inst)


def test_ids_fall_back_to_row_numbers_and_may_repeat(tmp_path):
    path = write(tmp_path, "id,q1,q2,q3\na,1,1,1\n,0,0,0\na,1,0,1\n")
    responses = read_responses(path, bool_instrument(id_column="id"))
    assert list(responses.answers.index) == ["a", "row-3", "a"]


# --- broken files -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content, match",
    [
        ("", "file is empty"),
        ("   \n\n", "no header row"),
        ("q1,q2,q3\n", "no data rows"),
        ("1,0,1\n0,0,1\n", "no header row"),
        ("\nq1,q2,q3\n1,1,1\n", "first row is blank"),
    ],
)
def test_broken_text_files_are_clear_input_errors(tmp_path, content, match):
    path = write(tmp_path, content)
    with pytest.raises(InputError, match=match) as caught:
        read_responses(path, bool_instrument())
    assert all(p.file == str(path) for p in caught.value.problems)


def test_ragged_rows_are_located(tmp_path):
    path = write(tmp_path, 'q1,q2,q3\n1,1,1\n"a\nb",1\n1,1,1,1\n')
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument())
    assert [(p.line, p.code) for p in caught.value.problems] == [
        (3, "ragged-row"),
        (4, "ragged-row"),
    ]


def test_blank_lines_are_skipped_but_rows_still_count_them(tmp_path):
    path = write(tmp_path, "q1,q2,q3\n1,1,1\n\n,,\n0,0,oops\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument())
    assert caught.value.problems[0].line == 5
    with pytest.warns(DataWarning):
        assert list(read_responses(path, bool_instrument(), lenient=True).rows) == [2, 5]


@pytest.mark.parametrize("name", ["wave.xlsx", "wave.sav", "wave.dta", "wave.parquet"])
def test_corrupt_binary_files_are_input_errors(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"this is not a real file\x00\x01")
    with pytest.raises(InputError, match="cannot be read as") as caught:
        read_responses(path, bool_instrument())
    assert caught.value.problems[0].file == str(path)


def test_missing_files_folders_and_unknown_formats(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_responses(tmp_path / "nope.csv", bool_instrument())
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError, match="folder"):
        read_responses(tmp_path / "dir.csv", bool_instrument())
    path = write(tmp_path, "q1,q2,q3\n1,1,1\n", name="wave.dat")
    with pytest.raises(InputError, match="pass format="):
        read_responses(path, bool_instrument())
    with pytest.raises(InputError, match="unknown format 'json'"):
        read_responses(path, bool_instrument(), format="json")
    assert read_responses(path, bool_instrument(), format="csv").answers.shape == (1, 3)


def test_encoding_can_be_forced(tmp_path):
    path = write(tmp_path, "id,q1,q2,q3\nЖеня,1,1,1\n", encoding="cp1251")
    inst = bool_instrument(id_column="id")
    assert list(read_responses(path, inst, encoding="cp1251").answers.index) == ["Женя"]


# --- properties ---------------------------------------------------------------------------
TRUE_SPELLINGS = ["True", "true", "TRUE", "Yes", "y", "Y", "1", "1.0", "t", "T", " yes "]
FALSE_SPELLINGS = ["False", "false", "No", "NO", "n", "N", "0", "0.0", "f", "F", "\tno "]
quick = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@quick
@given(
    truth=st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=1, max_size=12),
    data=st.data(),
)
def test_any_mix_of_valid_spellings_gives_the_same_codes(truth, data):
    cells = [
        [data.draw(st.sampled_from(TRUE_SPELLINGS if v else FALSE_SPELLINGS)) for v in row]
        for row in truth
    ]
    text = "q1,q2,q3\n" + "".join(",".join(f'"{c}"' for c in row) + "\n" for row in cells)
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), text)
        answers = read_responses(path, bool_instrument()).answers
    assert answers.to_numpy().tolist() == np.asarray(truth, dtype=float).tolist()


@quick
@given(
    n_rows=st.integers(1, 15),
    where=st.tuples(st.integers(0, 14), st.integers(0, 2)),
    bad=st.text(min_size=1, max_size=8)
    .filter(
        lambda s: (
            s.strip()
            and s.strip().casefold()
            not in {"true", "false", "yes", "no", "y", "n", "t", "f", "1", "0"}
            and not any(c in s for c in '",\n\r')
            and s.strip() == s
        )
    )
    .filter(lambda s: _not_zero_or_one(s)),
)
def test_any_invalid_value_is_reported_at_its_exact_row_and_column(n_rows, where, bad):
    row, col = where[0] % n_rows, where[1]
    cells = [["1", "0", "1"] for _ in range(n_rows)]
    cells[row][col] = bad
    text = "q1,q2,q3\n" + "".join(",".join(r) + "\n" for r in cells)
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), text)
        with pytest.raises(InputError) as caught:
            read_responses(path, bool_instrument())
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.value) == (row + 2, f"q{col + 1}", bad)


def _not_zero_or_one(text: str) -> bool:
    try:
        return float(text) not in (0.0, 1.0)
    except ValueError:
        return True


def test_a_missing_column_does_not_hide_bad_cells_of_the_others(tmp_path):
    path = write(tmp_path, "id,q1,q2\nx,1,maybe\ny,7,0\n")
    with pytest.raises(InputError) as caught:
        read_responses(path, bool_instrument(id_column="id"))
    problems = caught.value.problems
    codes = [p.code for p in problems]
    assert codes[0] == "missing-column" and problems[0].column == "q3"
    assert problems[0].line is None  # the header, not "row 1"
    bad = {(p.column, p.line) for p in problems[1:]}
    assert ("q2", 2) in bad and ("q1", 3) in bad, [str(p) for p in problems]

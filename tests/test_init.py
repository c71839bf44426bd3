"""Tests for personas.draft and `personas init`: an instrument drafted from a survey file.

Each file is built here (pyreadstat for .sav / .dta, text for the Qualtrics export and the
.qsf), with value labels, user-missing codes and the quirks real files have. Every draft must
load as `personas validate` loads it, read its own file back, and `personas run` must work on
the SPSS draft at once.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner

from conftest import snapshot_tree
from personas.cli import main
from personas.draft import draft_instrument, render_draft
from personas.instrument import load_instrument
from personas.io import read_responses

N = 240


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _answers(seed: int = 0) -> pd.DataFrame:
    """Three planted groups answering a yes/no, two agree scales and a device choice."""
    rng = np.random.default_rng(seed)
    group = np.repeat([0, 1, 2], N // 3)
    noise = rng.integers(-1, 2, N)
    return pd.DataFrame(
        {
            "respid": np.arange(1001, 1001 + N, dtype=float),
            "daily": np.where(group == 0, 1.0, 2.0),
            "plans": np.clip(group * 2 + 1 + noise, 1, 5).astype(float),
            "spot": np.clip(5 - group * 2 + noise, 1, 5).astype(float),
            "device": (group + 1).astype(float),
            "sex": rng.integers(1, 3, N).astype(float),
            "age": rng.integers(18, 80, N).astype(float),
            "other": [f"note {i}" for i in range(N)],
            "secs": rng.integers(300, 900, N).astype(float),
        }
    )


LABELS = [
    "Respondent ID",
    "Do you use the app every day?",
    "I plan my week ahead.",
    "I decide on the spot.",
    "Which device do you use most?",
    "Sex",
    "Age in years",
    "Anything else?",
    "Interview duration (seconds)",
]
VALUE_LABELS = {
    "daily": {1: "Yes", 2: "No"},
    "plans": {
        1: "Strongly disagree",
        2: "Disagree",
        3: "Neither",
        4: "Agree",
        5: "Strongly agree",
        9: "Refused",
    },  # fmt: skip
    "spot": {1: "Strongly disagree", 5: "Strongly agree"},
    "device": {1: "Mobile", 2: "Desktop", 3: "Tablet", 8: "Don't know"},
    "sex": {1: "Male", 2: "Female"},
}


def write_sav(path: Path) -> Path:
    frame = _answers()
    frame.loc[:5, "plans"] = 9  # user-missing: refused
    frame.loc[10:12, "device"] = 8  # labelled "Don't know", not declared missing
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label="App habits 2024",
        column_labels=LABELS,
        variable_value_labels=VALUE_LABELS,
        missing_ranges={"plans": [9]},
        variable_measure={"plans": "nominal", "spot": "ordinal", "device": "nominal"},
    )
    return path


def write_dta(path: Path) -> Path:
    frame = _answers(1).rename(columns={"respid": "caseno", "secs": "t_total"})
    labels = dict(LABELS=LABELS)["LABELS"]
    labels = [*labels[:-1], "Time taken in seconds"]
    labels[0] = "Case number"
    pyreadstat.write_dta(
        frame,
        str(path),
        column_labels=labels,
        variable_value_labels={k: v for k, v in VALUE_LABELS.items() if k != "plans"}
        | {"plans": {k: v for k, v in VALUE_LABELS["plans"].items() if k != 9}},
    )
    return path


def _qualtrics_cells(numeric: bool) -> list[list[str]]:
    meta = ["StartDate", "Status", "Duration (in seconds)", "ResponseId", "Q1", "Q2_1", "Q2_2",
            "Q3", "Q3_TEXT", "Q4", "source"]  # fmt: skip
    texts = ["Start Date", "Response Type", "Duration (in seconds)", "Response ID",
             "Do you use the app every day?", "How much do you agree? - I plan ahead",
             "How much do you agree? - I decide on the spot", "Which device?",
             "Which device? - Other - Text", "Hours a week", "source"]  # fmt: skip
    imports = ["startDate", "status", "duration", "_recordId", "QID1", "QID2_1", "QID2_2",
               "QID3", "QID3_TEXT", "QID4", "source"]  # fmt: skip
    agree = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
             "Strongly agree"]  # fmt: skip
    rows = [meta, texts, [json.dumps({"ImportId": i}) for i in imports]]
    frame = _answers()
    rows.append(["2024-05-01", "Survey Preview", "20", "R_preview", "Yes", "Agree", "Agree",
                 "Mobile", "", "3", "panel"])  # fmt: skip
    for i, r in frame.iterrows():
        plans, spot = int(r.plans), int(r.spot)
        row = [
            "2024-05-02", "IP Address", str(int(r.secs)), f"R_{i:04d}",
            ("1" if r.daily == 1 else "2") if numeric else ("Yes" if r.daily == 1 else "No"),
            str(plans) if numeric else agree[plans - 1],
            str(spot) if numeric else agree[spot - 1],
            str(int(r.device)) if numeric else ["Mobile", "Desktop", "Tablet"][int(r.device) - 1],
            "", "-99" if i % 40 == 0 else str(int(r.age) % 30), "panel",
        ]  # fmt: skip
        rows.append(row)
    return rows


def write_qualtrics(path: Path, *, numeric: bool = False) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(_qualtrics_cells(numeric))
    return path


def _sq(qid, tag, text, kind, selector, **payload):
    payload = {"QuestionID": qid, "DataExportTag": tag, "QuestionText": text,
               "QuestionType": kind, "Selector": selector, **payload}  # fmt: skip
    return {"Element": "SQ", "PrimaryAttribute": qid, "Payload": payload}


def _choices(*texts):
    return {str(i): {"Display": t} for i, t in enumerate(texts, start=1)}


def write_qsf(path: Path) -> Path:
    agree = ("Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree")
    survey = {
        "SurveyEntry": {"SurveyName": "App habits (Qualtrics)"},
        "SurveyElements": [
            {"Element": "BL", "Payload": [
                {"Type": "Default", "BlockElements": [
                    {"Type": "Question", "QuestionID": q}
                    for q in ("QID2", "QID1", "QID3", "QID4", "QID5", "QID6", "QID7",
                              "QID8")]},
                {"Type": "Trash", "BlockElements": [{"Type": "Question", "QuestionID": "QID9"}]},
            ]},
            _sq("QID1", "Q1", "<p>Do you use the app <b>every</b> day?</p>", "MC", "SAVR",
                Choices=_choices("Yes", "No"), ChoiceOrder=["1", "2"]),
            _sq("QID2", "Q2", "I plan my week ahead.", "MC", "SAVR",
                Choices=_choices(*agree, "Don't know"), ChoiceOrder=["1", "2", "3", "4", "5", "6"],
                RecodeValues={"1": "0", "2": "1", "3": "2", "4": "3", "5": "4", "6": "99"}),
            _sq("QID3", "Q3", "Which device?", "MC", "SAVR",
                Choices=_choices("Mobile", "Desktop", "Tablet &amp; other"),
                ChoiceOrder=["2", "1", "3"]),
            _sq("QID4", "Q4", "How much do you agree?", "Matrix", "Likert",
                SubSelector="SingleAnswer",
                Choices=_choices("I compare offers", "I buy at once"), ChoiceOrder=["1", "2"],
                Answers=_choices(*agree), AnswerOrder=["1", "2", "3", "4", "5"],
                ChoiceDataExportTags={"1": "compare", "2": ""}),
            _sq("QID5", "Q5", "Anything else?", "TE", "SL"),
            _sq("QID6", "Q6", "Which apps do you use?", "MC", "MAVR",
                Choices=_choices("Maps", "Mail")),
            _sq("QID7", "Q7", "Is it too expensive?", "MC", "SAVR", Choices=_choices("No", "Yes")),
            _sq("QID8", "Q8", "Where?", "MC", "DL", Choices=_choices("Home", "Work", "Both"),
                RecodeValues={"1": "1", "2": "2", "3": "5"}),
            _sq("QID9", "Q9", "An old question", "MC", "SAVR", Choices=_choices("a", "b")),
        ],
    }  # fmt: skip
    path.write_text(json.dumps(survey), encoding="utf-8")
    return path


def _by_id(draft):
    return {q.id: q for q in draft.questions}


def _loads(tmp_path: Path, draft, name: str = "draft") -> object:
    path = tmp_path / name / "instrument.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_draft(draft), encoding="utf-8")
    return load_instrument(path)


# --- SPSS -----------------------------------------------------------------------------------
def test_spss_labels_become_types_texts_and_missing_codes(tmp_path):
    draft = draft_instrument(write_sav(tmp_path / "wave.sav"), study_id="habits")
    q = _by_id(draft)
    assert list(q) == ["daily", "plans", "spot", "device", "sex", "age"]
    assert q["daily"].type == "boolean" and q["daily"].text == "Do you use the app every day?"
    # marked nominal, as many files mark every variable, but its labels are a scale
    assert q["plans"].type == "likert" and q["plans"].scale == (1, 5)
    assert dict(q["plans"].labels) == {1: "Strongly disagree", 2: "Disagree", 3: "Neither",
                                       4: "Agree", 5: "Strongly agree"}  # fmt: skip
    # only the end points labelled, an ordinal measure: still a scale
    assert q["spot"].type == "likert" and q["spot"].scale == (1, 5)
    assert q["device"].type == "choice" and q["device"].options == ("Mobile", "Desktop", "Tablet")
    # two labels that are not True/False stay a choice (a boolean could not read them)
    assert q["sex"].type == "choice" and q["sex"].options == ("Male", "Female")
    assert q["age"].type == "number"
    assert draft.id_column == "respid" and draft.duration_column == "secs"
    # the declared user-missing code and the "Don't know" label
    assert draft.missing == (9, "Don't know")
    assert draft.skipped == (("other", f"{N} different texts (free text)"),)
    assert draft.title == "App habits 2024"


def test_a_missing_code_that_is_an_answer_elsewhere_goes_in_as_its_label(tmp_path):
    frame = pd.DataFrame(
        {
            "plans": [1.0, 5.0, 9.0, 3.0],
            "hours": [9.0, 2.0, 0.0, 12.0],
            "tv": [9.0, 1, 0, 1],
            "age": [-1.0, 30, 40, 50],
        }
    )
    path = tmp_path / "wave.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"plans": VALUE_LABELS["plans"], "tv": {9: "No answer"}},
        missing_ranges={"plans": [9], "tv": [9], "age": [-1]},
    )
    draft = draft_instrument(path, study_id="habits")
    assert _by_id(draft)["hours"].type == "number"
    # 9 is an answer to hours; -1 only age's own missing code
    assert draft.missing == (-1, "Refused", "No answer")
    responses = read_responses(path, _loads(tmp_path, draft))
    assert responses.answers["hours"].tolist() == [9.0, 2.0, 0.0, 12.0]
    assert responses.answers["plans"].isna().tolist() == [False, False, True, False]


def test_the_spss_draft_loads_and_reads_its_own_file(tmp_path):
    path = write_sav(tmp_path / "wave.sav")
    instrument = _loads(tmp_path, draft_instrument(path, study_id="habits"))
    assert instrument.tensions == () and instrument.personas == ()
    responses = read_responses(path, instrument)
    assert len(responses) == N and responses.invalid.empty
    assert responses.answers["plans"].isna().sum() == 6  # the refused ones
    assert responses.answers["device"].isna().sum() == 3  # "Don't know"
    assert responses.answers.index[0] == "1001"


def test_the_draft_text_is_commented_with_todos_and_deterministic(tmp_path):
    path = write_sav(tmp_path / "wave.sav")
    text = render_draft(draft_instrument(path, study_id="habits"))
    assert text == render_draft(draft_instrument(path, study_id="habits"))
    assert "tensions: []" in text and "personas: []" in text
    assert "# TODO tensions" in text and "# TODO personas" in text
    assert text.count("# TODO tension: <tension id>   pole: a | b") == 3  # boolean + 2 likert
    assert "# column 'sex': choice, from labels (1 = Male, 2 = Female)" in text
    assert "#   other: 240 different texts (free text)" in text


# --- Stata ----------------------------------------------------------------------------------
def test_stata_labels_and_an_id_and_duration_found_by_their_labels(tmp_path):
    path = write_dta(tmp_path / "wave.dta")
    draft = draft_instrument(path, study_id="habits")
    q = _by_id(draft)
    assert draft.format == "stata"
    assert draft.id_column == "caseno" and draft.duration_column == "t_total"
    assert q["daily"].type == "boolean"
    # no measure in Stata: the scale words of the labels tell
    assert q["plans"].type == "likert" and q["plans"].scale == (1, 5)
    assert q["device"].type == "choice" and draft.missing == ("Don't know",)
    responses = read_responses(path, _loads(tmp_path, draft))
    assert len(responses) == N and responses.invalid.empty


# --- Qualtrics export -----------------------------------------------------------------------
def test_a_qualtrics_export_gives_texts_from_row_2_and_ids_from_the_import_row(tmp_path):
    path = write_qualtrics(tmp_path / "export.csv")
    draft = draft_instrument(path, study_id="habits")
    q = _by_id(draft)
    assert list(q) == ["Q1", "Q2_1", "Q2_2", "Q3", "Q4"]
    assert q["Q2_1"].text == "How much do you agree? - I plan ahead"
    assert q["Q1"].type == "boolean"
    assert q["Q2_1"].type == "likert" and q["Q2_1"].scale == (1, 5)
    assert q["Q2_1"].labels[5] == "Strongly agree"
    assert q["Q3"].type == "choice" and set(q["Q3"].options) == {"Mobile", "Desktop", "Tablet"}
    assert q["Q4"].type in ("likert", "number")
    assert draft.id_column == "ResponseId" and draft.duration_column == "Duration (in seconds)"
    assert draft.missing == (-99,)  # Qualtrics' "seen but unanswered"
    skipped = dict(draft.skipped)
    assert set(skipped) == {"Q3_TEXT", "source", "StartDate", "Status"}
    responses = read_responses(path, _loads(tmp_path, draft))
    assert len(responses) == N and responses.invalid.empty
    assert responses.dropped["respondent"].tolist() == ["R_preview"]


def test_a_qualtrics_excel_export_and_a_plain_table(tmp_path):
    cells = _qualtrics_cells(numeric=False)
    xlsx = tmp_path / "export.xlsx"
    pd.DataFrame(cells[1:], columns=cells[0]).to_excel(xlsx, index=False)
    draft = draft_instrument(xlsx, study_id="habits")
    assert draft.format == "qualtrics" and _by_id(draft)["Q2_2"].type == "likert"
    assert len(read_responses(xlsx, _loads(tmp_path, draft, "x"))) == N
    plain = tmp_path / "plain.csv"
    _answers().drop(columns=["other"]).to_csv(plain, index=False)
    table = draft_instrument(plain, study_id="habits")
    q = _by_id(table)
    assert table.id_column == "respid" and table.duration_column == "secs"
    # without labels: 1/2 cannot be told from a count, 1..5 reads as a scale
    assert (q["daily"].type, q["plans"].type, q["age"].type) == ("number", "likert", "number")
    assert q["plans"].text == "plans" and "no question texts" in table.notes[0]
    assert read_responses(plain, _loads(tmp_path, table, "p")).invalid.empty


def test_a_numeric_qualtrics_export_reads_back(tmp_path):
    path = write_qualtrics(tmp_path / "export.csv", numeric=True)
    draft = draft_instrument(path, study_id="habits")
    q = _by_id(draft)
    assert q["Q1"].type == "boolean" and "1 = True" in q["Q1"].check
    assert q["Q2_1"].type == "likert"
    responses = read_responses(path, _loads(tmp_path, draft))
    assert responses.answers["Q1"].iloc[0] == 1.0  # 1 = Yes = True
    assert len(responses) == N and responses.invalid.empty


# --- Qualtrics survey file ------------------------------------------------------------------
def test_a_qsf_gives_texts_choices_recodes_and_matrix_rows(tmp_path):
    draft = draft_instrument(write_qsf(tmp_path / "survey.qsf"), study_id="habits")
    q = _by_id(draft)
    # block order; the trash left out
    assert list(q) == ["Q2", "Q1", "Q3", "compare", "Q4_2", "Q7", "Q8"]
    assert q["Q1"].type == "boolean" and q["Q1"].text == "Do you use the app every day?"
    # recode values are the scale points; "Don't know" is no answer
    assert (
        q["Q2"].type == "likert"
        and q["Q2"].scale == (0, 4)
        and q["Q2"].labels[4] == ("Strongly agree")
    )
    assert draft.missing == ("Don't know",)
    # in recode order (a numeric export's recode k is read as the k-th option), unescaped
    assert q["Q3"].options == ("Mobile", "Desktop", "Tablet & other") and not q["Q3"].check
    assert q["compare"].type == "likert" and q["compare"].column == "compare"
    assert q["compare"].text == "How much do you agree? - I compare offers"
    assert q["Q4_2"].scale == (1, 5)
    assert dict(draft.skipped) == {
        "Q5": "free text",
        "Q6": "multiple answers, one column per choice (add them as boolean questions)",
    }
    assert draft.title == "App habits (Qualtrics)"
    # where a numeric export would not read as drafted, the draft says so
    assert q["Q7"].type == "boolean" and "True choice has recode 2" in q["Q7"].check
    assert q["Q8"].type == "choice" and "recode values (1, 2, 5)" in q["Q8"].check
    instrument = _loads(tmp_path, draft)
    assert len(instrument.questions) == 7


# --- the command ----------------------------------------------------------------------------
def test_init_writes_a_draft_that_validates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, write in [("a", write_sav), ("b", write_dta), ("c", write_qualtrics),
                        ("d", write_qsf)]:  # fmt: skip
        suffix = {"a": ".sav", "b": ".dta", "c": ".csv", "d": ".qsf"}[name]
        source = write(tmp_path / f"source{suffix}")
        result = invoke("init", name, "--from", source)
        assert result.exit_code == 0, result.output
        assert f"Drafted {Path('surveys') / name / 'instrument.yaml'}" in result.output
        checked = invoke("validate", name)
        assert checked.exit_code == 0, checked.output
        assert f"{name}: 0 tensions" in checked.output and "0 personas — OK" in checked.output


def test_init_never_overwrites_without_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = write_sav(tmp_path / "wave.sav")
    target = tmp_path / "surveys" / "habits" / "instrument.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("# my own work\n", encoding="utf-8")
    before = snapshot_tree(tmp_path)
    result = invoke("init", "habits", "--from", source)
    assert result.exit_code == 2, result.output
    assert "surveys/habits/instrument.yaml: the study already has an instrument.yaml" in (
        result.output
    )
    assert "--force" in result.output
    assert "Traceback" not in result.output
    assert snapshot_tree(tmp_path) == before
    forced = invoke("init", "habits", "--from", source, "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.output.startswith("Replaced") and "tensions: []" in target.read_text()


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("notes.docx", b"PK\x03\x04", "cannot draft an instrument from a .docx file"),
        ("survey.qsf", b"{not json", "cannot be read as a Qualtrics .qsf file"),
        ("survey2.qsf", b'{"SurveyEntry": {}}', "has no SurveyElements list"),
        ("broken.sav", b"not an spss file at all", "cannot be read as spss"),
        ("missing.sav", None, "file not found"),
    ],
)
def test_bad_sources_are_refused_with_nothing_written(tmp_path, monkeypatch, name, content, needle):
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / name).write_bytes(content)
    before = snapshot_tree(tmp_path)
    result = invoke("init", "habits", "--from", tmp_path / name)
    assert result.exit_code == 2, result.output
    assert needle in result.output and name in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert snapshot_tree(tmp_path) == before and not (tmp_path / "surveys").exists()


def test_init_then_run_works_end_to_end_on_the_sav(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    waves = tmp_path / "surveys" / "habits" / "waves"
    waves.mkdir(parents=True)
    source = write_sav(waves / "wave-1.sav")
    assert invoke("init", "habits", "--from", source).exit_code == 0
    checked = invoke("validate", "habits")  # reads the wave with the draft too
    assert checked.exit_code == 0 and f"wave-1.sav: {N} respondents — OK" in checked.output
    result = invoke("run", "habits", "--no-report", "--k", "2..4")
    assert result.exit_code == 0, result.output
    run = tmp_path / "reports" / "habits" / "wave-1"
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    people = summary["respondents"]
    assert people["loaded"] == N == people["kept"] + sum(people["excluded"].values())
    assert summary["personas"] == [] and summary["k"] in (2, 3, 4)
    exclusions = pd.read_csv(run / "exclusions.csv", dtype=str)
    assert set(exclusions["respondent"]) <= {str(i) for i in range(1001, 1001 + N)}

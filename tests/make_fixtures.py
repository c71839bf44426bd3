"""Regenerate the tiny wave fixtures in ``tests/fixtures/waves/`` (run from the repo root).

    python tests/make_fixtures.py

Every file holds the same six respondents (:data:`ROWS`), each written the way that format
(or a person exporting to it) tends to write it: ``True``/``Yes``/``1``/``y`` booleans, scale
numbers or labels, options in any case, different missing codes, an accented id in cp1252,
SPSS value labels with a user-missing code. All of them must load to :data:`EXPECTED`.
``qualtrics.csv`` adds Qualtrics' two extra header rows, a preview and a test response.

The tests import :func:`fixture_instrument` and :data:`EXPECTED` from here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat

from personas.instrument.model import DataMapping, Instrument, Question, Scale

HERE = Path(__file__).parent / "fixtures" / "waves"
IDS = ["r1", "José", "r3", "r4", "r5", "r6"]
DURATIONS = [300.0, 120.0, 450.5, 30.0, 200.0, 90.0]
# id-less canonical answers: b1 b2 b3 (boolean), lk (likert 1-5), dev (choice), num, check
ROWS = [
    (True, False, True, 5, "mobile", 2.5, True),
    (False, False, True, 1, "desktop", 10.0, True),
    (True, None, False, 3, "both", None, True),
    (False, True, False, None, "mobile", 0.0, False),
    (True, True, True, 4, None, 7.0, True),
    (None, False, False, 2, "desktop", 3.25, True),
]
QUESTIONS = ("b1", "b2", "b3", "lk", "dev", "num", "check")
OPTIONS = ("mobile", "desktop", "both")
LABELS = {1: "Strongly disagree", 5: "Strongly agree"}


def fixture_instrument() -> Instrument:
    """The instrument every fixture is read with (boolean, likert, choice, number, check)."""
    questions = (
        Question("b1", "I apply fast.", "boolean", tension="speed", pole="a"),
        Question("b2", "I wait for the right job.", "boolean", tension="speed", pole="b"),
        Question("b3", "Salary first.", "boolean"),
        Question("lk", "I like the site.", "likert", scale=Scale(1, 5, LABELS)),
        Question("dev", "Where do you search?", "choice", options=OPTIONS),
        Question("num", "Applications per week", "number"),
        Question("check", "Answer True.", "boolean", attention=1.0),
    )
    data = DataMapping(
        id_column="respondent_id",
        duration_column="duration_seconds",
        missing=("", "NA", "-99", "Don't know"),
    )
    return Instrument("fixture", "Fixture study", (), questions, data=data)


def qualtrics_instrument() -> Instrument:
    """The same questions, read from Qualtrics field names Q1..Q7 (ResponseId as id)."""
    columns = {f"Q{i}": qid for i, qid in enumerate(QUESTIONS, start=1)}
    data = DataMapping(columns=columns, missing=("",))
    return replace(fixture_instrument(), data=data)


def _expected() -> pd.DataFrame:
    codes = {
        "b1": [1.0, 0.0, 1.0, 0.0, 1.0, np.nan],
        "b2": [0.0, 0.0, np.nan, 1.0, 1.0, 0.0],
        "b3": [1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
        "lk": [5.0, 1.0, 3.0, np.nan, 4.0, 2.0],
        "dev": [0.0, 1.0, 2.0, 0.0, np.nan, 1.0],
        "num": [2.5, 10.0, np.nan, 0.0, 7.0, 3.25],
        "check": [1.0, 1.0, 1.0, 0.0, 1.0, 1.0],
    }
    return pd.DataFrame(codes, index=pd.Index(IDS, dtype="str", name="respondent"))


EXPECTED = _expected()


# --- text formats -------------------------------------------------------------------------
def _records(*, true: str, false: str, missing: str, likert=str, choice=str) -> list[list]:
    out = [["respondent_id", "duration_seconds", *QUESTIONS, "note"]]
    for i, (rid, seconds, row) in enumerate(zip(IDS, DURATIONS, ROWS, strict=True)):
        cells = [rid, f"{seconds:g}"]
        for qid, value in zip(QUESTIONS, row, strict=True):
            if value is None:
                cells.append(missing)
            elif isinstance(value, bool):
                cells.append(true if value else false)
            elif qid == "lk":
                cells.append(likert(value))
            elif qid == "dev":
                cells.append(choice(value))
            else:
                cells.append(f"{value:g}")
        out.append([*cells, f"free text {i}"])
    return out


def _write_text(name: str, records, *, delimiter: str = ",", encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(records)
    (HERE / name).write_bytes(buffer.getvalue().encode(encoding))


def write_text_fixtures() -> None:
    _write_text("basic.csv", _records(true="True", false="False", missing=""))
    label = lambda v: LABELS.get(v, str(v)).upper()  # noqa: E731
    _write_text(
        "basic.tsv",
        _records(true="Yes", false="no", missing="NA", likert=label, choice=str.title),
        delimiter="\t",
    )
    _write_text("cp1252.csv", _records(true="1", false="0", missing="-99"), encoding="cp1252")
    _write_text(
        "bom.csv",
        _records(true="y", false="N", missing="Don't know", choice=lambda v: f" {v} "),
        encoding="utf-8-sig",
    )
    _write_text(
        "semicolon.csv",
        _records(true=" TRUE ", false="f", missing="", likert=lambda v: f"{v}.0"),
        delimiter=";",
    )


def write_qualtrics() -> None:
    """A Qualtrics export: 3 header rows, metadata columns, a preview and a test response."""
    meta = ["StartDate", "Status", "Duration (in seconds)", "ResponseId", "DistributionChannel"]
    fields = [f"Q{i}" for i in range(1, len(QUESTIONS) + 1)]
    texts = [
        "Start Date",
        "Response Type",
        "Duration (in seconds)",
        "Response ID",
        "Distribution Channel",
        "I apply fast.",
        "I wait for the right job.",
        "Salary first.",
        "I like the site,\nreally",
        "Where do you search?",
        "Applications per week",
        "Answer True.",
    ]
    imports = [
        f'{{"ImportId":"{f}"}}'
        for f in ["startDate", "status", "duration", "_recordId", "distributionChannel"]
    ]
    imports += [f'{{"ImportId":"QID{i}"}}' for i in range(1, len(fields) + 1)]
    body = _records(true="True", false="False", missing="")[1:]
    records = [meta + fields, texts, imports]
    preview = ["2024-05-01 09:00:00", "Survey Preview", "12", "R_preview", "preview"]
    tester = ["2024-05-01 09:05:00", "IP Address", "40", "R_test", "test"]
    records.append(preview + body[0][2:-1])
    for i, row in enumerate(body):
        records.append(
            ["2024-05-02 10:00:00", "IP Address", row[1], f"R_{i + 1}", "anonymous", *row[2:-1]]
        )
        if i == 2:
            records.append(tester + row[2:-1])
    _write_text("qualtrics.csv", records)


# --- binary formats -----------------------------------------------------------------------
def _frame(boolean, likert, choice) -> pd.DataFrame:
    columns = {"respondent_id": IDS, "duration_seconds": DURATIONS}
    for j, qid in enumerate(QUESTIONS):
        values = [row[j] for row in ROWS]
        if qid in ("b1", "b2", "b3", "check"):
            columns[qid] = [boolean(v) for v in values]
        elif qid == "lk":
            columns[qid] = [likert(v) for v in values]
        elif qid == "dev":
            columns[qid] = [choice(v) for v in values]
        else:
            columns[qid] = [np.nan if v is None else v for v in values]
    columns["note"] = [f"free text {i}" for i in range(len(IDS))]
    return pd.DataFrame(columns)


def write_xlsx() -> None:
    """Real booleans, the likert end points as labels, options in capitals."""
    frame = _frame(lambda v: v, lambda v: LABELS.get(v, v), lambda v: v and v.upper())
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for record in frame.itertuples(index=False):
        sheet.append([None if pd.isna(v) else v for v in record])
    book.save(HERE / "basic.xlsx")


def write_sav() -> None:
    """SPSS: 1 = Yes / 2 = No, 9 = Refused (user-missing), choice as labelled codes."""
    codes = {o: i for i, o in enumerate(OPTIONS, start=1)}
    frame = _frame(
        lambda v: 9.0 if v is None else (1.0 if v else 2.0),
        lambda v: np.nan if v is None else float(v),
        lambda v: 9.0 if v is None else float(codes[v]),
    )
    yes_no = {1.0: "Yes", 2.0: "No", 9.0: "Refused"}
    labels = {q: yes_no for q in ("b1", "b2", "b3", "check")}
    labels["dev"] = {**{float(c): o for o, c in codes.items()}, 9.0: "Refused"}
    labels["lk"] = {float(k): v for k, v in LABELS.items()}
    pyreadstat.write_sav(
        frame,
        HERE / "basic.sav",
        variable_value_labels=labels,
        missing_ranges={q: [9.0] for q in ("b1", "b2", "b3", "check", "dev")},
    )


def write_dta() -> None:
    """Stata: 1 = Yes / 0 = No labels on booleans, choice as text."""
    frame = _frame(
        lambda v: np.nan if v is None else float(v),
        lambda v: np.nan if v is None else float(v),
        lambda v: v or "",
    )
    labels = {q: {1: "Yes", 0: "No"} for q in ("b1", "b2", "b3", "check")}
    pyreadstat.write_dta(frame, HERE / "basic.dta", variable_value_labels=labels)


def write_parquet() -> None:
    """Native nullable types: boolean, Int64, string, float."""
    frame = _frame(lambda v: v, lambda v: v, lambda v: v)
    types = {q: "boolean" for q in ("b1", "b2", "b3", "check")}
    frame = frame.astype({**types, "lk": "Int64", "dev": "string"})
    frame.to_parquet(HERE / "basic.parquet", index=False)


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    write_text_fixtures()
    write_qualtrics()
    write_xlsx()
    write_sav()
    write_dta()
    write_parquet()
    for path in sorted(HERE.iterdir()):
        print(f"{path.stat().st_size:>6}  {path}")


if __name__ == "__main__":
    main()

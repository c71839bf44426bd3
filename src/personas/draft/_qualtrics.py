"""Draft from Qualtrics files: a CSV/TSV/XLSX response export, or a ``.qsf`` survey file.

**Export** (three header rows, see :mod:`personas.io.qualtrics`): question columns are those
whose ImportId (third row) names a question (``QID…``); their text is the second row. Text
entry, display order and timing columns (``QID3_TEXT``, ``…_DO``, ``…_PAGE_SUBMIT``) and
metadata or embedded data are not drafted. Types come from the answers (a choice-text export
tells more than a numeric one; a ``-99``, Qualtrics' "seen but unanswered", goes to
``data.missing``). Previews and tests are left out, as ``read_responses`` leaves them out.

**Survey file** (``.qsf``, JSON): every ``SurveyElements`` entry with ``Element: "SQ"`` is a
question; its ``Payload`` holds ``DataExportTag`` (the export's column), ``QuestionText``
(HTML), ``QuestionType``/``Selector``, ``Choices`` in ``ChoiceOrder`` and ``RecodeValues``
(choice -> the number a numeric export holds). A single-answer multiple choice becomes one
question, typed by :func:`~personas.draft._infer.from_labels` with the recodes as codes and the
choice texts as labels; a single-answer matrix becomes one likert question per statement
(column ``<tag>_<choice>``, or its ``ChoiceDataExportTags``). Questions in the trash,
free-text, descriptive, multiple-answer, timing and slider questions are not drafted.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from personas.draft._infer import from_labels, from_values, is_nonanswer, question_ids
from personas.draft.model import Draft, DraftQuestion
from personas.errors import InputError, Problem
from personas.io._coerce import TRUE_WORDS
from personas.io._table import RawTable
from personas.io.qualtrics import is_qualtrics, strip_qualtrics

__all__ = ["draft_export", "draft_table", "draft_qsf"]

_SIDE_COLUMNS = re.compile(r"_(TEXT|DO|FIRST_CLICK|LAST_CLICK|PAGE_SUBMIT|CLICK_COUNT)$", re.I)
_SINGLE = {"SAVR", "SAHR", "SACOL", "DL", "SB", "NPS"}
_SKIP = {
    "TE": "free text", "DB": "descriptive text, no answer", "Timing": "timing",
    "Meta": "browser information", "Slider": "slider (add it as a number question)",
    "Captcha": "captcha", "FileUpload": "file upload", "Draw": "signature",
}  # fmt: skip
_UNANSWERED = "-99"


def draft_export(table: RawTable, path: Path, *, study_id: str) -> Draft:
    """A :class:`Draft` from a Qualtrics response export (or any table, see below)."""
    if not is_qualtrics(table):
        return draft_table(table, path, study_id=study_id)
    texts = {c: str(t or "").strip() for c, t in table.frame.iloc[0].items()}
    imports = {c: _import_id(cell) for c, cell in table.frame.iloc[1].items()}
    data = strip_qualtrics(table).frame
    wanted = [c for c, i in imports.items() if i.startswith("QID") and not _SIDE_COLUMNS.search(i)]
    ids = question_ids(wanted)
    questions, skipped, unanswered = [], [], False
    for column in wanted:
        values = data[column]
        seen = values.astype("str").str.strip() == _UNANSWERED
        unanswered |= bool(seen.any())
        drafted = from_values(ids[column], column, texts[column] or column, values[~seen])
        if isinstance(drafted, DraftQuestion):
            questions.append(_numeric_boolean(drafted, values[~seen]))
        else:
            skipped.append((column, drafted))
    by_import = {i: c for c, i in imports.items()}
    used = {*wanted, by_import.get("_recordId"), by_import.get("duration")}
    side = [c for c in imports if c not in used]
    notes = [
        "Question types were guessed from the answers: an export of choice text, or "
        "`personas init --from` the survey's .qsf, gives the choices and scale labels."
    ]
    if side:
        notes.append(f"{len(side)} columns of Qualtrics metadata, embedded data, text entry "
                     "or timing are not questions (listed at the end).")  # fmt: skip
    return Draft(
        study_id=study_id, title=study_id, source=path, format="qualtrics",
        questions=tuple(questions), id_column=by_import.get("_recordId"),
        duration_column=by_import.get("duration"), missing=(-99,) if unanswered else (),
        skipped=tuple(skipped) + tuple((c, "Qualtrics metadata or side column") for c in side),
        notes=tuple(notes),
    )  # fmt: skip


def _numeric_boolean(question: DraftQuestion, values: pd.Series) -> DraftQuestion:
    """A numeric export's 1/2 column: Qualtrics' first choice = 1, second = 2 (True, False)."""
    numbers = set(pd.to_numeric(values, errors="coerce").dropna().unique())
    if question.type == "likert" or numbers != {1.0, 2.0}:
        return question
    return DraftQuestion(
        question.id, question.column, question.text, "boolean", why="answers 1 and 2",
        check="read as 1 = True, 2 = False (Qualtrics' first and second choice); "
        "if that is not so, export choice text",
    )  # fmt: skip


def draft_table(table: RawTable, path: Path, *, study_id: str) -> Draft:
    """A plain table without metadata: types from the answers, texts to write (TODO)."""
    from personas.draft._infer import find_duration_column, find_id_column

    frame = table.frame
    id_column = find_id_column(frame, {})
    duration = find_duration_column(frame.drop(columns=[id_column] if id_column else []), {})
    columns = [c for c in frame.columns if c not in (id_column, duration)]
    ids = question_ids(columns)
    questions, skipped = [], []
    for column in columns:
        drafted = from_values(ids[column], column, str(column), frame[column])
        (questions if isinstance(drafted, DraftQuestion) else skipped).append(
            drafted if isinstance(drafted, DraftQuestion) else (column, drafted)
        )
    return Draft(
        study_id=study_id, title=study_id, source=path, format=table.format,
        questions=tuple(questions), id_column=id_column, duration_column=duration,
        skipped=tuple(skipped),
        notes=("This file has no question texts: each text is its column name (TODO: the "
               "question as respondents read it).",),
    )  # fmt: skip


def _import_id(cell) -> str:
    try:
        found = json.loads(cell) if isinstance(cell, str) else {}
    except ValueError:
        return ""
    return str(found.get("ImportId", "")) if isinstance(found, dict) else ""


# --- .qsf ---------------------------------------------------------------------------------
def draft_qsf(path: Path, *, file: str, study_id: str) -> Draft:
    """A :class:`Draft` from a Qualtrics survey file (see the module notes)."""
    survey = _read_qsf(path, file)
    elements = survey.get("SurveyElements") or []
    payloads = {
        e["Payload"].get("QuestionID") or e.get("PrimaryAttribute"): e["Payload"]
        for e in elements
        if isinstance(e, dict) and e.get("Element") == "SQ" and isinstance(e.get("Payload"), dict)
    }
    order, trash = _block_order(elements)
    qids = [q for q in order if q in payloads] + [q for q in payloads if q not in order]
    entries, skipped, missing = [], [], []
    for qid in qids:
        if qid in trash:
            continue
        found, why = _qsf_question(payloads[qid], missing)
        entries += found
        if why:
            skipped.append((str(payloads[qid].get("DataExportTag") or qid), why))
    ids = question_ids([column for column, *_ in entries])
    questions = [
        _recode_check(from_labels(ids[c], c, text, labels, [], measure=m), labels)
        for c, text, labels, m in entries
    ]
    title = str((survey.get("SurveyEntry") or {}).get("SurveyName") or "").strip() or study_id
    return Draft(
        study_id=study_id, title=title, source=path, format="qsf", questions=tuple(questions),
        missing=tuple(dict.fromkeys(missing)), skipped=tuple(skipped),
        notes=("Put the survey's response export (CSV, choice text or numeric values) in the "
               "study's waves/ folder: ResponseId and Duration (in seconds) are found by "
               "themselves.",),
    )  # fmt: skip


def _recode_check(question: DraftQuestion, labels: dict) -> DraftQuestion:
    """Say when a numeric export would not read as drafted.

    ``read_responses`` reads a numeric Qualtrics export's recode *k* as the *k*-th option
    (boolean: 1 = True, 2 = False); options are drafted in recode order, so this holds when
    the recodes are 1..k and, for a boolean, the True choice has recode 1.
    """
    codes = list(labels)
    if question.type == "choice" and sorted(codes, key=str) != sorted(
        range(1, len(codes) + 1), key=str
    ):
        shown = ", ".join(str(c) for c in codes)
        check = f"its recode values ({shown}) are not 1..{len(codes)}: export choice text"
        return replace(question, check=check)
    if question.type == "boolean":
        true = [c for c, label in labels.items() if _is_true(label)]
        if true and true[0] != 1:
            check = f"its True choice has recode {true[0]}, not 1: export choice text"
            return replace(question, check=check)
    return question


def _is_true(label) -> bool:
    return str(label).strip().casefold() in TRUE_WORDS


def _read_qsf(path: Path, file: str) -> dict:
    try:
        survey = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            Problem(f"cannot be read as a Qualtrics .qsf file (JSON): {detail}", file=file,
                    hint="export it again under Tools → Import/Export → Export Survey",
                    code="unreadable-file")
        ) from None  # fmt: skip
    if not isinstance(survey, dict) or not isinstance(survey.get("SurveyElements"), list):
        raise InputError(
            Problem("is not a Qualtrics survey file: it has no SurveyElements list", file=file,
                    hint="export the survey under Tools → Import/Export → Export Survey",
                    code="not-qsf")
        )  # fmt: skip
    return survey


def _block_order(elements: list) -> tuple[list[str], set[str]]:
    """Question ids in block order, and those in the trash."""
    order, trash = [], set()
    for element in elements:
        if not isinstance(element, dict) or element.get("Element") != "BL":
            continue
        blocks = element.get("Payload") or []
        for block in blocks.values() if isinstance(blocks, dict) else blocks:
            if not isinstance(block, dict):
                continue
            qids = [b.get("QuestionID") for b in block.get("BlockElements") or []
                    if isinstance(b, dict) and b.get("Type") == "Question"]  # fmt: skip
            (trash.update if block.get("Type") == "Trash" else order.extend)(qids)
    return order, trash


def _qsf_question(payload: dict, missing: list) -> tuple[list, str]:
    """``[(column, text, labels, measure)]`` for one question, or ``([], why it is skipped)``."""
    kind, selector = payload.get("QuestionType"), payload.get("Selector")
    tag = str(payload.get("DataExportTag") or payload.get("QuestionID"))
    text = _plain(payload.get("QuestionText")) or tag
    if kind == "MC" and selector in _SINGLE:
        labels = _labels(payload, "Choices", "ChoiceOrder", missing)
        return [(tag, text, labels, "ordinal" if selector == "NPS" else None)], ""
    if kind == "Matrix" and payload.get("SubSelector") == "SingleAnswer":
        labels = _labels(payload, "Answers", "AnswerOrder", missing)
        tags = payload.get("ChoiceDataExportTags")
        rows = []
        for cid, statement in _ordered_texts(payload, "Choices", "ChoiceOrder"):
            column = tags.get(cid) if isinstance(tags, dict) and tags.get(cid) else f"{tag}_{cid}"
            rows.append((str(column), f"{text} - {statement}", labels, "ordinal"))
        return rows, ""
    if kind == "MC":
        return [], "multiple answers, one column per choice (add them as boolean questions)"
    return [], _SKIP.get(kind, f"{kind} question")


def _labels(payload: dict, key: str, order: str, missing: list) -> dict:
    """Recode (or choice id) -> choice text; "no answer" choices go to ``missing``."""
    recodes = payload.get("RecodeValues") or {}
    labels = {}
    for cid, display in _ordered_texts(payload, key, order):
        if is_nonanswer(display):
            missing.append(display)
            continue
        code = str(recodes.get(cid, cid))
        labels[int(code) if code.lstrip("-").isdigit() else code] = display
    return labels


def _ordered_texts(payload: dict, key: str, order: str) -> list[tuple[str, str]]:
    choices = payload.get(key) or {}
    if not isinstance(choices, dict):
        return []
    ids = [str(c) for c in payload.get(order) or []] or sorted(choices, key=_natural)
    return [
        (cid, _plain(choices[cid].get("Display")) or cid)
        for cid in ids
        if isinstance(choices.get(cid), dict)
    ]


def _natural(text: str):
    return (0, int(text)) if str(text).isdigit() else (1, str(text))


def _plain(value) -> str:
    """Question HTML as plain text."""
    text = re.sub(r"<[^>]+>", " ", str(value or ""))
    return " ".join(html.unescape(text).split())

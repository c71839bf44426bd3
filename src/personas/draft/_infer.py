"""Guess a question's type from what a survey file says about a column.

Two sources: *value labels* (SPSS, Stata, a Qualtrics ``.qsf``: code -> label) and, where a
file has none, the *distinct values* of the column (a Qualtrics CSV export, unlabelled
variables). The rules, each written as a comment above the drafted question:

* two labels that read as True/False (Yes/No, True/False, 1/0 ...) -> ``boolean``;
* ordered numeric labels (whole-number codes, three or more, or only the end points labelled)
  that are a rating scale (an ordinal/scale measure in SPSS, or scale words such as
  "agree", "likely", "often", "very") -> ``likert`` with ``scale`` and ``labels``;
* any other labels -> ``choice`` with the labels as ``options`` (two labels that are not
  True/False, e.g. "Male"/"Female", stay a choice: a boolean could not read them);
* labels that mean "no answer" ("Don't know", "Refused", "Not applicable" ...) are not
  answers: they go to ``data.missing``;
* without labels: 0/1 -> ``boolean``; 3 to 11 whole numbers from 0 or 1 -> ``likert`` over
  the values seen; other numbers -> ``number``; a few distinct texts -> ``boolean``, a
  known Qualtrics scale (agree, likely, satisfied, often, important) as ``likert``, else
  ``choice``; many distinct texts (free text) or nothing at all -> not drafted.
"""

from __future__ import annotations

import re
import string

import numpy as np
import pandas as pd

from personas.draft.model import DraftQuestion
from personas.io._coerce import FALSE_WORDS, TRUE_WORDS, as_text

__all__ = [
    "from_labels",
    "from_values",
    "question_ids",
    "is_nonanswer",
    "find_id_column",
    "find_duration_column",
]

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_NONANSWER = (
    "don't know", "dont know", "do not know", "dk", "refused", "refusal", "no answer",
    "not answered", "not applicable", "n/a", "na", "inap", "inapplicable", "prefer not to say",
    "prefer not to answer", "rather not say", "not asked", "missing", "skipped", "can't choose",
    "cannot choose", "no opinion", "seen but unanswered",
)  # fmt: skip
_SCALE_WORDS = (
    "agree", "disagree", "likely", "satisf", "often", "never", "always", "rarely", "sometimes",
    "very", "somewhat", "extremely", "not at all", "important", "strongly", "poor", "fair",
    "good", "excellent", "slightly", "moderately", "completely", "approve", "support", "oppose",
    "favo", "confident", "worse", "better", "frequently", "interested", "much", "little",
)  # fmt: skip
# Qualtrics' own answer scales, in order (for a choice-text export without value labels)
_KNOWN_SCALES = (
    ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
    ("Strongly disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
     "Strongly agree"),
    ("Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
     "Somewhat agree", "Agree", "Strongly agree"),
    ("Extremely unlikely", "Somewhat unlikely", "Neither likely nor unlikely", "Somewhat likely",
     "Extremely likely"),
    ("Extremely dissatisfied", "Somewhat dissatisfied", "Neither satisfied nor dissatisfied",
     "Somewhat satisfied", "Extremely satisfied"),
    ("Never", "Rarely", "Sometimes", "Often", "Always"),
    ("Never", "Sometimes", "About half the time", "Most of the time", "Always"),
    ("Not at all important", "Slightly important", "Moderately important", "Very important",
     "Extremely important"),
)  # fmt: skip
_MAX_OPTIONS = 12  # more distinct texts than this is free text, not a choice
_MAX_POINTS = 11  # a 0..10 scale is the widest likert drafted from values alone
_ID_NAMES = {
    "id", "respid", "respondentid", "responseid", "caseid", "case", "serial", "serialno",
    "record", "recordid", "uuid", "pid", "participantid", "participant", "subjectid",
    "subject", "respondent", "personid", "idno", "interviewid", "respondentnumber",
}  # fmt: skip
_ID_LABELS = (
    "respondent id", "response id", "case id", "record id", "participant id", "unique id",
    "identifier", "serial number", "respondent number", "case number",
)  # fmt: skip
_DURATION_NAMES = {
    "duration", "durationinseconds", "durationsec", "durationsecs", "durationseconds",
    "durations", "timetaken", "loi", "lengthofinterview", "interviewlength", "totaltime",
    "elapsed", "elapsedtime", "responsetime", "seconds", "secs", "timesecs", "timeseconds",
    "surveyduration", "interviewduration",
}  # fmt: skip
_DURATION_LABELS = ("duration", "length of interview", "time taken", "in seconds", "time spent")


def _fold(text: str) -> str:
    return " ".join(str(text).replace("’", "'").split()).casefold()


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).casefold())


def is_nonanswer(label) -> bool:
    """True for labels that mean "no answer" (``"Don't know"``, ``"Refused"``, ``"N/A"``)."""
    folded = _fold(label).strip(string.punctuation + " ")
    return any(folded == word or folded.startswith(word + " ") for word in _NONANSWER) or (
        folded.startswith(("don't know", "refused", "not applicable", "prefer not"))
    )


def question_ids(columns: list[str]) -> dict[str, str]:
    """Column -> question id: the column name when it is a valid id, else a cleaned copy."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for position, column in enumerate(columns, start=1):
        base = str(column)
        if not _ID.match(base):
            base = re.sub(r"[^A-Za-z0-9_.\-]+", "_", base).strip("_.-") or f"q{position}"
        if not _ID.match(base):
            base = f"q_{base}"
        qid, n = base, 2
        while qid.casefold() in taken:
            qid, n = f"{base}_{n}", n + 1
        taken.add(qid.casefold())
        out[column] = qid
    return out


def _truth(label) -> float | None:
    text = _fold(as_text(label) or "")
    return 1.0 if text in TRUE_WORDS else 0.0 if text in FALSE_WORDS else None


def _is_bool_pair(labels) -> bool:
    truths = {_truth(label) for label in labels}
    return len(labels) == 2 and truths == {0.0, 1.0}


def _scale_words(labels) -> bool:
    return any(word in _fold(label) for label in labels for word in _SCALE_WORDS)


def from_labels(
    qid: str, column: str, text: str, labels: dict, observed, *, measure: str | None = None
) -> DraftQuestion:
    """The question of a labelled column (see the module notes).

    ``labels`` are its answer labels ("no answer" labels and missing codes already removed),
    ``observed`` its distinct answers in the file (missing ones removed too): an answer
    without a label becomes an option or widens the scale, so that the file reads as drafted.
    """
    codes = sorted(labels, key=lambda c: (_number(c) is None, _number(c) or 0, str(c)))
    shown = ", ".join(f"{_code_text(c)} = {labels[c]}" for c in codes[:4])
    shown += ", …" if len(codes) > 4 else ""
    known = {_number(c) for c in codes} | set(codes)
    extra = [v for v in observed if v not in known and _number(v) not in known]
    check = f"answers without a label in the file: {_listed(extra)}" if extra else ""
    if _is_bool_pair([labels[c] for c in codes]) and not extra:
        return DraftQuestion(qid, column, text, "boolean", why=f"two labels ({shown})")
    likert = _likert(codes, labels, extra, measure)
    if likert is not None:
        reason = f"ordered labels ({shown})" + (f", {measure} measure" if measure else "")
        ends = [_number(c) for c in codes]
        outside = [v for v in extra if not min(ends) <= _number(v) <= max(ends)]
        return DraftQuestion(
            qid, column, text, "likert", scale=likert[0], labels=likert[1], why=reason,
            check=f"answers outside the labelled scale: {_listed(outside)}" if outside else "",
        )  # fmt: skip
    options = list(dict.fromkeys(str(labels[c]).strip() or _code_text(c) for c in codes))
    options += [o for o in dict.fromkeys(_code_text(v) for v in extra) if o not in options]
    if len(options) < 2:
        return DraftQuestion(qid, column, text, "number", why=f"one label only ({shown})")
    return DraftQuestion(
        qid, column, text, "choice", options=tuple(options), why=f"labels ({shown})", check=check
    )


def _likert(codes, labels: dict, extra, measure) -> tuple[tuple[int, int], dict] | None:
    """``((min, max), labels)`` when the labels are an ordered scale, else ``None``."""
    numbers = [_number(v) for v in [*codes, *extra]]
    if any(n is None or not n.is_integer() for n in numbers):
        return None
    if not _ordered(codes, labels, measure):
        return None
    low, high = int(min(numbers)), int(max(numbers))
    if high - low >= 2 * _MAX_POINTS:
        return None
    return (low, high), {int(_number(c)): str(labels[c]) for c in codes}


def _ordered(codes, labels: dict, measure: str | None) -> bool:
    """Whole-number codes that form a rating scale (see the module notes)."""
    numbers = [int(_number(c)) for c in codes]
    if len(numbers) < 2:
        return False
    endpoints_only = len(numbers) == 2 and numbers[1] - numbers[0] >= 2
    if len(numbers) < 3 and not endpoints_only:
        return False
    if measure in ("ordinal", "scale") or endpoints_only:
        return True
    # scale words win over a "nominal" measure: files often mark every variable nominal
    return _scale_words(labels[c] for c in codes)


def from_values(qid: str, column: str, text: str, values: pd.Series) -> DraftQuestion | str:
    """The question of an unlabelled column from its answers, or why it is not drafted."""
    # distinct values first: a column has a handful, whatever the number of respondents
    distinct = list(dict.fromkeys(as_text(v) for v in pd.unique(values.dropna())))
    distinct = [v for v in distinct if v]
    if not distinct:
        return "no answers in the file"
    numbers = [_number(v) for v in distinct]
    if all(n is not None for n in numbers):
        return _from_numbers(qid, column, text, sorted(set(numbers)))
    if len(distinct) > _MAX_OPTIONS:
        return f"{len(distinct):,} different texts (free text)"
    if _is_bool_pair(distinct) or (len(distinct) == 1 and _truth(distinct[0]) is not None):
        return DraftQuestion(qid, column, text, "boolean", why=f"answers {_listed(distinct)}")
    folded = {_fold(v) for v in distinct}
    for scale in _KNOWN_SCALES:
        if folded <= {_fold(s) for s in scale}:
            labels = dict(enumerate(scale, start=1))
            return DraftQuestion(
                qid, column, text, "likert", scale=(1, len(scale)), labels=labels,
                why="answers on a Qualtrics scale",
            )  # fmt: skip
    if len(distinct) < 2:
        return f"one answer only ({distinct[0]!r})"
    options = tuple(sorted(distinct, key=_fold))
    return DraftQuestion(
        qid, column, text, "choice", options=options, why=f"{len(options)} different answers",
        check="the order of the options" if len(options) > 2 else "",
    )  # fmt: skip


def _from_numbers(qid, column, text, numbers: list[float]) -> DraftQuestion | str:
    whole = all(float(n).is_integer() for n in numbers)
    if whole and set(numbers) <= {0.0, 1.0} and len(numbers) == 2:
        return DraftQuestion(qid, column, text, "boolean", why="answers 0 and 1")
    low, high = (int(min(numbers)), int(max(numbers))) if whole else (0, 0)
    if whole and len(numbers) >= 3 and low in (0, 1) and high - low < _MAX_POINTS:
        return DraftQuestion(
            qid, column, text, "likert", scale=(low, high), why=f"whole numbers {low}..{high}",
            check="the scale is the range of the answers seen; label its ends",
        )  # fmt: skip
    return DraftQuestion(qid, column, text, "number", why="numbers")


def _number(value) -> float | None:
    if isinstance(value, (bool, np.bool_)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _code_text(code) -> str:
    number = _number(code)
    return str(int(number)) if number is not None and number.is_integer() else str(code)


def _listed(values, cap: int = 6) -> str:
    shown = [_code_text(v) for v in list(values)[:cap]]
    return ", ".join(shown) + (f" and {len(values) - cap} more" if len(values) > cap else "")


def find_id_column(frame: pd.DataFrame, labels: dict) -> str | None:
    """The respondent id column, recognised by its name or its label; unique values first."""
    candidates = [
        c
        for c in frame.columns
        if _alnum(c) in _ID_NAMES or any(w in _fold(labels.get(c) or "") for w in _ID_LABELS)
    ]
    unique = [c for c in candidates if frame[c].notna().all() and frame[c].is_unique]
    return (unique or candidates or [None])[0]


def find_duration_column(frame: pd.DataFrame, labels: dict) -> str | None:
    """The seconds-spent column, recognised by its name or its label, if it holds numbers."""
    for column in frame.columns:
        named = _alnum(column) in _DURATION_NAMES
        if not (named or any(w in _fold(labels.get(column) or "") for w in _DURATION_LABELS)):
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.notna().any() and (values.dropna() >= 0).all():
            return column
    return None

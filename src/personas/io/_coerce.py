"""Turn raw cells into answer codes, one column at a time, without looping over rows.

Each column is factorised (pyarrow dictionary encoding for text, ``pd.factorize`` otherwise):
its *distinct* values are parsed once in Python and the codes are spread back to every row with
one numpy ``take``. A survey column has a handful of distinct values, so a million rows cost
little more than a hundred. Number columns (and the duration) may have a million distinct
values, so they are parsed by pyarrow compute kernels instead.

What a cell may hold (spellings are trimmed and compared case-insensitively):

* missing: a null / empty / whitespace-only cell, or any of ``data.missing`` (strings compared
  trimmed and case-insensitively, numbers by value so ``-99``, ``"-99"`` and ``-99.0`` agree),
  or a value whose SPSS/Stata value label is a missing code. Missing codes win over answers.
* boolean: ``true/false``, ``yes/no``, ``y/n``, ``t/f``, ``1/0`` (also ``1.0``/``0.0``), real
  booleans, and value labels with those spellings (labels are read before the raw code, so
  SPSS ``1 = "No", 2 = "Yes"`` means what it says).
* likert: a point of the scale (``4``, ``4.0``) or one of its labels.
* choice: one of the options.
* number: any finite number (also for the duration column, which must not be negative).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from personas.instrument.model import Question

__all__ = [
    "MissingCodes",
    "Coerced",
    "coerce_column",
    "coerce_duration",
    "coerce_numbers",
    "allowed_hint",
    "as_text",
    "map_uniques",
    "factorize",
    "factorize_keys",
    "text_values",
]

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})
_MISSING = object()
_INVALID = object()
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
HINT_CAP = 8


@dataclass(frozen=True)
class MissingCodes:
    """The ``data.missing`` codes, normalised for matching."""

    texts: frozenset[str]
    numbers: frozenset[float]
    shown: tuple[str, ...]

    @classmethod
    def from_config(cls, codes) -> MissingCodes:
        texts, nums, shown = set(), set(), []
        for code in codes:
            text = as_text(code)
            if text is None or text == "":
                continue
            texts.add(text.casefold())
            shown.append(repr(text))
            number = _as_number(text)
            if number is not None:
                nums.add(number)
        return cls(frozenset(texts), frozenset(nums), tuple(shown))

    def matches(self, value: Any) -> bool:
        text = as_text(value)
        if text is None or text == "":
            return True
        if text.casefold() in self.texts:
            return True
        number = _as_number(text) if self.numbers else None
        return number is not None and number in self.numbers


@dataclass(frozen=True)
class Coerced:
    """Codes for one column, and where the values no answer allows are."""

    codes: np.ndarray
    bad: np.ndarray
    bad_values: np.ndarray


def as_text(value: Any) -> str | None:
    """A cell as trimmed text (``None`` for null); integral floats lose their ``.0``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer():
            return str(int(number))
        return repr(number)
    return str(value).strip()


def arrow_text(column: pd.Series) -> pa.Array | None:
    """The column as one pyarrow string array if it is arrow-backed text, else ``None``."""
    if column.dtype == object or not pd.api.types.is_string_dtype(column.dtype):
        return None
    array = pa.array(column.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def factorize(column: pd.Series) -> tuple[np.ndarray, list]:
    """Integer keys per row (-1 for null) and the distinct values, in order of appearance.

    Arrow-backed text (what the CSV reader returns) is dictionary-encoded by pyarrow, several
    times faster than ``pd.factorize`` on a million rows.
    """
    keys, uniques = factorize_keys(column)
    return keys, uniques.to_pylist() if isinstance(uniques, pa.Array) else list(uniques)


def factorize_keys(column: pd.Series) -> tuple[np.ndarray, pa.Array | pd.Index]:
    """:func:`factorize` without turning the distinct values into Python objects."""
    text = arrow_text(column)
    if text is not None:
        encoded = text.dictionary_encode()
        keys = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return keys.astype(np.intp, copy=False), encoded.dictionary
    return pd.factorize(column, use_na_sentinel=True)


def map_uniques(column: pd.Series, func) -> np.ndarray:
    """``func`` applied to each distinct value once, spread back to every row (object array).

    Null cells get ``func(None)``.
    """
    keys, uniques = factorize(column)
    lut = np.empty(len(uniques) + 1, dtype=object)
    lut[:-1] = [func(value) for value in uniques]
    lut[-1] = func(None)
    return lut[keys]


def text_values(column: pd.Series) -> np.ndarray:
    """Every cell as trimmed text (object array, ``None`` for null), see :func:`as_text`."""
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return column.str.strip().to_numpy(dtype=object, na_value=None, copy=True)
    return map_uniques(column, as_text)


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _parse(value: Any, question: Question) -> float | None:
    """The code of one raw value for ``question``, or ``None`` when it is not an answer."""
    if question.type == "boolean":
        if isinstance(value, (bool, np.bool_)):
            return 1.0 if value else 0.0
        text = as_text(value).casefold()
        if text in TRUE_WORDS:
            return 1.0
        if text in FALSE_WORDS:
            return 0.0
        number = _as_number(text)
        return number if number in (0.0, 1.0) else None
    if isinstance(value, (bool, np.bool_)):
        return None
    text = as_text(value)
    if question.type == "likert":
        number = _as_number(text)
        if number is not None and number.is_integer() and number in question.codes:
            return number
        for point, label in question.scale.labels.items():
            if str(label).strip().casefold() == text.casefold():
                return float(point)
        return None
    if question.type == "choice":
        folded = [str(option).strip().casefold() for option in question.options]
        return float(folded.index(text.casefold())) if text.casefold() in folded else None
    number = _as_number(text)
    return number if number is not None and math.isfinite(number) else None


def _code(value: Any, question: Question, missing: MissingCodes, labels: dict) -> Any:
    if missing.matches(value):
        return _MISSING
    label = _label_of(value, labels) if labels else None
    if label is not None:
        if missing.matches(label):
            return _MISSING
        code = _parse(label, question)
        if code is not None:
            return code
    code = _parse(value, question)
    return _INVALID if code is None else code


def _label_of(value: Any, labels: dict) -> str | None:
    if isinstance(value, str) or isinstance(value, (bool, np.bool_)):
        return labels.get(value)
    if isinstance(value, numbers.Real):
        return labels.get(float(value), labels.get(value))
    return None


def coerce_column(
    column: pd.Series, question: Question, *, missing: MissingCodes, labels: dict | None = None
) -> Coerced:
    """Codes (float64, NaN = missing) for one raw column answering ``question``."""
    if question.type == "number" and column.dtype != object and not labels:
        return coerce_numbers(column, missing=missing)
    norm = _normalise_labels(labels or {})
    return _coerce_uniques(column, lambda value: _code(value, question, missing, norm))


def coerce_duration(column: pd.Series, *, missing: MissingCodes) -> Coerced:
    """Seconds (float64, NaN = missing) for the duration column; negative numbers are bad."""
    if column.dtype != object:
        return coerce_numbers(column, missing=missing, non_negative=True)
    seconds = Question(id="duration", text="", type="number")

    def parse(value):
        code = _code(value, seconds, missing, {})
        return _INVALID if code is not _MISSING and code is not _INVALID and code < 0 else code

    return _coerce_uniques(column, parse)


def _normalise_labels(labels: dict) -> dict:
    norm = {float(k): v for k, v in labels.items() if isinstance(k, numbers.Real)}
    norm.update({k: v for k, v in labels.items() if isinstance(k, str)})
    return norm


def _coerce_uniques(column: pd.Series, parse) -> Coerced:
    """Parse each distinct value once, then spread the codes back to every row."""
    keys, uniques = factorize(column)
    lut = np.full(len(uniques) + 1, np.nan)
    bad_lut = np.zeros(len(uniques) + 1, dtype=bool)
    for i, value in enumerate(uniques):
        code = parse(value)
        if code is _INVALID:
            bad_lut[i] = True
        elif code is not _MISSING:
            lut[i] = code
    # key -1 (null) picks the last slot: NaN, and not bad
    bad = np.flatnonzero(bad_lut[keys])
    return Coerced(lut[keys], bad, np.asarray(uniques, dtype=object)[keys[bad]])


def coerce_numbers(
    column: pd.Series, *, missing: MissingCodes, non_negative: bool = False
) -> Coerced:
    """Numbers from a numeric or text column, vectorised (no per-value Python calls)."""
    if pd.api.types.is_bool_dtype(column.dtype):
        values = np.full(len(column), np.nan)
        is_missing = column.isna().to_numpy(dtype=bool, copy=True)
    elif pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan, copy=True)
        is_missing = np.isnan(values)
    else:
        values, is_missing = _text_numbers(column, missing)
    is_missing |= np.isin(values, list(missing.numbers))
    bad_mask = ~is_missing & ~np.isfinite(values)
    if non_negative:
        bad_mask |= ~is_missing & (values < 0)
    codes = np.where(is_missing | bad_mask, np.nan, values)
    bad = np.flatnonzero(bad_mask)
    return Coerced(codes, bad, column.iloc[bad].to_numpy(dtype=object))


def _text_numbers(column: pd.Series, missing: MissingCodes) -> tuple[np.ndarray, np.ndarray]:
    """Numbers parsed from text cells (NaN where not a number) and the missing mask."""
    text = arrow_text(column.astype("str"))
    trimmed = pc.utf8_trim_whitespace(text)
    is_missing = pc.fill_null(pc.equal(trimmed, ""), True)
    if missing.texts:
        folded = pc.utf8_lower(trimmed)
        codes = pa.array(sorted(missing.texts), type=text.type)
        is_missing = pc.or_(is_missing, pc.fill_null(pc.is_in(folded, value_set=codes), False))
    is_number = pc.fill_null(pc.match_substring_regex(trimmed, _NUMBER), False)
    numbers = pc.cast(pc.if_else(is_number, trimmed, pa.scalar(None, text.type)), pa.float64())
    values = numbers.to_numpy(zero_copy_only=False).astype(float, copy=True)
    return values, is_missing.to_numpy(zero_copy_only=False).astype(bool, copy=True)


def allowed_hint(question: Question, missing: MissingCodes) -> str:
    """Allowed answers for a message, capped at ~8 then "and N more"."""
    if question.type == "boolean":
        text = "True/False, Yes/No, Y/N, T/F or 1/0 (any case)"
    else:
        allowed = question.allowed_text()
        if question.type == "likert":
            allowed = allowed + [repr(str(label)) for label in question.scale.labels.values()]
        elif question.type == "choice":
            allowed = [repr(option) for option in allowed]
        text = ", ".join(allowed[:HINT_CAP])
        if len(allowed) > HINT_CAP:
            text += f" and {len(allowed) - HINT_CAP} more"
    codes = ", ".join(("empty",) + missing.shown[:HINT_CAP])
    return f"Allowed: {text}; missing: {codes}"

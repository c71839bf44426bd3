"""What happens to one partition file: read, clean, fill, score (pandas only, no Dask here).

Each function takes one Parquet file (or the frame made from it) and returns a small pandas
frame, so :mod:`personas.scale.assign` can run them on Dask workers with ``from_map`` and
``map_partitions``. They call the very functions of the in-memory ``personas assign``
(:func:`personas.io.read_responses`, :func:`personas.cleaning.clean`,
:func:`personas.waves.assignment.score_answers`), so a respondent gets the same segment
whichever path scores it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from personas.instrument.model import CleaningRules, Instrument

__all__ = [
    "KEYS",
    "assigned_meta",
    "clean_meta",
    "clean_partition",
    "duration_counts",
    "kept_counts",
    "refused_meta",
    "score_meta",
    "score_partition",
    "tally_meta",
    "tally_partition",
]

KEYS = ["respondent", "file", "row"]
_ASSIGNED = {"segment": "int64", "name": "str", "distance": "float64", "far": "bool"}
_REFUSED = {"reason": "str", "other_reasons": "str"}


def _typed(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    return frame.astype(dtypes)[list(dtypes)].reset_index(drop=True)


def _key_types() -> dict[str, str]:
    return {"respondent": "str", "file": "str", "row": "int64"}


def clean_meta(items: list[str]) -> pd.DataFrame:
    """The empty frame :func:`clean_partition` returns: keys, refusal, item codes."""
    types = {**_key_types(), **_REFUSED, **dict.fromkeys(items, "float64")}
    return _typed(pd.DataFrame(columns=list(types)), types)


def assigned_meta() -> pd.DataFrame:
    """The empty frame of ``assignments/``: keys, segment, name, distance, far."""
    types = {**_key_types(), **_ASSIGNED}
    return _typed(pd.DataFrame(columns=list(types)), types)


def score_meta() -> pd.DataFrame:
    """The empty frame :func:`score_partition` returns: keys, refusal, assignment."""
    types = {**_key_types(), **_REFUSED, **_ASSIGNED}
    return _typed(pd.DataFrame(columns=list(types)), types)


def refused_meta() -> pd.DataFrame:
    """The empty frame of ``refused/``: keys, reason, other reasons."""
    types = {**_key_types(), **_REFUSED}
    return _typed(pd.DataFrame(columns=list(types)), types)


def _read(path: str, instrument: Instrument, lenient: bool | None):
    from personas.io import read_responses

    return read_responses(Path(path), instrument, format="parquet", lenient=lenient)


def duration_counts(path: str, *, instrument: Instrument, lenient: bool | None) -> pd.DataFrame:
    """``value, count`` of the known durations in one file (for the dataset-wide median)."""
    responses = _read(path, instrument, lenient)
    if responses.duration is None:
        return pd.DataFrame({"value": pd.Series(dtype="float64"), "count": []}).astype(
            {"count": "int64"}
        )
    counts = responses.duration.dropna().value_counts()
    return pd.DataFrame({"value": counts.index.to_numpy(float), "count": counts.to_numpy(int)})


def clean_partition(
    path: str, *, instrument: Instrument, rules: CleaningRules, lenient: bool | None
) -> pd.DataFrame:
    """One file read and cleaned by the run's rules, missing answers left missing.

    Every loaded row comes back: kept rows with an empty ``reason`` and their item codes,
    excluded rows with their reason (and NaN codes). Imputation is left to
    :func:`score_partition`, which fills with values computed over the whole dataset.
    """
    from personas.cleaning import clean

    cleaned = clean(_read(path, instrument, lenient), rules=replace(rules, impute="none"))
    ledger = cleaned.ledger.table
    kept = ledger[ledger["status"] == "kept"]
    items = [q.id for q in instrument.items]
    frame = pd.concat(
        [
            pd.DataFrame(
                {"respondent": kept["respondent"].astype(str).to_numpy(), "row": kept["row"]}
            ).reset_index(drop=True),
            cleaned.answers.reset_index(drop=True),
        ],
        axis=1,
    )
    refused = ledger[ledger["status"] == "excluded"][
        ["respondent", "row", "reason", "other_reasons"]
    ]
    frame = pd.concat([frame, refused.astype({"respondent": str})], ignore_index=True)
    frame["file"] = str(path)
    frame[["reason", "other_reasons"]] = frame[["reason", "other_reasons"]].fillna("")
    frame = frame.sort_values("row", kind="stable")
    return _typed(frame, {**_key_types(), **_REFUSED, **dict.fromkeys(items, "float64")})


def kept_counts(frame: pd.DataFrame, *, items: list[str]) -> pd.DataFrame:
    """``item, value, count`` of the kept rows' known answers, plus ``missing`` per item."""
    kept = frame.loc[frame["reason"] == "", items]
    parts = []
    for item in items:
        column = kept[item]
        counts = column.value_counts()
        parts.append(
            pd.DataFrame(
                {"item": item, "value": counts.index.to_numpy(float), "count": counts.to_numpy()}
            )
        )
        parts.append(
            pd.DataFrame({"item": [item], "value": [np.nan], "count": [int(column.isna().sum())]})
        )
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"item": "str", "value": "float64", "count": "int64"})


def score_partition(
    frame: pd.DataFrame, *, model: dict, names: dict[int, str], fills: dict[str, float]
) -> pd.DataFrame:
    """Fill the kept rows' missing answers with ``fills`` and score them with the run's model.

    Returns every row: kept rows with ``segment`` (1..k), ``name``, ``distance``, ``far``;
    refused rows with ``segment`` 0 and their ``reason``.
    """
    from personas.waves.assignment import score_answers

    kept = frame["reason"].to_numpy() == ""
    answers = frame.loc[kept, model["items"]].fillna(fills)
    answers.index = frame.loc[kept, "respondent"].to_numpy()
    scored = score_answers(model, names, answers)
    out = frame[KEYS + list(_REFUSED)].copy()
    out["segment"] = 0
    out["name"] = ""
    out["distance"] = np.nan
    out["far"] = False
    for column in ("segment", "name", "distance", "far"):
        out.loc[kept, column] = scored[column].to_numpy()
    return _typed(out, {**_key_types(), **_REFUSED, **_ASSIGNED})


def tally_meta() -> pd.DataFrame:
    """The empty frame :func:`tally_partition` returns."""
    return pd.DataFrame(
        {
            "what": pd.Series(dtype="str"),
            "key": pd.Series(dtype="str"),
            "count": pd.Series(dtype="int64"),
        }
    )


def tally_partition(frame: pd.DataFrame) -> pd.DataFrame:
    """``what, key, count``: rows per segment, refused rows per reason, far rows."""
    kept = frame["segment"].to_numpy() > 0
    segments = frame.loc[kept, "segment"].value_counts()
    reasons = frame.loc[~kept, "reason"].value_counts()
    parts = [
        pd.DataFrame({"what": "segment", "key": segments.index.astype(str), "count": segments}),
        pd.DataFrame({"what": "refused", "key": reasons.index.astype(str), "count": reasons}),
        pd.DataFrame({"what": ["far"], "key": [""], "count": [int(frame["far"].sum())]}),
    ]
    return pd.concat(parts, ignore_index=True).astype(tally_meta().dtypes.to_dict())

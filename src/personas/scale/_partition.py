"""What happens to one partition file, in one pass: read, clean, score, write, count.

:func:`score_file` is the one task per input file of ``assign --engine dask``: it reads the
file once (:func:`personas.io.read_responses`, with all its checks), cleans it
(:func:`personas.cleaning.clean`), scores the kept rows
(:func:`personas.waves.assignment.score_answers`), writes its ``assignments`` and ``refused``
parts and returns only counts. These are the very functions of the in-memory ``personas
assign``, so a respondent gets the same segment whichever path scores it.

Two things need the whole dataset, so the single pass leaves them for later without reading
the file again:

* kept rows with missing answers (``impute: auto``) need each item's dataset-wide fill value;
  they are set aside in a small ``.pending`` part (keys and answer codes) and scored by
  :func:`score_pending` once the fills are known;
* a respondent id also present in an earlier file: the pass writes the file's distinct ids as
  128-bit hashes (``.keys``), :func:`cross_duplicates` finds ids in several files bucket by
  bucket, and only a file holding such an id is scored again with those rows refused.

Pandas and numpy only: no Dask here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from personas._atomic import write_atomic
from personas.instrument.model import CleaningRules, Instrument

__all__ = [
    "KEYS",
    "KEY_DTYPE",
    "assigned_meta",
    "cross_duplicates",
    "duration_counts",
    "id_hashes",
    "kept_counts",
    "refused_meta",
    "score_file",
    "score_pending",
    "tally",
]

KEYS = ["respondent", "file", "row"]
_ASSIGNED = {"segment": "int64", "name": "str", "distance": "float64", "far": "bool"}
_LCA = {"segment": "int64", "name": "str", "distance": "float64", "posterior": "float64",
        "far": "bool"}  # fmt: skip
_REFUSED = {"reason": "str", "other_reasons": "str", "duplicate_of": "str"}
KEY_DTYPE = np.dtype([("h1", "<u8"), ("h2", "<u8"), ("row", "<i8")])
_HASH_KEYS = ("personas-ids-001", "personas-ids-002")  # 16 characters each (siphash keys)
DUPLICATE = "duplicate id"


def _key_types() -> dict[str, str]:
    return {"respondent": "str", "file": "str", "row": "int64"}


def _typed(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    return frame.astype(dtypes)[list(dtypes)].reset_index(drop=True)


def _scored_types(model: dict | None) -> dict[str, str]:
    """The scored columns, as the in-memory ``assign`` writes them: a latent class model adds
    ``posterior`` (the probability of the segment given) before ``far``."""
    return dict(_LCA if model is not None and model.get("method") == "lca" else _ASSIGNED)


def assigned_meta(model: dict | None = None) -> pd.DataFrame:
    """The empty frame of ``assignments/``: keys, segment, name, distance, (posterior,) far."""
    types = {**_key_types(), **_scored_types(model)}
    return _typed(pd.DataFrame(columns=list(types)), types)


def _assigned(keys: pd.DataFrame, scored: pd.DataFrame, model: dict) -> pd.DataFrame:
    """The keys of the scored rows with their scored columns, typed."""
    types = _scored_types(model)
    assigned = keys.reset_index(drop=True)
    for column in types:
        assigned[column] = scored[column].to_numpy()
    return _typed(assigned, {**_key_types(), **types})


def refused_meta() -> pd.DataFrame:
    """The empty frame of ``refused/``: keys, reason, other reasons, first row of the id."""
    types = {**_key_types(), **_REFUSED}
    return _typed(pd.DataFrame(columns=list(types)), types)


def _read(path: str, instrument: Instrument, lenient: bool | None):
    from personas.io import read_responses

    return read_responses(Path(path), instrument, format="parquet", lenient=lenient)


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Write a part under a temporary name, then rename: a killed task leaves no part.

    Only the part's own subfolder is made, never the run's temporary folder: after a failed
    run removed that folder, a task still running on a surviving worker fails here instead
    of recreating it as a leftover. No lock: every task writes its own file.
    """
    write_atomic(
        path,
        lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"),
        lock=False,
        parents=False,
    )


def _save_array(path: Path, values: np.ndarray) -> None:
    with open(path, "wb") as out:  # a file object: np.save would add ".npy" to a bare name
        np.save(out, values)


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame({"value": pd.Series(dtype="float64"), "count": pd.Series(dtype="int64")})


def duration_counts(path: str, *, instrument: Instrument) -> pd.DataFrame:
    """``value, count`` of the known durations in one file, reading its duration column only.

    The column is found and coerced as :func:`personas.io.read_responses` does; a file whose
    columns do not resolve gives no counts here (the full read reports its problems).
    """
    import pyarrow.parquet as pq

    from personas.errors import InputError
    from personas.io._coerce import MissingCodes, coerce_duration
    from personas.io._mapping import resolve_columns
    from personas.io._table import RawTable

    names = [str(n) for n in pq.read_schema(path).names]
    empty = RawTable(
        frame=pd.DataFrame(columns=names), rows=np.empty(0, np.int64), format="parquet"
    )
    try:
        plan = resolve_columns(empty, instrument, file=str(path))
    except InputError:
        return _empty_counts()
    if plan.duration is None:
        return _empty_counts()
    column = pd.read_parquet(path, columns=[plan.duration], engine="pyarrow")[plan.duration]
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    missing = MissingCodes.from_config(instrument.data.missing)
    codes = pd.Series(coerce_duration(column.reset_index(drop=True), missing=missing).codes)
    counts = codes.dropna().value_counts()
    return pd.DataFrame({"value": counts.index.to_numpy(float), "count": counts.to_numpy(int)})


def id_hashes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two independent 64-bit hashes of each id (a 128-bit key: ~1e-23 collision odds at 50M)."""
    values = np.asarray(ids, dtype=object)
    return tuple(pd.util.hash_array(values, hash_key=key, categorize=False) for key in _HASH_KEYS)


def _positional(ids: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Ids made from the row number (``row-<n>``: no id column or an empty cell)."""
    ids = ids.reset_index(drop=True)
    maybe = ids.str.startswith("row-").to_numpy(dtype=bool, copy=True)
    if maybe.any():
        made = "row-" + pd.Series(rows[maybe], dtype="int64").astype(str)
        maybe[maybe] = (ids[maybe].reset_index(drop=True) == made).to_numpy(dtype=bool)
    return maybe


def _distinct_keys(ledger: pd.DataFrame) -> np.ndarray:
    """The file's distinct real ids (each first row) as ``(h1, h2, row)``, sorted by ``h1``.

    The first row of an id is the one the duplicate rule did not flag, so no set is built.
    """
    ids = ledger["respondent"].astype(str).reset_index(drop=True)
    rows = ledger["row"].to_numpy(dtype=np.int64)
    repeat = _flags_duplicate(ledger)
    first = ~repeat & ~_positional(ids, rows)
    h1, h2 = id_hashes(ids[first].to_numpy(dtype=object))
    order = np.argsort(h1, kind="stable")
    keys = np.empty(len(order), dtype=KEY_DTYPE)
    keys["h1"], keys["h2"], keys["row"] = h1[order], h2[order], rows[first][order]
    return keys


def _flags_duplicate(ledger: pd.DataFrame) -> np.ndarray:
    """Rows whose reasons include the duplicate rule."""
    return (
        (ledger["reason"] == DUPLICATE)
        | ledger["other_reasons"].str.contains(DUPLICATE, regex=False)
    ).to_numpy(dtype=bool)


def kept_counts(answers: pd.DataFrame) -> pd.DataFrame:
    """``item, value, count`` of the kept rows' known answers, plus ``missing`` per item.

    Small whole-number codes (booleans, likert, choices) are counted with ``bincount``;
    other values with ``value_counts``.
    """
    parts = []
    for item in answers.columns:
        column = answers[item].to_numpy(dtype=float)
        holes = np.isnan(column)
        known = column[~holes]
        small = len(known) == 0 or (
            known.min() >= 0 and known.max() < 1024 and np.array_equal(known, np.floor(known))
        )
        if small:
            counts = np.bincount(known.astype(np.int64), minlength=1)
            values = np.flatnonzero(counts)
            values, counts = values.astype(float), counts[values]
        else:
            found = pd.Series(known).value_counts()
            values, counts = found.index.to_numpy(float), found.to_numpy()
        parts.append(pd.DataFrame({"item": item, "value": values, "count": counts}))
        parts.append(pd.DataFrame({"item": [item], "value": [np.nan], "count": [int(holes.sum())]}))
    if not parts:
        return pd.DataFrame({"item": [], "value": [], "count": []}).astype(
            {"item": "str", "value": "float64", "count": "int64"}
        )
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"item": "str", "value": "float64", "count": "int64"})


def tally(assigned: pd.DataFrame, refused: pd.DataFrame) -> pd.DataFrame:
    """``what, key, count``: rows per segment, refused rows per reason, far rows."""
    segments = assigned["segment"].value_counts()
    reasons = refused["reason"].value_counts()
    parts = [
        pd.DataFrame({"what": "segment", "key": segments.index.astype(str), "count": segments}),
        pd.DataFrame({"what": "refused", "key": reasons.index.astype(str), "count": reasons}),
        pd.DataFrame({"what": ["far"], "key": [""], "count": [int(assigned["far"].sum())]}),
    ]
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"what": "str", "key": "str", "count": "int64"}).reset_index(drop=True)


def _with_duplicates(ledger: pd.DataFrame, file: str, seen: pd.DataFrame | None) -> pd.DataFrame:
    """The file's ledger with ids seen in an earlier file refused, and ``duplicate_of`` set.

    ``seen``: ``h1, h2, first_file, first_row`` of the ids first met in an earlier file. Such
    a row fails the duplicate rule like a repeat within the file: excluded for it when it
    was kept, ``duplicate id`` added to its other reasons otherwise (it is the last rule).
    """
    ledger = ledger.reset_index(drop=True).copy()
    of = np.full(len(ledger), "", dtype=object)
    if seen is not None and len(seen):
        ids = ledger["respondent"].astype(str)
        h1, h2 = id_hashes(ids.to_numpy(dtype=object))
        found = pd.DataFrame({"h1": h1, "h2": h2}).merge(seen, on=["h1", "h2"], how="left")
        rows = ledger["row"].to_numpy(dtype=np.int64)
        earlier = found["first_file"].notna().to_numpy() & ~_positional(ids, rows)
        where = found.loc[earlier]
        of[earlier] = (
            where["first_file"].astype(str)
            + ", row "
            + where["first_row"].astype("int64").astype(str)
        ).to_numpy(dtype=object)
        status = ledger["status"].to_numpy()
        listed = _flags_duplicate(ledger)
        fresh = earlier & (status == "kept")
        more = earlier & (status == "excluded") & ~listed
        ledger.loc[fresh, ["status", "reason"]] = ["excluded", DUPLICATE]
        others = ledger.loc[more, "other_reasons"]
        ledger.loc[more, "other_reasons"] = np.where(
            others == "", DUPLICATE, others + "; " + DUPLICATE
        )
    duplicate = _flags_duplicate(ledger)
    within = duplicate & (of == "")
    if within.any():  # a repeat within the file: the file's first row of that id
        ids = ledger["respondent"].astype(str).to_numpy(dtype=object)
        rows = pd.Series(ledger["row"].to_numpy(dtype=np.int64))
        wanted = pd.Series(ids).isin(set(ids[within])).to_numpy()
        first = rows[wanted].groupby(ids[wanted], sort=False).transform("first")
        of_wanted = (file + ", row " + first.astype(str)).to_numpy(dtype=object)
        of[np.flatnonzero(wanted)[within[wanted]]] = of_wanted[within[wanted]]
    ledger["duplicate_of"] = of
    return ledger


def score_file(
    index: int,
    path: str,
    *,
    instrument: Instrument,
    rules: CleaningRules,
    lenient: bool | None,
    model: dict,
    names: dict[int, str],
    out: str,
    seen: pd.DataFrame | None = None,
) -> dict:
    """The single pass over one input file; writes its parts, returns counts only.

    Writes ``assignments/part-<index>.parquet`` (kept rows scored), ``refused/part-<index>``
    (refused rows with their reasons), and, as needed, ``.pending/part-<index>`` (kept rows
    with missing answers, waiting for the dataset-wide fills) and ``.keys/part-<index>.npy``
    (the distinct ids, hashed). Returns ``tally``, ``counts`` (kept answers, for the fills),
    ``pending`` (rows set aside) and ``rows``.
    """
    from personas.cleaning import clean
    from personas.waves.assignment import score_answers

    out = Path(out)
    name = f"part-{index:05d}"
    cleaned = clean(_read(path, instrument, lenient), rules=replace(rules, impute="none"))
    ledger = _with_duplicates(cleaned.ledger.table, str(path), seen)
    if seen is None:
        keys = _distinct_keys(ledger)
        write_atomic(
            out / ".keys" / f"{name}.npy",
            lambda tmp: _save_array(tmp, keys),
            lock=False,
            parents=False,
        )  # not parents: see _write
    was_kept = cleaned.ledger.table["status"].to_numpy() == "kept"
    still = (ledger["status"].to_numpy() == "kept")[was_kept]  # over the kept answer rows
    answers = cleaned.answers.iloc[np.flatnonzero(still)]
    kept = ledger[ledger["status"] == "kept"]
    keys_frame = pd.DataFrame(
        {"respondent": kept["respondent"].astype(str).to_numpy(), "file": str(path)}
    ).assign(row=kept["row"].to_numpy())
    holes = (
        answers.isna().any(axis=1).to_numpy()
        if rules.impute == "auto"
        else np.zeros(len(answers), dtype=bool)
    )
    complete = answers[~holes].copy()
    complete.index = keys_frame.loc[~holes, "respondent"].to_numpy()
    assigned = _assigned(keys_frame[~holes], score_answers(model, names, complete), model)
    refused = ledger[ledger["status"] == "excluded"].assign(file=str(path))
    refused = _typed(refused, {**_key_types(), **_REFUSED})
    _write(assigned, out / "assignments" / f"{name}.parquet")
    _write(refused, out / "refused" / f"{name}.parquet")
    pending = out / ".pending" / f"{name}.parquet"
    if holes.any():
        waiting = pd.concat(
            [keys_frame[holes].reset_index(drop=True), answers[holes].reset_index(drop=True)],
            axis=1,
        )
        _write(waiting, pending)
    elif pending.exists():  # a rescore after the duplicates moved every such row out
        pending.unlink()
    return {
        "index": index,
        "tally": tally(assigned, refused),
        "counts": kept_counts(answers) if rules.impute == "auto" else None,
        "pending": int(holes.sum()),
        "rows": len(ledger),
    }


def score_pending(
    index: int, *, model: dict, names: dict[int, str], fills: dict, out: str
) -> pd.DataFrame:
    """Fill and score one file's set-aside rows; writes ``assignments/part-<index>-filled``."""
    from personas.waves.assignment import score_answers

    out = Path(out)
    frame = pd.read_parquet(out / ".pending" / f"part-{index:05d}.parquet")
    answers = frame[model["items"]].fillna(fills)
    answers.index = frame["respondent"].to_numpy()
    assigned = _assigned(frame[KEYS], score_answers(model, names, answers), model)
    _write(assigned, out / "assignments" / f"part-{index:05d}-filled.parquet")
    return tally(assigned, refused_meta())


def cross_duplicates(bucket: int, buckets: int, paths: list[str], files: list[str]) -> pd.DataFrame:
    """Ids of hash bucket ``bucket`` met in more than one file: each later file's copy.

    ``paths``: every file's ``.keys`` part (sorted distinct ids), read as memory maps and
    sliced to the bucket's hash range, so a bucket holds about ``1 / buckets`` of the ids.
    Returns ``file, h1, h2, first_file, first_row``: the earliest file (in partition order)
    keeps the id, every later file must refuse it.
    """
    low = np.uint64((bucket << 64) // buckets)
    high = None if bucket == buckets - 1 else np.uint64(((bucket + 1) << 64) // buckets)
    parts = []
    for number, path in enumerate(paths):
        keys = np.load(path, mmap_mode="r")
        a = int(np.searchsorted(keys["h1"], low, side="left"))
        z = len(keys) if high is None else int(np.searchsorted(keys["h1"], high, side="left"))
        if z > a:
            chunk = pd.DataFrame(np.asarray(keys[a:z]))
            chunk["file"] = number
            parts.append(chunk)
    columns = {
        "file": "int64",
        "h1": "uint64",
        "h2": "uint64",
        "first_file": "str",
        "first_row": "int64",
    }
    if not parts:
        return pd.DataFrame(columns=list(columns)).astype(columns)
    frame = pd.concat(parts, ignore_index=True).sort_values(["h1", "h2", "file"], kind="stable")
    repeated = frame.duplicated(["h1", "h2"], keep="first").to_numpy()
    if not repeated.any():
        return pd.DataFrame(columns=list(columns)).astype(columns)
    firsts = frame[~repeated].rename(columns={"file": "first", "row": "first_row"})
    later = frame[repeated][["file", "h1", "h2"]].merge(firsts, on=["h1", "h2"])
    later["first_file"] = np.asarray(files, dtype=object)[later["first"].to_numpy()]
    return later[list(columns)].astype(columns).reset_index(drop=True)

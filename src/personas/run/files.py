"""A run on disk: the files a run folder holds, written atomically and read back as a :class:`Run`.

The report, ``assign`` and wave comparison read *only* these files, never the stage objects,
so a run folder is self-contained: it can be zipped, mailed, or re-rendered years later.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from personas._atomic import (
    apply_umask,
    check_out_folder,
    exchange,
    hold_lock,
    link_tree,
    make_folder,
    make_temporary_folder,
    recover_swap,
    release,
)
from personas._paths import check_input_file
from personas.errors import InputError, Problem
from personas.run._consistency import check_consistency
from personas.run.schema import REWRITE_HINT, SUMMARY_SCHEMA, Model, Summary

__all__ = [
    "Run",
    "load_run",
    "atomic_folder",
    "write_json",
    "read_json",
    "plain_json",
    "SUMMARY_SCHEMA",
]

_DAMAGED = REWRITE_HINT

_FRAMES = {
    "assignments": ("assignments.csv", ["respondent", "segment", "distance"]),
    "exclusions": ("exclusions.csv", ["respondent", "row", "reason", "other_reasons"]),
    "embedding": ("embedding.csv", ["respondent", "x", "y", "segment"]),
    "landmarks": ("landmarks.csv", ["persona", "name", "x", "y"]),
}


@dataclass(frozen=True, repr=False)
class Run:
    """A saved run, as read back from its folder.

    ``result`` is the typed, checked view of ``summary.json`` (:class:`Summary`) and the one
    new code should read; ``summary`` is the same document as a raw dict, kept for the report
    and charts until they move to ``result`` (the next step of the typed-schema migration).
    """

    path: Path
    summary: dict
    model: dict
    assignments: pd.DataFrame
    exclusions: pd.DataFrame
    result: Summary | None = None
    typed_model: Model | None = None
    embedding: pd.DataFrame = field(default_factory=pd.DataFrame)
    landmarks: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def typed(self) -> Summary:
        """The checked :class:`Summary` (read from ``summary`` when built by hand)."""
        return self.result if self.result is not None else Summary.from_json(self.summary)

    @property
    def study(self) -> str:
        return self.typed.study.id

    @property
    def reports(self) -> dict[str, Path]:
        """The report files rendered for this run: ``html`` and ``pdf`` when present in the
        folder, and ``study`` for the study page beside it (``reports/<study>/index.html``)."""
        found = {fmt: self.path / f"index.{fmt}" for fmt in ("html", "pdf")}
        found = {fmt: path for fmt, path in found.items() if path.is_file()}
        page = self.path.parent / "index.html"
        if found and self.path.parent.name == self.study and page.is_file():
            found["study"] = page
        return found

    @property
    def wave(self) -> str:
        return self.typed.wave

    def __repr__(self) -> str:
        s = self.typed
        return (
            f"Run({self.study!r}, wave={self.wave!r}, k={s.k}, "
            f"{s.respondents.kept} respondents, at {str(self.path)!r})"
        )


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else round(float(value), 6)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _round_floats(value):
    if isinstance(value, float):
        return None if value != value else round(value, 6)
    if isinstance(value, dict):
        return {str(k): _round_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round_floats(v) for v in value]
    if isinstance(value, np.floating):
        return _round_floats(float(value))
    return value


def _dumps(data: dict) -> str:
    return json.dumps(
        _round_floats(data), indent=2, sort_keys=True, ensure_ascii=False, default=_json_default
    )


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as stable JSON: sorted keys, floats rounded to 6 places, NaN as null."""
    Path(path).write_text(_dumps(data) + "\n", encoding="utf-8")


def plain_json(data: dict) -> dict:
    """``data`` exactly as :func:`write_json` would store it and :func:`read_json` read it."""
    return json.loads(_dumps(data))


def read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _remove_until_gone(folder: Path, *, tries: int = 50) -> None:
    """Remove ``folder`` even while a writer that outlived the failure (a Dask task still
    running on a surviving worker) adds files to it: each pass removes what is there; once the
    folder is gone such a writer cannot recreate it (it makes only its own subfolder)."""
    for _ in range(tries):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.1)


@contextmanager
def atomic_folder(
    target: Path,
    *,
    replace: bool = True,
    kind: str | None = None,
    keep: tuple[str, ...] = (),
    before_swap: Callable[[], None] | None = None,
):
    """Yield a temporary folder beside ``target``; swap it into place on success.

    On any exception the temporary folder is removed and ``target`` is left as it was, so a
    failed run never leaves a half-written report. An existing ``target`` is replaced only
    after the new folder is complete, and only when it is empty or an earlier output of
    personas of the same ``kind`` (``"run"``, ``"clean"``, ``"assign"``; see
    :func:`personas._atomic.check_out_folder`): never a folder of the user's files.
    Subfolders named in ``keep`` (a run's ``clean/`` and ``assigned/`` outputs) carry over
    from the replaced folder (as hard links) unless the new one has its own.

    The temporary folder ``.<name>.XXXXXXXX.tmp`` is locked by this process while it exists;
    stale ones of killed runs are removed when the next one is made (see
    :func:`personas._atomic.remove_stale`). The swap is one atomic exchange on Linux, under
    a lock on the parent folder, so two runs into one folder leave one of them, whole, and
    a reader of ``target`` sees the old folder or the new one, never a mix. The finished
    folder gets the permissions of the user's umask. ``before_swap`` (under that lock) may
    raise to abandon the swap.
    """
    target = Path(target)
    check_out_folder(target, kind=kind)
    make_folder(target.parent)
    tmp, lock = make_temporary_folder(target.parent, prefix=f".{target.name}.")
    try:
        yield tmp
        apply_umask(tmp)
        _swap_into_place(tmp, target, replace=replace, keep=keep, before_swap=before_swap)
    except BaseException:
        _remove_until_gone(tmp)
        raise
    finally:
        release(lock)
    shutil.rmtree(tmp, ignore_errors=True)  # after an exchange: the replaced folder


def _swap_into_place(tmp: Path, target: Path, *, replace: bool, keep, before_swap) -> None:
    parent_lock = hold_lock(target.parent)
    try:
        recover_swap(target)
        if before_swap is not None:
            before_swap()
        if not target.exists():
            os.replace(tmp, target)
            return
        if not replace:
            raise InputError(Problem(f"{target} already exists", hint="choose another --out"))
        for name in keep:
            if (target / name).is_dir() and not (tmp / name).exists():
                link_tree(target / name, tmp / name)
        if not exchange(tmp, target):  # not Linux: two renames, repaired by recover_swap
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        release(parent_lock)


def _read_frame(folder: Path, name: str, required: bool) -> pd.DataFrame:
    filename, columns = _FRAMES[name]
    path = folder / filename
    if not path.exists():
        if required:
            raise InputError(
                Problem("file is missing", file=str(path), hint=_DAMAGED, code="run-file-missing")
            )
        return pd.DataFrame(columns=columns)
    check_input_file(path, kind="data")
    try:
        frame = pd.read_csv(
            path, dtype={"respondent": str, "persona": str}, keep_default_na=False, na_values=[""]
        )
    except (OSError, ValueError) as exc:  # pandas' parser errors are ValueErrors
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            Problem(f"cannot be read as CSV: {detail}", file=str(path), hint=_DAMAGED)
        ) from None
    lacking = [c for c in columns if c not in frame.columns]
    if lacking:
        raise InputError(
            Problem(
                f"lacks the column(s) {', '.join(map(repr, lacking))}",
                file=str(path),
                hint=_DAMAGED,
            )
        )
    return frame


def _read_json_file(path: Path, *, what: str) -> dict:
    """A JSON object from a run file, or an :class:`InputError` naming that file."""
    check_input_file(path, kind="data")  # a FIFO or device in a run folder is never read
    try:
        data = read_json(path)
    except json.JSONDecodeError as err:
        raise InputError(
            Problem(
                f"not valid JSON ({err.msg})",
                file=str(path),
                line=err.lineno,
                column=err.colno,
                hint=_DAMAGED,
            )
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            Problem(f"cannot be read ({exc})", file=str(path), hint=_DAMAGED)
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            Problem(
                f"holds a JSON {type(data).__name__}, not the {what} object",
                file=str(path),
                hint=_DAMAGED,
            )
        )
    return data


def load_run(path: str | Path) -> Run:
    """Read a run folder written by ``personas run``.

    Parameters
    ----------
    path
        The run folder (``reports/<study>/<wave>`` by default).

    Returns
    -------
    Run
        Frozen: the folder, its summary and model, assignments, exclusions and the map.

    Raises
    ------
    InputError
        Naming the missing or unreadable file when the folder is not a complete run.

    Notes
    -----
    A run folder is replaced as a whole (:func:`atomic_folder`), but reading its files takes
    a while: when ``summary.json`` is another file after the read than before (a new run
    was swapped in meanwhile), the folder is read again, so the files returned belong to
    one run.
    """
    folder = Path(path)
    for _ in range(4):
        before = _stamp(folder)
        try:
            run = _load_run_once(folder)
        except InputError:
            if _stamp(folder) == before:
                raise
            continue
        if _stamp(folder) == before:
            return run
    return _load_run_once(folder)


def _stamp(folder: Path) -> tuple[int, int] | None:
    """Which ``summary.json`` a folder holds: inode and change time (an inode may be reused)."""
    try:
        info = os.stat(folder / "summary.json")
    except OSError:
        return None
    return info.st_ino, info.st_ctime_ns


def _load_run_once(folder: Path) -> Run:
    summary_path = folder / "summary.json"
    if not summary_path.exists():
        raise InputError(
            Problem(
                f"{folder} is not a run folder (no summary.json)",
                file=str(folder),
                hint="point at a folder written by `personas run`, e.g. reports/jobsite/wave-1",
            )
        )
    summary = _read_json_file(summary_path, what="summary")
    model_path = folder / "model.json"
    model = _read_json_file(model_path, what="model") if model_path.exists() else {}
    result = Summary.from_json(summary, file=str(summary_path))
    typed_model = Model.from_json(model, file=str(model_path)) if model else None
    assignments = _read_frame(folder, "assignments", required=True)
    check_consistency(
        result,
        assignments,
        file=str(summary_path),
        assignments_file=str(folder / _FRAMES["assignments"][0]),
    )
    return Run(
        path=folder,
        summary=summary,
        model=model,
        result=result,
        typed_model=typed_model,
        assignments=assignments,
        exclusions=_read_frame(folder, "exclusions", required=False),
        embedding=_read_frame(folder, "embedding", required=False),
        landmarks=_read_frame(folder, "landmarks", required=False),
    )


Writer = Callable[[Path], None]

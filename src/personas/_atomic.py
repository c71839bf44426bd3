"""Write files so that a failure never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from personas.errors import InputError, Problem

_HINT = "choose another --out, or a folder you can write to"


# what marks a folder as an earlier output of each command, which that command may replace
_OUTPUT_KINDS = (
    ("run", ("summary.json", "clean/clean.parquet")),
    ("clean", ("clean.parquet",)),
    ("assign", ("assignments.csv", "assign-summary.json")),
    ("plan", ("plan.json",)),
)


def check_out_folder(target: str | Path, *, kind: str | None = None) -> None:
    """Refuse, before any work, an output folder that cannot be written or must not be replaced.

    Nothing is created. An output folder is written whole and replaces what was there, so an
    existing ``target`` must be empty or an earlier output of the same ``kind`` (``"run"``,
    ``"clean"``, ``"assign"``; ``None``: any of them): never the user's own files, another
    command's output, or the folder they work in. The nearest existing folder above it must
    be a folder the user may write to.
    """
    target = Path(target)
    if target.is_dir():
        _check_replaceable(target, kind)
    elif target.exists():
        raise InputError(Problem("is a file, not a folder", file=str(target), hint=_HINT))
    parent = next((p for p in target.parents if p.exists()), Path("."))
    if not parent.is_dir():
        raise InputError(Problem(f"{parent} is a file, not a folder", file=str(target), hint=_HINT))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            Problem(f"cannot write in {parent} (permission denied)", file=str(target), hint=_HINT)
        )


def _output_kind(folder: Path) -> str | None:
    """Which command's output ``folder`` is (the first that fits), or ``None``."""
    for name, marks in _OUTPUT_KINDS:
        if any((folder / mark).exists() for mark in marks):
            return name
    return None


def _check_replaceable(target: Path, kind: str | None) -> None:
    here = Path.cwd().resolve()
    if target.resolve() in (here, *here.parents):
        raise InputError(
            Problem(
                "is the folder you are working in (or holds it); the output replaces "
                "its folder as a whole",
                file=str(target),
                hint="choose a new folder for --out",
            )
        )
    if not any(target.iterdir()):
        return
    found = _output_kind(target)
    if found is None:
        message = "holds files personas did not write"
    elif kind is not None and found != kind:
        message = f"holds the output of `personas {found}`"
    else:
        return
    raise InputError(
        Problem(
            f"{message}, and the output would replace the whole folder",
            file=str(target),
            hint="choose a new or empty folder for --out (personas only replaces its own "
            "earlier output of the same command)",
        )
    )


def make_folder(folder: str | Path) -> Path:
    """``mkdir -p`` with an :class:`InputError` naming the folder when it cannot be made."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), None)
        message = (
            f"{blocker} is a file, not a folder"
            if blocker is not None
            else f"cannot create the folder ({exc.strerror or exc})"
        )
        raise InputError(Problem(message, file=str(folder), hint=_HINT)) from None
    return folder


def temporary_in(folder: Path, *, prefix: str, make):
    """``make(prefix=..., suffix=".tmp", dir=folder)`` (``tempfile.mkstemp`` / ``mkdtemp``).

    An :class:`InputError` naming ``folder`` when the folder cannot be written.
    """
    try:
        return make(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(
            Problem(
                f"cannot write in {folder} ({exc.strerror or exc})", file=str(folder), hint=_HINT
            )
        ) from None


def write_text_atomic(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    make_folder(path.parent)
    fd, tmp = temporary_in(path.parent, prefix=f".{path.name}.", make=tempfile.mkstemp)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

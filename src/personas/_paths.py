"""Where things live: studies under ``surveys/``, waves under ``waves/``, runs under ``reports/``.

The CLI accepts a study as a folder path (``surveys/jobsite``) or a bare name (``jobsite``,
looked up under ``./surveys``), a wave by name (``--wave wave-1``, any supported extension) or
as a file (``--data FILE``), and writes runs to ``reports/<study>/<wave>/`` by default.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from personas.errors import InputError, Problem


def resolve_study(study: str | Path) -> Path:
    """The study folder for a path or a bare study name; a clear error when neither exists."""
    path = Path(study)
    if path.is_file() and path.suffix in (".yaml", ".yml"):
        path = path.parent
    # any instrument.yaml that is not a folder: a FIFO or device is refused by the reader
    if _names_a_file(path / "instrument.yaml"):
        return path
    named = Path("surveys") / str(study)
    if _names_a_file(named / "instrument.yaml"):
        return named
    known = sorted(p.parent.name for p in Path("surveys").glob("*/instrument.yaml"))
    hint = (
        f"known studies: {', '.join(known)}"
        if known
        else ("give the folder that holds instrument.yaml")
    )
    raise InputError(
        Problem(
            f"no study at {str(study)!r} (no instrument.yaml there)", file=str(study), hint=hint
        )
    )


def _names_a_file(path: Path) -> bool:
    return path.exists() and not path.is_dir()


def default_out(study_dir: Path, wave: str) -> Path:
    """``reports/<study>/<wave>``, beside the ``surveys`` folder the study lives in."""
    study_dir = Path(study_dir)
    root = study_dir.parent.parent if study_dir.parent.name == "surveys" else Path(".")
    return root / "reports" / study_dir.name / wave


def resolve_run(run: str | Path) -> Path:
    """A run folder, checked to hold a summary.json."""
    path = Path(run)
    if not _names_a_file(path / "summary.json"):  # a FIFO is refused by the reader
        raise InputError(
            Problem(
                f"{path} is not a run folder (no summary.json)",
                file=str(path),
                hint="give a folder written by `personas run`, e.g. reports/jobsite/wave-1",
            )
        )
    return path


# --- input files: regular files of a sensible size only ------------------------------------

#: Default size limits (MiB) of the files personas reads, and the variables that raise them.
INPUT_LIMITS = {
    "data": ("PERSONAS_MAX_DATA_MB", 2048.0),
    "yaml": ("PERSONAS_MAX_YAML_MB", 16.0),
}


def input_limit(kind: str) -> tuple[float, str]:
    """``(limit in MiB, variable that sets it)`` for ``kind`` (``"data"`` or ``"yaml"``).

    The environment variable wins over the default when it holds a positive number.
    """
    variable, default = INPUT_LIMITS[kind]
    try:
        value = float(os.environ.get(variable, ""))
    except ValueError:
        return default, variable
    return (value if value > 0 else default), variable


def input_file_problem(path: str | Path, *, kind: str) -> tuple[str, str, str] | None:
    """Why ``path`` must not be read, as ``(message, hint, code)``, or ``None`` when it may.

    Checked with ``stat`` only, before a single byte is read: a missing path, a folder, a
    device (``/dev/zero``), a FIFO or socket (reading one may never end), and a file larger
    than the limit for its ``kind`` (see :data:`INPUT_LIMITS`).
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "file not found", "check the path", "no-file"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})", "check the path", "unreadable-file"
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file", "give the file itself", "not-a-file"
    if not stat.S_ISREG(info.st_mode):
        return (
            "is not a regular file (a device, pipe or socket); personas reads only files",
            "save the data to a file first and give that file",
            "not-a-file",
        )
    limit, variable = input_limit(kind)
    if info.st_size > limit * 1024 * 1024:
        return (
            f"is {info.st_size / 1024 / 1024:,.1f} MiB, over the {limit:,g} MiB limit",
            f"check it is the right file; to read it anyway set {variable} to a larger "
            "number of MiB",
            "file-too-large",
        )
    return None


def check_input_file(path: str | Path, *, kind: str, what: str = "file") -> None:
    """Raise an :class:`InputError` naming ``path`` when :func:`input_file_problem` refuses it."""
    found = input_file_problem(path, kind=kind)
    if found is not None:
        message, hint, code = found
        if code == "no-file":
            message = f"{what} not found"
        raise InputError(Problem(message, file=str(path), hint=hint, code=code))

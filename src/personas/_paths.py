"""Where things live: studies under ``surveys/``, waves under ``waves/``, runs under ``reports/``.

The CLI accepts a study as a folder path (``surveys/jobsite``) or a bare name (``jobsite``,
looked up under ``./surveys``), a wave by name (``--wave wave-1``, any supported extension) or
as a file (``--data FILE``), and writes runs to ``reports/<study>/<wave>/`` by default.
"""

from __future__ import annotations

import re
from pathlib import Path

from personas.errors import InputError, Problem

WAVE_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".sav", ".zsav", ".dta", ".parquet")


def resolve_study(study: str | Path) -> Path:
    """The study folder for a path or a bare study name; a clear error when neither exists."""
    path = Path(study)
    if path.is_file() and path.suffix in (".yaml", ".yml"):
        path = path.parent
    if (path / "instrument.yaml").is_file():
        return path
    named = Path("surveys") / str(study)
    if (named / "instrument.yaml").is_file():
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


def wave_files(study_dir: Path) -> list[Path]:
    """Every wave file of a study, in natural name order (``wave-2`` before ``wave-10``)."""
    folder = study_dir / "waves"
    if not folder.is_dir():
        return []
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.suffix.lower() in WAVE_EXTENSIONS and not p.name.startswith(".")
        ),
        key=lambda p: [
            int(part) if part.isdigit() else part for part in re.split(r"(\d+)", p.name)
        ],
    )


def resolve_data(study_dir: Path, *, data: Path | None, wave: str | None) -> tuple[Path, str]:
    """The wave file and wave name from ``--data`` or ``--wave`` (default: the last wave)."""
    if data is not None and wave is not None:
        raise InputError("give either --data FILE or --wave NAME, not both")
    if data is not None:
        return Path(data), Path(data).stem
    files = wave_files(study_dir)
    if wave is not None:
        matches = [p for p in files if p.stem == wave]
        if len(matches) == 1:
            return matches[0], wave
        if len(matches) > 1:
            names = ", ".join(p.name for p in matches)
            raise InputError(
                Problem(
                    f"wave {wave!r} exists in several formats: {names}",
                    hint="pass the file with --data",
                )
            )
        hint = (
            f"waves: {', '.join(p.stem for p in files)}"
            if files
            else (f"run `personas simulate {study_dir}` or put the file in {study_dir / 'waves'}")
        )
        raise InputError(Problem(f"no wave {wave!r} in {study_dir / 'waves'}", hint=hint))
    if not files:
        raise InputError(
            Problem(
                f"{study_dir} has no waves yet",
                hint=f"pass --data FILE, or simulate one: personas simulate {study_dir}",
            )
        )
    return files[-1], files[-1].stem


def default_out(study_dir: Path, wave: str) -> Path:
    """``reports/<study>/<wave>``, beside the ``surveys`` folder the study lives in."""
    study_dir = Path(study_dir)
    root = study_dir.parent.parent if study_dir.parent.name == "surveys" else Path(".")
    return root / "reports" / study_dir.name / wave


def resolve_run(run: str | Path) -> Path:
    """A run folder, checked to hold a summary.json."""
    path = Path(run)
    if not (path / "summary.json").is_file():
        raise InputError(
            Problem(
                f"{path} is not a run folder (no summary.json)",
                file=str(path),
                hint="give a folder written by `personas run`, e.g. reports/jobsite/wave-1",
            )
        )
    return path

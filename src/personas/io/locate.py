"""Which files in a study's ``waves/`` folder are waves, and which one a command reads.

A wave is any file there whose extension is one of the registry's
(:func:`personas.io.formats.wave_extensions`); ``--wave NAME`` picks one by name, whatever
its format, and ``--data FILE`` any file anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from personas.errors import InputError, Problem
from personas.io.formats import wave_extensions

__all__ = ["wave_files", "resolve_data"]


def wave_files(study_dir: Path) -> list[Path]:
    """Every wave file of a study, in natural name order (``wave-2`` before ``wave-10``)."""
    folder = study_dir / "waves"
    extensions = wave_extensions()
    if not folder.is_dir():
        return []
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.suffix.lower() in extensions and not p.name.startswith(".")
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

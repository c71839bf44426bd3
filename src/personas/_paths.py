"""Where things live: studies under ``surveys/``, waves under ``waves/``, runs under ``reports/``.

The CLI accepts a study as a folder path (``surveys/jobsite``) or a bare name (``jobsite``,
looked up under ``./surveys``), a wave by name (``--wave wave-1``, any supported extension) or
as a file (``--data FILE``), and writes runs to ``reports/<study>/<wave>/`` by default.
"""

from __future__ import annotations

from pathlib import Path

from personas.errors import InputError, Problem


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

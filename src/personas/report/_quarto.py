"""The Quarto engine: ``quarto render index.qmd --to html|typst`` in the run folder.

Quarto writes ``index.html`` / ``index.pdf`` itself, in place. To keep the promise that a
failed render leaves no half-written report (and does not destroy the previous one), an
existing output is moved aside first and put back afterwards, and Quarto's fresh output is
moved to a temporary name that the caller renames into place once every format succeeded.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from personas.errors import PersonasError

__all__ = ["render_with_quarto"]

_TIMEOUT = 900
_QUARTO_FORMAT = {"html": "html", "pdf": "typst"}


def render_with_quarto(quarto: str, qmd: Path, fmt: str, staged: Path) -> None:
    """Render ``qmd`` with the Quarto CLI and move the result to ``staged``.

    Parameters
    ----------
    quarto
        Path of the ``quarto`` executable.
    qmd
        The ``index.qmd`` to render; Quarto runs in its folder.
    fmt
        ``"html"`` or ``"pdf"`` (rendered through Quarto's ``typst`` format).
    staged
        Where the finished file goes (the caller renames it into place).
    """
    target = qmd.with_suffix("." + fmt)
    backup = target.with_name(f".{target.name}.previous")
    had_previous = target.exists()
    if had_previous:
        os.replace(target, backup)
    try:
        _run(quarto, qmd, fmt)
        if not target.exists():
            raise PersonasError(
                f"Quarto finished but wrote no {target}; if the run folder is inside a Quarto "
                "project with an output-dir, render it with engine='pandoc' instead"
            )
        os.replace(target, staged)
    finally:
        if target.exists():
            target.unlink()
        if had_previous:
            os.replace(backup, target)


def _run(quarto: str, qmd: Path, fmt: str) -> None:
    command = [quarto, "render", qmd.name, "--to", _QUARTO_FORMAT[fmt]]
    try:
        done = subprocess.run(
            command, cwd=qmd.parent, capture_output=True, text=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PersonasError(f"Quarto could not run on {qmd}: {error}") from None
    if done.returncode != 0:
        message = (done.stderr.strip() or done.stdout.strip() or "no message")[-4000:]
        raise PersonasError(f"Quarto could not render {qmd} to {fmt}: {message}")

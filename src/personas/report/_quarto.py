"""The Quarto engine: ``quarto render index.qmd --to html|typst`` on a private copy of the run.

Quarto writes its output next to its input, unless the input lies inside a Quarto project
with an ``output-dir`` (this repository's ``_quarto.yml`` is one: a website over
``reports/``), where the output goes to the same path under the output folder instead ("the
paths of output files always follow the paths of input files", quarto-cli issue #1691).
So the report is never rendered in place: ``index.qmd``, its support files and its charts are
copied to a temporary folder outside any project, Quarto renders there, and the result is
moved to the temporary name the caller renames into place once every format succeeded. The
run folder is left as it was (no ``.quarto/`` or ``index_files/``), and a failed render
cannot touch the previous report.

The HTML is made self-contained with ``--embed-resources`` on the command line rather than
``embed-resources: true`` in the front matter: in a website render of ``reports/`` a page
that embeds its resources breaks the site's shared ``site_libs`` (quarto-cli issues #5748,
#11316), while here the report must be one file that opens offline.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from personas.errors import PersonasError

__all__ = ["render_with_quarto"]

_TIMEOUT = 900
_QUARTO_FORMAT = {"html": "html", "pdf": "typst"}
# What index.qmd refers to: its stylesheet and header include (format: html: css /
# include-in-header) and the charts' static SVGs (the PDF's figures).
_SOURCES = ("report.css", "_vega.html", "charts")


def render_with_quarto(quarto: str, qmd: Path, fmt: str, staged: Path) -> None:
    """Render ``qmd`` with the Quarto CLI and move the result to ``staged``.

    Parameters
    ----------
    quarto
        Path of the ``quarto`` executable.
    qmd
        The ``index.qmd`` to render (with its support files beside it).
    fmt
        ``"html"`` or ``"pdf"`` (rendered through Quarto's ``typst`` format).
    staged
        Where the finished file goes (the caller renames it into place).
    """
    with tempfile.TemporaryDirectory(prefix="personas-quarto-") as tmp:
        work = Path(tmp)
        shutil.copy2(qmd, work / qmd.name)
        for name in _SOURCES:
            source = qmd.parent / name
            if source.is_dir():
                shutil.copytree(source, work / name)
            elif source.is_file():
                shutil.copy2(source, work / name)
        _run(quarto, qmd, fmt, cwd=work)
        produced = work / f"{qmd.stem}.{fmt}"
        if not produced.is_file():
            raise PersonasError(f"Quarto finished but wrote no {produced.name} for {qmd}")
        shutil.move(produced, staged)


def _run(quarto: str, qmd: Path, fmt: str, *, cwd: Path) -> None:
    """Run ``quarto render`` on the copy of ``qmd`` in ``cwd``; errors name ``qmd`` itself."""
    command = [quarto, "render", qmd.name, "--to", _QUARTO_FORMAT[fmt]]
    if fmt == "html":  # one self-contained file (not in the front matter: see the module doc)
        command.append("--embed-resources")
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PersonasError(f"Quarto could not run on {qmd}: {error}") from None
    if done.returncode != 0:
        message = (done.stderr.strip() or done.stdout.strip() or "no message")[-4000:]
        raise PersonasError(f"Quarto could not render {qmd} to {fmt}: {message}")

"""The pandoc engine: ``index.qmd`` to HTML (pandoc) and to PDF (pandoc -> typst -> PDF).

Used when the Quarto CLI is not installed. The pandoc binary comes from the
``pypandoc-binary`` wheel and the typst compiler from the ``typst`` wheel, so this engine
always works after ``pip install personas``. ``templates/personas.lua`` teaches pandoc the
Quarto constructs a report uses; ``report.html`` and ``report.typ`` lay the page out.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pypandoc
import typst
import yaml

from personas.errors import PersonasError, PersonasWarning
from personas.report._assets import pandoc_head_html, template_files

__all__ = ["render_html", "render_pdf", "typst_source", "pdf_font"]

_TIMEOUT = 300
_LENGTH = re.compile(r"\d+(\.\d+)?(cm|mm|in|pt|em)")
_PAPER = re.compile(r"[a-z0-9-]+")
# Sans-serif families for the PDF, best first; the first one installed is used. Naming only
# installed fonts keeps typst quiet; Libertinus Serif ships inside typst itself.
_PDF_FONTS = (
    "Inter",
    "Source Sans 3",
    "IBM Plex Sans",
    "Noto Sans",
    "Helvetica Neue",
    "Helvetica",
    "Arial",
    "Liberation Sans",
    "DejaVu Sans",
    "Libertinus Serif",
)


def render_html(qmd: Path, out: Path) -> None:
    """Render ``qmd`` to one self-contained HTML file at ``out``.

    Styles, the Vega libraries and the tab script are inlined into ``<head>``; the table of
    contents follows the document's ``format: html: toc / toc-depth`` options.
    """
    options = _format_options(qmd, "html")
    with tempfile.TemporaryDirectory(prefix="personas-render-") as tmp:
        head = Path(tmp, "head.html")
        head.write_text(pandoc_head_html(), encoding="utf-8")
        with template_files("report.html", "personas.lua") as (template, lua):
            args = ["--to", "html5", "--template", str(template), "--lua-filter", str(lua)]
            args += ["--section-divs", "--include-in-header", str(head)]
            args += _toc_args(options) + ["--output", str(Path(out).resolve())]
            _pandoc(qmd, args)


def render_pdf(qmd: Path, out: Path) -> None:
    """Render ``qmd`` to PDF at ``out``: pandoc writes typst, the typst wheel compiles it.

    Image paths (the charts' SVG fallbacks) resolve against the folder of ``qmd``.
    """
    source = typst_source(qmd)
    try:
        pdf, notes = typst.compile_with_warnings(source, root=str(qmd.parent), format="pdf")
    except typst.TypstError as error:
        raise PersonasError(
            f"typst could not make the PDF of {qmd}: {_typst_message(error)}"
        ) from None
    for note in notes:
        warnings.warn(f"typst: {note}", PersonasWarning, stacklevel=3)
    out.write_bytes(pdf)


def typst_source(qmd: Path) -> bytes:
    """The typst document pandoc makes of ``qmd`` (template, Lua filter and options applied)."""
    options = _format_options(qmd, "typst")
    variables = ["--variable", f"personas-font={pdf_font()}", *_margin_args(options)]
    if isinstance(options.get("papersize"), str) and _PAPER.fullmatch(options["papersize"]):
        variables += ["--variable", f"papersize={options['papersize']}"]
    with template_files("report.typ", "personas.lua") as (template, lua):
        args = ["--to", "typst", "--template", str(template), "--lua-filter", str(lua)]
        return _pandoc(qmd, args + variables + _toc_args(options))


def _pandoc(qmd: Path, args: list[str]) -> bytes:
    """Run pandoc on ``qmd`` (from its own folder) and return its standard output."""
    try:
        binary = pypandoc.get_pandoc_path()
    except OSError as error:
        raise PersonasError(f"the bundled pandoc was not found: {error}") from None
    command = [binary, qmd.name, "--from", "markdown", "--standalone", "--wrap=none", *args]
    try:
        done = subprocess.run(
            command, cwd=qmd.parent, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PersonasError(f"pandoc could not run on {qmd}: {error}") from None
    message = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise PersonasError(f"pandoc could not render {qmd}: {message or 'no message'}")
    if message:
        warnings.warn(f"pandoc: {message}", PersonasWarning, stacklevel=3)
    return done.stdout


def _format_options(qmd: Path, fmt: str) -> dict[str, Any]:
    """The ``format: <fmt>:`` options of the front matter (empty when absent or unreadable).

    Malformed front matter is left for pandoc to report, with its own line numbers.
    """
    text = qmd.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    head, sep, _ = text[3:].partition("\n---")
    if not sep:
        return {}
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError:
        return {}
    formats = meta.get("format") if isinstance(meta, dict) else None
    options = formats.get(fmt) if isinstance(formats, dict) else None
    return options if isinstance(options, dict) else {}


def _toc_args(options: dict[str, Any]) -> list[str]:
    """``toc``, ``toc-depth`` and ``toc-title`` as Quarto reads them (no TOC by default)."""
    if not options.get("toc", False):
        return []
    depth = options.get("toc-depth", 2)
    args = ["--toc", f"--toc-depth={int(depth) if isinstance(depth, int) else 2}"]
    if isinstance(options.get("toc-title"), str):
        args += ["--metadata", f"toc-title={options['toc-title']}"]  # markdown, escaped
    return args


def _margin_args(options: dict[str, Any]) -> list[str]:
    """typst page margins from ``margin: {x, y, top, bottom}`` (lengths like ``2.2cm``)."""
    margin = options.get("margin")
    if not isinstance(margin, dict):
        return []
    sides = {"x": margin.get("x"), "top": margin.get("top", margin.get("y"))}
    sides["bottom"] = margin.get("bottom", margin.get("y"))
    return [
        arg
        for side, value in sides.items()
        if isinstance(value, str) and _LENGTH.fullmatch(value.strip())
        for arg in ("--variable", f"margin-{side}={value.strip()}")
    ]


def _typst_message(error: Exception) -> str:
    """typst's message, with its source excerpt and hints when the binding provides them."""
    text = str(getattr(error, "diagnostic", "") or error).strip()
    hints = [str(h) for h in getattr(error, "hints", None) or []]
    return "\n".join([text, *(f"hint: {h}" for h in hints)])


@functools.cache
def pdf_font() -> str:
    """The font family of the PDF: the first of ``_PDF_FONTS`` that typst has."""
    installed = set(typst.Fonts().families())
    return next((f for f in _PDF_FONTS if f in installed), "Libertinus Serif")

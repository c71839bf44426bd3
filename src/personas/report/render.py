"""Render a run's ``index.qmd`` into ``index.html`` and ``index.pdf``.

The report source is plain Quarto markdown with every number and chart already computed, so
it renders two ways:

* **Quarto** (``engine="quarto"``, picked by ``"auto"`` when ``quarto`` is on ``PATH``):
  ``quarto render index.qmd --to html`` and ``--to typst``, using the ``report.css`` and
  ``_vega.html`` that :func:`write_support_files` puts next to the source.
* **pandoc** (always available): the pandoc binary of the ``pypandoc-binary`` wheel, the
  package's own HTML template and Lua filter, and for PDF pandoc's typst writer plus the
  ``typst`` wheel.

Either way the HTML is one self-contained file that opens offline with no network request:
the Vega, Vega-Lite and vega-embed libraries are inlined, fonts are system fonts.

Charts travel as Vega-Lite specs in the page (drawn by vega-embed) plus a static SVG
(``charts/<name>.svg``) for PDF; :func:`chart_block` writes the markdown for one chart and
:func:`chart_bootstrap_html` the script that draws them all.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import uuid
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from personas._atomic import write_text_atomic
from personas.errors import InputError, PersonasError, PersonasWarning, Problem
from personas.report._assets import inline_script, template_text, vega_bundle
from personas.report._build_escape import _escape_md, clean_spec, printable
from personas.report._pandoc import render_html, render_pdf
from personas.report._quarto import render_with_quarto

__all__ = ["render_report", "write_support_files", "chart_block", "chart_bootstrap_html"]

FORMATS = ("html", "pdf")
ENGINES = ("auto", "quarto", "pandoc")
_SUPPORT_FILES = ("report.css", "_vega.html")
_CHART_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def render_report(
    run_dir: str | os.PathLike[str],
    *,
    to: str | Iterable[str] = ("html",),
    engine: str = "auto",
) -> dict[str, Path]:
    """Render ``run_dir/index.qmd`` to ``index.html`` and/or ``index.pdf``.

    Every format is rendered to a temporary file first and renamed into place only when all
    of them succeeded, so a failed render leaves no half-written report behind.

    Parameters
    ----------
    run_dir
        A run folder holding ``index.qmd`` (and ``charts/*.svg`` for PDF).
    to
        ``"html"``, ``"pdf"`` or both (a list, or one comma-separated string).
    engine
        ``"quarto"`` (the Quarto CLI), ``"pandoc"`` (bundled pandoc + typst) or ``"auto"``:
        Quarto when ``quarto`` is on ``PATH``, pandoc otherwise.

    Returns
    -------
    dict
        Format name -> path of the written file, e.g. ``{"html": Path(".../index.html")}``.

    Raises
    ------
    InputError
        ``to`` or ``engine`` is not a known value, or ``run_dir`` has no ``index.qmd``.
    PersonasError
        Quarto, pandoc or typst failed; the message is the tool's own.

    Examples
    --------
    >>> render_report("reports/jobsite/wave1", to=["html", "pdf"])  # doctest: +SKIP
    {'html': PosixPath('reports/jobsite/wave1/index.html'), 'pdf': PosixPath(...)}
    """
    formats = _check_formats(to)
    quarto = _check_engine(engine)
    qmd = Path(run_dir) / "index.qmd"
    if not qmd.is_file():
        raise InputError(
            Problem(
                f"there is no report source at {qmd}",
                file=str(qmd),
                hint="Pass the folder of a run (it holds index.qmd), or run `personas run` first.",
                code="missing-report",
            )
        )
    if quarto is not None and not all((qmd.parent / n).is_file() for n in _SUPPORT_FILES):
        write_support_files(qmd.parent)
    staged: dict[str, Path] = {}
    try:
        for fmt in formats:
            staged[fmt] = _temporary(qmd.parent, fmt)
            try:
                _render_one(qmd, fmt, staged[fmt], quarto=quarto)
            except PersonasError as error:
                if engine != "auto" or quarto is None:
                    raise
                warnings.warn(
                    f"Quarto failed, rendered with the bundled pandoc instead: {error}",
                    PersonasWarning,
                    stacklevel=2,
                )
                _render_one(qmd, fmt, staged[fmt], quarto=None)
        written = {}
        for fmt, path in staged.items():
            written[fmt] = qmd.with_suffix("." + fmt)
            os.replace(path, written[fmt])
        return written
    finally:
        for path in staged.values():
            path.unlink(missing_ok=True)


def write_support_files(run_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``report.css`` and ``_vega.html`` next to a report's ``index.qmd``.

    ``index.qmd`` names them in its ``format: html:`` options (``css`` and
    ``include-in-header``) so that the Quarto CLI, too, styles the report and draws its
    charts offline. The pandoc engine inlines its own copies and does not need them.

    Parameters
    ----------
    run_dir
        The run folder (it must exist).

    Returns
    -------
    dict
        ``{"css": Path(.../report.css), "vega": Path(.../_vega.html)}``.
    """
    folder = Path(run_dir)
    files = {
        "css": (folder / "report.css", template_text("report.css")),
        "vega": (folder / "_vega.html", vega_bundle() + "\n"),
    }
    for path, text in files.values():
        _write_atomic(path, text)
    return {key: path for key, (path, _) in files.items()}


def chart_block(name: str, spec: Mapping[str, Any], *, alt: str, caption: str) -> str:
    """Markdown for one chart: a live Vega-Lite chart in HTML, its SVG everywhere else.

    Parameters
    ----------
    name
        Chart name (letters, digits, ``-`` and ``_``): the figure id is ``chart-<name>`` and
        the static fallback ``charts/<name>.svg`` (written by the caller).
    spec
        The Vega-Lite specification (``chart.to_dict()``); it must be JSON-serialisable and
        free of NaN.
    alt
        Alt text: the figure's ``aria-label``, the SVG's ``fig-alt``, and the visible text
        if the chart cannot be drawn.
    caption
        Caption of the static figure (PDF); ``alt`` is used when empty.

    Returns
    -------
    str
        A block of Quarto markdown ending with a newline. Every user string is escaped: HTML
        attributes are HTML-escaped, the caption is escaped as every user string of the report
        (:func:`~personas.report._build_escape._escape_md`), and ``<``, ``>`` and ``&`` in the
        JSON are written as ``\\u003c``-style escapes, so no string can close the ``<script>``
        element or open a comment.

    Examples
    --------
    >>> spec = {"mark": "bar", "data": {"values": [{"a": 1}]}, "encoding": {}}
    >>> print(chart_block("sizes", spec, alt="Segment sizes", caption="Sizes"))
    ::: {.content-visible when-format="html"}
    ```{=html}
    <figure class="personas-chart" id="chart-sizes" role="img" aria-label="Segment sizes"></figure>
    <script type="application/json" class="personas-chart-spec" data-target="chart-sizes">{"mark":"bar","data":{"values":[{"a":1}]},"encoding":{}}</script>
    ```
    :::
    <BLANKLINE>
    ::: {.content-visible unless-format="html"}
    ![Sizes](charts/sizes.svg){fig-alt="Segment sizes"}
    :::
    <BLANKLINE>
    """  # noqa: E501
    if not isinstance(name, str) or not _CHART_NAME.fullmatch(name):
        raise ValueError(
            f"The chart name must be letters, digits, '-' or '_' (it names a file). Got {name!r}."
        )
    target = f"chart-{name}"
    label = _attribute(alt)
    text = _markdown_text(caption) or _markdown_text(alt)
    return (
        '::: {.content-visible when-format="html"}\n'
        "```{=html}\n"
        f'<figure class="personas-chart" id="{target}" role="img" aria-label="{label}"></figure>\n'
        f'<script type="application/json" class="personas-chart-spec" data-target="{target}">'
        f"{_script_json(spec)}</script>\n"
        "```\n"
        ":::\n\n"
        '::: {.content-visible unless-format="html"}\n'
        f'![{text}](charts/{name}.svg){{fig-alt="{label}"}}\n'
        ":::\n"
    )


def chart_bootstrap_html() -> str:
    """The ``<script>`` element that draws every chart of the page; emit it once, last.

    On ``DOMContentLoaded`` it calls ``vegaEmbed(figure, spec, {actions: false, renderer:
    "svg"})`` for every ``script.personas-chart-spec``; when a chart cannot be drawn the
    figure shows its alt text and the reason goes to ``console.error``. This is HTML, not
    markdown: put it inside a ```` ```{=html} ```` raw block.
    """
    return inline_script(template_text("charts.js"))


def _render_one(qmd: Path, fmt: str, out: Path, *, quarto: str | None) -> None:
    if quarto is not None:
        render_with_quarto(quarto, qmd, fmt, out)
    elif fmt == "html":
        render_html(qmd, out)
    else:
        render_pdf(qmd, out)


def _check_formats(to: str | Iterable[str]) -> list[str]:
    items = to.split(",") if isinstance(to, str) else list(to)
    formats = list(dict.fromkeys(str(item).strip().lower() for item in items))
    if not formats or any(fmt not in FORMATS for fmt in formats):
        raise InputError(
            Problem(
                f"The 'to' option must be 'html', 'pdf' or both. Got {to!r} instead.",
                value=to,
                code="bad-option",
            )
        )
    return formats


def _check_engine(engine: str) -> str | None:
    """Return the Quarto executable to use, or None for the pandoc engine."""
    if engine not in ENGINES:
        raise InputError(
            Problem(
                f"The 'engine' option must be one of {', '.join(ENGINES)}. Got {engine!r} instead.",
                value=engine,
                code="bad-option",
            )
        )
    quarto = shutil.which("quarto") if engine != "pandoc" else None
    if engine == "quarto" and quarto is None:
        raise PersonasError(
            "the Quarto CLI is not on PATH; install it from https://quarto.org "
            "or render with engine='pandoc'"
        )
    return quarto


def _temporary(folder: Path, fmt: str) -> Path:
    """A fresh hidden name in ``folder``; the file is created later with normal permissions."""
    return folder / f".index.{uuid.uuid4().hex}.{fmt}.tmp"


def _write_atomic(path: Path, text: str) -> None:
    """A rendered file of a run or study page: its folder is held by the caller (or private)."""
    write_text_atomic(path, text, lock=False)


def _one_line(text: str) -> str:
    return " ".join(printable(str(text)).split())


def _attribute(text: str) -> str:
    """An HTML / pandoc attribute value: entities decode the same way in both."""
    return html.escape(_one_line(text), quote=True).replace("\\", "&#92;")


def _markdown_text(text: str) -> str:
    """Literal text for markdown (a caption): escaped as every user string is."""
    return str(_escape_md(text))


def _script_json(spec: Mapping[str, Any]) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` become ``\\u`` escapes, and
    control characters U+FFFD (:func:`~personas.report._build_escape.clean_spec`)."""
    text = json.dumps(clean_spec(spec), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

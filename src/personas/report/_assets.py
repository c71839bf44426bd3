"""The renderer's shipped files (templates, CSS, JavaScript) and the inlined Vega bundle.

Everything the HTML report needs at view time is inlined into the page, so it opens offline
from ``file://`` with no network request: the Vega, Vega-Lite and vega-embed libraries come
from ``vl-convert-python`` (its bundle takes about two seconds to build, so it is built once
per process), styles and scripts from ``templates/``.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import vl_convert

__all__ = ["template_text", "template_files", "vega_bundle", "pandoc_head_html"]

_TEMPLATES = "templates"
_SCRIPT_CLOSE = re.compile(r"</(script)", re.IGNORECASE)


def template_text(name: str) -> str:
    """Return the text of a file shipped in ``personas/report/templates``."""
    return resources.files("personas.report").joinpath(_TEMPLATES, name).read_text("utf-8")


@contextlib.contextmanager
def template_files(*names: str) -> Iterator[list[Path]]:
    """Yield real filesystem paths of shipped templates (for command-line tools).

    Parameters
    ----------
    *names
        File names inside ``templates/``.
    """
    root = resources.files("personas.report").joinpath(_TEMPLATES)
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(resources.as_file(root.joinpath(n))) for n in names]


def inline_script(code: str) -> str:
    """Wrap JavaScript in a ``<script>`` element, neutralising any ``</script`` inside it."""
    return "<script>\n" + _SCRIPT_CLOSE.sub(r"<\\/\1", code) + "\n</script>"


@functools.cache
def vega_bundle() -> str:
    """The Vega, Vega-Lite and vega-embed libraries as one ``<script>`` element.

    The bundle (about 0.9 MB) defines ``vegaEmbed``, ``vegaLite`` and ``vega`` on ``window``.
    Built once per process: the first call takes about two seconds.
    """
    return inline_script(vl_convert.javascript_bundle())


def pandoc_head_html() -> str:
    """Everything the pandoc engine puts in ``<head>``: styles, Vega bundle, tab script."""
    css = template_text("report.css") + "\n" + template_text("page.css")
    return "\n".join(
        [f"<style>\n{css}\n</style>", vega_bundle(), inline_script(template_text("tabs.js"))]
    )

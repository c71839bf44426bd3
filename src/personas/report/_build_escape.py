"""Escaping for the report source: every user string becomes literal text in Markdown *and* HTML.

A persona name, a question text or a file name can hold anything, including ``<script>``,
``*bold*``, ``[link](x)``, ``@citation``, ``$math$`` or a Quarto shortcode. In ``index.qmd``
all of them must read as the characters the user typed, in the HTML and in the PDF.

:func:`_escape_md` does it in one pass: ``& < > "`` become HTML entities (which pandoc
decodes back to the literal character in every output format) and every other ASCII
punctuation character pandoc could read as markup is backslash-escaped (pandoc's
``all_symbols_escapable``). The apostrophe is left alone so that it can still become a
typographic one. Line breaks collapse to spaces so that a value cannot end a table row or
start a new block.

Already-escaped text is marked by the :class:`Markdown` type, which the report's Jinja
environment passes through untouched while it escapes every other string (see
:func:`environment`): forgetting the ``md`` filter therefore still escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import jinja2

__all__ = ["Markdown", "_escape_md", "md", "yaml_string", "join", "environment", "code"]

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# The ASCII punctuation pandoc (or Quarto) can read as markup: emphasis, code, links, headings,
# lists, tables, fenced divs (":::"), setext underlines ("==="), math, citations, shortcodes.
_BACKSLASHED = "\\`*_{}[]()#+-.!|~^$@:="
_TABLE = str.maketrans({**_ENTITIES, **{c: "\\" + c for c in _BACKSLASHED}})
_HEX = re.compile(r"[0-9a-fA-F]+")


class Markdown(str):
    """A string that is already valid, escaped Markdown: the template writes it as it is."""

    __slots__ = ()

    def __add__(self, other):  # keep the marker only when both sides are safe
        text = str.__add__(self, other)
        return Markdown(text) if isinstance(other, Markdown) else text


def _escape_md(text) -> Markdown:
    """User text as literal Markdown and HTML text (see the module docstring).

    >>> print(_escape_md('<b>*Hi*</b> & "you" [1]'))
    &lt;b&gt;\\*Hi\\*&lt;/b&gt; &amp; &quot;you&quot; \\[1\\]
    """
    if isinstance(text, Markdown):
        return text
    if text is None:
        return Markdown("")
    return Markdown(" ".join(str(text).split()).translate(_TABLE))


def md(text) -> Markdown:
    """Jinja filter ``md``: escape a user string (numbers are written as they are)."""
    if isinstance(text, bool):
        return _escape_md(str(text))
    if isinstance(text, (int, float)):
        return Markdown(str(text))
    return _escape_md(text)


def yaml_string(text) -> Markdown:
    """A YAML double-quoted string whose *value* is escaped Markdown (pandoc parses metadata
    strings as Markdown). JSON strings are valid YAML double-quoted scalars."""
    return Markdown(json.dumps(str(_escape_md(text)), ensure_ascii=False))


def code(text) -> Markdown:
    """Inline code for hexadecimal digests; anything else is written as escaped text."""
    text = str(text or "")
    return Markdown(f"`{text}`") if _HEX.fullmatch(text) else _escape_md(text)


def join(parts: Iterable, *, last: str = " and ", sep: str = ", ") -> Markdown:
    """``["A", "B", "C"] -> "A, B and C"``, escaping every part that is not Markdown yet."""
    items = [md(p) for p in parts]
    if len(items) <= 1:
        return Markdown("".join(items))
    return Markdown(sep.join(items[:-1]) + last + items[-1])


def _finalize(value):
    """Applied to every ``{{ }}`` output: escape anything that is not already Markdown."""
    if value is None:
        return ""
    if isinstance(value, Markdown):
        return value
    return md(value)


def environment() -> jinja2.Environment:
    """The Jinja environment of the report templates (shipped in ``personas/report/templates``).

    ``finalize`` escapes every plain string, so user text is escaped even where a template
    forgets the ``md`` filter; ``StrictUndefined`` makes a misspelt variable an error rather
    than an empty string.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("personas.report", "templates"),
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=md, yaml=yaml_string, code=code)
    return env

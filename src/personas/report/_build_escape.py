"""Escaping for the report source: every user string becomes literal text in Markdown *and* HTML.

A persona name, a question text or a file name can hold anything, including ``<script>``,
``*bold*``, ``[link](x)``, ``@citation``, ``$math$`` or a Quarto shortcode. In ``index.qmd``
all of them must read as the characters the user typed, in the HTML and in the PDF.

:func:`_escape_md` does it in one pass: ``& < > "``, brackets and parentheses become HTML
entities (which pandoc decodes back to the literal character in every output format), and
every other ASCII punctuation character pandoc could read as markup is backslash-escaped
(pandoc's ``all_symbols_escapable``), the apostrophe included, so that it stays the straight
quote the user typed (as it is in the charts) rather than turning typographic. Line breaks
collapse to spaces so that a value cannot end a table row or start a new block, and control
characters, which no output format can show (and which XML, YAML and the SVG renderer
refuse), become U+FFFD (see :func:`printable`).

Already-escaped text is marked by the :class:`Markdown` type, which the report's Jinja
environment passes through untouched while it escapes every other string (see
:func:`environment`): forgetting the ``md`` filter therefore still escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import jinja2

__all__ = [
    "Markdown",
    "_escape_md",
    "md",
    "printable",
    "clean_spec",
    "yaml_string",
    "join",
    "environment",
    "code",
]

# Brackets and parentheses are entities too, not backslash escapes: with pandoc's
# tex_math_single_backslash extension (off by default, but a Quarto project may turn it on)
# "\\(" and "\\[" open math.
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "(": "&#40;",
    ")": "&#41;",
    "[": "&#91;",
    "]": "&#93;",
}
# The ASCII punctuation pandoc (or Quarto) can read as markup: emphasis, code, headings,
# lists, tables, fenced divs (":::"), setext underlines ("==="), math, citations, shortcodes.
_BACKSLASHED = "\\`*_{}#+-.!|~^$@:='"
_TABLE = str.maketrans({**_ENTITIES, **{c: "\\" + c for c in _BACKSLASHED}})
_HEX = re.compile(r"[0-9a-fA-F]+")
# Characters no report format can carry: C0 and C1 controls other than tab, line feed and
# carriage return, DEL, and the noncharacters U+FFFE / U+FFFF. XML (hence SVG, and vl-convert,
# which aborts the process on them) and YAML refuse them outright.
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# Vertical tab, form feed, line and paragraph separators: spacing, but XML refuses the first
# two and JavaScript string literals the last two (Vega's expression parser then rejects a
# chart whose sort order holds one).
_SEPARATORS = re.compile("[\x0b\x0c\u2028\u2029]")


class Markdown(str):
    """A string that is already valid, escaped Markdown: the template writes it as it is."""

    __slots__ = ()

    def __add__(self, other):  # keep the marker only when both sides are safe
        text = str.__add__(self, other)
        return Markdown(text) if isinstance(other, Markdown) else text


def printable(text: str) -> str:
    """``text`` with vertical tabs, form feeds and line and paragraph separators (U+2028,
    U+2029) turned into spaces and other control characters into U+FFFD, the replacement
    character; tabs and line breaks stay.

    Chart specs go through it (:func:`clean_spec`), so does every escaped string.

    >>> printable("a\\u2028b\\x1bc") == "a b\\ufffdc"
    True
    """
    return _UNPRINTABLE.sub("\ufffd", _SEPARATORS.sub(" ", text))


def clean_spec(value):
    """A chart spec (or any JSON value) with every string, keys included, made
    :func:`printable`: what vl-convert, Vega and the page's JSON can all carry."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(str(k)): clean_spec(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_spec(v) for v in value]
    return value


def _escape_md(text) -> Markdown:
    """User text as literal Markdown and HTML text (see the module docstring).

    >>> print(_escape_md('<b>*Hi*</b> & "you" [1]'))
    &lt;b&gt;\\*Hi\\*&lt;/b&gt; &amp; &quot;you&quot; &#91;1&#93;
    """
    if isinstance(text, Markdown):
        return text
    if text is None:
        return Markdown("")
    return Markdown(" ".join(printable(str(text)).split()).translate(_TABLE))


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

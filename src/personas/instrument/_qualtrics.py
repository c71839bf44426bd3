"""Write the Qualtrics Advanced Format TXT import file (see ``export.to_qualtrics``)."""

from __future__ import annotations

import html

from personas.instrument.model import Instrument, Question

__all__ = ["render_qualtrics", "qualtrics_type", "qualtrics_choices"]

_TYPES = {
    "boolean": "MC:SingleAnswer:Vertical",
    "choice": "MC:SingleAnswer:Vertical",
    "likert": "MC:SingleAnswer:Horizontal",
    "number": "TE:SingleLine",
}


def _text(text: str) -> str:
    """One line of HTML-safe text that cannot be mistaken for a ``[[tag]]``."""
    flat = " ".join(str(text).split())
    escaped = html.escape(flat, quote=False)
    return escaped.replace("[[", "&#91;&#91;").replace("]]", "&#93;&#93;")


def qualtrics_type(question: Question) -> str:
    """The ``[[Question:...]]`` type of a question."""
    return _TYPES[question.type]


def qualtrics_choices(question: Question) -> list[str]:
    """Choice texts in order (True before False); choice ``n`` has recode value ``n``."""
    codes = question.codes
    if question.type == "boolean":
        codes = codes[::-1]
    return [question.label(code) for code in codes]


def _question(question: Question) -> list[str]:
    lines = [f"[[Question:{qualtrics_type(question)}]]", f"[[ID:{question.id}]]"]
    lines.append(_text(question.text))
    choices = qualtrics_choices(question)
    if choices:
        lines.append("[[AdvancedChoices]]")
        for n, choice in enumerate(choices, start=1):
            lines += [f"[[Choice:{n}]]", _text(choice)]
    return lines + [""]


def render_qualtrics(instrument: Instrument, pages: list[list[Question]]) -> str:
    """The whole import file: header, one block, questions, page breaks between pages."""
    lines = ["[[AdvancedFormat]]", "", f"[[Block:{_text(instrument.title)}]]", ""]
    for index, page in enumerate(pages):
        if index:
            lines += ["[[PageBreak]]", ""]
        for question in page:
            lines += _question(question)
    return "\n".join(lines)

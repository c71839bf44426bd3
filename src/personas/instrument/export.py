"""Turn an :class:`~personas.instrument.model.Instrument` into a survey to field.

Every export uses the same order, :func:`survey_order`: items shuffled with a fixed seed so
that two items of the same tension and pole are never neighbours where that can be avoided,
and attention checks spread through the middle. Pages hold about eight questions
(:func:`survey_pages`). The exports:

* :func:`to_markdown` — a readable preview for the research team;
* :func:`to_html` — a standalone, styled preview page (every user text HTML-escaped);
* :func:`to_qualtrics` — a Qualtrics *Advanced Format* TXT import file;
* :func:`to_codebook` — a CSV codebook: what each answer code means.
"""

from __future__ import annotations

import csv
import io
import re

from personas.instrument._html import render_html
from personas.instrument._order import arrange, paginate
from personas.instrument._qualtrics import qualtrics_choices, render_qualtrics
from personas.instrument.model import Instrument, Question

__all__ = [
    "survey_order",
    "survey_pages",
    "to_markdown",
    "to_html",
    "to_qualtrics",
    "to_codebook",
    "allowed_answers",
    "render_survey",
    "FORMATS",
    "CODEBOOK_COLUMNS",
    "PER_PAGE",
]

PER_PAGE = 8
#: ``personas instrument --to`` choices and the file suffix each one is written with.
FORMATS = {"md": ".md", "html": ".html", "qualtrics": ".txt", "csv": ".csv"}
CODEBOOK_COLUMNS = (
    "id",
    "text",
    "type",
    "tension",
    "pole",
    "pole_text",
    "allowed_answers",
    "attention",
    "qualtrics_values",
)


def survey_order(instrument: Instrument, *, random_state: int = 0) -> list[Question]:
    """Every question in the order the survey shows them.

    Parameters
    ----------
    instrument
        The instrument to order.
    random_state
        Seed of the shuffle; the same seed always gives the same order.

    Returns
    -------
    list of Question
        Items shuffled so that no two items of the same tension *and* pole are neighbours
        whenever some order allows it; with ``k`` attention checks among ``n`` items, check
        ``j`` follows item ``round(j * n / (k + 1))`` (two checks sit at about 1/3 and 2/3),
        and no check is first or last.
    """
    return arrange(instrument.questions, random_state=random_state)


def survey_pages(
    instrument: Instrument, *, random_state: int = 0, per_page: int = PER_PAGE
) -> list[list[Question]]:
    """:func:`survey_order` split into pages of at most ``per_page`` questions, evenly."""
    order = survey_order(instrument, random_state=random_state)
    return paginate(order, per_page=per_page)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    """Escape Markdown (and inline HTML) so user text shows as written."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def to_markdown(instrument: Instrument, *, random_state: int = 0) -> str:
    """A Markdown preview: questions in survey order, by page, with their answers.

    Each question shows its id, and for items the tension and pole it measures, so the team
    can review the wording against the tension model.
    """
    lines = [f"# {_md(instrument.title)}", ""]
    lines.append(
        f"Study `{instrument.study_id}`: {len(instrument.questions)} questions "
        f"({len(instrument.attention_checks)} attention checks), seed {random_state}."
    )
    number = 0
    pages = survey_pages(instrument, random_state=random_state)
    for page_number, page in enumerate(pages, start=1):
        lines += ["", f"## Page {page_number} of {len(pages)}", ""]
        for question in page:
            number += 1
            lines.append(f"{number}. {_md(question.text)}")
            lines.append(f"   - answers: {' / '.join(_md(a) for a in _answers(question))}")
            lines.append(f"   - {_md_note(instrument, question)}")
    return "\n".join(lines) + "\n"


def _answers(question: Question) -> list[str]:
    if question.type == "likert":
        return [question.label(code) for code in question.codes]
    return question.allowed_text()


def _md_note(instrument: Instrument, question: Question) -> str:
    note = f"`{question.id}` · {question.type}"
    if question.is_attention_check:
        return note + f" · attention check, expects {_md(question.label(question.attention))}"
    if question.tension:
        tension = instrument.tension(question.tension)
        pole = f" → {_md(getattr(tension, question.pole))}" if question.pole else ""
        note += f" · {_md(tension.label)}{pole}"
    return note


def to_html(instrument: Instrument, *, random_state: int = 0) -> str:
    """A standalone HTML preview page (inline CSS, no scripts, every user text escaped)."""
    pages = survey_pages(instrument, random_state=random_state)
    return render_html(instrument, pages, random_state=random_state)


def to_qualtrics(instrument: Instrument, *, random_state: int = 0) -> str:
    """A Qualtrics Advanced Format TXT file (*Import survey* in Qualtrics' survey tools).

    Grammar emitted: ``[[AdvancedFormat]]``, one ``[[Block:<title>]]``, then per question
    ``[[Question:<type>]]``, ``[[ID:<question id>]]``, the question text, and for multiple
    choice ``[[AdvancedChoices]]`` with ``[[Choice:<n>]]`` before each choice text;
    ``[[PageBreak]]`` between pages. Question ids become the Qualtrics export tags, so the
    exported CSV needs no column mapping.

    Types: boolean and choice are ``MC:SingleAnswer:Vertical``, likert is
    ``MC:SingleAnswer:Horizontal`` (one question per item rather than a Matrix, so the seeded
    interleaving of tensions survives and each item keeps its own export tag), number is
    ``TE:SingleLine``.

    Recode values (the ``n`` of ``[[Choice:n]]``, what a "numeric values" export holds) are the
    1-based positions: boolean 1 = True, 2 = False; likert the k-th scale point (equal to the
    point on a 1-based scale); choice the k-th option. The choice *texts* are the
    codebook's labels, which the response readers map back to codes, so exporting with
    "use choice text" is the safest. Text is HTML-escaped because Qualtrics renders HTML.
    """
    pages = survey_pages(instrument, random_state=random_state)
    return render_qualtrics(instrument, pages)


def to_codebook(instrument: Instrument) -> str:
    """A CSV codebook, one row per question in file order.

    Columns: ``id``, ``text``, ``type``, ``tension``, ``pole``, ``pole_text`` (the need a
    True / agree answer points toward), ``allowed_answers`` (``code = label`` pairs joined by
    ``"; "``, or ``any number``), ``attention`` (the expected answer of a check, as text) and
    ``qualtrics_values`` (the recode values of the ``--to qualtrics`` survey, e.g.
    ``"1 = True; 2 = False"``: a Qualtrics "numeric values" export holds these, not the
    codes, and personas reads them back to the codes). It reads back with
    ``pandas.read_csv(..., dtype=str, keep_default_na=False)``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CODEBOOK_COLUMNS)
    for question in instrument.questions:
        tension = instrument.tension(question.tension) if question.tension else None
        pole_text = getattr(tension, question.pole) if tension and question.pole else ""
        attention = question.label(question.attention) if question.is_attention_check else ""
        writer.writerow(
            [
                question.id,
                question.text,
                question.type,
                question.tension or "",
                question.pole or "",
                pole_text,
                allowed_answers(question),
                attention,
                qualtrics_values(question),
            ]
        )
    return buffer.getvalue()


def allowed_answers(question: Question) -> str:
    """``"0 = False; 1 = True"``: every valid code and what it means (codebook column)."""
    if question.type == "number":
        return "any number"
    return "; ".join(f"{code:g} = {question.label(code)}" for code in question.codes)


def qualtrics_values(question: Question) -> str:
    """``"1 = True; 2 = False"``: the Qualtrics recode value of each answer (codebook column)."""
    if question.type == "number":
        return "any number"
    return "; ".join(f"{n} = {label}" for n, label in enumerate(qualtrics_choices(question), 1))


def render_survey(instrument: Instrument, *, to: str, random_state: int = 0) -> str:
    """The export named by ``to`` (a key of :data:`FORMATS`), for ``personas instrument``.

    ``md`` → :func:`to_markdown`, ``html`` → :func:`to_html`, ``qualtrics`` →
    :func:`to_qualtrics`, ``csv`` → :func:`to_codebook` (which has no order, so no seed).

    Raises
    ------
    ValueError
        When ``to`` is not one of :data:`FORMATS`.
    """
    if to == "csv":
        return to_codebook(instrument)
    writers = {"md": to_markdown, "html": to_html, "qualtrics": to_qualtrics}
    if to not in writers:
        raise ValueError(
            f"The 'to' option must be one of {', '.join(FORMATS)}. Got {to!r} instead."
        )
    return writers[to](instrument, random_state=random_state)

"""The standalone HTML survey preview (see ``export.to_html``).

Rendered with jinja2 and ``autoescape=True``: every text from the YAML is HTML-escaped. The page
has inline CSS only (no scripts, no network), prints cleanly, and shows the answers as disabled
controls so the team sees what a respondent will see, plus a muted note per question (id,
tension and pole) for reviewing wording against the tension model.
"""

from __future__ import annotations

import jinja2

from personas.instrument.model import Instrument, Question

__all__ = ["render_html"]

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — survey preview</title>
<style>
  :root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --accent: #0b6e99;
          --paper: #ffffff; --wash: #f5f7fa; --check: #8d6708; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--wash); color: var(--ink);
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 46rem; margin: 0 auto; padding: 2rem 1rem 4rem; }
  header h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
  header p { color: var(--muted); margin: 0 0 1.5rem; }
  section.page { background: var(--paper); border: 1px solid var(--line);
                 border-radius: .5rem; padding: 1rem 1.5rem; margin-bottom: 1.5rem;
                 break-inside: avoid; }
  section.page h2 { font-size: .85rem; text-transform: uppercase; letter-spacing: .06em;
                    color: var(--muted); margin: 0 0 .5rem; }
  ol { padding-left: 1.6rem; margin: 0; }
  li.question { padding: .75rem 0; border-top: 1px solid var(--line); }
  li.question:first-child { border-top: 0; }
  .text { font-weight: 600; }
  .answers { display: flex; flex-wrap: wrap; gap: .35rem 1.25rem; margin: .4rem 0; }
  .answers label { display: inline-flex; align-items: center; gap: .35rem; }
  .answers.likert { gap: .35rem .75rem; }
  input[type=number] { width: 8rem; padding: .2rem .4rem; }
  .note { font-size: .8rem; color: var(--muted); }
  .note code { color: var(--accent); }
  .check .note { color: var(--check); }
  @media print { body { background: #fff; } section.page { border: 0; padding: 0; } }
</style>
</head>
<body>
<main>
<header>
  <h1>{{ title }}</h1>
  <p>Survey preview of study <code>{{ study_id }}</code>: {{ n_questions }} questions
  ({{ n_checks }} attention checks) on {{ pages|length }}
  page{{ '' if pages|length == 1 else 's' }}, order seed {{ seed }}.</p>
</header>
{% for page in pages %}
<section class="page" aria-label="Page {{ loop.index }}">
  <h2>Page {{ loop.index }} of {{ pages|length }}</h2>
  <ol start="{{ page[0].number }}">
  {% for q in page %}
    <li class="question{% if q.check %} check{% endif %}" id="q-{{ q.id }}">
      <div class="text">{{ q.text }}</div>
      {% if q.choices %}
      <div class="answers {{ q.type }}" role="radiogroup">
        {% for choice in q.choices %}
        <label><input type="radio" name="{{ q.id }}" disabled> {{ choice }}</label>
        {% endfor %}
      </div>
      {% else %}
      <div class="answers"><input type="number" disabled aria-label="number"></div>
      {% endif %}
      <div class="note"><code>{{ q.id }}</code> · {{ q.type }}
        {%- if q.note %} · {{ q.note }}{% endif %}</div>
    </li>
  {% endfor %}
  </ol>
</section>
{% endfor %}
</main>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _note(instrument: Instrument, question: Question) -> str:
    if question.is_attention_check:
        return f"attention check, expects {question.label(question.attention)}"
    if not question.tension:
        return ""
    tension = instrument.tension(question.tension)
    if question.pole:
        return f"{tension.label} → {getattr(tension, question.pole)}"
    return tension.label


def _choices(question: Question) -> list[str]:
    if question.type == "number":
        return []
    codes = question.codes[::-1] if question.type == "boolean" else question.codes
    return [question.label(code) for code in codes]


def render_html(
    instrument: Instrument, pages: list[list[Question]], *, random_state: int = 0
) -> str:
    """Render the preview page for questions already split into ``pages``."""
    number = 0
    rows = []
    for page in pages:
        row = []
        for question in page:
            number += 1
            row.append(
                {
                    "number": number,
                    "id": question.id,
                    "text": question.text,
                    "type": question.type,
                    "choices": _choices(question),
                    "check": question.is_attention_check,
                    "note": _note(instrument, question),
                }
            )
        rows.append(row)
    return _ENV.from_string(_TEMPLATE).render(
        title=instrument.title,
        study_id=instrument.study_id,
        n_questions=len(instrument.questions),
        n_checks=len(instrument.attention_checks),
        pages=rows,
        seed=random_state,
    )

"""Write a :class:`~personas.draft.model.Draft` as commented ``instrument.yaml`` text.

Written as text from a template rather than dumped by a YAML library, so that every question
carries a comment (its column and why it has its type) and the sections only a researcher can
fill (tensions, poles, personas) carry TODO markers with an example. Every string is written
as a JSON string, which is a valid YAML double-quoted scalar: nothing in a label can break
the file.
"""

from __future__ import annotations

import json

from personas.draft.model import Draft, DraftQuestion

__all__ = ["render_draft"]

_FORMATS = {
    "spss": "SPSS", "stata": "Stata", "qualtrics": "Qualtrics export",
    "qsf": "Qualtrics survey file", "csv": "CSV", "tsv": "TSV", "excel": "Excel",
    "parquet": "Parquet",
}  # fmt: skip

_HEADER = """\
# instrument.yaml drafted by `personas init` from {source} ({format}).
# Every question below comes from the file's own metadata: check each one (its comment says
# which column it reads and why it has its type), then fill in what only you can decide:
# search for TODO (the tensions, the pole of each question, your hand-made personas).
# Until then `personas run` segments the respondents on their answers alone.
{notes}
schema: personas/instrument@1
study:
  id: {study_id}
  title: {title}  # TODO: the title your reports show

# TODO tensions: the pairs of conflicting needs your interviews found, e.g.
#   - id: speed
#     label: "Speed vs fit"
#     a: "Find a job quickly"
#     b: "Find the perfect job"
# then put each boolean or likert question that measures one on it:
#     tension: speed
#     pole: a          # the pole a True / agree answer points toward
tensions: []

questions:
"""

_PERSONAS = """
# TODO personas: your hand-made personas, each placed on tensions or described by answers:
#   - id: survivor
#     name: "The Survivor"
#     summary: "Needs a well-paid job, fast."
#     tensions: {{speed: a}}
#     answers: {{{example}}}
personas: []
"""


def render_draft(draft: Draft) -> str:
    """The draft as the text of ``instrument.yaml`` (deterministic: no dates, no paths)."""
    notes = "".join(f"# Note: {_line(note)}\n" for note in draft.notes)
    parts = [
        _HEADER.format(
            source=_line(draft.source.name),
            format=_FORMATS.get(draft.format, draft.format),
            notes=notes,
            study_id=_q(draft.study_id),
            title=_q(draft.title),
        )
    ]
    parts += [_question(q) for q in draft.questions]
    parts.append(_PERSONAS.format(example=_example(draft.questions)))
    parts.append(_data(draft))
    if draft.skipped:
        parts.append("\n# Columns not drafted as questions (add them by hand if they are):\n")
        parts += [f"#   {_line(column)}: {_line(why)}\n" for column, why in draft.skipped]
    return "".join(parts)


def _question(q: DraftQuestion) -> str:
    comment = f"column {q.column!r}: {q.type}, from {q.why}" if q.why else f"column {q.column!r}"
    lines = [f"  # {_line(comment)}"]
    if q.check:
        lines.append(f"  # TODO check: {_line(q.check)}")
    lines += [f"  - id: {_q(q.id)}", f"    text: {_q(q.text)}", f"    type: {q.type}"]
    if q.type in ("boolean", "likert"):
        lines.append("    # TODO tension: <tension id>   pole: a | b")
    if q.type == "likert":
        low, high = q.scale
        lines += ["    scale:", f"      min: {low}", f"      max: {high}"]
        if q.labels:
            lines.append("      labels:")
            lines += [f"        {point}: {_q(label)}" for point, label in sorted(q.labels.items())]
    if q.type == "choice":
        lines.append("    options:")
        lines += [f"      - {_q(option)}" for option in q.options]
    return "\n".join(lines) + "\n"


def _data(draft: Draft) -> str:
    lines = ["", "data:"]
    if draft.id_column is not None:
        lines.append(f"  id_column: {_q(draft.id_column)}  # found by its name or label")
    if draft.duration_column is not None:
        lines.append(
            f"  duration_column: {_q(draft.duration_column)}  # seconds; found by its name or label"
        )
    if draft.missing:
        shown = ", ".join(_q(v) if isinstance(v, str) else f"{v:g}" for v in draft.missing)
        lines.append(f"  missing: [{shown}]  # codes and labels that mean no answer")
    renamed = [(q.column, q.id) for q in draft.questions if q.column != q.id]
    if renamed:
        lines.append("  columns:  # raw column -> question id, where they differ")
        lines += [f"    {_q(column)}: {_q(qid)}" for column, qid in renamed]
    if len(lines) == 2:
        return "\n# data: how the file's columns map onto the questions (same names here)\n"
    return "\n".join(lines) + "\n"


def _example(questions) -> str:
    """An ``answers`` example for the personas TODO, from the first drafted question."""
    for q in questions:
        answer = {"boolean": "true", "likert": str(q.scale[1]) if q.scale else None}.get(q.type)
        if q.type == "choice":
            answer = _q(q.options[0])
        if answer is not None:
            return f"{q.id}: {answer}"
    return "q1: true"


def _q(text) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _line(text) -> str:
    """Text safe inside a one-line comment."""
    return " ".join(str(text).split())

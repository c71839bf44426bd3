"""Load and validate ``instrument.yaml`` into an :class:`~personas.instrument.model.Instrument`.

Validation reports *every* problem at once as one :class:`~personas.errors.InputError`, each
problem located at the file, line and column (1-based) of the key or value at fault, with the
offending value and what to write instead. Positions come from composing the YAML into nodes
(``yaml.SafeLoader``: YAML is only ever loaded safely).

Rules beyond "the right keys with the right types":

* ids of tensions, questions and personas are unique and use letters, digits, ``_ . -``;
* a question naming a ``tension`` must name one that exists; a boolean or likert question on a
  tension must say its ``pole`` (``a`` or ``b``); choice and number questions have no agree
  direction, so they cannot have a pole; a pole needs a tension;
* every tension needs items. A tension with no items is an error; a tension with items on one
  pole only (a one-way-keyed scale, common in validated inventories) is allowed with a
  :class:`~personas.errors.DataWarning` (code ``tension-one-pole``): with one pole,
  "agrees with everything" and "sits at that pole" cannot be told apart (acquiescence), which
  reverse-keyed items on the other pole would fix. Positions are computed from the items
  there are;
* ``tensions`` is optional: an instrument of questions only (personas described by their
  ``answers``) is valid, and its segments are described and compared by answers alone;
* attention checks (questions with ``attention``) expect a valid answer and are not items of
  any tension;
* personas sit on tensions that exist (a, b, mid or a number in [-1, 1]) and answer questions
  that exist with valid answers; a persona must say something (a position or an answer).

Each problem carries a reason ``code``: ``yaml-syntax``, ``no-file``, ``encoding``,
``schema``, ``wrong-type``, ``unknown-key``, ``duplicate-key``, ``missing-key``, ``bad-id``,
``duplicate-id``, ``unknown-type``, ``unknown-tension``, ``unknown-question``, ``bad-pole``,
``missing-pole``, ``pole-without-tension``, ``likert-scale``, ``choice-options``,
``attention``, ``attention-tension``, ``tension-no-questions``, ``tension-one-pole``,
``bad-position``, ``persona-answer``, ``persona-empty``, ``duplicate-column``,
``cleaning``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from personas._paths import check_input_file
from personas.errors import DataWarning, InputError, Problem
from personas.instrument._check import Checker, Entry
from personas.instrument._personas import read_personas
from personas.instrument._questions import read_questions, read_tensions
from personas.instrument._rules import read_cleaning, read_data
from personas.instrument._yaml import Node, parse, read_text
from personas.instrument.model import Instrument

__all__ = ["load_instrument", "describe", "SCHEMA", "TOP_KEYS"]

SCHEMA = "personas/instrument@1"
TOP_KEYS = ("schema", "study", "tensions", "questions", "personas", "data", "cleaning")
_REQUIRED = ("schema", "study", "questions")
_EXAMPLES = {
    "schema": SCHEMA,
    "study": '{id: my_study, title: "..."}',
    "tensions": "[{id: speed, label: ..., a: ..., b: ...}]",
    "questions": "[{id: q1, type: boolean, text: ..., tension: speed, pole: a}]",
    "id": "my_study",
}


def load_instrument(path: str | os.PathLike) -> Instrument:
    """Read a study's ``instrument.yaml`` and check it thoroughly.

    Parameters
    ----------
    path
        A study folder (``<folder>/instrument.yaml`` is read) or the YAML file itself.
        Problems name the file the way it was given here.

    Returns
    -------
    Instrument
        Answers written in the file (persona answers and positions, attention checks) are
        already turned into numeric codes, see :mod:`personas.instrument.model`.

    Raises
    ------
    InputError
        Listing every problem found, each with file, line, column, value and a hint.

    Examples
    --------
    >>> from personas.instrument import load_instrument
    >>> instrument = load_instrument("surveys/jobsite")  # run from the repository root
    >>> len(instrument.tensions), len(instrument.questions), len(instrument.personas)
    (6, 26, 6)
    """
    file = _resolve(path)
    text = read_text(file)
    root = parse(text, file)
    check = Checker(file)
    instrument = _read_root(check, root, file)
    if check.problems:
        problems = sorted(check.problems, key=lambda p: (p.line or 0, p.column or 0))
        raise InputError(problems)
    return instrument


def describe(instrument: Instrument) -> str:
    """One line summing an instrument up, for ``personas validate``.

    Questions are counted *including* attention checks, and the number of attention checks is
    said in brackets, e.g. ``"jobsite: 6 tensions, 26 questions (2 attention checks),
    6 personas — OK"``.
    """
    checks = len(instrument.attention_checks)
    extra = f" ({checks} attention check{'s' if checks != 1 else ''})" if checks else ""
    return (
        f"{instrument.study_id}: {_count(len(instrument.tensions), 'tension')}, "
        f"{_count(len(instrument.questions), 'question')}{extra}, "
        f"{_count(len(instrument.personas), 'persona')} — OK"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _resolve(path: str | os.PathLike) -> str:
    """The YAML file to read, spelled as the user gave it."""
    given = os.fspath(path)
    if os.path.isdir(given):
        file = os.path.join(given, "instrument.yaml")
        if not os.path.lexists(file) or os.path.isdir(file):
            raise InputError(
                [
                    Problem(
                        "study folder has no instrument.yaml",
                        file=given,
                        hint="Create instrument.yaml there or pass the YAML file itself",
                        code="no-file",
                    )
                ]
            )
        return file
    check_input_file(given, kind="yaml")  # a FIFO or device is refused, never read
    return given


def _read_root(check: Checker, root: Node | None, file: str) -> Instrument | None:
    if root is None or not root.is_mapping:
        what = "the file is empty" if root is None else f"the file holds {root.kind}"
        check.add(
            root,
            f"{what}; an instrument is a mapping with keys schema, study, tensions, questions",
            code="wrong-type",
            hint=f"Start the file with 'schema: {SCHEMA}'",
        )
        return None
    fields = check.mapping(
        root, "the instrument", allowed=TOP_KEYS, required=_REQUIRED, examples=_EXAMPLES
    )
    _schema(check, fields.get("schema"))
    study_id, title = _study(check, fields.get("study"))
    tensions = read_tensions(check, fields.get("tensions"))
    tension_ids = [e.id for e in tensions if e.id]
    questions = read_questions(check, fields.get("questions"), tension_ids)
    _coverage(check, tensions, questions)
    by_id: dict = {}
    for entry in questions:
        if entry.id:
            by_id.setdefault(entry.id, entry.obj)
    personas = read_personas(check, fields.get("personas"), tension_ids, by_id)
    data = read_data(check, fields.get("data"), list(by_id))
    cleaning = read_cleaning(check, fields.get("cleaning"))
    if check.problems:
        return None
    return Instrument(
        study_id=study_id,
        title=title,
        tensions=tuple(e.obj for e in tensions),
        questions=tuple(e.obj for e in questions),
        personas=tuple(e.obj for e in personas),
        data=data,
        cleaning=cleaning,
        path=Path(file),
    )


def _schema(check: Checker, node: Node | None) -> None:
    if node is None or node.is_null or node.text == SCHEMA:
        return  # a missing schema is reported as a missing key
    check.add(
        node,
        f"unsupported schema '{node.text or node.kind}'",
        code="schema",
        hint=f"Write 'schema: {SCHEMA}'",
    )


def _study(check: Checker, node: Node | None) -> tuple[str | None, str | None]:
    if node is None or node.is_null:
        return None, None
    fields = check.mapping(
        node, "study", allowed=("id", "title"), required=("id",), examples=_EXAMPLES
    )
    if fields is None:
        return None, None
    study_id = check.ident(fields.get("id"), "study id")
    title = check.text(fields.get("title"), "study title")
    return study_id, title or study_id


def one_pole_message(tension_id: str, pole: str) -> str:
    """The plain-words warning for a tension keyed one way (code ``tension-one-pole``)."""
    other = "b" if pole == "a" else "a"
    return (
        f"tension-one-pole: tension '{tension_id}' has questions on pole {pole} only; "
        "agreeing with everything and sitting at that pole cannot be told apart "
        f"(acquiescence). Reverse-keyed questions on pole {other} would fix it."
    )


def _coverage(check: Checker, tensions: list[Entry], questions: list[Entry]) -> None:
    """Every tension needs items; items on one pole only earn a warning (not an error)."""
    for tension in tensions:
        if tension.id is None:
            continue
        items = [q for q in questions if q.tension == tension.id and not q.attention]
        poles = {q.pole for q in items if q.pole}
        if not items:
            check.add(
                tension.node,
                f"tension '{tension.id}' has no questions",
                code="tension-no-questions",
                hint=f"Add questions with 'tension: {tension.id}' on pole a and on pole b",
            )
        elif len(poles) == 1:
            (pole,) = poles
            warnings.warn(
                one_pole_message(tension.id, pole),
                DataWarning,
                stacklevel=4,
            )

"""Turn answers and positions written in ``instrument.yaml`` into numeric codes.

Used for persona ``answers``, persona ``tensions`` positions and attention-check expected
answers. The codes follow :mod:`personas.instrument.model`.
"""

from __future__ import annotations

from personas.instrument._yaml import Node
from personas.instrument.model import Question

__all__ = ["answer_code", "position_code", "POSITION_WORDS"]

POSITION_WORDS = {"a": -1.0, "b": 1.0, "mid": 0.0}
_TRUE = {"true", "yes", "y", "t", "1"}
_FALSE = {"false", "no", "n", "f", "0"}


def answer_code(question: Question, node: Node) -> float | None:
    """The code of an answer to ``question`` written at ``node``; ``None`` if it is not valid.

    Booleans accept true/false, yes/no, y/n and 1/0; likert a point on the scale (or one of
    its labels, case-insensitively); choice one of the options as written (or the same words
    in another case); number any finite number.
    """
    if node.is_null or not node.is_scalar:
        return None
    if question.type == "boolean":
        return _boolean(node)
    if question.type == "likert":
        return _likert(question, node)
    if question.type == "choice":
        return _choice(question, node)
    return float(node.value) if node.is_number and not node.is_bool else None


def _boolean(node: Node) -> float | None:
    if node.is_bool:
        return 1.0 if node.value else 0.0
    word = node.text.strip().lower()
    if word in _TRUE:
        return 1.0
    if word in _FALSE:
        return 0.0
    return None


def _likert(question: Question, node: Node) -> float | None:
    scale = question.scale
    if node.is_number and not node.is_bool:
        value = float(node.value)
        if value.is_integer() and scale.min <= value <= scale.max:
            return value
        return None
    wanted = node.text.strip().casefold()
    for point, label in scale.labels.items():
        if str(label).strip().casefold() == wanted:
            return float(point)
    return None


def _choice(question: Question, node: Node) -> float | None:
    text = node.text
    if text in question.options:
        return float(question.options.index(text))
    folded = [o.casefold() for o in question.options]
    if folded.count(text.casefold()) == 1:
        return float(folded.index(text.casefold()))
    return None


def position_code(node: Node) -> float | None:
    """A persona's position on a tension: a -> -1, b -> +1, mid -> 0, or a number in [-1, 1]."""
    if node.is_bool or not node.is_scalar or node.is_null:
        return None
    if node.is_number:
        value = float(node.value)
        return value if -1.0 <= value <= 1.0 else None
    return POSITION_WORDS.get(node.text.strip().lower())

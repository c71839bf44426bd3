"""What a hand-made persona expects: the answer code it implies for each question.

Shared by the comparison (a persona's expected profile against each segment) and the map (a
persona's landmark), so that both read a persona the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from personas.instrument.model import Persona, Question

__all__ = ["expected_answers"]


def expected_answers(personas: Iterable[Persona], questions: Sequence[Question]) -> pd.DataFrame:
    """Rows = persona ids, columns = question ids: the code each persona expects, NaN if silent.

    A position ``t`` on a tension (-1 = pole a, +1 = pole b) sets every boolean or likert
    question of that tension: the expected share of agreement is ``(1 - t) / 2`` for pole-a
    questions and ``(1 + t) / 2`` for pole-b questions, mapped onto the item's scale (pole a ->
    pole-a items True / fully agree and pole-b items False / fully disagree; ``mid`` -> the
    middle). Explicit ``answers`` override. Choice and number questions get an expectation only
    from an explicit answer: they have no agree direction.

    Examples
    --------
    >>> from personas.instrument.model import Persona, Question
    >>> q = [Question("q1", "Fast?", "boolean", tension="speed", pole="a"),
    ...      Question("q2", "Wait?", "boolean", tension="speed", pole="b")]
    >>> expected_answers([Persona("p", "P", tensions={"speed": -1.0})], q).to_dict("records")
    [{'q1': 1.0, 'q2': 0.0}]
    """
    personas = list(personas)
    out = np.full((len(personas), len(questions)), np.nan)
    for i, persona in enumerate(personas):
        for j, q in enumerate(questions):
            if q.id in persona.answers:
                out[i, j] = float(persona.answers[q.id])
            elif (
                q.tension in persona.tensions
                and q.pole in ("a", "b")
                and q.type in ("boolean", "likert")
            ):
                t = float(np.clip(float(persona.tensions[q.tension]), -1.0, 1.0))
                toward = (1.0 - t) / 2.0 if q.pole == "a" else (1.0 + t) / 2.0
                low, high = (0.0, 1.0) if q.type == "boolean" else (q.scale.min, q.scale.max)
                out[i, j] = low + toward * (high - low)
    return pd.DataFrame(out, index=[p.id for p in personas], columns=[q.id for q in questions])

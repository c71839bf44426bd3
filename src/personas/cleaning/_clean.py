"""``clean``: apply the exclusion rules, keep the ledger, fill or keep missing answers."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from personas.cleaning.impute import fill_missing
from personas.cleaning.ledger import build_ledger
from personas.cleaning.model import CleanResponses
from personas.cleaning.rules import RULES
from personas.errors import InputError, Problem
from personas.instrument.model import CleaningRules
from personas.io.responses import Responses

__all__ = ["clean"]


def clean(responses: Responses, *, rules: CleaningRules | None = None) -> CleanResponses:
    """Exclude inattentive, hurried, straight-lining, incomplete and duplicate respondents.

    The rules run in the fixed order of :data:`personas.cleaning.rules.RULE_ORDER` (see that
    module for exactly what each one tests). Every loaded row ends up in the ledger, kept or
    excluded with its first failing rule and the others; rows dropped while reading
    (Qualtrics previews and tests) are there too. The kept respondents' missing answers are
    then filled (``impute="auto"``) or kept (``"none"``), see
    :mod:`personas.cleaning.impute`.

    Parameters
    ----------
    responses
        What :func:`personas.io.read_responses` returned. It is not modified.
    rules
        Cleaning settings; ``None`` uses ``responses.instrument.cleaning``. To change one
        setting: ``dataclasses.replace(instrument.cleaning, max_missing_share=0.3)``.

    Returns
    -------
    CleanResponses
        Kept respondents x items (attention checks removed), the :class:`Ledger` and the
        imputation record.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from personas.instrument.model import CleaningRules, Instrument, Question
    >>> from personas.io.responses import Responses, Source
    >>> qs = (Question("q1", "?", "boolean"), Question("q2", "?", "boolean"),
    ...       Question("check", "Answer True", "boolean", attention=1.0))
    >>> answers = pd.DataFrame(
    ...     {"q1": [1.0, np.nan, 0.0, 1.0], "q2": [0.0, 1.0, 1.0, 0.0],
    ...      "check": [1.0, 1.0, 0.0, 1.0]},
    ...     index=pd.Index(["ann", "bob", "cat", "dan"], name="respondent"))
    >>> responses = Responses(Instrument("demo", "Demo", (), qs), answers,
    ...     rows=np.arange(2, 6), source=Source(path="demo.csv", format="csv", sha256=""))
    >>> result = clean(responses, rules=CleaningRules(max_missing_share=0.5))
    >>> result.ledger.counts()
    {'failed attention check': 1}
    >>> result.answers["q1"].tolist()  # bob's missing answer filled with the mode
    [1.0, 1.0, 1.0]
    """
    rules = responses.instrument.cleaning if rules is None else rules
    _check(rules)
    results = [rule(responses, rules) for rule in RULES]
    ledger = build_ledger(responses, results)
    excluded = np.zeros(len(responses), dtype=bool)
    for result in results:
        excluded |= result.mask
    kept = np.flatnonzero(~excluded)
    items = responses.instrument.items
    values = _kept_items(responses, kept, [q.id for q in items])
    record = fill_missing(values, list(items), rule=rules.impute, columns=responses.columns)
    answers = pd.DataFrame(
        values,
        index=responses.answers.index[kept],
        columns=pd.Index([q.id for q in items]),
        copy=False,
    )
    duration = None if responses.duration is None else responses.duration.iloc[kept].copy()
    weights = None if responses.weights is None else responses.weights.iloc[kept].copy()
    if weights is not None and len(weights) and not (weights > 0).any():
        raise InputError(
            Problem(
                f"every kept respondent has weight 0 ({ledger.excluded:,} of {ledger.loaded:,} "
                "excluded): nobody would count",
                file=str(responses.source.path),
                column=responses.instrument.data.weight_column,
                hint="check the weight column and the cleaning rules",
                code="zero-weights",
            )
        )
    ledger.rules["settings"] = {f.name: getattr(rules, f.name) for f in fields(rules)}
    return CleanResponses(
        instrument=responses.instrument,
        answers=answers,
        ledger=ledger,
        source=responses.source,
        imputation=record,
        duration=duration,
        columns=dict(responses.columns),
        weights=weights,
    )


def _kept_items(responses: Responses, kept: np.ndarray, items: list[str]) -> np.ndarray:
    """A fresh (kept x items) float array, taken column by column (one allocation)."""
    every = responses.answers.to_numpy(dtype=float)
    positions = responses.answers.columns.get_indexer(items)
    values = np.empty((len(kept), len(items)), dtype=float, order="F")
    for j, position in enumerate(positions):
        np.take(every[:, position], kept, out=values[:, j])
    return values


def _check(rules: CleaningRules) -> None:
    """Refuse settings no rule can use, every problem at once."""
    problems = []

    def bad(option: str, must: str, got) -> None:
        problems.append(
            Problem(
                f"The {option!r} option must be {must}. Got {got!r} instead.",
                column=option,
                value=got,
                code="bad-option",
            )
        )

    share = rules.max_missing_share
    if not isinstance(share, (int, float)) or not 0 <= share <= 1:
        bad("max_missing_share", "a share between 0 and 1", share)
    seconds = rules.min_duration_seconds
    if seconds is not None and (not isinstance(seconds, (int, float)) or seconds < 0):
        bad("min_duration_seconds", "a number of seconds (0 or more) or null", seconds)
    if rules.impute not in ("auto", "none"):
        bad("impute", '"auto" or "none"', rules.impute)
    if problems:
        raise InputError(problems)

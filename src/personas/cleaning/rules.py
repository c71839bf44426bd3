"""The exclusion rules, one small function each: ``rule(responses, rules) -> RuleResult``.

Every rule looks at all loaded respondents at once (numpy, no loop over people) and returns a
boolean mask (True = fails the rule), its stable reason name, and the settings it ran with, for
the decision journal. A respondent failing several rules is excluded for the *first* of
:data:`RULE_ORDER` and the others are listed too, so counts never depend on chance.

Order (stable reason names, used in ``exclusions.csv`` and ``summary.json``):

1. ``"preview response"``, ``"test response"`` -- dropped while reading (Qualtrics);
2. ``"failed attention check"`` -- an attention check answered other than expected; a
   *missing* answer to a check counts as failed (the respondent did not show attention);
3. ``"speeder"`` -- duration below ``min_duration_seconds``, or, when that is unset, below a
   third of the median duration; respondents with unknown duration are not speeders;
4. ``"straight-liner"`` -- the same answer to every likert item answered (at least 3 likert
   items answered; missing answers are ignored); with ``straightlining_boolean`` the same
   test over the boolean items as well;
5. ``"too many missing answers"`` -- the share of missing items (attention checks aside)
   above ``max_missing_share``; cells read as missing under ``invalid: missing`` count;
6. ``"duplicate id"`` -- a respondent id seen on an earlier row of the file; the first row
   with that id is kept (whatever the other rules say about it), later ones are excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from personas.instrument.model import CleaningRules
from personas.io._coerce import factorize_keys
from personas.io.responses import Responses

__all__ = [
    "PREVIEW",
    "TEST",
    "ATTENTION",
    "SPEEDER",
    "STRAIGHT_LINER",
    "TOO_MANY_MISSING",
    "DUPLICATE_ID",
    "RULE_ORDER",
    "RuleResult",
    "attention_checks",
    "speeders",
    "straight_liners",
    "too_many_missing",
    "duplicate_ids",
    "RULES",
]

PREVIEW = "preview response"
TEST = "test response"
ATTENTION = "failed attention check"
SPEEDER = "speeder"
STRAIGHT_LINER = "straight-liner"
TOO_MANY_MISSING = "too many missing answers"
DUPLICATE_ID = "duplicate id"
RULE_ORDER = (PREVIEW, TEST, ATTENTION, SPEEDER, STRAIGHT_LINER, TOO_MANY_MISSING, DUPLICATE_ID)
MIN_STRAIGHT_ITEMS = 3


@dataclass(frozen=True)
class RuleResult:
    """What one rule decided: ``mask`` is True for respondents who fail it."""

    reason: str
    mask: np.ndarray
    settings: dict = field(default_factory=dict)


def attention_checks(responses: Responses, rules: CleaningRules) -> RuleResult:
    """Fail respondents whose answer to any attention check is not the expected one."""
    checks = responses.instrument.attention_checks
    fails = np.zeros(len(responses), dtype=bool)
    for question in checks:
        answers = responses.answers[question.id].to_numpy()
        fails |= ~(answers == question.attention)  # NaN == x is False: missing fails
    settings = {"enabled": bool(checks), "expected": {q.id: q.attention for q in checks}}
    if not checks:
        settings["note"] = "the instrument has no attention checks"
    return RuleResult(ATTENTION, fails, settings)


def speeders(responses: Responses, rules: CleaningRules) -> RuleResult:
    """Fail respondents faster than the minimum duration (or a third of the median)."""
    fails = np.zeros(len(responses), dtype=bool)
    if responses.duration is None:
        note = "the file has no duration column"
        return RuleResult(SPEEDER, fails, {"enabled": False, "note": note})
    seconds = responses.duration.to_numpy(dtype=float)
    known = seconds[~np.isnan(seconds)]
    if rules.min_duration_seconds is not None:
        threshold, basis = float(rules.min_duration_seconds), "min_duration_seconds"
    elif len(known):
        threshold, basis = float(np.median(known)) / 3, "a third of the median duration"
    else:
        note = "no respondent has a known duration"
        return RuleResult(SPEEDER, fails, {"enabled": False, "note": note})
    with np.errstate(invalid="ignore"):
        fails = seconds < threshold  # NaN < x is False: unknown duration is not a speeder
    settings = {"enabled": True, "threshold_seconds": threshold, "basis": basis}
    settings["unknown_duration"] = int(len(seconds) - len(known))
    return RuleResult(SPEEDER, fails, settings)


def straight_liners(responses: Responses, rules: CleaningRules) -> RuleResult:
    """Fail respondents giving one identical answer across the likert (or boolean) block."""
    fails = np.zeros(len(responses), dtype=bool)
    blocks = {"likert": rules.straightlining, "boolean": rules.straightlining_boolean}
    checked = []
    for kind, wanted in blocks.items():
        items = [q.id for q in responses.instrument.items if q.type == kind]
        if not wanted or len(items) < MIN_STRAIGHT_ITEMS:
            continue
        fails |= _identical_rows(_block(responses, items))
        checked.append(kind)
    settings = {"enabled": bool(checked), "blocks": checked, "min_items": MIN_STRAIGHT_ITEMS}
    if not checked:
        settings["note"] = (
            "off, or fewer than 3 items in the checked blocks"
            if rules.straightlining or rules.straightlining_boolean
            else "off (cleaning.straightlining: false)"
        )
    return RuleResult(STRAIGHT_LINER, fails, settings)


def _identical_rows(block: np.ndarray) -> np.ndarray:
    """True where a row answered at least ``MIN_STRAIGHT_ITEMS`` items, all the same."""
    answered = (~np.isnan(block)).sum(axis=1)
    low = np.fmin.reduce(block, axis=1)  # fmin/fmax skip NaN without warnings
    high = np.fmax.reduce(block, axis=1)
    return (answered >= MIN_STRAIGHT_ITEMS) & (low == high)


def _block(responses: Responses, items: list[str]) -> np.ndarray:
    """The answers to ``items`` as a float array (a view when they are all the columns)."""
    every = responses.answers.to_numpy(dtype=float)
    if list(responses.answers.columns) == items:
        return every
    return every[:, responses.answers.columns.get_indexer(items)]


def too_many_missing(responses: Responses, rules: CleaningRules) -> RuleResult:
    """Fail respondents missing more than ``max_missing_share`` of the items."""
    items = [q.id for q in responses.instrument.items]
    share = rules.max_missing_share
    if not items:
        fails = np.zeros(len(responses), dtype=bool)
        return RuleResult(TOO_MANY_MISSING, fails, {"enabled": False, "note": "no items"})
    missing = np.isnan(_block(responses, items)).mean(axis=1)
    return RuleResult(TOO_MANY_MISSING, missing > share, {"enabled": True, "max_share": share})


def duplicate_ids(responses: Responses, rules: CleaningRules) -> RuleResult:
    """Fail every row whose respondent id already appeared on an earlier row."""
    keys, _ = factorize_keys(responses.answers.index.to_series())
    fails = pd.Series(keys).duplicated(keep="first").to_numpy(dtype=bool)
    return RuleResult(DUPLICATE_ID, fails, {"enabled": True, "keep": "first row"})


RULES = (attention_checks, speeders, straight_liners, too_many_missing, duplicate_ids)

"""Build the :class:`Ledger` (nobody lost) and the table the CLI prints from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from personas.cleaning.model import Ledger
from personas.cleaning.rules import RULE_ORDER, RuleResult
from personas.io.responses import Responses

__all__ = ["build_ledger", "ledger_table", "LEDGER_COLUMNS"]

LEDGER_COLUMNS = ["respondent", "row", "status", "reason", "other_reasons"]
_READ_TIME = RULE_ORDER[:2]


def build_ledger(responses: Responses, results: list[RuleResult]) -> Ledger:
    """One ledger row per loaded row: kept, or excluded for the first failing rule.

    ``results`` must follow :data:`RULE_ORDER`. Rows dropped while reading (Qualtrics
    previews and tests) are added as excluded with their reason, and the table is in file
    order. The per-rule settings and counts go to ``Ledger.rules``.
    """
    pattern = np.zeros(len(responses), dtype=np.int64)
    for bit, result in enumerate(results):
        pattern |= np.asarray(result.mask, dtype=bool).astype(np.int64) << bit
    status, first, others = _reason_texts(results, pattern)
    table = pd.DataFrame(
        {
            "respondent": responses.answers.index.to_series(index=None).reset_index(drop=True),
            "row": np.asarray(responses.rows, dtype=np.int64),
            "status": status,
            "reason": first,
            "other_reasons": others,
        }
    )
    columns = list(LEDGER_COLUMNS)
    if responses.weights is not None:
        table["weight"] = responses.weights.to_numpy(dtype=np.float64)
        columns.append("weight")
    dropped = responses.dropped
    if len(dropped):
        at_read = pd.DataFrame(
            {
                "respondent": dropped["respondent"].astype("str").to_numpy(),
                "row": dropped["row"].to_numpy(dtype=np.int64),
                "status": "excluded",
                "reason": dropped["reason"].astype("str").to_numpy(),
                "other_reasons": "",
            }
        ).astype({c: "str" for c in LEDGER_COLUMNS if c != "row"})
        if "weight" in columns:
            at_read["weight"] = np.nan
        table = pd.concat([table, at_read], ignore_index=True)
        table = table.sort_values("row", kind="stable").reset_index(drop=True)
    return Ledger(table=table[columns], rules=_rule_log(responses, results, table))


def _reason_texts(results: list[RuleResult], pattern: np.ndarray) -> tuple[pd.Series, ...]:
    """Status, first failing reason and the other failing ones, per respondent.

    Each respondent's failures form a bit pattern (bit i = rule i failed); the few distinct
    patterns become text once, and pyarrow spreads them to every row without Python loops.
    """
    size = 1 << len(results)
    status, firsts, rests = [""] * size, [""] * size, [""] * size
    for code in np.flatnonzero(np.bincount(pattern, minlength=1)):
        failing = [r.reason for bit, r in enumerate(results) if code >> bit & 1]
        status[code] = "excluded" if failing else "kept"
        firsts[code] = failing[0] if failing else ""
        rests[code] = "; ".join(failing[1:])
    keys = pa.array(pattern)
    return tuple(
        pc.take(pa.array(texts, type=pa.large_string()), keys).to_pandas()
        for texts in (status, firsts, rests)
    )


def _rule_log(responses: Responses, results: list[RuleResult], table: pd.DataFrame) -> dict:
    """Settings and counts per rule, in rule order, plus how invalid cells were handled."""
    excluded = table.loc[table["status"] == "excluded", "reason"].value_counts()
    log: dict = {}
    for reason in _READ_TIME:
        flagged = int((responses.dropped["reason"] == reason).sum())
        log[reason] = {"enabled": True, "stage": "read", "flagged": flagged, "excluded": flagged}
    for result in results:
        entry = dict(result.settings)
        entry["flagged"] = int(np.count_nonzero(result.mask))
        entry["excluded"] = int(excluded.get(result.reason, 0))
        log[result.reason] = entry
    invalid = responses.invalid
    by_question = invalid["question"].fillna("(duration)").value_counts()
    log["invalid values"] = {
        "policy": "missing" if responses.lenient else "error",
        "cells": len(invalid),
        "by_question": {str(k): int(v) for k, v in by_question.items()},
    }
    return log


def ledger_table(ledger: Ledger) -> list[tuple[str, int]]:
    """Rows for the CLI's summary table: loaded, excluded per rule (rule order), kept.

    Each rule's count is the respondents it excluded *first*, so the rule rows add up:
    ``loaded - sum(rules) == kept``. Rules that did not run are left out, and so are the
    read-time reasons (Qualtrics previews/tests) when nothing was dropped for them.

    Examples
    --------
    >>> import pandas as pd
    >>> from personas.cleaning.model import Ledger
    >>> table = pd.DataFrame({"respondent": ["a", "b"], "row": [2, 3],
    ...     "status": ["kept", "excluded"], "reason": ["", "speeder"], "other_reasons": ""})
    >>> ledger_table(Ledger(table, rules={"speeder": {"enabled": True}}))
    [('loaded', 2), ('speeder', 1), ('kept', 1)]
    """
    counts = ledger.counts()
    rows = [("loaded", ledger.loaded)]
    for reason in RULE_ORDER:
        settings = ledger.rules.get(reason, {})
        shown = counts.get(reason, 0) > 0 or (
            reason not in _READ_TIME and settings.get("enabled", False)
        )
        if shown:
            rows.append((reason, int(counts.get(reason, 0))))
    rows += [(r, n) for r, n in counts.items() if r not in RULE_ORDER]
    rows.append(("kept", ledger.kept))
    return rows

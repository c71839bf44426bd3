"""A typed summary for tests that change a few of its parts: the fixture run's summary.json
with the given top-level keys replaced, checked by :class:`personas.run.schema.Summary`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from personas.run.schema import Summary

FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite" / "summary.json"


def typed_summary(parts: dict | None = None, **more) -> Summary:
    """The fixture's summary with ``parts`` (and ``more``) replacing its top-level keys.

    ``segments`` may be :func:`personas.compare.comparison_summary`'s parts keyed by id, or
    records without sizes: each becomes a full record (size 1, share 0 where missing).
    """
    base = json.loads(FIXTURE.read_text(encoding="utf-8"))
    summary = {**base, **copy.deepcopy(parts or {}), **copy.deepcopy(more)}
    segments = summary["segments"]
    if isinstance(segments, dict):
        segments = [{"id": int(k), **v} for k, v in segments.items()]
    summary["segments"] = [{"size": 1, "share": 0.0, **s} for s in segments]
    return Summary.from_json(summary)

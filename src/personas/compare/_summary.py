"""A :class:`~personas.compare.core.Comparison` as ``summary.json`` parts and a CLI table.

The one-paragraph verdict is in :mod:`personas.compare.plain`."""

from __future__ import annotations

import math
from typing import Any

from personas.compare._reasons import pct
from personas.compare.model import Comparison

__all__ = ["comparison_summary", "verdict_table"]


def _number(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def comparison_summary(comparison: Comparison) -> dict:
    """The parts of ``summary.json`` (schema ``personas/summary@1``) the comparison owns.

    Returns
    -------
    dict
        ``segments`` (segment id -> ``persona, personas, similarity, name``, to merge into the
        run's segment entries), ``personas`` (one entry per hand-made persona: ``id, name,
        summary, verdict, segments, similarity, coverage, merged_with, reason, tensions,
        stability`` (``same, refits, share, uncertain``: the verdict over bootstrap refits, or
        None), ``unstable_segments``, ``clear_segments`` (False: no clear segments),
        ``new_segments``, ``similarity`` (``personas``, ``segments``, ``values`` row per
        persona), ``tensions`` (``id, label, a, b, separation``, most separating first) and
        ``thresholds``. Plain JSON types; NaN becomes ``None``.
    """
    c = comparison
    segments = {
        int(s.segment): {
            "persona": s.persona,
            "personas": list(s.personas),
            "similarity": _number(s.similarity),
            "name": s.name.text,
        }
        for s in c.segments
    }
    personas = []
    for v in c.verdicts:
        persona = c.instrument.persona(v.persona)
        positions = c.persona_tensions.loc[v.persona].dropna()
        personas.append(
            {
                "id": v.persona,
                "name": v.name,
                "summary": persona.summary,
                "verdict": v.verdict,
                "segments": [int(k) for k in v.segments],
                "similarity": _number(v.similarity),
                "coverage": _number(v.coverage),
                "merged_with": list(v.merged_with),
                "reason": v.reason,
                "tensions": {str(t): float(x) for t, x in positions.items()},
                "stability": _stability(v),
            }
        )
    sim = c.similarity
    return {
        "segments": segments,
        "personas": personas,
        "new_segments": [int(k) for k in c.new_segments],
        "unstable_segments": [int(k) for k in c.unstable_segments],
        "clear_segments": bool(c.clear),
        "similarity": {
            "personas": [str(p) for p in sim.index],
            "segments": [int(k) for k in sim.columns],
            "values": [[_number(x) for x in row] for row in sim.to_numpy()],
        },
        "tensions": [
            {
                "id": r.tension,
                "label": r.label,
                "a": r.a,
                "b": r.b,
                "separation": float(r.separation),
            }
            for r in c.tension_separation.itertuples(index=False)
        ],
        "thresholds": {k: float(v) for k, v in c.thresholds.items()},
    }


def _stability(v) -> dict | None:
    """A verdict's stability over refits for ``summary.json`` (None without refits)."""
    if not v.refits:
        return None
    return {"same": int(v.refits_same), "refits": int(v.refits),
            "share": round(v.stability, 4), "uncertain": bool(v.uncertain)}  # fmt: skip


def stability_text(v) -> str:
    """'confirmed in 9 of 10 refits' (with 'uncertain: ' in front below 70%), or ''."""
    if not v.refits:
        return ""
    text = f"{v.verdict} in {v.refits_same} of {v.refits} refits"
    return f"uncertain: {text}" if v.uncertain else text


def verdict_table(comparison: Comparison) -> list[tuple[str, str, str, str]]:
    """One row per hand-made persona: ``(name, verdict, segments, similarity)`` as text.

    Segments read ``"2"``, ``"1, 4"``, or ``"none (closest 3)"`` for an unsupported persona;
    similarity ``"93%"`` (``"—"`` when the persona speaks to no question used).
    """
    confirm = comparison.thresholds.get("confirm")
    rows = []
    for v in comparison.verdicts:
        if v.segments:
            where = ", ".join(str(k) for k in v.segments)
        else:
            where = "none" + (f" (closest {v.closest})" if v.closest is not None else "")
        rows.append((v.name, v.verdict, where, pct(v.similarity, confirm)))
    return rows

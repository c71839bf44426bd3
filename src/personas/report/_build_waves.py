"""The report's waves section: shares now against the baseline wave, and what moved."""

from __future__ import annotations

from collections.abc import Mapping

from personas.report._build_escape import Markdown, md
from personas.report._build_text import percent
from personas.run.schema import BaselineSegment, Summary

__all__ = ["wave_notes", "wave_changes", "change_phrase", "CHANGE_ORDER"]

_CHANGES = {
    "grew": "grew",
    "shrank": "shrank",
    "stable": "about the same",
    "new": "new",
    "vanished": "gone",
}


def _segment_names(summary: Summary) -> dict[int, str]:
    return {s.id: s.name or f"Segment {s.id}" for s in summary.segments}


def wave_notes(summary: Summary) -> dict | None:
    """Shares now against the baseline run, when there is one (issue 7 extends this)."""
    base = summary.baseline
    if base is None or not base.to_json():
        return None
    seg_names = _segment_names(summary)
    rows = []
    for row in base.segments:
        name = seg_names.get(row.id) if row.id is not None else None
        rows.append(
            {
                "name": name or f"Segment {row.baseline_id} of the earlier wave",
                "before": percent(row.share_baseline)
                if row.share_baseline is not None
                else Markdown("–"),
                "now": percent(row.share) if row.share is not None else Markdown("–"),
                "change": _CHANGES.get(row.change, row.change or ""),
                "p": _p_value(row.p_value),
            }
        )
    return {
        "run": base.run or "",
        "wave": base.wave or "",
        "ari": Markdown(f"{base.ari:.2f}") if base.ari is not None else None,
        "rows": rows,
        "headline": _wave_headline(summary),
        "drift": _drift_notes(base.segments, seg_names),
    }


def _p_value(p) -> Markdown | str:
    if p is None:
        return ""
    return Markdown("< 0.001") if p < 0.001 else Markdown(f"{p:.3f}")


#: The kinds of change a headline names, in the order it names them.
CHANGE_ORDER = ("grew", "shrank", "new", "vanished")


def wave_changes(summary: Summary) -> list[dict]:
    """The personas that grew, shrank, appeared or vanished since the baseline, with sizes.

    Plain data for every place that leads with the changes (the report's verdict box, the
    waves section, the terminal): ``change``, ``name``, ``before`` and ``now`` (shares, or
    None where a persona did not exist), grew first, then shrank, new and vanished, the
    largest change first within each kind. Empty without a baseline or when nothing changed.
    """
    seg_names = _segment_names(summary)
    out = []
    for row in summary.baseline.segments if summary.baseline else []:
        if row.change not in CHANGE_ORDER:
            continue
        name = (
            row.name
            or (seg_names.get(row.id) if row.id is not None else None)
            or f"Segment {row.baseline_id} of the earlier wave"
        )
        before = row.share_baseline if row.change != "new" else None
        now = row.share if row.change != "vanished" else None
        out.append({"change": row.change, "name": name, "before": before, "now": now})
    return sorted(
        out,
        key=lambda r: (
            CHANGE_ORDER.index(r["change"]),
            -abs((r["now"] or 0.0) - (r["before"] or 0.0)),
        ),
    )


def change_phrase(row: Mapping, *, name=None) -> str:
    """``"The Quick Win grew from 20% to 28%"``, ``"The Nomad is new (9%)"``, ...

    ``name`` replaces the persona's name (an escaped one, for the report).
    """
    name = row["name"] if name is None else name
    before = f"{100 * row['before']:.0f}%" if row["before"] is not None else None
    now = f"{100 * row['now']:.0f}%" if row["now"] is not None else None
    return {
        "grew": f"{name} grew from {before} to {now}",
        "shrank": f"{name} shrank from {before} to {now}",
        "new": f"{name} is new ({now} of respondents)",
        "vanished": f"{name} is gone (it was {before})",
    }[row["change"]]


def _wave_headline(summary: Summary) -> Markdown:
    """One sentence: which personas grew, shrank, appeared or vanished, with their sizes."""
    changes = wave_changes(summary)
    if not changes:
        return Markdown("No persona changed its share significantly.")
    parts = [change_phrase(r, name=md(r["name"])) for r in changes]
    return Markdown("; ".join(parts) + ".")


def _drift_notes(rows: list[BaselineSegment], seg_names: dict) -> list[dict]:
    """Per matched persona, the answers that moved most between the waves (>= 10 points)."""
    notes = []
    for row in rows:
        moved = [d for d in row.drift if abs(d.change) >= 0.10]
        if not moved or row.id is None:
            continue
        name = row.name or seg_names.get(row.id)
        items = [
            Markdown(f"“{md(d.text)}” {percent(d.baseline)} → {percent(d.now)}") for d in moved
        ]
        notes.append({"name": md(name), "text": Markdown("; ".join(items))})
    return notes

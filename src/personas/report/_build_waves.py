"""The report's waves section: shares now against the baseline wave, and what moved."""

from __future__ import annotations

from collections.abc import Mapping

from personas.report._build_escape import Markdown, md
from personas.report._build_text import percent

__all__ = ["wave_notes", "wave_changes", "change_phrase", "CHANGE_ORDER"]

_CHANGES = {
    "grew": "grew",
    "shrank": "shrank",
    "stable": "about the same",
    "new": "new",
    "vanished": "gone",
}


def _segment_names(summary: Mapping) -> dict[int, str]:
    return {int(s["id"]): s.get("name") or f"Segment {s['id']}" for s in summary["segments"]}


def wave_notes(summary: Mapping) -> dict | None:
    """Shares now against the baseline run, when there is one (issue 7 extends this)."""
    base = summary.get("baseline")
    if not base:
        return None
    seg_names = _segment_names(summary)
    rows = []
    for row in base.get("segments", []):
        sid = row.get("id")
        name = seg_names.get(int(sid)) if sid is not None else None
        rows.append(
            {
                "name": name or f"Segment {row.get('baseline_id')} of the earlier wave",
                "before": percent(row["share_baseline"])
                if row.get("share_baseline") is not None
                else Markdown("–"),
                "now": percent(row["share"]) if row.get("share") is not None else Markdown("–"),
                "change": _CHANGES.get(row.get("change"), row.get("change") or ""),
                "p": _p_value(row.get("p_value")),
            }
        )
    ari = base.get("ari")
    return {
        "run": base.get("run", ""),
        "wave": base.get("wave", ""),
        "ari": Markdown(f"{ari:.2f}") if ari is not None else None,
        "rows": rows,
        "headline": _wave_headline(summary),
        "drift": _drift_notes(base.get("segments", []), seg_names),
    }


def _p_value(p) -> Markdown | str:
    if p is None:
        return ""
    return Markdown("< 0.001") if p < 0.001 else Markdown(f"{p:.3f}")


#: The kinds of change a headline names, in the order it names them.
CHANGE_ORDER = ("grew", "shrank", "new", "vanished")


def wave_changes(summary: Mapping) -> list[dict]:
    """The personas that grew, shrank, appeared or vanished since the baseline, with sizes.

    Plain data for every place that leads with the changes (the report's verdict box, the
    waves section, the terminal): ``change``, ``name``, ``before`` and ``now`` (shares, or
    None where a persona did not exist), grew first, then shrank, new and vanished, the
    largest change first within each kind. Empty without a baseline or when nothing changed.
    """
    base = summary.get("baseline") or {}
    seg_names = _segment_names(summary)
    out = []
    for row in base.get("segments", []):
        if row.get("change") not in CHANGE_ORDER:
            continue
        sid = row.get("id")
        name = (
            row.get("name")
            or (seg_names.get(int(sid)) if sid is not None else None)
            or f"Segment {row.get('baseline_id')} of the earlier wave"
        )
        before = row.get("share_baseline") if row.get("change") != "new" else None
        now = row.get("share") if row.get("change") != "vanished" else None
        out.append({"change": row["change"], "name": name, "before": before, "now": now})
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


def _wave_headline(summary: Mapping) -> Markdown:
    """One sentence: which personas grew, shrank, appeared or vanished, with their sizes."""
    changes = wave_changes(summary)
    if not changes:
        return Markdown("No persona changed its share significantly.")
    parts = [change_phrase(r, name=md(r["name"])) for r in changes]
    return Markdown("; ".join(parts) + ".")


def _drift_notes(rows: list, seg_names: dict) -> list[dict]:
    """Per matched persona, the answers that moved most between the waves (>= 10 points)."""
    notes = []
    for row in rows:
        moved = [d for d in row.get("drift") or [] if abs(d["change"]) >= 0.10]
        if not moved or row.get("id") is None:
            continue
        name = row.get("name") or seg_names.get(int(row["id"]))
        items = [
            Markdown(f"“{md(d['text'])}” {percent(d['baseline'])} → {percent(d['now'])}")
            for d in moved
        ]
        notes.append({"name": md(name), "text": Markdown("; ".join(items))})
    return notes

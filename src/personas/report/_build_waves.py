"""The report's waves section: shares now against the baseline wave, and what moved."""

from __future__ import annotations

from collections.abc import Mapping

from personas.report._build_escape import Markdown, join, md
from personas.report._build_text import percent

__all__ = ["wave_notes"]

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
        "headline": _wave_headline(base.get("segments", []), seg_names),
        "drift": _drift_notes(base.get("segments", []), seg_names),
    }


def _p_value(p) -> Markdown | str:
    if p is None:
        return ""
    return Markdown("< 0.001") if p < 0.001 else Markdown(f"{p:.3f}")


def _wave_headline(rows: list, seg_names: dict) -> Markdown:
    """One sentence: which personas grew, shrank, appeared or vanished."""

    def named(row):
        sid = row.get("id")
        return (
            row.get("name")
            or (seg_names.get(int(sid)) if sid is not None else None)
            or (f"Segment {row.get('baseline_id')} of the earlier wave")
        )

    parts = []
    for change, verb in (
        ("grew", "grew"),
        ("shrank", "shrank"),
        ("new", "is new"),
        ("vanished", "is gone"),
    ):
        names = [md(named(r)) for r in rows if r.get("change") == change]
        if names:
            parts.append(Markdown(f"{join(names)} {verb if len(names) == 1 else _plural(verb)}"))
    if not parts:
        return Markdown("No persona changed its share significantly.")
    return Markdown("; ".join(parts) + ".")


def _plural(verb: str) -> str:
    return {"is new": "are new", "is gone": "are gone"}.get(verb, verb)


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

"""What the report template is given: every section's words and numbers, computed from a
saved run's typed summary (:class:`personas.run.schema.Summary`; nothing is computed at
render time).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from personas.charts import segment_colors
from personas.report._build_escape import Markdown, join, md
from personas.report._build_lca import confident_words
from personas.report._build_text import (
    MIDDLE,
    answer_sentence,
    interval,
    number,
    percent,
    quote,
    stability_words,
    tension_words,
    verdict_words,
)
from personas.report._build_trust import card_verdict_notes, verdict_stability_words
from personas.run.schema import EmbeddingInfo, SegmentRecord, SelectionRow, Summary

__all__ = [
    "persona_cards",
    "verdict_rows",
    "new_segment_notes",
    "tension_notes",
    "method_notes",
    "exclusion_rows",
    "thresholds",
]

_METHODS = {
    "kmodes": "k-modes, which groups people by how many answers they share (for True/False "
    "and multiple-choice answers)",
    "kmeans": "k-means, which groups people by how close their answers are on the scales",
    "kprototypes": "k-prototypes, which combines k-means (scales) and k-modes (choices)",
    "lca": "latent class analysis (StepMix), which gives each person a probability of "
    "belonging to each class, with the number of classes chosen by BIC",
}
_REASONS = {
    "speeder": "finished too fast to have read the questions",
    "failed attention check": "gave the wrong answer to a question that asked for a given answer",
    "straight-liner": "gave the same answer to every question",
    "too many missing answers": "left too many questions unanswered",
    "duplicate id": "answered more than once (the first answer was kept)",
    "preview response": "was a preview of the survey, not a respondent",
    "test response": "was a test response, not a respondent",
}
_SHORT = {
    "speeder": "too fast",
    "failed attention check": "failed an attention check",
    "straight-liner": "same answer everywhere",
    "too many missing answers": "too many gaps",
    "duplicate id": "answered twice",
    "preview response": "survey previews",
    "test response": "test responses",
}


def thresholds(summary: Summary) -> dict[str, float]:
    """The stability thresholds of this run (Hennig's 0.75 / 0.6 unless the run says other)."""
    found = summary.thresholds
    return {
        "stable": float(found.get("stable", 0.75)),
        "doubtful": float(found.get("doubtful", 0.6)),
    }


def _names(summary: Summary) -> tuple[dict[str, str], dict[int, str]]:
    personas = {p.id: p.name for p in summary.personas}
    segments = {s.id: s.name for s in summary.segments}
    return personas, segments


def _closest(summary: Summary, segment_id: int) -> tuple[str, float] | None:
    """The hand-made persona that agrees most with a segment, from the similarity matrix."""
    sim = summary.similarity
    if sim is None or segment_id not in sim.segments or not sim.values:
        return None
    column = [row[sim.segments.index(segment_id)] for row in sim.values]
    best = max(range(len(column)), key=column.__getitem__)
    names, _ = _names(summary)
    return names.get(sim.personas[best], sim.personas[best]), float(column[best])


def _match_line(summary: Summary, seg: SegmentRecord) -> Markdown:
    names, _ = _names(summary)
    matched = list(seg.personas or ([seg.persona] if seg.persona else []))
    if not matched:
        near = _closest(summary, seg.id)
        tail = f" The closest is {md(near[0])}, at {percent(near[1])} agreement." if near else ""
        return Markdown(f"**New:** no hand-made persona describes this group.{tail}")
    lead = md(names.get(matched[0], matched[0]))
    agreement = f" ({percent(seg.similarity)} agreement)" if seg.similarity else ""
    text = f"Closest hand-made persona: **{lead}**{agreement}"
    if len(matched) > 1:
        text += f", merged with {join(names.get(p, p) for p in matched[1:])}"
    return Markdown(text + ".")


def visible_order(items: list) -> list:
    """Distinctive answers in an order a reader can see: the answers the group gives more
    than everyone first, highest share first, then those it gives less ("Only 8% ..."),
    lowest share first."""
    more = sorted((d for d in items if d.difference >= 0), key=lambda d: -d.share)
    less = sorted((d for d in items if d.difference < 0), key=lambda d: d.share)
    return more + less


_FRAGMENT = re.compile(r"^([a-z][a-z ]{1,30}): (.+)$", re.DOTALL)


def journal_sentence(entry: str) -> str:
    """A journal entry as a sentence: ``"method: k-modes ..."`` becomes ``"Method: k-modes
    ....``", with a capital, a full stop and the sign ``≥`` rather than ASCII ``>=``, so that
    fragments read like the sentences beside them."""
    text = " ".join(str(entry).split()).replace(">=", "≥").replace("<=", "≤")
    found = _FRAGMENT.match(text)
    if found:
        text = f"{found.group(1).capitalize()}: {found.group(2)}"
    elif text[:1].islower():
        text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def persona_cards(summary: Summary, *, n_answers: int = 4) -> list[dict]:
    """One card per data-driven persona, in segment order (largest first)."""
    colors = segment_colors(summary)
    tensions = {t.id: t for t in summary.tensions}
    limits = thresholds(summary)
    cards = []
    for seg in sorted(summary.segments, key=lambda s: s.id):
        items = sorted(seg.distinctive, key=lambda d: -abs(d.difference))
        positions = sorted(
            ((tid, v) for tid, v in seg.tensions.items() if tid in tensions and v is not None),
            key=lambda kv: -abs(kv[1]),
        )
        label, sentence = stability_words(seg.stability, **limits)
        cards.append(
            {
                "id": seg.id,
                "name": seg.name,
                "color": Markdown(colors[seg.id]),
                "share": percent(seg.share),
                "interval": interval(seg.share_ci),
                "size": number(seg.size),
                "match": _match_line(summary, seg),
                "apart": [answer_sentence(d) for d in visible_order(items[:n_answers])],
                "tensions": [
                    (tensions[tid].label, tension_words(v, tensions[tid]))
                    for tid, v in positions
                    if abs(v) >= MIDDLE
                ],
                "middle": join(tensions[tid].label for tid, v in positions if abs(v) < MIDDLE),
                "stability_label": label,
                "stability": sentence + card_verdict_notes(summary, seg.id),
                "medoid": seg.medoid,
                "confident": confident_words(summary, seg),  # LCA runs only
            }
        )
    return cards


def verdict_rows(summary: Summary) -> list[dict]:
    """One row per hand-made persona: verdict, data-driven match, agreement, and why."""
    names, seg_names = _names(summary)
    rows = []
    for p in summary.personas:
        segs = [seg_names.get(s, f"Segment {s}") for s in p.segments]
        rows.append(
            {
                "name": p.name,
                "summary": p.summary or "",
                "verdict": verdict_words(p, names, seg_names) + verdict_stability_words(p),
                "match": join(segs) if segs else Markdown("none"),
                "agreement": percent(p.similarity) if p.similarity is not None else "",
                "reason": p.reason or "",
            }
        )
    return rows


def new_segment_notes(summary: Summary) -> list[Markdown]:
    """A sentence for each data-driven persona that no hand-made persona describes."""
    _, seg_names = _names(summary)
    out = []
    for sid in summary.new_segments:
        near = _closest(summary, int(sid))
        tail = (
            f"; the closest hand-made persona, {md(near[0])}, agrees on only {percent(near[1])}"
            if near
            else ""
        )
        out.append(Markdown(f"**{md(seg_names.get(int(sid), f'Segment {sid}'))}** is new{tail}."))
    return out


def tension_notes(summary: Summary, *, top: int = 3) -> dict:
    """The tensions that separate the segments most, with who sits at each end."""
    ordered = sorted(summary.tensions, key=lambda t: -(t.separation or 0))
    notes = []
    for t in ordered[:top]:
        placed = [
            (s.name, s.tensions[t.id]) for s in summary.segments if s.tensions.get(t.id) is not None
        ]
        if not placed:
            continue
        lo, hi = min(placed, key=lambda x: x[1]), max(placed, key=lambda x: x[1])
        notes.append(
            {
                "label": t.label,
                "lo": Markdown(f"{md(lo[0])} {tension_words(lo[1], t)}"),
                "hi": Markdown(f"{md(hi[0])} {tension_words(hi[1], t)}"),
            }
        )
    least = ordered[-1].label if len(ordered) > top else None
    return {"most": [t.label for t in ordered[:top]], "notes": notes, "least": least}


def exclusion_rows(summary: Summary) -> list[dict]:
    """Respondents set aside, by reason, with what each reason means."""
    people = summary.respondents
    loaded = people.loaded or 0
    rows = []
    for reason, n in sorted(people.excluded.items(), key=lambda kv: -kv[1]):
        rows.append(
            {
                "reason": reason[:1].upper() + reason[1:],
                "count": number(n),
                "share": percent(n / loaded, digits=1) if loaded else "",
                "meaning": _REASONS.get(reason.lower(), ""),
            }
        )
    return rows


def method_notes(summary: Summary) -> dict:
    """The facts of the method section: algorithm, k and why, seed, inputs, map, software."""
    sel = summary.selection_summary
    inputs = summary.inputs
    rules = summary.cleaning.get("rules") or {}
    method = summary.method
    chosen = summary.k if sel is None or "chosen" in sel.absent else sel.chosen
    return {
        "method": _METHODS.get(method, method),
        "k": summary.k,
        "seed": summary.seed,
        "reasons": list(sel.reasons) if sel else [],
        "warnings": list(sel.warnings) if sel else [],
        "knee": sel.knee if sel else None,
        "chosen": chosen,
        "silhouette_sample": sel.silhouette_sample if sel else None,
        "tried": _k_range(summary.selection),
        "inputs": [
            (label, inputs.get(key), inputs.get(digest))
            for label, key, digest in [
                ("Survey answers", "file", "sha256"),
                ("Survey definition", "instrument", "instrument_sha256"),
            ]
            if inputs.get(key)
        ],
        "map": _map_words(summary.embedding, summary.seed),
        "rules": [
            (k.replace("_", " "), _rule_value(v)) for k, v in rules.items() if k != "settings"
        ],
        "journal": [journal_sentence(entry) for entry in summary.journal],
        "versions": join(
            (f"{name} {version}" for name, version in summary.versions.items()),
            last=", ",
        ),
    }


def _map_words(emb: EmbeddingInfo | None, seed) -> Markdown:
    if emb is None or not emb.to_json():
        return Markdown("")
    method = md(str("umap" if "method" in emb.absent else emb.method).upper())
    metric = f" on {md(emb.metric)} distance" if emb.metric else ""
    n, drawn = emb.n, emb.sample_size or emb.n
    who = (
        f"{number(drawn)} of {number(n)} respondents"
        if n and drawn and drawn < n
        else f"{number(drawn or 0)} respondents"
    )
    seed = seed if "random_state" in emb.absent else emb.random_state
    return Markdown(f"{method}{metric}, {who}" + (f", seed {md(seed)}" if seed is not None else ""))


def _k_range(rows: list[SelectionRow]) -> Markdown:
    ks = sorted(r.k for r in rows if r.k is not None)
    return Markdown(f"{ks[0]} to {ks[-1]}" if ks else "")


def _rule_value(value) -> str:
    """A cleaning rule's record in plain words ("faster than 45 s; 56 flagged, 56 set aside")."""
    if not isinstance(value, Mapping):
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, (list, tuple)):
            return ", ".join(map(str, value))
        return str(value)
    if value.get("enabled") is False:
        return "off"
    parts = []
    if value.get("threshold_seconds") is not None:
        parts.append(f"faster than {value['threshold_seconds']:g} seconds")
    if value.get("max_share") is not None:
        parts.append(f"more than {100 * value['max_share']:g}% of the answers missing")
    if value.get("blocks"):
        parts.append(f"the same answer to every {' and '.join(value['blocks'])} question")
    if value.get("expected"):
        parts.append(f"{len(value['expected'])} attention checks")
    if value.get("keep"):
        parts.append(f"keeps the {value['keep']}")
    if value.get("policy"):
        parts.append("refuse the file" if value["policy"] == "error" else "read as missing")
        parts.append(f"{value.get('cells', 0)} answers affected")
    if "flagged" in value:
        parts.append(f"{value['flagged']} flagged, {value.get('excluded', 0)} set aside")
    return "; ".join(parts) or "on"


def study_lines(summary: Summary) -> dict:
    """Title, subtitle and the 'set aside' sentence of the lead."""
    people = summary.respondents
    dropped = people.loaded - people.kept
    reasons = sorted(people.excluded.items(), key=lambda kv: -kv[1])
    named = [md(_SHORT.get(r.lower(), r)) for r, _ in reasons[:3]]
    listed = Markdown(", ".join(named) + " and others") if len(reasons) > 3 else join(named)
    setaside = (
        Markdown(
            f"{number(dropped)} of the {number(people.loaded)} people who "
            f"answered were set aside first ({listed}); see "
            "[How this was done](#how-this-was-done)."
        )
        if dropped > 0
        else Markdown("Nobody was set aside.")
    )
    return {
        "title": summary.study.title or summary.study.id,
        "subtitle": Markdown(f"{md(summary.wave)} · {number(people.kept)} respondents"),
        "setaside": setaside,
        "quote": quote,
    }


def map_note(summary: Summary, n_points: int, *, max_points: int) -> Markdown:
    """Which respondents the map shows, stated plainly (see :func:`personas.charts.map_chart`)."""
    emb = summary.embedding
    population = int((emb.n if emb else None) or summary.respondents.kept)
    text = (
        f"The map is drawn from a random sample of {number(n_points)} of the "
        f"{number(population)} respondents."
        if n_points < population
        else f"The map shows all {number(population)} respondents."
    )
    if n_points > max_points:
        text += (
            f" The chart draws {number(max_points)} of those points, picked at random in "
            f"proportion to each persona's size (seed {int(summary.seed or 0)})."
        )
    return Markdown(text)

"""Turn an :class:`~personas.run.analysis.Analysis` into ``summary.json`` and ``model.json``.

Both are deterministic for the same inputs and seed: no timestamps, sorted keys, rounded
floats (see :func:`personas.run.files.write_json`), paths as given relative to the working
directory when possible.
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path

from personas import __version__
from personas.run._lca_summary import lca_summary
from personas.run.files import SUMMARY_SCHEMA, plain_json
from personas.run.schema import Model, Summary

_PACKAGES = ("numpy", "pandas", "scikit-learn", "kmodes", "umap-learn", "altair")


def _versions() -> dict[str, str]:
    found = {"personas": __version__, "python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            found[name] = "not installed"
    return found


def _display_path(path: Path | None) -> str | None:
    if path is None:
        return None
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.name


def _sha256(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _segment_entry(profile, instrument, named: dict) -> dict:
    distinctive = []
    for row in profile.distinctive.head(8).itertuples(index=False):
        question = instrument.question(row.question)
        distinctive.append(
            {
                "question": row.question,
                "text": question.text,
                "answer": question.label(row.answer),
                "share": float(row.share),
                "overall": float(row.overall),
                "difference": float(row.difference),
                "lift": float(row.lift),
            }
        )
    entry = {
        "id": int(profile.id),
        "size": int(profile.size),
        "share": float(profile.share),
        "share_ci": [float(profile.share_ci[0]), float(profile.share_ci[1])],
        "stability": None if profile.stability is None else float(profile.stability),
        "medoid": str(profile.medoid),
        "tensions": {str(t): float(v) for t, v in profile.tensions.items()},
        "distinctive": distinctive,
        "profile": {
            qid: instrument.question(qid).label(code) for qid, code in profile.profile.items()
        },
        "means": {qid: float(v) for qid, v in profile.means.items()},
        "color": int(profile.id) - 1,
        "name": f"Segment {profile.id}",
        "persona": None,
        "personas": [],
        "similarity": None,
    }
    entry.update(named.get(int(profile.id), {}))
    return entry


def _selection(selection) -> tuple[list, dict | None]:
    if selection is None:
        return [], None
    rows = selection.table.to_dict(orient="records")
    summary = {
        "chosen": selection.chosen,
        "knee": selection.knee,
        "best_silhouette": selection.best_silhouette,
        "most_stable": selection.most_stable,
        "reasons": list(selection.reasons),
        "warnings": list(selection.warnings),
        "silhouette_sample": selection.silhouette_sample,
    }
    return rows, summary


def build_summary_segments(analysis) -> list[dict]:
    """``summary.json``'s ``segments``: profile, shares, names and persona match per segment."""
    from personas.compare.core import comparison_summary

    compared = comparison_summary(analysis.comparison)
    named = {int(k): v for k, v in compared.get("segments", {}).items()}
    return [_segment_entry(p, analysis.instrument, named) for p in analysis.segmentation.profiles]


def _carry_over(segments: list[dict], baseline: dict | None) -> None:
    """Matched segments keep the baseline's name and colour (see :mod:`personas.waves.core`)."""
    if not baseline:
        return
    by_id = {s["id"]: s for s in segments}
    for entry in baseline.get("segments", []):
        seg = by_id.get(entry.get("id"))
        if seg is None:
            continue
        if entry.get("name"):
            seg["name"] = entry["name"]
        if entry.get("color") is not None:
            seg["color"] = entry["color"]


def weights_block(clean) -> dict | None:
    """``summary.json``'s ``weights``: the column, range, sum, Kish effective n and design
    effect of the kept respondents' weights, and the excluded weight; None when unweighted."""
    if clean.weights is None:
        return None
    from personas.io._weights import EXTREME, weight_facts

    facts = weight_facts(clean.weights)
    median = facts["median"] or 0.0
    return {
        "column": clean.instrument.data.weight_column,
        **facts,
        "extreme": int((clean.weights > EXTREME * median).sum()) if median else 0,
        "kept_weight": clean.ledger.kept_weight,
        "excluded_weight": clean.ledger.excluded_weight,
        "interval": "Wilson at the Kish effective sample size n_eff = (sum w)^2 / sum w^2",
    }


def build_summary(analysis, *, baseline: dict | None = None) -> dict:
    """The ``personas/summary@1`` document of an analysis (README: "A run on disk")."""
    from personas.compare.core import comparison_summary

    inst, seg, clean = analysis.instrument, analysis.segmentation, analysis.clean
    compared = comparison_summary(analysis.comparison)
    segments = build_summary_segments(analysis)
    _carry_over(segments, baseline)
    lca = lca_summary(seg, segments)  # method lca only: posteriors, the k-modes comparison
    selection_rows, selection_summary = _selection(seg.selection)
    emb = analysis.embedding
    source = clean.source
    weighted = {} if clean.weights is None else {"weights": weights_block(clean)}
    respondents = {
        "loaded": clean.ledger.loaded,
        "kept": clean.ledger.kept,
        "excluded": clean.ledger.counts(),
    }
    if clean.weights is not None:
        respondents["kept_weight"] = clean.ledger.kept_weight
        respondents["excluded_weight"] = clean.ledger.excluded_weight
    return {
        **weighted,
        "schema": SUMMARY_SCHEMA,
        "study": {"id": inst.study_id, "title": inst.title},
        "wave": analysis.wave,
        "respondents": respondents,
        "method": seg.method,
        "k": int(seg.k),
        "seed": int(analysis.random_state),
        "selection": selection_rows,
        "selection_summary": selection_summary,
        "segments": segments,
        "personas": compared.get("personas", []),
        "new_segments": compared.get("new_segments", []),
        "unstable_segments": compared.get("unstable_segments", []),
        "structure": dict(seg.selection.structure) if seg.selection is not None else None,
        "clear_segments": compared.get("clear_segments"),
        "similarity": compared.get("similarity"),
        "tensions": compared.get("tensions", []),
        "thresholds": compared.get("thresholds", {}),
        "questions": [
            {"id": q.id, "text": q.text, "type": q.type, "tension": q.tension, "pole": q.pole}
            for q in inst.items
        ],
        "embedding": None
        if emb is None
        else {
            "method": "umap",
            "metric": emb.metric,
            "n": int(emb.n),
            "sample_size": int(emb.sample_size),
            "random_state": int(emb.random_state),
        },
        "cleaning": {"rules": dict(clean.ledger.rules), "imputation": dict(clean.imputation)},
        "journal": list(analysis.journal),
        "baseline": baseline,
        "inputs": {
            "file": _display_path(source.path),
            "sha256": source.sha256,
            "format": source.format,
            "instrument": _display_path(inst.path),
            "instrument_sha256": _sha256(inst.path),
        },
        "versions": _versions(),
        **({"lca": lca} if lca is not None else {}),
    }


def build_model(analysis, *, segments: list[dict] | None = None) -> dict:
    """``model.json``: what ``personas assign`` needs to place new respondents."""
    seg, inst = analysis.segmentation, analysis.instrument
    segments = segments if segments is not None else build_summary_segments(analysis)
    return {
        "schema": "personas/model@1",
        "study": inst.study_id,
        "wave": analysis.wave,
        "instrument_sha256": _sha256(inst.path),
        "item_codes": {q.id: list(q.codes) for q in inst.items},
        "segments": [{"id": s["id"], "name": s["name"]} for s in segments],
        **seg.model,
    }


def summary_of(analysis, *, baseline: dict | None = None) -> Summary:
    """:func:`build_summary` as the typed, checked :class:`~personas.run.schema.Summary`.

    The writer goes through the same model as every reader, so a field of the wrong type is
    caught here, before anything is written.
    """
    return Summary.from_json(plain_json(build_summary(analysis, baseline=baseline)))


def model_of(analysis, *, summary: Summary) -> Model:
    """:func:`build_model` as the typed :class:`~personas.run.schema.Model`."""
    segments = [s.to_json() for s in summary.segments]
    return Model.from_json(plain_json(build_model(analysis, segments=segments)), file="model.json")

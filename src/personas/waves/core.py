"""Survey waves: align a new wave's segments with a baseline run's and say what changed.

Each wave is clustered on its own. Its segments are then matched one-to-one to the baseline's
by the Hungarian method on profile similarity (1 − mean absolute difference of the segments'
mean answers, each question scaled to [0, 1]); a pair below ``min_similarity`` is no match.
For every matched pair the change in share is tested with a chi-square test on the 2 × 2
table (in segment / not, baseline / new wave), corrected for the number of segments with the
Benjamini–Hochberg procedure. Unmatched new segments are ``new``; unmatched baseline segments
are ``vanished``. The baseline's own model also assigns the new wave, and the adjusted Rand
index between that assignment and the new clustering says how well the old segments still
describe the new respondents.

With survey weights (either wave), each wave's segment counts are its weighted shares times
its Kish effective sample size, so the test is weighted (see :func:`effective_counts`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2_contingency, false_discovery_control
from sklearn.metrics import adjusted_rand_score

__all__ = ["align_segments", "share_changes", "compare_with_baseline"]


def _means(by_id: dict, items: list[str], ranges: dict[str, tuple[float, float]]):
    """Each segment's item means (``{segment id: means}``) scaled to 0-1 by the item range."""
    rows = {}
    for sid, means in by_id.items():
        means = means or {}
        rows[int(sid)] = [
            (means.get(q, np.nan) - ranges[q][0]) / max(ranges[q][1] - ranges[q][0], 1e-12)
            for q in items
        ]
    return pd.DataFrame.from_dict(rows, orient="index", columns=items)


def _color(seg) -> int | None:
    """A saved segment's palette colour; ``id - 1`` for a file written before ``color``."""
    return seg.id - 1 if "color" in seg.absent else seg.color


def align_segments(
    new: pd.DataFrame, baseline: pd.DataFrame, *, min_similarity: float = 0.8
) -> pd.DataFrame:
    """Match new segments (rows of ``new``) to baseline segments (rows of ``baseline``).

    Both frames hold mean answers scaled to [0, 1], one column per shared question. Returns
    ``id, baseline_id, similarity`` with ``id`` or ``baseline_id`` missing (``<NA>``) for new
    and vanished segments. The result does not depend on how either side numbers its segments.
    """
    cols = [c for c in new.columns if c in baseline.columns]
    a, b = new[cols].to_numpy(float), baseline[cols].to_numpy(float)
    sim = 1.0 - np.nanmean(np.abs(a[:, None, :] - b[None, :, :]), axis=2)
    rows, cols_ = linear_sum_assignment(-sim)
    pairs = [
        (new.index[i], baseline.index[j], sim[i, j])
        for i, j in zip(rows, cols_, strict=True)
        if sim[i, j] >= min_similarity
    ]
    matched_new = {p[0] for p in pairs}
    matched_base = {p[1] for p in pairs}
    records = [{"id": i, "baseline_id": j, "similarity": float(s)} for i, j, s in pairs]
    for i in new.index:
        if i not in matched_new:
            best = float(np.max(sim[list(new.index).index(i)])) if len(baseline) else np.nan
            records.append({"id": i, "baseline_id": None, "similarity": best})
    for j in baseline.index:
        if j not in matched_base:
            best = float(np.max(sim[:, list(baseline.index).index(j)])) if len(new) else np.nan
            records.append({"id": None, "baseline_id": j, "similarity": best})
    out = pd.DataFrame(records, columns=["id", "baseline_id", "similarity"])
    out[["id", "baseline_id"]] = out[["id", "baseline_id"]].astype("Int64")
    return out.sort_values(["id", "baseline_id"], na_position="last").reset_index(drop=True)


def share_changes(
    aligned: pd.DataFrame,
    counts_new: dict[int, int],
    n_new: int,
    counts_base: dict[int, int],
    n_base: int,
    *,
    alpha: float = 0.05,
):
    """Shares in both waves, a corrected p-value per matched pair, and the kind of change."""
    out = aligned.copy()
    out["share"] = [counts_new.get(int(i), 0) / n_new if pd.notna(i) else 0.0 for i in out["id"]]
    out["share_baseline"] = [
        counts_base.get(int(j), 0) / n_base if pd.notna(j) else 0.0 for j in out["baseline_id"]
    ]
    matched = out["id"].notna() & out["baseline_id"].notna()
    p_raw = []
    for row in out[matched].itertuples(index=False):
        a, b = counts_new.get(int(row.id), 0), counts_base.get(int(row.baseline_id), 0)
        table = np.array([[a, n_new - a], [b, n_base - b]])
        p_raw.append(
            1.0
            if table.min(axis=0).max() == 0
            else float(chi2_contingency(table, correction=False).pvalue)
        )
    out["p_value"] = np.nan
    if p_raw:
        out.loc[matched, "p_value"] = false_discovery_control(np.array(p_raw), method="bh")
    change = np.where(
        ~out["baseline_id"].notna(), "new", np.where(~out["id"].notna(), "vanished", "stable")
    )
    significant = matched & (out["p_value"] < alpha)
    change = np.where(significant & (out["share"] > out["share_baseline"]), "grew", change)
    change = np.where(significant & (out["share"] < out["share_baseline"]), "shrank", change)
    out["change"] = change
    return out


def effective_counts(labels: pd.Series, weights: pd.Series | None) -> tuple[dict, float]:
    """Segment counts and the sample size a share test should use.

    Unweighted: the counts and the number of respondents. Weighted: each segment's weighted
    share times Kish's effective sample size ``n_eff = (sum w)^2 / sum w^2``, and ``n_eff``, so
    that the chi-square test of a weighted share is as sure as the weights allow, no surer.

    Examples
    --------
    >>> counts, n = effective_counts(pd.Series([1, 1, 2]), pd.Series([1.0, 1.0, 2.0]))
    >>> n, {k: round(v, 3) for k, v in counts.items()}
    (2.6666666666666665, {1: 1.333, 2: 1.333})
    """
    if weights is None:
        return labels.value_counts().to_dict(), len(labels)
    w = pd.Series(np.asarray(weights, dtype=float), index=labels.index)
    n_eff = float(w.sum() ** 2 / (w**2).sum())
    held = w.groupby(labels.to_numpy()).sum() / w.sum()
    return {int(k): float(v * n_eff) for k, v in held.items()}, n_eff


def _drift(
    new: pd.DataFrame, base: pd.DataFrame, aligned: pd.DataFrame, texts: dict, top: int = 3
) -> dict[int, list[dict]]:
    moved = {}
    for row in aligned.dropna(subset=["id", "baseline_id"]).itertuples(index=False):
        diff = (new.loc[int(row.id)] - base.loc[int(row.baseline_id)]).dropna()
        order = diff.abs().sort_values(ascending=False).index[:top]
        moved[int(row.id)] = [
            {
                "question": q,
                "text": texts.get(q, q),
                "baseline": float(base.loc[int(row.baseline_id), q]),
                "now": float(new.loc[int(row.id), q]),
                "change": float(diff[q]),
            }
            for q in order
        ]
    return moved


def compare_with_baseline(
    analysis, baseline, *, min_similarity: float = 0.8, alpha: float = 0.05
) -> dict:
    """The ``baseline`` block of ``summary.json`` for ``analysis`` against a saved run.

    Also carries names and colours over: matched segments take the baseline segment's name
    and colour (``segments[].name`` / ``color``), new segments get colours the baseline did
    not use.
    """
    from personas.run._summary import build_summary_segments
    from personas.segment import assign_codes

    instrument = analysis.instrument
    _check_baseline(analysis, baseline)
    items = [q.id for q in instrument.items]
    ranges = {
        q.id: (min(q.codes), max(q.codes)) if q.codes else (0.0, 1.0) for q in instrument.items
    }
    new_segments = build_summary_segments(analysis)
    new = _means({s["id"]: s.get("means") for s in new_segments}, items, ranges)
    base_segments = {s.id: s for s in baseline.typed.segments}
    base = _means({i: s.means for i, s in base_segments.items()}, items, ranges)
    _check_baseline_usable(baseline, base)
    aligned = align_segments(new, base, min_similarity=min_similarity)
    labels = analysis.segmentation.labels
    weights = analysis.clean.weights
    counts_new, n_new = effective_counts(
        labels, None if weights is None else weights.reindex(labels.index)
    )
    base_weights = baseline.assignments.get("weight")
    counts_base, n_base = effective_counts(baseline.assignments["segment"], base_weights)
    table = share_changes(aligned, counts_new, n_new, counts_base, n_base, alpha=alpha)
    drift = _drift(new, base, aligned, {q.id: q.text for q in instrument.items})
    used = {_color(s) for s in base_segments.values()}
    spare = (c for c in range(64) if c not in used)
    segments = []
    for row in table.itertuples(index=False):
        entry = {
            "id": None if pd.isna(row.id) else int(row.id),
            "baseline_id": None if pd.isna(row.baseline_id) else int(row.baseline_id),
            "similarity": float(row.similarity),
            "share": float(row.share),
            "share_baseline": float(row.share_baseline),
            "p_value": None if pd.isna(row.p_value) else float(row.p_value),
            "change": str(row.change),
            "drift": drift.get(None if pd.isna(row.id) else int(row.id), []),
        }
        if entry["baseline_id"] is not None:
            b = base_segments[entry["baseline_id"]]
            entry["name"] = b.name
            entry["color"] = _color(b)
        else:
            entry["color"] = next(spare)
        segments.append(entry)
    base_labels, _ = assign_codes(baseline.model, analysis.clean.answers)
    ari = float(adjusted_rand_score(np.asarray(base_labels), labels.to_numpy()))
    return {
        "run": str(baseline.path),
        "wave": baseline.wave,
        "ari": ari,
        "alpha": alpha,
        "min_similarity": min_similarity,
        "segments": segments,
    }


def _check_baseline_usable(baseline, base: pd.DataFrame) -> None:
    """Refuse a baseline without its model, or with a segment whose mean answers are gone."""
    from personas.errors import InputError, Problem
    from personas.run._model_check import model_problems

    problems = model_problems(baseline.model, file=str(baseline.path / "model.json"))
    if not baseline.model:
        problems.append(
            Problem(
                "the baseline run has no model.json, needed to assign this wave to its segments",
                file=str(baseline.path / "model.json"),
                hint="rerun `personas run` for the baseline wave, or run without --baseline",
                code="baseline-model",
            )
        )
    for position, (segment, row) in enumerate(base.iterrows()):
        if row.isna().all():
            problems.append(
                Problem(
                    f"segment {segment} of the baseline has no mean answers for this wave's "
                    f"questions (segments[{position}].means)",
                    file=str(baseline.path / "summary.json"),
                    hint="rerun `personas run` for the baseline wave, or run without --baseline",
                    code="baseline-means",
                )
            )
    if problems:
        raise InputError(problems)


def _check_baseline(analysis, baseline) -> None:
    """Refuse a baseline of another study, or one whose questions this wave lacks."""
    from personas.errors import InputError, Problem

    study = analysis.instrument.study_id
    if baseline.study != study:
        raise InputError(
            Problem(
                f"the baseline is a run of study {baseline.study!r}, this wave is of {study!r}",
                file=str(baseline.path / "summary.json"),
                hint="pass an earlier run of the same study to --baseline",
                code="baseline-study",
            )
        )
    lacking = [q for q in baseline.model.get("items", []) if q not in analysis.clean.answers]
    if lacking:
        raise InputError(
            Problem(
                f"the baseline was segmented on questions this wave does not have: "
                f"{', '.join(map(repr, lacking))}",
                file=str(baseline.path / "model.json"),
                hint="keep the baseline's questions in the instrument, or run without --baseline",
                code="baseline-questions",
            )
        )

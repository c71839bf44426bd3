"""Survey waves: alignment with a baseline, share changes, new and vanished segments, drift."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from personas.cli import main
from personas.pipeline.study import simulate_study
from personas.waves.core import align_segments, share_changes


def _profiles(rng, k: int, d: int = 12) -> pd.DataFrame:
    means = rng.choice([0.08, 0.92], size=(k, d))
    return pd.DataFrame(means, index=range(1, k + 1), columns=[f"q{i}" for i in range(d)])


def test_alignment_matches_each_segment_to_itself():
    base = _profiles(np.random.default_rng(0), 4)
    new = base + np.random.default_rng(1).normal(0, 0.02, base.shape)
    aligned = align_segments(new, base)
    assert aligned["id"].tolist() == aligned["baseline_id"].tolist() == [1, 2, 3, 4]
    assert (aligned["similarity"] > 0.95).all()


def test_alignment_is_invariant_to_label_permutation():
    base = _profiles(np.random.default_rng(2), 5)
    new = base + np.random.default_rng(3).normal(0, 0.03, base.shape)
    plain = align_segments(new, base).dropna()
    relabel = {1: 4, 2: 5, 3: 1, 4: 3, 5: 2}
    permuted = new.rename(index=relabel)
    shuffled = align_segments(permuted, base).dropna()
    expected = {
        relabel[int(i)]: int(b) for i, b in zip(plain["id"], plain["baseline_id"], strict=True)
    }
    got = {int(i): int(b) for i, b in zip(shuffled["id"], shuffled["baseline_id"], strict=True)}
    assert got == expected
    assert sorted(shuffled["similarity"]) == pytest.approx(sorted(plain["similarity"]))


def test_new_and_vanished_segments_are_reported():
    rng = np.random.default_rng(4)
    base = _profiles(rng, 4)
    new = base.drop(index=2).copy()
    new.loc[9] = 1.0 - base.loc[1]  # nothing like any baseline segment
    aligned = align_segments(new, base)
    assert aligned.loc[aligned["id"] == 9, "baseline_id"].isna().all()
    vanished = aligned[aligned["id"].isna()]
    assert vanished["baseline_id"].tolist() == [2]


def test_a_planted_share_shift_is_detected_and_noise_is_not():
    aligned = pd.DataFrame(
        {"id": [1, 2, 3], "baseline_id": [1, 2, 3], "similarity": [0.95, 0.95, 0.95]}
    )
    aligned[["id", "baseline_id"]] = aligned[["id", "baseline_id"]].astype("Int64")
    base_counts = {1: 600, 2: 700, 3: 700}
    new_counts = {1: 900, 2: 690, 3: 410}
    table = share_changes(aligned, new_counts, 2000, base_counts, 2000)
    change = dict(zip(table["id"].astype(int), table["change"], strict=True))
    assert change == {1: "grew", 2: "stable", 3: "shrank"}
    assert table.loc[table["id"] == 2, "p_value"].item() > 0.5
    assert table.loc[table["id"] == 1, "share"].item() == pytest.approx(0.45)


@pytest.mark.slow
def test_two_waves_of_jobsite_report_what_changed(study):
    """wave-2 of the jobsite truth: Quick money grows, the Perfectionist shrinks, a new
    segment (career changers) appears. Everything chosen by the defaults (k-modes, k auto)."""
    simulate_study(study, n=2000, random_state=0, wave="wave-1", overwrite=True)
    simulate_study(study, n=2000, random_state=1, wave="wave-2")
    runner = CliRunner()
    first = runner.invoke(main, ["run", "jobsite", "--wave", "wave-1", "--no-report"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        main,
        [
            "run",
            "jobsite",
            "--wave",
            "wave-2",
            "--no-report",
            "--baseline",
            "reports/jobsite/wave-1",
        ],
    )
    assert second.exit_code == 0, second.output
    summary = json.loads(open("reports/jobsite/wave-2/summary.json", encoding="utf-8").read())
    assert summary["k"] == 6
    baseline = summary["baseline"]
    by_name = {s.get("name"): s for s in baseline["segments"]}
    assert by_name["The Survivor + The Quick Win"]["change"] == "grew"
    assert by_name["The Perfectionist"]["change"] == "shrank"
    new = [s for s in baseline["segments"] if s["change"] == "new"]
    assert len(new) == 1 and new[0]["baseline_id"] is None
    assert new[0]["id"] in summary["new_segments"]
    assert not [s for s in baseline["segments"] if s["change"] == "vanished"]
    assert 0.5 < baseline["ari"] < 1.0
    colors = {s["name"]: s["color"] for s in summary["segments"]}
    base_summary = json.loads(open("reports/jobsite/wave-1/summary.json", encoding="utf-8").read())
    for seg in base_summary["segments"]:
        assert colors[seg["name"]] == seg["color"]  # names and colours carry over
    assert colors[next(s["name"] for s in summary["segments"] if s["id"] == new[0]["id"])] not in {
        s["color"] for s in base_summary["segments"]
    }

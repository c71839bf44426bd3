"""`personas assign`: new respondents placed into a saved run's segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from personas.cli import main
from personas.waves.assignment import assign_file


def _run(tmp_path) -> str:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main, ["run", "jobsite", "--k", "5", "--no-report", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_respondents_unlike_every_segment_are_flagged_far(study, tmp_path):
    run = _run(tmp_path)
    wave = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    items = [f"q{i:02d}" for i in range(1, 25)]
    rng = np.random.default_rng(5)
    strangers = wave.head(60).copy()
    strangers["respondent_id"] = [f"S{i}" for i in range(60)]
    strangers[items] = np.where(rng.random((60, 24)) < 0.5, "True", "False")
    strangers["check1"], strangers["check2"] = "False", "True"
    strangers["duration_seconds"] = "240"
    path = tmp_path / "strangers.csv"
    strangers.to_csv(path, index=False)

    own = assign_file(run, study / "waves" / "wave-1.csv", out=tmp_path / "own")
    far_own = own.table["far"].mean()
    new = assign_file(run, path, out=tmp_path / "strangers")
    assert far_own <= 0.06  # the run's own 95th percentile: about 5% of its respondents
    assert new.table["far"].mean() >= 0.5
    assert set(new.table["segment"]) <= {1, 2, 3, 4, 5}
    assert abs(new.shares["share"].sum() - 1) < 1e-9
    written = pd.read_csv(tmp_path / "strangers" / "assignments.csv")
    assert list(written.columns) == ["respondent", "segment", "name", "distance", "far"]
    assert len(written) == len(new.table)


def test_assign_reads_the_new_file_with_the_runs_rules(study, tmp_path):
    run = _run(tmp_path)
    wave = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    wave.loc[0:9, "duration_seconds"] = "5"  # speeders under the run's own rule
    path = tmp_path / "fast.csv"
    wave.to_csv(path, index=False)
    result = assign_file(run, path, out=tmp_path / "fast")
    exclusions = pd.read_csv(tmp_path / "fast" / "exclusions.csv")
    assert (exclusions["reason"] == "speeder").sum() >= 10
    assert len(result.table) + len(exclusions) == len(wave)


def test_assign_says_how_many_rows_were_excluded_and_why(study, tmp_path):
    run = _run(tmp_path)
    wave = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    wave.loc[0:9, "duration_seconds"] = "5"
    path = tmp_path / "fast.csv"
    wave.to_csv(path, index=False)
    args = ["assign", str(run), "--data", str(path), "--out", str(tmp_path / "a")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    exclusions = pd.read_csv(tmp_path / "a" / "exclusions.csv")
    kept = len(wave) - len(exclusions)
    flat = " ".join(result.output.split())
    speeders = int((exclusions["reason"] == "speeder").sum())
    assert f"{kept:,} new respondents ({len(exclusions):,} of {len(wave):,} rows excluded:" in flat
    assert f"{speeders:,} speeder" in flat and "see exclusions.csv" in flat

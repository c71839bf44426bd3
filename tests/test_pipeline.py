"""End to end: the case study reproduced by `personas run`, and the demo with its report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import adjusted_rand_score

from conftest import copy_study
from personas.cli import main
from personas.instrument import load_instrument
from personas.simulate.core import load_truth, simulate


@pytest.mark.slow
def test_run_reproduces_the_case_study(tmp_path, monkeypatch):
    """On a simulated jobsite wave: k = 5 chosen at the elbow, the planted segments
    recovered, the Survivor and the Quick Win merged, the other four personas confirmed."""
    study = copy_study(tmp_path)
    monkeypatch.chdir(tmp_path)
    instrument = load_instrument(study)
    sim = simulate(
        instrument, n=2000, random_state=0, truth=load_truth(study / "truth.yaml", instrument)
    )
    sim.data.to_csv(study / "waves" / "wave-1.csv", index=False)

    result = CliRunner().invoke(main, ["run", "jobsite", "--no-report"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(Path("reports/jobsite/wave-1/summary.json").read_text("utf-8"))
    assert summary["method"] == "kmodes" and summary["k"] == 5
    assert summary["selection_summary"]["knee"] == 5
    assert any("elbow at 5" in reason for reason in summary["selection_summary"]["reasons"])

    assignments = pd.read_csv("reports/jobsite/wave-1/assignments.csv", dtype={"respondent": str})
    planted = sim.truth.drop_duplicates("respondent").set_index("respondent")["segment"]
    ari = adjusted_rand_score(planted.loc[assignments["respondent"]], assignments["segment"])
    assert ari >= 0.9

    verdicts = {p["id"]: p for p in summary["personas"]}
    assert verdicts["survivor"]["verdict"] == verdicts["quick_win"]["verdict"] == "merged"
    assert verdicts["survivor"]["segments"] == verdicts["quick_win"]["segments"]
    assert "The Quick Win" in verdicts["survivor"]["reason"]
    for persona in ("perfectionist", "climber", "free_spirit", "returner"):
        assert verdicts[persona]["verdict"] == "confirmed", verdicts[persona]
    assert summary["new_segments"] == []
    merged = next(s for s in summary["segments"] if s["id"] == verdicts["survivor"]["segments"][0])
    assert merged["name"] == "The Survivor + The Quick Win"
    flat = " ".join(result.output.split())
    assert "merged" in flat and "The Survivor and The Quick Win" in flat


@pytest.mark.slow
def test_demo_renders_a_self_contained_report(tmp_path, monkeypatch):
    """`personas demo` from a fresh folder: simulates, runs, renders, prints the path."""
    copy_study(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--n", "700", "--pdf"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = Path(re.search(r"Report: (\S+)", result.output).group(1))
    assert report.is_file() and report.name == "index.html"
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "vegaEmbed" in html and html.count('class="personas-chart"') >= 8
    run = report.parent
    assert (run / "index.pdf").read_bytes().startswith(b"%PDF")
    embedding = pd.read_csv(run / "embedding.csv")
    kept = json.loads((run / "summary.json").read_text("utf-8"))["respondents"]["kept"]
    assert len(embedding) == kept and embedding[["x", "y"]].notna().all().all()
    assert len(pd.read_csv(run / "landmarks.csv")) == 6
    assert (run.parent / "index.html").is_file()  # the study page


def test_demo_keeps_telling_the_wave_1_story_when_a_second_wave_exists(tmp_path):
    from personas.pipeline.demo import demo_wave

    names = ["wave-10.csv", "wave-2.csv", "wave-1.csv"]
    files = [tmp_path / n for n in names]
    assert demo_wave(files).name == "wave-1.csv"
    assert demo_wave([tmp_path / "spring.csv", tmp_path / "summer.csv"]).name == "spring.csv"

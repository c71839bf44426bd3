"""Verdicts you can trust: the rule for k on a small planted segment, "no clear segments" on
structureless answers, and the stability of each verdict over the bootstrap refits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _compare_factories import jobsite_instrument, planted
from _factories import boolean_instrument, clean_from
from _summary import typed_summary
from personas.compare import compare, verdict_paragraph
from personas.compare._profiles import frame, similarity
from personas.compare._trust import refit_frame
from personas.segment import _reasons, segment
from personas.segment._space import build_space
from personas.segment._structure import structure_test

pytestmark = pytest.mark.filterwarnings("ignore::personas.errors.SelectionWarning")

_QUICK_MONEY = {f"q{j:02d}": 0.0 for j in range(9, 25)}
# the example study's five segments (truth.yaml) plus a career changer of 8%
SIX = [
    (520, {"speed": "a", "pay": "a"}),
    (380, dict(speed="b", pay="b", horizon="b", guidance="a", security="b", place="b")),
    (380, dict(horizon="b", guidance="b", security="a", place="b", speed="b", pay="b")),
    (300, dict(place="a", security="b", guidance="a", horizon="a", speed="b", pay="b")),
    (260, dict(place="a", guidance="b", security="a", speed="b", pay="b", horizon="a")),
    (160, dict(speed="a", pay="b", security="b", place="a", guidance="b", horizon="b")),
]


@pytest.fixture(scope="module")
def six():
    inst = jobsite_instrument()
    answers, truth = planted(inst, SIX, noise=0.1, seed=0, answers=[_QUICK_MONEY] + [{}] * 5)
    seg = segment(clean_from(inst, answers.to_numpy(), ids=answers.index), random_state=0)
    return seg, compare(seg), truth


@pytest.fixture(scope="module")
def null():
    """Independent answers with the example study's items and personas: no segments at all."""
    inst = jobsite_instrument()
    rng = np.random.default_rng(3)
    rates = rng.uniform(0.25, 0.75, len(inst.items))
    X = (rng.random((800, len(inst.items))) < rates).astype(float)
    seg = segment(clean_from(inst, X), random_state=0)
    return seg, compare(seg)


@pytest.mark.slow
def test_six_planted_segments_with_one_of_8_percent_give_six(six):
    seg, c, truth = six
    assert seg.k == 6 and seg.selection.clear
    small = pd.Series(seg.labels.to_numpy(), index=truth.index)[truth == 6]
    assert small.value_counts(normalize=True).iloc[0] >= 0.9  # the 8% segment is one segment
    assert c.new_segments == (int(small.mode()[0]),)
    assert [v.verdict for v in c.verdicts].count("confirmed") == 4


def test_the_elbow_does_not_overrule_silhouette_and_stability():
    # the sweep: elbow at 5, silhouette highest at 6, every segment stable at 5 and 6
    table = pd.DataFrame(
        [
            (4, 900, 0.40, 0.90, 0.85),
            (5, 600, 0.42, 0.92, 0.88),
            (6, 560, 0.47, 0.95, 0.90),
            (7, 540, 0.41, 0.80, 0.55),
        ],
        columns=["k", "cost", "silhouette", "stability", "min_jaccard"],
    )
    chosen, reasons, _ = _reasons.choose(table, 5, binary=True, measured=True)
    assert chosen == 6
    assert any(r.startswith("the elbow at 5 is one voice, not a veto") for r in reasons)


@pytest.mark.slow
def test_structure_test_tells_planted_segments_from_permuted_answers(six, null):
    seg, _, _ = six
    assert seg.selection.structure["clear"] is True and seg.selection.structure["z"] > 10
    s = null[0].selection.structure
    assert s["clear"] is False and s["gap"] < 0.02
    assert s["p_value"] >= 1 / (1 + s["permutations"])
    assert s["sample"] == 800 and s["permutations"] == 5


def test_structure_test_samples_large_waves_and_is_reproducible():
    X = np.random.default_rng(0).integers(0, 2, (3000, 10)).astype(float)
    space = build_space(clean_from(boolean_instrument(10), X), "kmodes")
    a = structure_test(space, 3, n_init=2, random_state=1)
    assert a == structure_test(space, 3, n_init=2, random_state=1)
    assert a["sample"] == 2000 and a["clear"] is False


def test_structureless_answers_say_no_clear_segments_and_confirm_nothing(null):
    seg, c = null
    assert not c.clear and c.count("confirmed") == 0 and c.new_segments == ()
    assert all(
        v.verdict == "unsupported" and v.reason.startswith("no clear segments") for v in c.verdicts
    )
    assert verdict_paragraph(c).startswith("No clear segments in 800 respondents")
    assert any(line.startswith("warning: no clear segments") for line in seg.journal)
    assert any(line.startswith("structure: no clear segments") for line in seg.journal)


def test_unstable_segments_are_never_new_personas(null):
    seg, c = null
    shaky = {p.id for p in seg.profiles if p.stability < 0.6}
    assert set(c.unstable_segments) == shaky
    assert not shaky & set(c.new_segments)


def test_every_verdict_carries_its_stability_over_the_sweeps_refits(six):
    seg, c, _ = six
    assert len(seg.refits) == seg.selection.params["n_boot"] == 10
    for v in c.verdicts:
        assert v.refits == 10 and 0 <= v.refits_same <= 10
    confirmed = [v for v in c.verdicts if v.verdict == "confirmed"]
    assert confirmed and all(v.stability >= 0.9 and not v.uncertain for v in confirmed)


def test_a_refit_equal_to_the_full_clustering_reproduces_the_similarity(six):
    seg, c, _ = six
    fr = frame(seg, seg.instrument)
    everyone = np.arange(len(seg.labels))
    same = refit_frame(fr, everyone, seg.labels.to_numpy() - 1)
    np.testing.assert_allclose(
        similarity(c.expected, same).to_numpy(), c.similarity.to_numpy(), atol=1e-12
    )


def test_summary_and_report_show_uncertain_verdicts_and_no_clear_segments(six, null):
    from personas.compare import comparison_summary
    from personas.report._build_context import verdict_rows
    from personas.report._build_text import verdict_paragraph as report_paragraph

    _, c, _ = six
    summary = comparison_summary(c)
    first = summary["personas"][0]
    assert first["stability"]["refits"] == 10 and summary["clear_segments"] is True
    first["stability"] = {"same": 6, "refits": 10, "share": 0.6, "uncertain": True}
    segments = [{"id": k, "name": v["name"]} for k, v in summary["segments"].items()]
    full = {**summary, "segments": segments, "structure": {"clear": True}}
    rows = verdict_rows(typed_summary(full))
    assert "**uncertain**: in 6 of 10 refits" in rows[0]["verdict"]
    third = c.verdicts[2]
    assert f"(in {third.refits_same} of 10 refits)" in rows[2]["verdict"]
    none = {
        **comparison_summary(null[1]),
        "respondents": {"loaded": 800, "kept": 800},
        "structure": null[0].selection.structure,
    }
    none["segments"] = [{"id": p.id, "name": "?"} for p in null[0].profiles]
    lead = " ".join(report_paragraph(typed_summary(none)))
    assert "no clear segments" in lead.lower() and "no hand-made persona is confirmed" in lead


def _analysis(seg, c):
    from personas.run.analysis import Analysis

    journal = tuple(seg.journal) + tuple(c.journal)
    return Analysis(seg.instrument, None, seg.clean, seg, c, None, journal, "wave-1", 0)


def test_summary_json_carries_the_structure_test_and_each_verdicts_stability(six, null):
    from personas.run._summary import build_summary

    for (seg, c), clear in [((six[0], six[1]), True), (null, False)]:
        summary = build_summary(_analysis(seg, c))
        assert summary["clear_segments"] is clear and summary["structure"]["clear"] is clear
        assert summary["structure"]["gap"] == seg.selection.structure["gap"]
        journal = summary["journal"]
        head = "structure: " + ("clear" if clear else "no clear")
        assert any(e.startswith(head) for e in journal)
        stability = [p["stability"] for p in summary["personas"]]
        said = any(e.startswith("verdict stability over the bootstrap refits") for e in journal)
        if clear:
            assert all(s["refits"] == 10 for s in stability) and said
        else:  # unsupported by the structure test, not by the refits: no stability claimed
            assert all(s is None for s in stability) and not said


def test_how_this_was_done_states_the_structure_test_and_verdict_stability(six, null):
    from personas.compare import comparison_summary
    from personas.report._build_trust import method_trust_notes

    seg, c, _ = six
    summary = {**comparison_summary(c), "structure": seg.selection.structure}
    structure, stable = method_trust_notes(typed_summary(summary))
    st = seg.selection.structure
    assert structure.startswith("**Are there segments at all?**")
    assert f"{st['gap']:.3f} less log cost" in structure and structure.count("clear segments") == 1
    first = c.verdicts[0]
    assert f"{first.name} {first.verdict} in {first.refits_same} of 10" in stable
    none_seg, none_c = null
    lines = method_trust_notes(
        typed_summary(comparison_summary(none_c), structure=none_seg.selection.structure)
    )
    assert "**no clear segments**" in lines[0]
    # a run from before the test: no structure, no refits, nothing said
    old = typed_summary({"personas": []})
    assert "structure" in old.absent and method_trust_notes(old) == []


@pytest.mark.slow
def test_the_report_source_has_the_trust_notes_in_how_this_was_done(tmp_path, six):
    import json
    import shutil
    from pathlib import Path

    from personas.report.build import build_report

    seg, c, _ = six
    folder = tmp_path / "wave-1"
    shutil.copytree(Path(__file__).parent / "fixtures" / "run_jobsite", folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["structure"] = seg.selection.structure
    summary["personas"][0]["name"] = "The <b>Bold</b>"
    summary["personas"][0]["stability"] = {"same": 6, "refits": 10, "share": 0.6, "uncertain": True}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    text = build_report(folder).read_text(encoding="utf-8")
    how = text.split("## How this was done", 1)[1].split("### Method", 1)[0]
    assert "**Are there segments at all?**" in how and "**How stable are the verdicts?**" in how
    assert "Under 70% a verdict is shown as uncertain: The &lt;b&gt;Bold&lt;/b&gt;" in how
    assert "<b>" not in how


def _null_answers(kind: str, n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.integers(0, 2, (n, d)).astype(float)
    rates = rng.uniform(0.25, 0.75, d)  # one acquiescence factor: a yes-saying tendency
    logit = np.log(rates / (1 - rates)) + rng.normal(0, 1.0, (n, 1))
    return (rng.random((n, d)) < 1 / (1 + np.exp(-logit))).astype(float)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["uniform", "acquiescence"])
def test_null_answers_of_other_kinds_confirm_no_persona(kind):
    inst = jobsite_instrument()
    X = _null_answers(kind, 600, len(inst.items), 5)
    seg = segment(clean_from(inst, X), random_state=0)
    c = compare(seg)
    assert c.count("confirmed") == 0
    if kind == "uniform":  # no association at all: the structure test must say so
        assert seg.selection.structure["clear"] is False and c.new_segments == ()
    else:  # a continuous factor is association: clear at k = 2, but no persona fits it
        assert seg.k == 2 and all(v.verdict == "unsupported" for v in c.verdicts)


def test_the_journal_says_why_auto_chose_the_method_with_the_measured_figures(six):
    from personas.segment._method_choice import MEASURED, method_choice

    seg = six[0]
    line = next(e for e in seg.journal if e.startswith("method choice: "))
    _, own, others = MEASURED["boolean"]
    assert f"adjusted Rand {own[2]:.2f}" in line and f"{others[0][0]} " in line
    assert "--method kmeans" in line  # what to do when a segment answers loosely
    likert = method_choice("kmeans", ("likert",) * 3)
    assert f"k-means the planted number of segments in {MEASURED['likert'][1][1]:.0%}" in likert
    assert method_choice("kprototypes", ("boolean", "likert")).startswith("measured in")
    assert method_choice("kmodes", ("boolean", "choice")).startswith("choice answers have no order")
    assert method_choice("kmeans", ("boolean",)) is None  # not auto's choice for these items

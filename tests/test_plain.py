"""One wording of the verdict: the report's lead and the journal/API paragraph agree."""

from __future__ import annotations

import pytest

from _compare_factories import jobsite_segmentation
from _summary import typed_summary
from personas.compare.core import compare, comparison_summary, verdict_paragraph
from personas.report._build_text import verdict_paragraph as report_verdict


@pytest.fixture(scope="module")
def comparison():
    return compare(jobsite_segmentation())


def test_report_lead_and_journal_paragraph_are_one_wording(comparison):
    parts = comparison_summary(comparison)
    n = len(comparison.segmentation.labels)
    summary = typed_summary(
        respondents={"loaded": n, "kept": n},
        segments=parts["segments"],
        personas=parts["personas"],
        new_segments=list(comparison.new_segments),
    )
    lead = " ".join(report_verdict(summary))
    assert "**" in lead  # the report bolds the headline figures ...
    assert lead.replace("**", "") == verdict_paragraph(comparison)  # ... and says the same


def test_report_escapes_names_the_paragraph_does_not():
    from personas.compare.plain import Outcome, verdict_sentences
    from personas.report._build_escape import md

    found = [Outcome("x", "*Bold* <b>", "unsupported")]
    plain = verdict_sentences(respondents=1, segments=1, personas=found, new=0)
    marked = verdict_sentences(respondents=1, segments=1, personas=found, new=0, name=md)
    assert plain[2] == "*Bold* <b> is not supported by the data."
    assert marked[2] == f"{md('*Bold* <b>')} is not supported by the data." != plain[2]
    assert plain[0] == "The answers of 1 respondent fall into 1 data-driven persona."

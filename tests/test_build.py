"""The report source: index.qmd built from a saved run, its charts, escaping, and one render."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from personas.report._build_charts import build_charts
from personas.report._build_escape import _escape_md, environment, yaml_string
from personas.report.build import build_report, report_source
from personas.report.render import render_report
from personas.run.files import load_run, write_json

FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite"
SECTIONS = [
    "The personas",
    "The map",
    "Hand-made vs data-driven",
    "The tensions",
    "How this was done",
]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "wave-1"
    shutil.copytree(FIXTURE, folder)
    qmd = build_report(folder)
    return qmd, qmd.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The fixture run with markup and script in every kind of user-supplied string."""
    folder = tmp_path_factory.mktemp("hostile") / "wave-1"
    shutil.copytree(FIXTURE, folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["study"]["title"] = f"Jobs {SCRIPT} *bold*"
    summary["segments"][0]["name"] = f"The {IMG} Survivor *bold*"
    summary["segments"][0]["distinctive"][0]["text"] = f"I apply {SCRIPT} *bold* [x](y)"
    summary["personas"][2]["name"] = f"The {SCRIPT} Perfectionist"
    summary["personas"][2]["reason"] = f"Because | {IMG} @cite $x$ {{{{< kbd >}}}}"
    summary["tensions"][0]["a"] = f"Quickly {IMG}"
    summary["inputs"]["file"] = f"waves/{SCRIPT}.csv"
    summary["journal"].append(f"# not a heading {SCRIPT}")
    write_json(folder / "summary.json", summary)
    qmd = build_report(folder)
    return qmd, qmd.read_text(encoding="utf-8")


def _h2(text: str) -> list[str]:
    return re.findall(r"^## (.+)$", text, flags=re.MULTILINE)


def _front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:].split("\n---\n", 1)[0])


# --- escaping -------------------------------------------------------------------------------


def test_escape_md_escapes_html_and_markdown():
    out = _escape_md(f"{SCRIPT} {IMG} *bold* _x_ `c` [l](u) # h | p $m$ @c \\ {{{{< s >}}}}")
    assert "<" not in out and ">" not in out and '"' not in out
    assert "&lt;script&gt;alert&#40;1&#41;&lt;/script&gt;" in out
    bare = re.sub(r"&#?\w+;", "", out.replace("\\\\", ""))  # entities and escaped backslashes
    for special in "*_`#|$@{}":
        assert re.search(rf"(?<!\\)\{special}", bare) is None, special
    assert "\\*bold\\*" in out and "&#91;l&#93;&#40;u&#41;" in out
    assert not set("[]()") & set(out)  # entities: "\\(" and "\\[" could open math
    assert _escape_md("line\none\n\n- item") == "line one \\- item"
    assert _escape_md(_escape_md("*x*")) == "\\*x\\*"  # escaping twice is a no-op


def test_template_escapes_even_without_the_filter():
    env = environment()
    out = env.from_string("{{ a }} {{ b | md }} {{ n }}").render(a="*a*", b="<b>", n=3)
    assert out == "\\*a\\* &lt;b&gt; 3"


def test_yaml_string_round_trips_through_yaml():
    value = yaml.safe_load(f"title: {yaml_string(SCRIPT + ' *b* : # x')}")["title"]
    assert value == _escape_md(SCRIPT + " *b* : # x")


# --- the built report -----------------------------------------------------------------------


@pytest.mark.slow
def test_build_writes_source_charts_and_support_files(built):
    qmd, text = built
    folder = qmd.parent
    assert (folder / "report.css").is_file() and (folder / "_vega.html").is_file()
    svgs = sorted(p.stem for p in (folder / "charts").glob("*.svg"))
    blocks = re.findall(r'class="personas-chart-spec" data-target="chart-([\w-]+)"', text)
    images = re.findall(r"\]\(charts/([\w-]+)\.svg\)", text)
    assert sorted(blocks) == sorted(images) == svgs
    assert len(set(blocks)) == len(blocks) == 13
    assert {
        "map",
        "shares",
        "similarity",
        "tensions",
        "elbow",
        "silhouette",
        "stability",
        "exclusions",
        "apart-1",
        "apart-5",
    } <= set(blocks)
    assert all((folder / "charts" / f"{n}.svg").read_text().startswith("<svg") for n in svgs)


def test_sections_come_in_order_designers_first(built):
    _, text = built
    assert _h2(text) == SECTIONS
    assert text.index("::: {.verdict}") < text.index("## The personas")
    assert text.count("::: {.persona-card ") == 5
    assert text.count("::: {.panel-tabset}") == 2


def test_no_code_runs_at_render_time(built):
    _, text = built
    fences = re.findall(r"^```\s*(\{[^}]*\}|\w+)?", text, flags=re.MULTILINE)
    assert set(fences) <= {"{=html}", ""}
    assert "{python}" not in text and "{r}" not in text and "{ojs}" not in text


def test_front_matter_is_valid_quarto_yaml(built):
    meta = _front_matter(built[1])
    assert meta["title"] == "Job seekers on a job\\-posting site"
    html, typst = meta["format"]["html"], meta["format"]["typst"]
    assert html["toc"] is True and html["toc-depth"] == 2 and html["toc-title"]
    # Self-contained HTML is asked for on Quarto's command line (see report/_quarto.py): in a
    # website render of reports/, a page with embed-resources breaks the shared site_libs.
    assert "embed-resources" not in html
    assert html["css"] == "report.css" and html["include-in-header"] == "_vega.html"
    assert typst["toc"] is True and typst["papersize"] == "a4"


def test_verdict_is_written_from_the_summary(built):
    _, text = built
    verdict = text.split("::: {.verdict}\n", 1)[1].split("\n:::", 1)[0]
    assert "**1,843 respondents**" in verdict and "**5 data-driven personas**" in verdict
    assert "**4 of the 6 hand-made personas are confirmed.**" in verdict
    assert "The Survivor and The Quick Win merge into one" in verdict
    assert "No new persona appeared." in verdict
    assert "157 of the 2,000" in verdict


def test_persona_cards_speak_plainly(built):
    _, text = built
    card = text.split("### The Survivor \\+ The Quick Win", 1)[1].split("\n:::\n", 1)[0]
    assert "**28%** of respondents (26–30%) · 520 people" in card
    assert (
        "Closest hand-made persona: **The Survivor** (87% agreement), merged with The "
        "Quick Win." in card
    )
    assert (
        "- **94%** say “I apply to many jobs at once to get hired sooner\\.” (vs 51% of "
        "everyone)" in card
    )
    assert "Only **13%** say" in card
    assert "- Speed vs fit: leans strongly to “Find a job quickly”" in card
    assert "**Very stable.**" in card and "r0002" in card
    assert "#0072B2" in text.split("### The Survivor", 1)[0].rsplit(":::", 1)[-1]


def test_method_section_records_the_decisions(built):
    _, text = built
    method = text.split("## How this was done", 1)[1]
    assert "| Speeder | 61 | 3.0% |" in method
    assert "every number of groups from 2 to 10 and kept\n**5**" in method
    assert "::: {.callout-warning" in method and "empty segment" in method
    assert "`219fd99d7bf9dd5742d1a3d94778987a7fc145011c0e354d6b664f29c23320c1`" in method
    assert "k\\-modes" in method and "| Random seed | 0 " in method
    assert "1. Loaded 2,000 respondents" in method
    assert "scikit\\-learn 1\\.5\\.2" in method


def test_map_section_states_the_sample(built):
    _, text = built
    assert "random sample of 301 of the 1,843 respondents" in text


@pytest.mark.slow
def test_build_is_deterministic(built):
    qmd, text = built
    run = load_run(qmd.parent)
    blocks = build_charts(run, qmd.parent)  # rewrites the same SVGs
    assert report_source(run, charts=blocks) == text


# --- variants, checked on the source alone (no charts) --------------------------------------


def _source(summary: dict, tmp_path: Path) -> str:
    run = load_run(FIXTURE)
    run = type(run)(**{**run.__dict__, "summary": summary, "result": None, "path": tmp_path})
    return report_source(run, charts={})


def test_unsupported_split_and_new_personas_are_named(tmp_path):
    summary = copy.deepcopy(load_run(FIXTURE).summary)
    returner = next(p for p in summary["personas"] if p["id"] == "returner")
    returner.update(verdict="unsupported", segments=[], reason="No segment answers like this.")
    climber = next(p for p in summary["personas"] if p["id"] == "climber")
    climber.update(verdict="split", segments=[3, 5])
    summary["segments"][4].update(name="New segment 5", persona=None, personas=[])
    summary["new_segments"] = [5]
    text = _source(summary, tmp_path)
    assert "The Returner is not supported by the data." in text
    assert "The Career Climber splits into two groups." in text
    assert "The data shows one new persona that no hand-made persona describes." in text
    assert "**Split** into The Career Climber and New segment 5" in text
    assert "**New:** no hand-made persona describes this group." in text
    assert "**New segment 5** is new; the closest hand-made persona" in text


def test_waves_section_only_with_a_baseline(tmp_path):
    summary = copy.deepcopy(load_run(FIXTURE).summary)
    assert "## Changes since the last wave" not in _source(summary, tmp_path)
    summary["baseline"] = {
        "run": "reports/jobsite/wave-0",
        "ari": 0.81,
        "segments": [
            {
                "id": 1,
                "baseline_id": 1,
                "share_baseline": 0.25,
                "share": 0.282,
                "p_value": 0.01,
                "change": "grew",
            },
            {
                "id": None,
                "baseline_id": 6,
                "share_baseline": 0.05,
                "share": None,
                "p_value": None,
                "change": "vanished",
            },
        ],
    }
    text = _source(summary, tmp_path)
    assert _h2(text)[0] == "Changes since the last wave"  # right after the verdict
    assert "| The Survivor \\+ The Quick Win | 25% | 28% | grew | 0.010 |" in text
    assert "| Segment 6 of the earlier wave | 5% | – | gone |  |" in text
    flat = " ".join(text.split())
    assert "agree with the new grouping at 0.81" in flat
    headline = (
        "The Survivor \\+ The Quick Win grew from 25% to 28%; "
        "Segment 6 of the earlier wave is gone (it was 5%)."
    )
    assert headline in flat
    # the verdict box leads with the changes, before its own first sentence
    verdict = text.split("::: {.verdict}", 1)[1].split("\n:::", 1)[0]
    lead = " ".join(verdict.split())
    assert lead.startswith("**Since ") and headline in lead
    assert lead.index(headline) < lead.index("respondents")


def test_a_run_without_map_or_exclusions_still_builds(tmp_path):
    summary = copy.deepcopy(load_run(FIXTURE).summary)
    summary["respondents"].update(loaded=1843, excluded={})
    run = load_run(FIXTURE)
    run = type(run)(
        **{
            **run.__dict__,
            "summary": summary,
            "result": None,
            "path": tmp_path,
            "embedding": run.embedding.iloc[0:0],
        }
    )
    text = report_source(run, charts={})
    assert "## The map" not in _h2(text)
    assert "Nobody was set aside" in text


# --- hostile text ---------------------------------------------------------------------------


def _unescaped(raw: str, text: str) -> bool:
    """Whether ``raw`` occurs with its first character not backslash-escaped."""
    return re.search(r"(?<!\\)" + re.escape(raw), text) is not None


def _outside_raw_html(text: str) -> str:
    """The Markdown text: without raw HTML blocks and attribute values (not Markdown)."""
    text = re.sub(r"```\{=html\}\n.*?\n```", "", text, flags=re.DOTALL)
    return re.sub(r'\{fig-alt="[^"]*"\}', "", text)


@pytest.mark.slow
def test_user_strings_are_escaped_in_the_source(hostile):
    _, text = hostile
    for raw in (SCRIPT, IMG, "<script>alert", "<img src"):
        # nowhere unescaped: not in the charts' raw HTML (attributes, JSON) nor in captions
        assert not _unescaped(raw, text)
    markdown = _outside_raw_html(text)
    for raw in ("*bold*", "[x](y)", "{{< kbd", "@cite", "$x$", "| <img"):
        assert not _unescaped(raw, markdown)
    assert "&lt;script&gt;alert&#40;1&#41;&lt;/script&gt;" in text
    assert "\\*bold\\*" in text
    assert "Because \\| &lt;img" in text  # a pipe cannot break the verdict table
    assert "8. \\# not a heading" in text
    meta = _front_matter(text)
    assert meta["title"] == _escape_md(f"Jobs {SCRIPT} *bold*")


def test_hostile_report_renders_text_as_text(hostile):
    qmd, _ = hostile
    html = render_report(qmd.parent, to="html", engine="pandoc")["html"].read_text("utf-8")
    body = html.split('id="main"', 1)[1]
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "The &lt;img src=x onerror=alert(1)&gt; Survivor *bold*" in body
    assert "<em>bold</em>" not in body
    assert "@cite $x$" in body and "{{&lt; kbd &gt;}}" in body


def test_journal_fragments_read_as_sentences_and_apart_bullets_in_visible_order():
    from personas.report._build_context import journal_sentence, visible_order
    from personas.run.schema import Distinctive

    assert journal_sentence("method: k-modes, because all 24 items are boolean") == (
        "Method: k-modes, because all 24 items are boolean."
    )
    assert journal_sentence("choice of k: Jaccard >= 0.99") == "Choice of k: Jaccard ≥ 0.99."
    assert journal_sentence("Loaded 2,000 respondents.") == "Loaded 2,000 respondents."
    items = [
        Distinctive(question=f"q{i}", share=share, difference=difference)
        for i, (share, difference) in enumerate(
            [(0.92, 0.5), (0.08, -0.6), (0.95, 0.4), (0.02, -0.3)]
        )
    ]
    assert [d.share for d in visible_order(items)] == [0.95, 0.92, 0.02, 0.08]


def test_report_journal_has_no_ascii_comparison_signs(tmp_path):
    summary = copy.deepcopy(load_run(FIXTURE).summary)
    summary["journal"] = [
        *summary.get("journal", []),
        "method: k-modes, because all 24 items are boolean",
        "stability: per-segment Jaccard (>= 0.75 stable, < 0.6 unstable)",
    ]
    text = _source(summary, tmp_path)
    journal = text.split("### Decision journal", 1)[1].split("```", 1)[0]
    assert "&gt;\\=" not in journal and ">=" not in journal
    assert re.search(r"^\d+\. [A-Z]", journal, flags=re.MULTILINE)
    assert not re.search(r"^\d+\. [a-z]", journal, flags=re.MULTILINE)
    assert "Method\\: k\\-modes" in journal and "≥ 0\\.75 stable" in journal

"""Tests for personas.report.render: the pandoc engine (HTML and PDF), the Quarto engine
(driven through a fake ``quarto`` on PATH), the chart helpers' escaping, and failure paths."""

from __future__ import annotations

import json
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fixtures.report.make_run import charts, make_run
from personas.errors import InputError, PersonasError
from personas.report import render_report
from personas.report._assets import template_text, vega_bundle
from personas.report._pandoc import typst_source
from personas.report.render import chart_block, chart_bootstrap_html, write_support_files

HOSTILE = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(1)>"


class Elements(HTMLParser):
    """Every start tag of a document as (tag, attrs), with the text of each <script>."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append("")

    def handle_data(self, data):
        if self.lasttag == "script" and self.scripts:
            self.scripts[-1] += data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\s*/", pdf))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The fixture report rendered once to HTML and PDF with the pandoc engine."""
    run = make_run(tmp_path_factory.mktemp("run"))
    paths = render_report(run, to=["html", "pdf"], engine="pandoc")
    return run, paths, paths["html"].read_text(encoding="utf-8")


# -- pandoc engine: HTML ----------------------------------------------------------------------


def test_render_writes_both_files_and_nothing_else(rendered):
    run, paths, _ = rendered
    assert paths == {"html": run / "index.html", "pdf": run / "index.pdf"}
    assert sorted(p.name for p in run.iterdir()) == [
        "charts",
        "index.html",
        "index.pdf",
        "index.qmd",
    ]
    assert stat.S_IMODE(paths["html"].stat().st_mode) & stat.S_IRGRP  # not a private temp file


def test_html_inlines_vega_and_loads_nothing_from_the_network(rendered):
    _, _, page = rendered
    assert vega_bundle() in page
    for name in ("window.vegaEmbed=", "window.vega=", "window.vegaLite="):
        assert name in page
    doc = Elements(page)
    links = [v for _, a in doc.tags for k, v in a.items() if k in ("src", "href") and v]
    assert links, "the TOC at least links within the page"
    assert not [v for v in links if re.match(r"(https?:)?//", v.strip(), re.IGNORECASE)]
    assert not doc.find("link") and not [a for a in doc.find("script") if "src" in a]
    assert "@import" not in page and "@font-face" not in page


def test_html_has_a_table_of_contents_of_sections(rendered):
    _, _, page = rendered
    toc = page[page.index('<nav id="TOC"') : page.index("</nav>")]
    assert ">In this report &amp; more</h2>" in toc  # toc-title, escaped
    for section in ("persona-cards", "the-map", "tensions", "decision-journal"):
        assert f'href="#{section}"' in toc
    assert "The Survivor" not in toc  # card headings (###) are below toc-depth 2
    assert "Why k = 3" not in toc  # a callout's title is not a section


def test_html_callouts_are_styled_boxes_with_titles(rendered):
    _, _, page = rendered
    doc = Elements(page)
    for kind in ("note", "tip", "warning", "important"):
        assert doc.find("div", **{"class": f"callout callout-{kind}", "role": "note"})
    style = page[page.index("<style>") : page.index("</style>")]
    for selector in (".callout {", ".callout-header", ".callout-tip", ".callout-warning"):
        assert selector in style
    headers = re.findall(r'<div class="callout-header">\s*(.*?)\s*</div>', page, re.DOTALL)
    assert headers == [
        "Two personas confirmed",
        "Why k = 3",
        "212 respondents excluded",
        "Important",
    ]


def test_html_tabsets_become_tabs(rendered):
    _, _, page = rendered
    doc = Elements(page)
    tabs = doc.find("button", role="tab")
    assert [t["aria-controls"] for t in tabs] == ["tabset-1-panel-1", "tabset-1-panel-2"]
    assert [t["aria-selected"] for t in tabs] == ["true", "false"]
    assert doc.find("div", **{"class": "tab-list", "role": "tablist"})
    panels = doc.find("div", role="tabpanel")
    assert [p["aria-labelledby"] for p in panels] == [t["id"] for t in tabs]
    assert template_text("tabs.js").strip()[:40] in page
    assert re.search(r'role="tab"[^>]*>Speed vs fit</button>', page)


def test_html_keeps_html_only_content_and_layout_divs(rendered):
    _, _, page = rendered
    doc = Elements(page)
    figures = doc.find("figure")
    assert sorted(f["id"] for f in figures) == sorted(f"chart-{c['name']}" for c in charts())
    assert "charts/map.svg" not in page  # the static fallback is for PDF only
    assert doc.find("div", **{"class": "verdict"}) and doc.find("div", **{"class": "persona-cards"})
    assert len([a for _, a in doc.tags if "persona-card" in (a.get("class") or "").split()]) == 2


def test_escaped_user_text_stays_text(rendered):
    _, _, page = rendered
    assert '<h2>Answers quoted &lt;script&gt;alert("toc")&lt;/script&gt;</h2>' in page
    assert "A respondent wrote &lt;script&gt;document.body" in page
    doc = Elements(page)
    assert not doc.find("img")
    handlers = [k for _, a in doc.tags for k in a if k.startswith("on")]
    assert handlers == []
    spec = {"type": "application/json", "class": "personas-chart-spec"}
    for attrs, code in zip(doc.find("script"), doc.scripts, strict=True):
        if attrs:  # a chart spec: inert JSON
            assert attrs == {**spec, "data-target": attrs["data-target"]}
            json.loads(code)
        else:  # our own code: the bundle, tabs.js, charts.js; never the user's text
            assert "data-xss" not in code


def test_html_is_reproducible(rendered, tmp_path):
    run, paths, page = rendered
    again = make_run(tmp_path / "again", svgs=False)
    assert render_report(again, engine="pandoc")["html"].read_text(encoding="utf-8") == page


# -- pandoc engine: PDF -----------------------------------------------------------------------


def test_pdf_is_an_a4_pdf_with_pages(rendered):
    _, paths, _ = rendered
    pdf = paths["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) >= 2
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+", pdf)  # papersize: a4


def test_typst_source_uses_the_pdf_side_of_the_report(rendered):
    run, _, _ = rendered
    source = typst_source(run / "index.qmd").decode("utf-8")
    assert '#personas-figure("charts/map.svg", alt: "Scatter plot' in source
    assert "personas-chart-spec" not in source and "vegaEmbed" not in source
    for kind in ("note", "tip", "warning", "important"):
        assert f'#personas-callout(kind: "{kind}"' in source
    assert "#personas-cards(" in source and source.count("personas-card(half: true)[") == 2
    assert "#personas-verdict[" in source
    assert "=== Speed vs fit" in source and "=== Pay vs meaning" in source  # tabs -> sections
    assert "#outline(" in source and "depth: 2" in source
    assert '"a4"' in source
    assert "x: 2.2cm," in source and "top: 2.4cm," in source and "bottom: 2.4cm," in source


def test_typst_matches_formats_as_quarto_does_and_keeps_shorthands_literal(tmp_path):
    """Quarto's "pdf" alias is LaTeX only (typst is matched by "typst"), and the two typst
    shorthands pandoc leaves in text ("..." and "-?") print as typed."""
    extra = (
        '[PDF-ONLY]{.content-visible when-format="pdf"} '
        '[TYPST-ONLY]{.content-visible when-format="typst"} '
        '[NOT-HTML]{.content-visible unless-format="html:js"}\n\n'
        "Wait\\.\\.\\. what\\-? x-?y\n\n"
    )
    run = make_run(tmp_path / "run", extra=extra, svgs=False)
    source = typst_source(run / "index.qmd").decode("utf-8")
    assert "PDF-ONLY" not in source and "TYPST-ONLY" in source and "NOT-HTML" in source
    assert "Wait\\.\\.\\. what\\-\\? x\\-\\?y" in source  # typst escapes: literal characters


# -- chart helpers ----------------------------------------------------------------------------


def test_chart_block_has_the_contract_shape():
    spec = {"mark": "bar", "data": {"values": [{"a": 1}]}}
    block = chart_block("sizes", spec, alt="Sizes of segments", caption="Segment sizes")
    lines = block.splitlines()
    assert lines[:2] == ['::: {.content-visible when-format="html"}', "```{=html}"]
    assert lines[2] == (
        '<figure class="personas-chart" id="chart-sizes" role="img" '
        'aria-label="Sizes of segments"></figure>'
    )
    assert lines[3].startswith(
        '<script type="application/json" class="personas-chart-spec" data-target="chart-sizes">'
    )
    assert lines[4:8] == ["```", ":::", "", '::: {.content-visible unless-format="html"}']
    assert lines[8] == '![Segment sizes](charts/sizes.svg){fig-alt="Sizes of segments"}'
    assert lines[9:] == [":::"] and block.endswith("\n")


def test_chart_block_neutralises_hostile_strings():
    spec = {"title": HOSTILE, "data": {"values": [{"label": "<img src=x onerror=alert(1)>"}]}}
    block = chart_block("x", spec, alt=f'"{HOSTILE}\n```', caption=f"[a](javascript:x) {HOSTILE}")
    raw = block.split("```{=html}\n", 1)[1].split("\n```", 1)[0]
    assert raw.lower().count("<script") == 1 and raw.lower().count("</script") == 1
    assert "<!--" not in raw and "<img" not in raw
    doc = Elements(raw)
    assert [t for t, _ in doc.tags] == ["figure", "script"]
    assert doc.find("figure")[0]["aria-label"] == " ".join(f'"{HOSTILE}\n```'.split())
    assert json.loads(doc.scripts[0]) == spec
    caption = block.split("![", 1)[1].split("](charts/x.svg)", 1)[0]
    assert not set("<>[]()") & set(caption)  # entities: the caption stays one caption
    assert block.count("\n```") == 2  # a "```" in the alt text cannot end the raw block


def test_chart_block_rejects_names_that_are_not_file_names():
    with pytest.raises(ValueError, match="chart name"):
        chart_block("../evil", {}, alt="a", caption="c")


def test_chart_bootstrap_html_draws_every_chart_with_a_fallback():
    script = chart_bootstrap_html()
    assert script.startswith("<script>") and script.endswith("</script>")
    assert script.count("</script") == 1
    for needle in (
        "DOMContentLoaded",
        "personas-chart-spec",
        "vegaEmbed",
        "actions: false",
        'renderer: "svg"',
        "console.error",
        "aria-label",
    ):
        assert needle in script


def test_write_support_files_writes_css_and_vega(tmp_path):
    paths = write_support_files(tmp_path)
    assert paths == {"css": tmp_path / "report.css", "vega": tmp_path / "_vega.html"}
    assert paths["css"].read_text(encoding="utf-8") == template_text("report.css")
    vega = paths["vega"].read_text(encoding="utf-8")
    assert vega.startswith("<script>") and "window.vegaEmbed=" in vega
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_vega.html", "report.css"]


# -- Quarto engine (a fake quarto on PATH) ------------------------------------------------------

FAKE_QUARTO = """#!/bin/sh
echo "$PWD|$*" >> "$FAKE_QUARTO_LOG"
if [ -n "$FAKE_QUARTO_FAIL" ]; then echo "ERROR: $FAKE_QUARTO_FAIL" >&2; exit 1; fi
[ -f report.css ] && [ -f _vega.html ] || { echo "ERROR: support files missing" >&2; exit 3; }
case "$4" in
  html) echo "<html>quarto</html>" > index.html ;;
  typst) printf '%%PDF-1.7 quarto' > index.pdf ;;
esac
"""


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    quarto = bin_dir / "quarto"
    quarto.write_text(FAKE_QUARTO)
    quarto.chmod(0o755)
    log = tmp_path / "quarto.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_QUARTO_LOG", str(log))
    return log


def test_auto_engine_uses_quarto_when_installed(fake_quarto, tmp_path):
    # The run sits inside a Quarto website project (like this repository's reports/), whose
    # output-dir would receive Quarto's output: the report is rendered from a private copy
    # outside any project instead, and the run folder keeps only the finished files.
    (tmp_path / "_quarto.yml").write_text("project:\n  type: website\n  output-dir: _site\n")
    run = make_run(tmp_path / "run", svgs=False)
    paths = render_report(run, to=["html", "pdf"])
    calls = [line.split("|") for line in fake_quarto.read_text().splitlines()]
    assert [args for _, args in calls] == [
        "render index.qmd --to html --embed-resources",
        "render index.qmd --to typst",
    ]
    for cwd, _ in calls:
        assert not Path(cwd).exists()  # a temporary copy, removed afterwards
        assert not any((p / "_quarto.yml").exists() for p in Path(cwd).parents)
    assert paths["html"].read_text() == "<html>quarto</html>\n"
    assert paths["pdf"].read_bytes() == b"%PDF-1.7 quarto"
    assert (run / "report.css").is_file() and (run / "_vega.html").is_file()
    assert not [p for p in run.iterdir() if p.name.startswith(".")]


def test_quarto_failure_keeps_the_previous_report(fake_quarto, tmp_path, monkeypatch):
    run = make_run(tmp_path / "run", svgs=False)
    (run / "index.html").write_text("previous")
    monkeypatch.setenv("FAKE_QUARTO_FAIL", "unknown format boom")
    with pytest.raises(PersonasError, match="unknown format boom"):
        render_report(run, to="html", engine="quarto")
    assert (run / "index.html").read_text() == "previous"
    assert not [p for p in run.iterdir() if p.name.startswith(".")]


def test_quarto_engine_without_quarto_is_a_clear_error(tmp_path, monkeypatch):
    run = make_run(tmp_path / "run", svgs=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(PersonasError, match="Quarto CLI is not on PATH"):
        render_report(run, engine="quarto")


# -- failures ---------------------------------------------------------------------------------


def test_broken_typst_raises_and_writes_nothing(tmp_path):
    run = make_run(tmp_path / "run", extra="```{=typst}\n#let broken = (\n```\n\n")
    with pytest.raises(PersonasError, match="typst could not make the PDF") as caught:
        render_report(run, to=["html", "pdf"], engine="pandoc")
    assert "Traceback" not in str(caught.value)
    assert sorted(p.name for p in run.iterdir()) == ["charts", "index.qmd"]


def test_missing_chart_svg_names_the_file(tmp_path):
    run = make_run(tmp_path / "run", svgs=False)
    with pytest.raises(PersonasError, match=r"file not found .*charts/[\w-]+\.svg"):
        render_report(run, to="pdf", engine="pandoc")
    assert not (run / "index.pdf").exists()


def test_broken_front_matter_raises_pandoc_message_and_writes_nothing(tmp_path):
    (tmp_path / "index.qmd").write_text('---\ntitle: "unclosed\nformat: [\n---\n\nText\n')
    with pytest.raises(PersonasError, match="YAML") as caught:
        render_report(tmp_path, to=["html"], engine="pandoc")
    assert "pandoc" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.qmd"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"to": "docx"}, "'to' option"),
        ({"to": []}, "'to' option"),
        ({"engine": "latex"}, "'engine'"),
    ],
)
def test_bad_options_are_input_errors(tmp_path, options, message):
    make_run(tmp_path, svgs=False)
    with pytest.raises(InputError, match=message):
        render_report(tmp_path, **options)


def test_missing_report_source_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as caught:
        render_report(tmp_path / "nowhere")
    assert caught.value.problems[0].file == str(tmp_path / "nowhere" / "index.qmd")


def test_to_accepts_a_comma_separated_string(tmp_path):
    run = make_run(tmp_path, svgs=True)
    assert set(render_report(run, to="pdf, html", engine="pandoc")) == {"pdf", "html"}

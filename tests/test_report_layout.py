"""The report as a designer meets it: the PDF's text stays inside its margins, and in a
browser at phone (390 px) and desktop (1280 px) widths tables keep whole words and chart text
stays readable.

The PDF is read through its text layer (``pdftotext -bbox`` from poppler-utils): a label
clipped at the page edge still has its word box outside the margins, so this finds what a
reader would see cut off. The browser checks read layout facts from the DOM of headless
Chromium (see ``_chromium.py``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from _tools import require_tool
from personas.report import render_report
from personas.report._build_charts import pdf_svg
from personas.report.build import build_report

FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite"
A4_WIDTH_PT = 595.276
MARGIN_X_PT = 2.2 / 2.54 * 72  # index.qmd.j2: typst margin x 2.2cm
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
)


def words_outside_margins(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page, x0, x1, word) of every word of the PDF's text layer beyond the side margins."""
    tool = require_tool("pdftotext", install="apt-get install -y poppler-utils")
    html = subprocess.run(
        [tool, "-bbox", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    out = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        for match in _WORD.finditer(page):
            x0, x1 = float(match.group(1)), float(match.group(2))
            if x0 < MARGIN_X_PT - 1 or x1 > A4_WIDTH_PT - MARGIN_X_PT + 1:
                out.append((number, x0, x1, match.group(3)))
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict[str, Path]:
    run = tmp_path_factory.mktemp("run") / "run"
    shutil.copytree(FIXTURE, run)
    build_report(run)
    return render_report(run, to=["html", "pdf"], engine="pandoc")


@pytest.mark.slow
def test_pdf_has_no_word_outside_the_margins(report):
    outside = words_outside_margins(report["pdf"])
    assert outside == [], f"words beyond the margins (page, x0, x1, word): {outside[:10]}"


def test_pdf_prints_each_chart_title_once(report):
    text = subprocess.run(
        [require_tool("pdftotext", install="apt-get install -y poppler-utils"),
         str(report["pdf"]), "-"],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    flat = " ".join(text.split())
    for title in ("How big each persona is", "Who answered alike", "Where each persona stands"):
        assert flat.count(title) == 1, title


def test_pdf_svg_is_measured_in_the_pdf_font_and_fits_the_column():
    """A wide chart is narrowed, and its text is set in the font typst draws it with."""
    spec = {
        "width": 1400,
        "height": 60,
        "data": {"values": [{"a": "a long label that is wide", "b": 1}]},
        "mark": "bar",
        "encoding": {
            "y": {"field": "a", "type": "nominal"},
            "x": {"field": "b", "type": "quantitative"},
        },
        "config": {"font": "Some Font That Is Not There"},
    }
    svg = pdf_svg(spec, font="DejaVu Sans", max_width=600)
    width = float(re.search(r'<svg[^>]*?\bwidth="([\d.]+)"', svg).group(1))
    assert width <= 610
    assert "DejaVu Sans" in svg and "Some Font" not in svg
    assert spec["width"] == 1400  # the caller's spec is left alone


# --- in a browser --------------------------------------------------------------------------

_BROKEN_WORDS = r"""
(() => {
  const broken = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
})()
"""

_SMALLEST_CHART_TEXT = r"""
(() => {
  let smallest = 1e9, count = 0;
  for (const svg of document.querySelectorAll('.personas-chart svg')) {
    const box = svg.getBoundingClientRect();
    const scale = box.width / parseFloat(svg.getAttribute('width'));
    for (const text of svg.querySelectorAll('text')) {
      if (!text.textContent.trim()) continue;
      const size = parseFloat(getComputedStyle(text).fontSize) * scale;
      smallest = Math.min(smallest, size);
      count += 1;
    }
  }
  return [smallest, count];
})()
"""

ALL_CHARTS_DRAWN = (
    "[...document.querySelectorAll('.personas-chart')]"
    ".every(f => f.querySelector('svg') || f.classList.contains('personas-chart-failed'))"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from _chromium import Chromium

    with Chromium(tmp_path_factory.mktemp("chromium-profile")) as chromium:
        yield chromium


def _open_at(browser, html: Path, width: int):
    page = browser.open(html.as_uri(), ready=ALL_CHARTS_DRAWN)
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
        session=page.session,
    )
    for _ in range(15):  # let charts.js refit the charts to the new width
        browser.pump(0.2)
    page.wait_for(ALL_CHARTS_DRAWN)
    return page


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_tables_keep_whole_words_and_chart_text_stays_readable(browser, report, width, tmp_path):
    page = _open_at(browser, report["html"], width)
    assert page.evaluate("document.querySelectorAll('td').length") > 10
    assert page.evaluate(_BROKEN_WORDS) == []
    smallest, count = page.evaluate(_SMALLEST_CHART_TEXT)
    assert count > 50
    assert smallest >= 10, f"chart text drawn at {smallest:.1f} px at {width} px wide"
    page.screenshot(tmp_path / f"report-{width}.png", width=width)


@pytest.mark.slow
@pytest.mark.browser
def test_browser_print_has_no_more_pages_than_the_pdf(browser, report):
    import base64

    page = _open_at(browser, report["html"], 1280)
    reply = browser.call(
        "Page.printToPDF",
        {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True},
        session=page.session,
        timeout=60,
    )
    printed = base64.b64decode(reply["data"])
    pages = len(re.findall(rb"/Type\s*/Page[^s]", printed))
    pdf_pages = len(re.findall(rb"/Type\s*/Page[^s]", report["pdf"].read_bytes()))
    assert pages <= pdf_pages, (pages, pdf_pages)


# Every chart that may narrow (usermeta narrow is not False) with its drawn width and room.
_CHART_FITS = (
    "[...document.querySelectorAll('.personas-chart')]"
    ".filter(f => f.offsetParent !== null && f.personasSpec"
    " && !(f.personasSpec.usermeta && f.personasSpec.usermeta.narrow === false))"
    ".map(f => [f.id, Math.round(f.querySelector('svg').getBoundingClientRect().width),"
    " f.clientWidth])"
)


@pytest.mark.slow
@pytest.mark.browser
def test_on_a_phone_charts_fit_their_figure_with_titles_wrapped(browser, report):
    page = _open_at(browser, report["html"], 390)
    fits = page.evaluate(_CHART_FITS)
    assert len(fits) >= 5  # the shares, the visible card, the map and the method charts
    too_wide = [(name, drawn, room) for name, drawn, room in fits if drawn > room + 16]
    assert too_wide == [], (
        f"charts wider than their figure at 390 px (name, drawn, room): {too_wide}"
    )
    lines = page.evaluate(
        "document.querySelectorAll('#chart-shares .role-title-subtitle tspan').length"
    )
    assert lines >= 2, "the shares chart's subtitle is not broken into lines on a phone"

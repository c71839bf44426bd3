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

"""The rendered report in a real browser: headless Chromium, networking off, from file://.

Checks what only a browser can: the charts are drawn offline, nothing is fetched, no console
error, the tabs work, hostile text stays text, and a failing chart degrades to its alt text.
Needs Debian's ``chromium`` at /usr/bin/chromium; without it these tests fail (never skip).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from _chromium import Chromium
from fixtures.report.make_run import make_run
from personas.report import render_report
from personas.report.render import chart_block

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ALL_CHARTS_DRAWN = (
    "[...document.querySelectorAll('.personas-chart')]"
    ".every(f => f.querySelector('svg, canvas') || f.classList.contains('personas-chart-failed'))"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Chromium(tmp_path_factory.mktemp("chromium-profile")) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    run = make_run(tmp_path_factory.mktemp("run"), svgs=False)
    html = render_report(run, to="html", engine="pandoc")["html"]
    return browser.open(html.as_uri(), ready=ALL_CHARTS_DRAWN)


def chart_sizes(page) -> dict[str, list[int]]:
    return page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('.personas-chart')].map(f => "
        "[f.id, [f.querySelectorAll('svg, canvas').length, "
        "Math.round(f.querySelector('svg, canvas')?.getBoundingClientRect().width ?? 0)]]))"
    )


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height and number of distinct byte values of the pixel data of a PNG."""
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return width, height, len(set(zlib.decompress(b"".join(chunks))))


def test_every_chart_is_drawn_offline_without_errors(page):
    sizes = chart_sizes(page)
    assert len(sizes) == 6
    assert all(count == 1 for count, _ in sizes.values()), sizes
    assert all(width > 150 for _, width in sizes.values()), sizes  # hidden tab included
    assert page.evaluate("document.querySelectorAll('.personas-chart-failed').length") == 0
    assert page.console_errors == [] and page.exceptions == [] and page.log_errors == []
    assert [url for url in page.requests if not url.startswith("file://")] == []


def test_tabs_switch_between_panels(page):
    visible = "document.getElementById('{}').checkVisibility({{visibilityProperty: true}})"
    assert page.evaluate("document.querySelector('.panel-tabset').classList.contains('tabs-ready')")
    assert page.evaluate(visible.format("tabset-1-panel-1"))
    assert not page.evaluate(visible.format("tabset-1-panel-2"))
    page.evaluate("document.getElementById('tabset-1-tab-2').click()")
    assert page.evaluate(visible.format("tabset-1-panel-2"))
    assert not page.evaluate(visible.format("tabset-1-panel-1"))
    selected = "document.getElementById('tabset-1-tab-2').getAttribute('aria-selected')"
    assert page.evaluate(selected) == "true"


def test_hostile_text_is_shown_and_never_runs(page):
    assert page.evaluate("document.body.getAttribute('data-xss')") is None
    assert page.evaluate("document.images.length") == 0
    text = page.evaluate("document.body.innerText")
    assert "<script>document.body.setAttribute('data-xss','para')</script>" in text
    assert '<img src=x onerror="document.body.setAttribute' in text
    assert 'Answers quoted <script>alert("toc")</script>' in text
    title = page.evaluate("document.querySelector('#chart-hostile svg').textContent")
    assert "</script><script>document.body.setAttribute('data-xss','spec')</script>" in title
    dom = page.dom()
    assert "data-xss=" not in dom.split("<body", 1)[1].split(">", 1)[0]


def test_screenshot_is_a_real_picture(page, tmp_path):
    shot = page.screenshot(tmp_path / "report.png")
    width, height, colours = png_size_and_colours(shot)
    assert width == 1280 and height > 2000
    assert colours > 50 and shot.stat().st_size > 50_000


def test_a_chart_that_cannot_be_drawn_shows_its_alt_text(browser, tmp_path):
    broken = chart_block(
        "broken",
        {"mark": "no-such-mark", "data": {"values": []}},
        alt="Sizes: A 3, B 5",
        caption="Sizes",
    )
    run = make_run(tmp_path / "run", extra=broken + "\n", svgs=False)
    html = render_report(run, to="html", engine="pandoc")["html"]
    page = browser.open(html.as_uri(), ready=ALL_CHARTS_DRAWN)
    page.wait_for("document.querySelector('#chart-broken.personas-chart-failed') !== null")
    assert page.evaluate("document.getElementById('chart-broken').textContent") == "Sizes: A 3, B 5"
    assert any("chart 'chart-broken' could not be drawn" in e for e in page.console_errors)
    assert chart_sizes(page)["chart-map"][0] == 1  # the other charts still draw

"""Every user-supplied string reaches the report as literal text, and never as markup or code.

A hostile copy of the example study puts script, HTML, a Quarto shortcode, Markdown emphasis
and links, math, a citation, backticks, pipes, line breaks, quotes and control characters into
every string a user controls: the study title, tension labels and poles, question and option
texts, persona names and summaries, ``names.yaml`` segment names, missing-value codes, the
wave name (the data file's name, hence the data file path too) and the respondent ids (the
typical respondent of each card and the map's tooltips). The wave is run (without the map, so
no UMAP: its coordinates are written by hand) and rendered to HTML and PDF, with the study
page. Then:

* ``index.qmd`` read by pandoc holds user text only as plain text: no raw HTML but the chart
  blocks, no math, citation, code, link or image of the user's, no Quarto shortcode;
* in headless Chromium (networking off) nothing runs, nothing loads, every chart draws, the
  page and the map's tooltips show the strings as typed;
* the PDF's text (typst's own reading of the document, and ``pdftotext`` where installed)
  shows them as typed;
* the Vega-Lite specs carry user text only as values (data, titles, descriptions, sort orders,
  scale domains), never as a field name, an expression or a URL.
"""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pypandoc
import pytest
import typst
import yaml
from click.testing import CliRunner

from _chromium import Chromium
from _tools import require_tool
from conftest import copy_study
from personas.cli import main
from personas.pipeline.study import simulate_study
from personas.report._build_escape import printable
from personas.report._pandoc import typst_source

pytestmark = pytest.mark.slow  # builds and renders a full hostile run (pandoc, typst)

PAYLOAD = (
    "<script>document.title='PWNED'</script> "
    '<img src=x onerror="document.body.dataset.pwned=1"> {{< pagebreak >}} *b* _u_ '
    "[a](javascript:alert(1)) <http://x.y> $x$ @cite `t` ``` |\n\"q\" 'q' <!-- &amp; \\ "
    "::: {.c} -- ... -? :smile: \\(m\\) \x1b[1m\u2028"
)
# Most strings get a shorter payload: they are drawn in the charts, where long text is slow
# to measure (vl-convert), and the full one is in at least one string of every kind.
SHORT = (
    '<img src=x onerror="document.body.dataset.pwned=1"> *b* [a](javascript:x) | '
    "{{< pagebreak >}}\n$x$ \\(m\\) 'q' \x1b"
)
# Block starters: a value must not open a heading, list, quote, fenced div, rule or table.
LEADS = ["# ", "- ", "1. ", "> ", "::: ", "--- ", ": ", "| ", "+ ", "= "]
WAVE = 'w<img src=x onerror="document.body.dataset.pwned=1"> $x$ *b* &amp; {{< pagebreak >}}\u2028'
RESPONDENT = '<img src=x onerror="document.body.dataset.pwned=1">R{}</script>|*r*\x1b'
ALL_CHARTS_DRAWN = (
    "[...document.querySelectorAll('.personas-chart')]"
    ".every(f => f.querySelector('svg, canvas') || f.classList.contains('personas-chart-failed'))"
)
RENDER = """
import sys
from pathlib import Path
from personas.report.build import build_report
from personas.report.render import render_report
from personas.report.study_page import build_study_page
run = Path(sys.argv[1])
build_report(run)
render_report(run, to=["html", "pdf"], engine="pandoc")
build_study_page(run.parent)
render_report(run.parent, to="html", engine="pandoc")
"""


def evil(tag: str, i: int = 0, payload: str = PAYLOAD) -> str:
    return f"{LEADS[i % len(LEADS)]}{tag} {payload}"


def _pick(i: int) -> str:
    """The full payload for the first string of a kind, the shorter one for the others."""
    return PAYLOAD if i == 0 else SHORT


def _hostile_instrument(study: Path) -> list[str]:
    """Payloads into instrument.yaml, truth.yaml and a new names.yaml; returns the options."""
    inst = yaml.safe_load((study / "instrument.yaml").read_text(encoding="utf-8"))
    inst["study"]["title"] = evil("STUDYTITLE")
    for i, t in enumerate(inst["tensions"]):
        a, b = evil(f"POLEA{i}", i + 1, _pick(i)), evil(f"POLEB{i}", i + 2, SHORT)
        t.update(label=evil(f"TLABEL{i}", i, _pick(i)), a=a, b=b)
    for i, q in enumerate(inst["questions"]):
        q["text"] = evil(f"QTEXT{i}", i, _pick(i))
    options = [evil("OPT0", 3), evil("OPT1", 4), "plain"]
    inst["questions"].append(
        {"id": "device", "type": "choice", "text": evil("QCHOICE", 5), "options": options}
    )
    for i, p in enumerate(inst["personas"]):
        p.update(name=evil(f"PNAME{i}", i, _pick(i)), summary=evil(f"PSUMMARY{i}", i))
    inst["data"]["missing"].append("<b>NA</b> *m*")
    (study / "instrument.yaml").write_text(yaml.safe_dump(inst, sort_keys=False), "utf-8")
    truth = yaml.safe_load((study / "truth.yaml").read_text(encoding="utf-8"))
    planted = {"perfectionist": options[0], "climber": options[1]}
    for seg in truth["segments"]:
        if seg["id"] in planted:
            seg.setdefault("answers", {})["device"] = planted[seg["id"]]
    (study / "truth.yaml").write_text(yaml.safe_dump(truth, sort_keys=False), "utf-8")
    names = [
        {"name": evil("SEGNAME0", 6), "persona": "survivor"},
        {"name": evil("SEGNAME1", 7, SHORT), "persona": "perfectionist"},
    ]
    (study / "names.yaml").write_text(
        yaml.safe_dump({"schema": "personas/names@1", "names": names}), "utf-8"
    )
    return options


def _hostile_ids(wave: Path) -> None:
    with wave.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    col, ids = rows[0].index("respondent_id"), {}
    for row in rows[1:]:
        row[col] = ids.setdefault(row[col], RESPONDENT.format(len(ids)))
    with wave.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _hand_made_map(run: Path, personas: list[dict]) -> None:
    """The map's files as the embedding would write them (no UMAP in this test)."""
    rng = np.random.default_rng(0)
    assigned = pd.read_csv(run / "assignments.csv", dtype={"respondent": str})
    centre = assigned["segment"].to_numpy() * 10.0
    frame = assigned[["respondent", "segment"]].assign(
        x=centre + rng.normal(size=len(assigned)), y=-centre + rng.normal(size=len(assigned))
    )
    frame[["respondent", "x", "y", "segment"]].to_csv(run / "embedding.csv", index=False)
    marks = pd.DataFrame(
        {
            "persona": [p["id"] for p in personas],
            "name": [p["name"] for p in personas],
            "x": -50.0 - 10 * np.arange(len(personas)),  # away from the dots: hover hits a dot
            "y": 50.0 + 10 * np.arange(len(personas)),
        }
    )
    marks.to_csv(run / "landmarks.csv", index=False)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile study run and rendered: ``(run folder, summary, options)``."""
    root = tmp_path_factory.mktemp("hostile")
    study = copy_study(root)
    options = _hostile_instrument(study)
    wave, _ = simulate_study(study, n=300, random_state=0, wave=WAVE)
    _hostile_ids(wave)
    run = root / "reports" / "jobsite" / printable(WAVE)
    result = CliRunner().invoke(
        main, ["run", str(study), "--wave", WAVE, "--out", str(run), "--no-report"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    _hand_made_map(run, summary["personas"])
    # A subprocess: vl-convert used to abort the whole process on a control character.
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(run)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return run, summary, options


def _shown(summary: dict) -> list[str]:
    """User strings the report must show, as a reader sees them (whitespace collapsed)."""
    strings = [summary["study"]["title"], summary["wave"], summary["inputs"]["file"]]
    strings += [p["name"] for p in summary["personas"]]
    strings += [t["label"] for t in summary["tensions"]]
    for seg in summary["segments"]:
        strings += [seg["name"], seg["medoid"]]
        top = max(seg["distinctive"], key=lambda d: abs(d["difference"]))
        strings.append(top["text"])
    return strings


def _squeeze(text: str) -> str:
    return "".join(printable(text).split())


def _missing(strings: list[str], text: str) -> list[str]:
    found = _squeeze(text)
    return [s for s in strings if _squeeze(s) not in found]


def test_the_run_holds_every_payload(hostile):
    """The hostile strings reached the run, so the checks below are about them."""
    _, summary, options = hostile
    assert "STUDYTITLE" in summary["study"]["title"] and "onerror" in summary["wave"]
    assert "SEGNAME0" in json.dumps(summary) and "SEGNAME1" in json.dumps(summary)
    assert all("onerror" in s["medoid"] for s in summary["segments"])
    assert "onerror" in summary["inputs"]["file"]
    answers = {
        d.get("label") or d.get("answer") for s in summary["segments"] for d in s["distinctive"]
    }
    assert set(options[:2]) & answers


def _ast_nodes(node, out: list) -> list:
    if isinstance(node, dict):
        if "t" in node:
            out.append(node)
        for value in node.values():
            _ast_nodes(value, out)
    elif isinstance(node, list):
        for value in node:
            _ast_nodes(value, out)
    return out


@pytest.mark.parametrize("page", ["run", "study"])
def test_pandoc_reads_user_text_as_plain_text(hostile, page):
    run = hostile[0] if page == "run" else hostile[0].parent
    qmd = (run / "index.qmd").read_text(encoding="utf-8")
    assert "{{<" not in qmd  # no Quarto shortcode, anywhere (raw blocks and attributes too)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]", qmd)
    front = yaml.safe_load(qmd.split("\n---\n", 1)[0].removeprefix("---\n"))
    assert "<" not in front["title"] and "STUDYTITLE" in front["title"]
    # pandoc's markdown, and the same with the extensions a Quarto project may turn on
    # ("\\(" and "\\[" open math, ":name:" is an emoji)
    for reader in ("markdown", "markdown+tex_math_single_backslash+tex_math_double_backslash"):
        strict = _ast_nodes(
            json.loads(pypandoc.convert_text(qmd, "json", format=reader + "+emoji")), []
        )
        assert not {n["t"] for n in strict} & {"Math", "Cite", "RawInline"}
        assert not [n for n in strict if n["t"] == "Span" and "emoji" in n["c"][0][1]]
    ast = json.loads(pypandoc.convert_text(qmd, "json", format="markdown"))
    nodes = _ast_nodes(ast["blocks"], []) + _ast_nodes(ast["meta"], [])
    kinds = {n["t"] for n in nodes}
    assert not kinds & {"Math", "Cite", "RawInline", "Quoted", "Underline", "Strikeout"}
    assert not kinds & {"BlockQuote", "HorizontalRule", "DefinitionList", "LineBlock"}
    assert all(_text(n) in ("Agreement",) for n in nodes if n["t"] == "Emph")
    raw = [n["c"][1] for n in nodes if n["t"] == "RawBlock"]
    assert all(n["c"][0] == "html" for n in nodes if n["t"] == "RawBlock")
    assert all(re.match(r"<(figure|script)[ >]", text) for text in raw)
    assert not any("<script>document" in text or "<img" in text for text in raw)
    links = [n["c"][2][0] for n in nodes if n["t"] == "Link"]
    assert all(href.startswith("#") or href.endswith("/index.html") for href in links), links
    assert all("%3C" in h or h.startswith("#") for h in links)  # the wave's link is URL-encoded
    images = [n["c"][2][0] for n in nodes if n["t"] == "Image"]
    assert all(re.fullmatch(r"charts/[\w-]+\.svg", src) for src in images), images
    code = [n["c"][1] for n in nodes if n["t"] in ("Code", "CodeBlock")]
    assert all(
        re.fullmatch(r"[0-9a-f]{64}|exclusions\.csv|personas run --baseline", c) for c in code
    )
    assert all(n["c"][0] >= 2 for n in nodes if n["t"] == "Header")  # the title is level 1
    if page == "run":  # a leaked "|" would split a name over two cells of its table row
        cells = {_text(cell[4]) for n in nodes if n["t"] == "Table" for cell in _cells(n)}
        names = [" ".join(printable(p["name"]).split()) for p in hostile[1]["personas"]]
        assert names and all(name in cells for name in names)


def _cells(table: dict) -> list:
    """The body cells of a pandoc Table node (rows and cells are untagged lists)."""
    return [cell for body in table["c"][4] for row in body[3] for cell in row[1]]


def _text(node) -> str:
    """The plain text of a pandoc AST node."""
    if isinstance(node, list):
        return "".join(_text(n) for n in node)
    if not isinstance(node, dict):
        return ""
    if node.get("t") == "Str":
        return node["c"]
    if node.get("t") in ("Space", "SoftBreak", "LineBreak"):
        return " "
    return _text(node.get("c", []))


def _chart_specs(qmd: str) -> list[dict]:
    found = re.findall(r'class="personas-chart-spec" data-target="[\w-]+">(.*?)</script>', qmd)
    return [json.loads(text) for text in found]


def _user_paths(node, path: str, out: set) -> set:
    """The spec paths (list indices and dataset names dropped) whose strings hold payloads."""
    if isinstance(node, dict):
        for key, value in node.items():
            assert "PWNED" not in key and "pwned" not in key, path  # never a field name
            _user_paths(value, re.sub(r"^/datasets/[^/]+", "/datasets", f"{path}/{key}"), out)
    elif isinstance(node, list):
        for value in node:
            _user_paths(value, path + "[]", out)
    elif isinstance(node, str) and ("PWNED" in node or "pwned" in node):
        out.add(path)
    return out


ALLOWED = re.compile(
    r"(/datasets\[\]/\w+|/description|(/layer\[\])?/title/text"
    r"|(/layer\[\])?/encoding/\w+/(sort\[\]|scale/domain\[\]))"
)


@pytest.mark.parametrize("page", ["run", "study"])
def test_chart_specs_hold_user_text_only_as_values(hostile, page):
    run = hostile[0] if page == "run" else hostile[0].parent
    qmd = (run / "index.qmd").read_text(encoding="utf-8")
    specs = _chart_specs(qmd)
    assert len(specs) == qmd.count('<figure class="personas-chart"') >= (9 if page == "run" else 1)
    paths = set().union(*(_user_paths(spec, "", set()) for spec in specs))
    assert paths and all(ALLOWED.fullmatch(p) for p in paths), sorted(paths)
    text = json.dumps(specs)
    assert '"href"' not in text and '"url"' not in text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]", "".join(_strings(specs)))


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


PAGE_FACTS = """({
  title: document.title,
  pwned: document.body.dataset.pwned ?? null,
  images: document.images.length,
  frames: document.querySelectorAll('iframe, object, embed').length,
  scripts: [...document.scripts].filter(s => s.type !== 'application/json')
    .map(s => s.textContent.includes('PWNED')),
  links: [...document.querySelectorAll('[href], [src]')]
    .map(e => e.getAttribute('href') ?? e.getAttribute('src')),
  charts: document.querySelectorAll('.personas-chart').length,
  failed: document.querySelectorAll('.personas-chart-failed').length,
  text: document.body.innerText,
})"""


@pytest.mark.browser
def test_nothing_runs_in_the_browser_and_the_text_reads_as_typed(hostile, tmp_path):
    run, summary, _ = hostile
    with Chromium(tmp_path / "profile") as browser:
        for path in (run / "index.html", run.parent / "index.html"):
            page = browser.open(path.as_uri(), ready=ALL_CHARTS_DRAWN)
            browser.pump(0.5)
            facts = page.evaluate(PAGE_FACTS)
            assert facts["pwned"] is None and facts["images"] == facts["frames"] == 0
            assert "STUDYTITLE" in facts["title"] and facts["title"] != "PWNED"
            assert facts["scripts"] and not any(facts["scripts"])
            assert not [h for h in facts["links"] if not h.startswith("#") and ":" in h]
            assert facts["charts"] >= 1 and facts["failed"] == 0
            assert page.console_errors == page.exceptions == page.log_errors == []
            assert [u for u in page.requests if not u.startswith("file://")] == []
            strings = [summary["study"]["title"], summary["wave"]]
            if path.parent == run:
                strings = _shown(summary)
                qmd = (run / "index.qmd").read_text(encoding="utf-8")
                assert facts["charts"] == qmd.count('<figure class="personas-chart"')
                assert "'PWNED'" in facts["text"] and "‘" not in facts["text"]
            assert _missing(strings, facts["text"]) == []
            if path.parent == run:
                _check_map_tooltip(browser, page)


def _check_map_tooltip(browser, page) -> None:
    """Hover a dot of the map: Vega's tooltip shows the respondent id as text."""
    x, y = page.evaluate(
        "(() => { const dot = document.querySelector('#chart-map .mark-symbol path');"
        " dot.scrollIntoView({block: 'center'}); const r = dot.getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
    )
    browser.call(
        "Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y}, session=page.session
    )
    page.wait_for("document.querySelector('#vg-tooltip-element.visible') !== null")
    tip = page.evaluate(
        "(() => { const t = document.getElementById('vg-tooltip-element');"
        " return [t.textContent, t.querySelectorAll('*:not(table, tbody, tr, td)').length]; })()"
    )
    assert "</script>|*r*" in tip[0] and '<img src=x onerror="' in tip[0]
    assert tip[1] == 0  # text only: no element made from the id
    assert page.evaluate("document.body.dataset.pwned ?? null") is None


def _typst_text(node) -> str:
    """The text of typst's content JSON (from ``typst.query``), symbols included."""
    if isinstance(node, dict):
        if node.get("func") in ("text", "symbol"):
            return node["text"]
        if node.get("func") in ("space", "linebreak", "parbreak"):
            return " "
        if node.get("func") == "smartquote":
            return "‘"  # a quote typst would curl: the user typed a straight one
        return "".join(_typst_text(v) for k, v in node.items() if k not in ("supplement",))
    if isinstance(node, list):
        return "".join(_typst_text(v) for v in node)
    return ""


def test_the_pdf_shows_the_text_as_typed(hostile):
    run, summary, _ = hostile
    assert (run / "index.pdf").read_bytes().startswith(b"%PDF")
    source = typst_source(run / "index.qmd")
    selector = "selector(heading).or(par).or(list).or(enum).or(table).or(figure)"
    text = _typst_text(json.loads(typst.query(source, selector, root=str(run))))
    assert "‘" not in text and "'PWNED'" in text and "-- ... -?" in text
    assert _missing(_shown(summary)[1:], text) == []  # [0], the title, is not a paragraph:
    pdf = (run / "index.pdf").read_bytes()  # but it is the PDF's title (XMP metadata, UTF-8)
    title = re.search(rb'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">(.*?)<', pdf).group(1)
    assert _missing(_shown(summary)[:1], html.unescape(title.decode("utf-8"))) == []


def test_the_pdf_text_layer_shows_the_names_as_typed(hostile):
    run, summary, _ = hostile
    pdftotext = require_tool("pdftotext", install="apt-get install -y poppler-utils")
    done = subprocess.run(
        [pdftotext, str(run / "index.pdf"), "-"], capture_output=True, text=True, check=True
    )
    names = [summary["study"]["title"]] + [s["name"] for s in summary["segments"]]
    assert _missing(names, done.stdout) == []

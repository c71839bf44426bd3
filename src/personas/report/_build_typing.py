"""The report's typing section, shown when the run folder holds a ``typing.json``.

``personas typing RUN`` writes that file; ``personas report RUN`` then rebuilds the report
with this section: the screener's questions, its accuracy against the number of questions
(chart ``charts/typing.svg``) and which segments it confuses. Everything user-supplied is
escaped (:func:`~personas.report._build_escape.md`).
"""

from __future__ import annotations

import json
from pathlib import Path

import vl_convert

from personas import charts
from personas.report._build_charts import _vl_version
from personas.report._build_escape import Markdown, clean_spec, md
from personas.report.render import chart_block
from personas.run.files import Run

__all__ = ["typing_section"]


def _load(folder: Path) -> dict | None:
    path = folder / "typing.json"
    if not path.is_file():
        return None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    if not isinstance(content, dict) or content.get("schema") != "personas/typing@1":
        return None
    return content


def _chart(typing: dict, folder: Path) -> str:
    spec = clean_spec(charts.typing_accuracy_chart(typing).to_dict())
    version = _vl_version()
    svg = vl_convert.vegalite_to_svg(spec, **({"vl_version": version} if version else {}))
    (folder / "charts").mkdir(exist_ok=True)
    (folder / "charts" / "typing.svg").write_text(svg, encoding="utf-8")
    return chart_block("typing", spec, alt=charts.alt_text(spec), caption="Screener accuracy")


def typing_section(run: Run, folder: Path) -> Markdown | None:
    """The section's markdown (and ``charts/typing.svg``), or ``None`` without typing.json."""
    from personas.typing import confused_pairs

    typing = _load(Path(folder))
    if typing is None:
        (Path(folder) / "charts" / "typing.svg").unlink(missing_ok=True)
        return None
    names = typing.get("names") or {}
    texts = {q["id"]: q.get("text", "") for q in typing["rule"]["questions"]}
    reached = "reaching" if typing["reached"] else "short of"
    lines = [
        "## Recognising these personas: the screener",
        "",
        f"{len(typing['questions'])} questions put a person into the right persona "
        f"{100 * typing['accuracy']:.0f}% of the time ({reached} the target of "
        f"{100 * typing['target']:.0f}%), measured on respondents held out of "
        f"{typing['folds']}-fold cross-validation"
        f"{' and weighted by the survey weights' if typing.get('weighted') else ''}. "
        "Export them with "
        "`personas instrument STUDY --typing RUN`; type new people with "
        "`personas assign RUN --typing`.",
        "",
    ]
    lines += [
        f"{i}. {md(texts.get(q, ''))} ({md(q)})" for i, q in enumerate(typing["questions"], 1)
    ]
    lines += ["", _chart(typing, Path(folder)), ""]
    pairs = confused_pairs(typing)
    if pairs:
        lines += ["| Persona | Typed as | Share |", "|:---|:---|---:|"]
        for p in pairs:
            seg = names.get(str(p["segment"]), f"Segment {p['segment']}")
            given = names.get(str(p["given"]), f"Segment {p['given']}")
            lines.append(f"| {md(seg)} | {md(given)} | {100 * p['share']:.0f}% |")
        lines += ["", ": The screener's most frequent mistakes (held-out respondents)", ""]
    else:
        lines += ["The screener made no mistake on the held-out respondents.", ""]
    return Markdown("\n".join(lines))

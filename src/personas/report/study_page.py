"""The study page: each segment's share over the waves, with a link to every wave's report.

``reports/<study>/index.qmd`` is rebuilt after every run of the study from the saved runs in
``reports/<study>/*/summary.json`` (read as typed summaries, nothing else), and rendered like
a run's report. Segments are followed across waves by name: a wave run with ``--baseline``
carries its matched segments' names and colours over, so a persona keeps its line and its
colour.

Waves are ordered by their baseline chain where runs name one, otherwise by name in natural
order (``wave-2`` before ``wave-10``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import vl_convert

from personas._atomic import write_text_atomic
from personas.charts import alt_text, shares_over_waves_chart
from personas.errors import InputError
from personas.report._build_escape import _escape_md, clean_spec, yaml_string
from personas.report.render import chart_block, chart_bootstrap_html, write_support_files
from personas.run.files import read_json
from personas.run.schema import SUMMARY_SCHEMA, Summary

__all__ = ["study_runs", "build_study_page"]


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def study_runs(folder: Path) -> list[tuple[Path, Summary]]:
    """The saved runs directly under ``folder``, in wave order: ``[(run folder, summary)]``.

    A folder whose ``summary.json`` is of another schema, or damaged, is not a wave of the
    page (its own ``personas report`` says what is wrong with it).
    """
    runs = []
    for path in sorted(Path(folder).glob("*/summary.json")):
        found = read_json(path)
        if isinstance(found, dict) and found.get("schema") == SUMMARY_SCHEMA:
            try:
                runs.append((path.parent, Summary.from_json(found, file=str(path))))
            except InputError:
                continue
    by_folder = {p.name: i for i, (p, _) in enumerate(runs)}

    def depth(item) -> int:
        seen, summary, n = set(), item[1], 0
        while summary.baseline and (base := summary.baseline.run) and n < len(runs):
            name = Path(base).name
            if name in seen or name not in by_folder:
                break
            seen.add(name)
            summary, n = runs[by_folder[name]][1], n + 1
        return n

    return sorted(runs, key=lambda item: (depth(item), _natural(item[0].name)))


def _rows(runs: list[tuple[Path, Summary]]) -> list[dict]:
    rows = []
    for order, (_, summary) in enumerate(runs):
        for seg in summary.segments:
            low, high = seg.share_ci or (seg.share, seg.share)
            rows.append(
                {
                    "wave": summary.wave,
                    "order": order,
                    "segment": seg.name,
                    "share": seg.share,
                    "low": low,
                    "high": high,
                    "color": seg.id - 1 if "color" in seg.absent else seg.color,
                }
            )
    return rows


def _wave_table(runs: list[tuple[Path, Summary]]) -> list[str]:
    lines = ["| wave | respondents | segments | what changed | report |", "|---|--:|--:|---|---|"]
    for folder, s in runs:
        base = s.baseline
        names = {seg.id: seg.name for seg in s.segments}
        changes = []
        for seg in base.segments if base else []:
            name = _escape_md(seg.name or names.get(seg.id) or "a segment")
            if seg.change == "new":
                changes.append(f"new: {name}")
            elif seg.change != "stable":
                changes.append(f"{name} {seg.change}")
        changed = "; ".join(changes) if base and base.to_json() else "first wave"
        href = quote(folder.name) + "/index.html"
        link = f"[open]({href})" if (folder / "index.html").exists() else "–"
        lines.append(
            f"| {_escape_md(s.wave)} | {s.respondents.kept:,} | {s.k} | "
            f"{changed or 'no significant change'} | {link} |"
        )
    return lines


def _source(runs: list[tuple[Path, Summary]], chart_markdown: str) -> str:
    latest = runs[-1][1]
    title = latest.study.title or latest.study.id
    n = len(runs)
    lines = [
        "---",
        f"title: {yaml_string(title)}",
        f"subtitle: {yaml_string(f'{n} wave' + ('s' if n != 1 else ''))}",
        "lang: en",
        "format:",
        "  html:",
        "    toc: false",
        "    css: report.css",
        "    include-in-header: _vega.html",
        "---",
        "",
        "Each line follows one data-driven persona from wave to wave; a persona keeps its "
        "name and colour when a wave is compared with the one before it "
        "(`personas run --baseline`).",
        "",
        chart_markdown,
        "",
        "## Waves",
        "",
        *_wave_table(runs),
        "",
        "```{=html}",
        chart_bootstrap_html(),
        "```",
        "",
    ]
    return "\n".join(lines)


def build_study_page(folder: str | os.PathLike) -> Path | None:
    """Write ``folder/index.qmd`` (and its support files) from the runs under ``folder``.

    Returns the written path, or ``None`` when the folder holds no run.
    """
    folder = Path(folder)
    runs = study_runs(folder)
    if not runs:
        return None
    chart = shares_over_waves_chart(_rows(runs))
    spec = clean_spec(chart.to_dict())  # no control characters: see clean_spec
    svg_spec = {**spec, "width": 640}  # charts/ is not locked: the shared helper is safe there
    write_text_atomic(folder / "charts" / "waves.svg", vl_convert.vegalite_to_svg(svg_spec))
    block = chart_block("waves", spec, alt=alt_text(spec), caption="Segments over the waves")
    write_support_files(folder)
    # update_study_page holds the folder's lock (and removes stale .index.*.tmp files)
    return write_text_atomic(folder / "index.qmd", _source(runs, block), lock=False)

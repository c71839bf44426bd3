"""``personas plan``: simulate the grid, write ``plan.json`` and a page with the power curve.

The folder (default ``reports/<study>/plan``) is written whole and atomically: ``plan.json``
(schema ``personas/plan@1``), ``index.qmd`` and ``index.html`` (rendered offline like every
report, through :func:`personas.report.render.render_report`), ``charts/power.svg``.
"""

from __future__ import annotations

import json
from pathlib import Path

import vl_convert

from personas.plan.core import Plan, simulate_plan

__all__ = ["plan_study", "plan_page_source"]


def _when(value) -> str:
    return f"{value:,}" if value is not None else "more than the grid"


def plan_page_source(plan: Plan, chart_markdown: str) -> str:
    """The page's Quarto markdown: the power curve, then the sample size each persona needs."""
    from personas.report._build_escape import _escape_md, yaml_string
    from personas.report.render import chart_bootstrap_html

    runs = plan.grid["runs"]
    lines = [
        "---",
        f"title: {yaml_string(f'How many respondents: {plan.study}')}",
        f"subtitle: {yaml_string(str(runs) + ' simulated waves per sample size and noise level')}",
        "lang: en",
        "format:",
        "  html:",
        "    toc: false",
        "    css: report.css",
        "    include-in-header: _vega.html",
        "---",
        "",
        "Each point is the share of simulated waves (read, cleaned, segmented and compared as "
        "`personas run` does) in which the persona got the verdict its planting implies; bars "
        f"are 95% Wilson intervals. The right number of segments is {plan.right_k}.",
        "",
        chart_markdown,
        "",
        "| Persona | Right verdict | Noise | n for 80% | n for 90% |",
        "|:---|:---|---:|---:|---:|",
    ]
    for row in plan.needed:
        lines.append(
            f"| {_escape_md(row['name'])} | {plan.expected[row['persona']]} | {row['noise']:g} | "
            f"{_when(row['80'])} | {_when(row['90'])} |"
        )
    lines += ["", ": The smallest sample size from which on each persona gets its verdict", ""]
    lines += ["| Noise | n | Right k |", "|---:|---:|---:|"]
    lines += [f"| {r['noise']:g} | {r['n']:,} | {100 * r['p']:.0f}% |" for r in plan.k_rows]
    lines += ["", ": How often the number of segments came out right", ""]
    lines += ["```{=html}", chart_bootstrap_html(), "```", ""]
    return "\n".join(lines)


def _write_page(plan: Plan, folder: Path) -> None:
    from personas.charts import alt_text, power_chart
    from personas.report._build_escape import clean_spec
    from personas.report.render import chart_block, render_report, write_support_files

    rows = [{**r, "persona": r["name"]} for r in plan.rows]
    spec = clean_spec(power_chart(rows).to_dict())
    (folder / "charts").mkdir(exist_ok=True)
    svg = vl_convert.vegalite_to_svg({**spec, "width": 640})
    (folder / "charts" / "power.svg").write_text(svg, encoding="utf-8")
    block = chart_block("power", spec, alt=alt_text(spec), caption="Power curve")
    write_support_files(folder)
    (folder / "index.qmd").write_text(plan_page_source(plan, block), encoding="utf-8", newline="\n")
    render_report(folder, to=("html",))


def plan_study(
    study_dir: str | Path,
    *,
    out: str | Path,
    n=(200, 500, 1000, 2000, 5000),
    noise=(0.1, 0.2),
    runs: int = 20,
    random_state: int = 0,
    n_jobs: int = -1,
) -> Plan:
    """``personas plan``: :func:`~personas.plan.core.simulate_plan`, then write ``out``."""
    from personas._atomic import check_out_folder
    from personas.run.files import _round_floats, atomic_folder

    out = Path(out)
    check_out_folder(out, kind="plan")
    plan = simulate_plan(
        study_dir, n=n, noise=noise, runs=runs, random_state=random_state, n_jobs=n_jobs
    )
    with atomic_folder(out, kind="plan") as tmp:
        text = json.dumps(
            _round_floats(plan.to_dict()), indent=2, sort_keys=True, ensure_ascii=False
        )
        (tmp / "plan.json").write_text(text + "\n", encoding="utf-8")
        _write_page(plan, tmp)
    return plan

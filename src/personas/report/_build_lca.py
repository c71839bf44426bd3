"""The report's latent class analysis parts, for a run made with ``--method lca``.

* the method panel: BIC against k (``charts/bic.svg``) in a tab beside the elbow and the
  silhouette of the k-modes sweep of the same answers (``kmodes-elbow``,
  ``kmodes-silhouette``), a table of BIC, AIC, relative entropy and smallest class per k, and
  the adjusted Rand index between the LCA and k-modes segmentations;
* on each persona card: how many members are classified with a posterior of at least 0.8.

Everything comes from the run's typed summary (its ``lca`` record and the ``confident`` count
of each segment); nothing is shown for other methods.
"""

from __future__ import annotations

from collections.abc import Mapping

from personas import charts
from personas.report._build_escape import Markdown
from personas.report._build_text import number, percent
from personas.run.schema import SegmentRecord, SelectionRow, Summary

__all__ = ["lca_charts", "lca_section", "confident_words"]


def _chosen(summary: Summary) -> int | None:
    """The k the run used: the selection's choice, else the run's k."""
    sel = summary.selection_summary
    return summary.k if sel is None or "chosen" in sel.absent else sel.chosen


def lca_charts(summary: Summary) -> list[tuple[str, object, str]]:
    """(name, chart, caption) of an LCA run's method panel; empty for other methods."""
    lca = summary.lca
    if lca is None:
        return []
    out = [("bic", charts.bic_chart(summary.selection, chosen=_chosen(summary)),
            "BIC by number of latent classes")]  # fmt: skip
    other = lca.kmodes
    if other is not None and other.selection:
        sel = other.selection_summary
        rows, k = other.selection, other.k
        knee = sel.knee if sel else None
        best = sel.best_silhouette if sel else None
        out += [
            ("kmodes-elbow", charts.elbow_chart(rows, knee=knee, chosen=k),
             "k-modes: cost by number of segments"),
            ("kmodes-silhouette", charts.silhouette_chart(rows, chosen=k, best=best),
             "k-modes: silhouette by number of segments"),
        ]  # fmt: skip
    return out


def _table(rows: list[SelectionRow]) -> list[str]:
    lines = [
        "| k | BIC | AIC | Relative entropy | Smallest class |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if (row.status or "ok") != "ok" or row.bic is None:
            lines.append(f"| {int(row.k)} | could not be fitted | | | |")
            continue
        lines.append(
            f"| {int(row.k)} | {row.bic:,.0f} | {row.aic:,.0f} | "
            f"{row.entropy:.2f} | {percent(row.smallest, digits=1)} |"
        )
    return lines + ["", ": The latent class models tried (lower BIC and AIC are better)", ""]


def lca_section(summary: Summary, blocks: Mapping) -> Markdown | None:
    """The LCA method panel (markdown with the chart blocks), or None for other methods."""
    lca = summary.lca
    if lca is None or "bic" not in blocks:
        return None
    lines = [
        "#### Latent class analysis",
        "",
        "Latent class analysis models each person as belonging to one of k classes, each with "
        "its own chance of every answer, and gives everyone a probability of belonging to each "
        "class (StepMix). The number of classes is the one with the lowest BIC (Bayesian "
        "information criterion), which balances how well the model fits against how many "
        "classes it needs; relative entropy says how clearly people are classified "
        "(1 = everyone certainly in one class).",
        "",
        *_table(summary.selection),
    ]
    other = lca.kmodes
    tabs = [("BIC (latent classes)", "bic"), ("k-modes: elbow", "kmodes-elbow"),
            ("k-modes: separation", "kmodes-silhouette")]  # fmt: skip
    lines += ["::: {.panel-tabset}"]
    for title, name in tabs:
        if name in blocks:
            lines += [f"##### {title}", "", str(blocks[name].markdown), ""]
    lines += [":::", ""]
    if other:
        lines.append(
            f"The k-modes sweep of the same answers chooses {other.k} segments. The two "
            f"groupings agree at {other.adjusted_rand:.2f} on a 0–1 scale (adjusted Rand "
            "index: 1 = the same groups, 0 = no more alike than chance)."
        )
        lines.append("")
    return Markdown("\n".join(lines))


def confident_words(summary: Summary, seg: SegmentRecord) -> Markdown | None:
    """ "412 of 430 members (96%) are classified with a probability of 0.8 or more", or None."""
    lca = summary.lca
    if lca is None or seg.confident is None:
        return None
    size, sure = int(seg.size), int(seg.confident)
    share = percent(sure / size) if size else percent(0)
    return Markdown(
        f"{number(sure)} of {number(size)} members ({share}) are classified with a "
        f"probability of {0.8 if lca.confident_threshold is None else lca.confident_threshold:g}"
        " or more."
    )

"""What the CLI prints: small rich tables and a progress bar that only shows on a terminal."""

from __future__ import annotations

import re
import sys

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console(highlight=False)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def safe(text) -> str:
    """User text for the terminal: rich markup escaped, control characters made visible."""
    return escape(_CONTROL.sub("\ufffd", str(text)))


_err_console = Console(stderr=True, highlight=False)


class _ProgressBar:
    """A ``progress(step, done, total)`` callable backed by one rich progress bar.

    The step text describes what runs now ("fitting k=4", "stability of k=4"); the bar
    shows the whole job and closes when ``done`` reaches ``total``. A later job (the map)
    opens a new bar.
    """

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task = None

    def __call__(self, step: str, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = Progress(
                TextColumn("{task.description:<28}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=_err_console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(step, total=total)
        self._bar.update(self._task, description=step, completed=done, total=total)
        if done >= total:
            self._bar.stop()
            self._bar, self._task = None, None


def progress():
    """A progress callback on an interactive terminal; ``None`` in CI logs and pipes."""
    return _ProgressBar() if sys.stderr.isatty() else None


def print_ledger(ledger) -> None:
    """The ledger as a small table: loaded, each exclusion reason, kept."""
    table = Table(title="Respondents", title_justify="left", show_header=True)
    table.add_column("")
    table.add_column("n", justify="right")
    table.add_row("loaded", f"{ledger.loaded:,}")
    for reason, n in ledger.counts().items():
        table.add_row(f"  excluded: {safe(reason)}", f"{n:,}")
    table.add_row("kept", f"{ledger.kept:,}", style="bold")
    console.print(table)
    if ledger.weighted:
        console.print(
            f"Weight excluded: {ledger.excluded_weight:,.4g} of "
            f"{ledger.excluded_weight + ledger.kept_weight:,.4g}."
        )
    invalid = (ledger.rules.get("invalid values") or {}).get("cells") or 0
    if invalid:
        console.print(
            f"Read as missing because their question does not allow them "
            f"(--lenient): {invalid:,} answers."
        )


def print_segments(run) -> None:
    """Segments of a saved run: id, name, share with its interval."""
    s = run.typed
    table = Table(title=f"{s.k} segments ({s.method}, seed {s.seed})", title_justify="left")
    for col, justify in (
        ("#", "right"),
        ("segment", "left"),
        ("share", "right"),
        ("95% interval", "right"),
    ):
        table.add_column(col, justify=justify)
    for seg in s.segments:
        lo, hi = seg.share_ci
        table.add_row(
            str(seg.id),
            safe(seg.name or f"Segment {seg.id}"),
            f"{seg.share:.0%}",
            f"{lo:.0%}–{hi:.0%}",
        )
    console.print(table)
    print_weights(run)


def print_weights(run) -> None:
    """One line for a weighted run: that shares are weighted, the range, the effective n."""
    w = run.typed.weights
    if not w:
        return
    console.print(
        f"Weighted by column {safe(w.column)!r} (weights {w.min:.3g}–{w.max:.3g}): "
        f"shares are weighted, intervals use the Kish effective n = {w.n_eff:,.0f} of "
        f"{w.n:,}; excluded weight {w.excluded_weight:,.4g}."
    )


def _uncertain(persona) -> str:
    """' (uncertain: 6/10 refits)' for a verdict that comes back in fewer than 70% of refits."""
    st = persona.stability
    return f" (uncertain: {st.same}/{st.refits} refits)" if st and st.uncertain else ""


def print_verdicts(run) -> None:
    """Hand-made personas against the data: a verdict table, then why, one line each."""
    s = run.typed
    if s.structure and s.structure.clear is False:
        console.print(
            "[bold]No clear segments[/bold]: these answers group hardly better than the same "
            f"answers shuffled question by question (gap {s.structure.gap or 0:.3f}); "
            "no persona is confirmed and no new segment is reported."
        )
    personas = s.personas
    if not personas:
        return
    table = Table(title="Hand-made personas", title_justify="left")
    for col, justify in (
        ("persona", "left"),
        ("verdict", "left"),
        ("segments", "left"),
        ("agreement", "right"),
        ("coverage", "right"),
    ):
        table.add_column(col, justify=justify)
    for p in personas:
        segs = ", ".join(str(x) for x in p.segments) or "–"
        sim, cov = p.similarity, p.coverage
        table.add_row(
            safe(p.name),
            p.verdict + _uncertain(p),
            segs,
            "–" if sim is None else f"{sim:.0%}",
            "–" if cov is None else f"{cov:.0%}",
        )
    console.print(table)
    for reason in dict.fromkeys(p.reason for p in personas if p.reason):
        console.print(f"  • {safe(reason)}")
    new = s.new_segments
    if new:
        console.print(f"New segments (no hand-made persona): {', '.join(map(str, new))}")


def print_shares(result, *, echo=None) -> None:
    """Shares of the new respondents per segment, and how many are far from every segment."""
    echo = echo or console.print
    title = f"{len(result.table):,} new respondents{excluded_note(result)}"
    table = Table(title=title, title_justify="left")
    for col, justify in (("#", "right"), ("segment", "left"), ("n", "right"), ("share", "right")):
        table.add_column(col, justify=justify)
    for row in result.shares.itertuples(index=False):
        table.add_row(str(row.segment), safe(row.name), f"{row.n:,}", f"{row.share:.0%}")
    echo(table)
    far = int(result.table["far"].sum())
    echo(
        f"{far:,} respondents ({far / max(len(result.table), 1):.0%}) are farther from every "
        "segment than 95% of the run's own respondents."
    )


def print_partitioned_shares(result, *, echo=None) -> None:
    """``assign --engine dask``: rows assigned per segment, rows refused per reason, far rows."""
    echo = echo or console.print
    summary = result.summary
    refused = sum(summary["refused"].values())
    title = (
        f"{summary['assigned']:,} of {summary['rows']:,} rows assigned ({summary['files']:,} files)"
    )
    table = Table(title=title, title_justify="left")
    for col, justify in (("#", "right"), ("segment", "left"), ("n", "right"), ("share", "right")):
        table.add_column(col, justify=justify)
    for row in result.shares.itertuples(index=False):
        table.add_row(str(row.segment), safe(row.name), f"{row.n:,}", f"{row.share:.0%}")
    echo(table)
    if refused:
        reasons = ", ".join(f"{n:,} {safe(r)}" for r, n in summary["refused"].items())
        echo(f"{refused:,} rows refused: {reasons} (see refused/).")
    echo(
        f"{summary['far']:,} rows are farther from every segment than 95% of the run's own "
        "respondents."
    )


def print_wave_changes(run) -> None:
    """With a baseline: what grew, shrank, is new or is gone since then, with sizes, first."""
    from personas.report._build_waves import change_phrase, wave_changes

    base = run.typed.baseline
    if not base:
        return
    changes = wave_changes(run.typed)
    since = safe(base.wave or "the baseline wave")
    if not changes:
        console.print(f"Since {since}: no persona changed its share significantly.")
        return
    console.print(f"Since {since}:", style="bold")
    for row in changes:
        console.print(f"  • {safe(change_phrase(row))}")


def excluded_note(result) -> str:
    """``" (32 of 300 rows excluded: 20 speeder, 12 duplicate id; see exclusions.csv)"``,
    or nothing when every row was kept: said next to "N new respondents"."""
    ledger = getattr(getattr(result, "clean", None), "ledger", None)
    if ledger is None or ledger.loaded == ledger.kept:
        return ""
    reasons = ", ".join(f"{n:,} {safe(reason)}" for reason, n in ledger.counts().items())
    return (
        f" ({ledger.loaded - ledger.kept:,} of {ledger.loaded:,} rows excluded: {reasons}; "
        "see exclusions.csv)"
    )


def print_screener(typing: dict, *, echo=None) -> None:
    """The screener found by ``personas typing``: its questions, step by step, and its mistakes."""
    echo = echo or console.print
    names = typing.get("names") or {}
    texts = {q["id"]: q.get("text", "") for q in typing["rule"]["questions"]}
    table = Table(title="Screener (forward selection)", title_justify="left")
    for col, justify in (("#", "right"), ("question", "left"), ("text", "left"),
                         ("CV accuracy", "right")):  # fmt: skip
        table.add_column(col, justify=justify)
    for step in typing["steps"]:
        qid = step["question"]
        table.add_row(str(step["questions"]), safe(qid), safe(texts.get(qid, "")),
                      f"{step['accuracy']:.1%}")  # fmt: skip
    echo(table)
    done = "reaches" if typing["reached"] else "does NOT reach"
    echo(f"{len(typing['questions'])} questions type {typing['respondents']:,} respondents with "
         f"{typing['accuracy']:.1%} {'weighted ' if typing.get('weighted') else ''}"
         f"cross-validated accuracy ({done} the target "
         f"{typing['target']:.0%}).")  # fmt: skip
    from personas.typing import confused_pairs

    for pair in confused_pairs(typing):
        seg = names.get(str(pair["segment"]), f"Segment {pair['segment']}")
        given = names.get(str(pair["given"]), f"Segment {pair['given']}")
        echo(f"  • {pair['share']:.0%} of {safe(seg)} are typed as {safe(given)}")


def print_plan(plan, *, echo=None) -> None:
    """The sample size each persona needs (``personas plan``), per noise level."""
    echo = echo or console.print
    table = Table(
        title=f"Sample size needed ({plan.grid['runs']} simulated waves per cell)",
        title_justify="left",
    )
    for col, justify in (("persona", "left"), ("right verdict", "left"), ("noise", "right"),
                         ("n for 80%", "right"), ("n for 90%", "right")):  # fmt: skip
        table.add_column(col, justify=justify)
    largest = max(plan.grid["n"])
    for row in plan.needed:
        cells = [f"{row[level]:,}" if row[level] is not None else f"> {largest:,}"
                 for level in ("80", "90")]  # fmt: skip
        table.add_row(safe(row["name"]), plan.expected[row["persona"]], f"{row['noise']:g}", *cells)
    echo(table)
    for row in plan.k_rows:
        if row["n"] == largest:
            echo(f"k = {plan.right_k} found in {row['p']:.0%} of the waves of {largest:,} "
                 f"at noise {row['noise']:g}")  # fmt: skip


def print_weighting(result) -> None:
    """What raking did: each margin before and after, convergence, design effect."""
    table = Table(title="Margins", title_justify="left")
    for col, justify in (("column", "left"), ("category", "left"), ("target", "right"),
                         ("unweighted", "right"), ("weighted", "right")):  # fmt: skip
        table.add_column(col, justify=justify)
    for row in result.margins.itertuples(index=False):
        table.add_row(safe(row.column), safe(row.category), f"{row.target:.1%}",
                      f"{row.before:.1%}", f"{row.after:.1%}")  # fmt: skip
    console.print(table)
    r = result.result
    state = "converged" if r.converged else "did NOT converge"
    console.print(
        f"Raking {state} after {r.iterations} passes (largest share error {r.max_error:.2g}); "
        f"{result.kept:,} kept respondents, weights {r.weights.min():.3g}–{r.weights.max():.3g}, "
        f"design effect {r.deff:.2f} (Kish), effective n {r.n_eff:,.0f}."
    )
    if result.unknown:
        console.print(
            f"{result.unknown:,} set-aside rows have an unknown category and got weight 1."
        )


def print_reports(run) -> None:
    """Where each rendered report of ``run`` (and its study page) is."""
    for fmt_name, path in run.reports.items():
        label = "Study page" if fmt_name == "study" else f"Report ({fmt_name})"
        click.echo(f"{label}: {path}")


def print_run(run) -> None:
    """What ``personas run`` says at the end: changes since the baseline, segments, verdicts,
    where the run and its reports are."""
    print_wave_changes(run)
    print_segments(run)
    print_verdicts(run)
    click.echo(f"Run: {run.path}")
    print_reports(run)

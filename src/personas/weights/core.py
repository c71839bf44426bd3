"""``weight_wave``: rake one wave to population margins and write a copy with a weight column.

The respondents that cleaning keeps are raked (they are the ones every share is computed
from), so their weighted margins match the targets. Raking weights are a product of one factor
per category (:mod:`personas.weights.rake`), so respondents that cleaning sets aside get the
weight of their categories too; set-aside respondents whose category is unknown get weight 1
(the mean weight). The input file is never modified: a new CSV file is written, the file's own
columns as read plus the weight column.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from personas._atomic import write_atomic
from personas.cleaning import clean
from personas.errors import DataWarning, InputError, Problem
from personas.instrument.model import Instrument
from personas.io._coerce import text_values
from personas.io.read import read_raw, read_responses
from personas.weights.margins import Margins
from personas.weights.rake import RakeResult, rake

__all__ = ["Weighting", "weight_wave"]

_SHOWN = 20  # bad rows listed one by one per column


@dataclass(frozen=True, repr=False)
class Weighting:
    """The outcome of raking one wave.

    ``path``: the file written; ``column``: the weight column's name; ``result``: the
    :class:`~personas.weights.rake.RakeResult` of the kept respondents; ``margins``: one row
    per column and category with ``target``, ``before`` (unweighted share of the kept
    respondents) and ``after`` (weighted share); ``n``, ``kept``: rows written, respondents
    raked; ``unknown``: set-aside rows given weight 1 for an unknown category.
    """

    path: Path
    column: str
    result: RakeResult
    margins: pd.DataFrame
    n: int
    kept: int
    unknown: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        r = self.result
        state = "converged" if r.converged else "NOT converged"
        return (
            f"Weighting({self.kept:,} respondents, {state} in {r.iterations} passes, "
            f"deff {r.deff:.2f} -> {self.path.name})"
        )


def weight_wave(
    instrument: Instrument,
    data: str | Path,
    margins: Margins,
    *,
    out: str | Path,
    column: str = "weight",
    format: str | None = None,
    lenient: bool | None = None,
    overwrite: bool = False,
) -> Weighting:
    """Rake the kept respondents of ``data`` to ``margins``; write ``out`` with ``column``.

    Parameters
    ----------
    instrument
        The study: the wave is read and cleaned with it, as ``personas run`` would.
    data
        The wave file (only read).
    margins
        Population shares per column of the file (:func:`personas.weights.load_margins`).
    out
        The CSV file to write (refused when it is ``data`` or exists, unless ``overwrite``).
    column
        Name of the new weight column (refused when the file already has it).
    format, lenient
        As for :func:`personas.read_responses`.
    overwrite
        Replace an existing ``out``.

    Raises
    ------
    InputError
        Every problem at once: margin columns the file lacks, kept respondents whose category
        is missing or not in the margins (each row listed), target categories without a kept
        respondent, an output that would overwrite the input or an existing file.

    Warns
    -----
    DataWarning
        The raking did not converge within ``max_iterations`` (the margins may contradict
        each other).
    """
    data, out = Path(data), Path(out)
    _check_output(data, out, overwrite=overwrite)
    plain = replace(instrument, data=replace(instrument.data, weight_column=None))
    responses = read_responses(data, plain, format=format, lenient=lenient)
    cleaned = clean(responses)
    kept = np.isin(
        responses.rows,
        cleaned.ledger.table.loc[cleaned.ledger.table["status"] == "kept", "row"].to_numpy(),
    )
    codes, targets, problems = _categories(responses, margins, kept, file=str(data))
    if column in responses.extra.columns or column in responses.columns.values():
        problems.append(
            Problem(
                f"the file already has a column {column!r}",
                file=str(data),
                column=column,
                hint="choose another name with --column",
                code="weight-column",
            )
        )
    if problems:
        raise InputError(problems)
    result = rake(
        [c[kept] for c in codes],
        targets,
        max_iterations=margins.max_iterations,
        tolerance=margins.tolerance,
    )
    weights, unknown = _all_weights(codes, result)
    weights[kept] = result.weights
    if not result.converged:
        warnings.warn(
            f"raking did not converge in {result.iterations} passes: a weighted share is still "
            f"{result.max_error:.2%} from its target (the margins may contradict each other)",
            DataWarning,
            stacklevel=2,
        )
    table = read_raw(data, format=format, id_column=instrument.data.id_column).frame.copy()
    table[column] = np.round(weights, 6)
    write_atomic(
        out,
        lambda temporary: table.to_csv(
            temporary, index=False, encoding="utf-8", lineterminator="\n"
        ),
    )
    report = _margin_table(codes, targets, kept, result.weights, margins)
    return Weighting(out, column, result, report, int(len(table)), int(kept.sum()), unknown)


def _check_output(data: Path, out: Path, *, overwrite: bool) -> None:
    if out.resolve() == data.resolve():
        raise InputError(
            Problem(
                "the output would replace the input file",
                file=str(out),
                hint="write the weighted wave to a new file (--out)",
                code="same-file",
            )
        )
    if out.exists() and not overwrite:
        raise InputError(
            Problem(
                "file exists",
                file=str(out),
                hint="pass --overwrite to replace it, or choose --out",
                code="exists",
            )
        )


def _categories(responses, margins: Margins, kept: np.ndarray, *, file: str):
    """Per margin the category code of every row (-1 = unknown), the targets, the problems."""
    codes, targets, problems = [], [], []
    extra = responses.extra
    for name, shares in margins.targets.items():
        if name not in extra.columns:
            used = name in responses.columns.values()
            problems.append(
                Problem(
                    f"the file has no column {name!r} for margin {name!r}"
                    + (" that is not a question" if used else ""),
                    file=file,
                    column=name,
                    code="missing-column",
                    hint="margins name columns of the wave file such as age group or region, "
                    "not questions"
                    if used
                    else "check the column name in margins.yaml",
                )
            )
            continue
        names = list(shares)
        values = pd.Series(text_values(extra[name]), dtype=object)
        code = values.map({c: i for i, c in enumerate(names)}).fillna(-1).to_numpy(dtype=np.intp)
        problems += _bad_rows(values, code, kept, responses.rows, name, names, file)
        present = np.bincount(code[kept & (code >= 0)], minlength=len(names))
        problems += [
            Problem(
                f"no kept respondent is in category {c!r} of margin {name!r}, so its "
                f"share {shares[c]:g} cannot be reached",
                file=str(margins.path or ""),
                code="empty-category",
                hint="merge it with a neighbouring category",
            )
            for c, count in zip(names, present, strict=True)
            if count == 0
        ]
        codes.append(code)
        targets.append(np.array([shares[c] for c in names]))
    return codes, targets, problems


def _bad_rows(values, code, kept, rows, name, names, file) -> list[Problem]:
    bad = np.flatnonzero(kept & (code < 0))
    allowed = ", ".join(map(repr, names))
    out = [
        Problem(
            f"margin {name!r} has no category {values.iloc[i]!r}"
            if values.iloc[i] not in (None, "")
            else f"margin {name!r}: the category is missing",
            file=file,
            line=int(rows[i]),
            column=name,
            code="unknown-category",
            hint=f"margins.yaml lists {allowed}",
        )
        for i in bad[:_SHOWN]
    ]
    if bad.size > _SHOWN:
        out.append(
            Problem(
                f"{bad.size - _SHOWN:,} more kept rows have a category margin "
                f"{name!r} does not list",
                file=file,
                column=name,
                code="unknown-category",
            )
        )
    return out


def _all_weights(codes, result: RakeResult) -> tuple[np.ndarray, int]:
    """Every row's weight from the category factors; 1 where a category is unknown."""
    n = codes[0].size
    weights = np.full(n, result.scale)
    unknown = np.zeros(n, dtype=bool)
    for code, factor in zip(codes, result.factors, strict=True):
        unknown |= code < 0
        weights *= np.where(code >= 0, factor[np.maximum(code, 0)], 1.0)
    weights[unknown] = 1.0
    return weights, int(unknown.sum())


def _margin_table(codes, targets, kept, weights, margins: Margins) -> pd.DataFrame:
    rows = []
    for (name, shares), code, target in zip(margins.targets.items(), codes, targets, strict=True):
        k = code[kept]
        before = np.bincount(k, minlength=target.size) / max(k.size, 1)
        after = np.bincount(k, weights=weights, minlength=target.size) / weights.sum()
        for i, category in enumerate(shares):
            rows.append(
                {
                    "column": name,
                    "category": category,
                    "target": float(target[i]),
                    "before": float(before[i]),
                    "after": float(after[i]),
                }
            )
    return pd.DataFrame(rows, columns=["column", "category", "target", "before", "after"])

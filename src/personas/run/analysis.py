"""``analyze`` chains the stages into an :class:`Analysis`; ``save_run`` writes it to disk.

    instrument + Responses (read_responses) ──► clean ─► segment ─► compare ─► embed
                                                  └──────── Analysis ────────┘ ─► save_run ─► Run

The UMAP embedding starts in a background worker as soon as the clean answers exist, so its
numba compilation overlaps the k sweep instead of adding to it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from personas.instrument.model import Instrument
from personas.io.responses import Responses
from personas.run._journal import Journal
from personas.run.files import Run, atomic_folder, load_run, write_json
from personas.run.schema import Summary

if TYPE_CHECKING:  # the stage modules are imported when a wave is analysed, not on import
    from personas.cleaning.model import CleanResponses
    from personas.compare.model import Comparison
    from personas.embed.core import Embedding
    from personas.segment.model import Segmentation

__all__ = ["Analysis", "analyze", "save_run"]

Progress = Callable[[str, int, int], None] | None


@dataclass(frozen=True, repr=False)
class Analysis:
    """Every stage object of one analysed wave, plus the decision journal."""

    instrument: Instrument
    responses: Responses
    clean: CleanResponses
    segmentation: Segmentation
    comparison: Comparison
    embedding: Embedding | None
    journal: tuple[str, ...]
    wave: str
    random_state: int

    def summary(self) -> Summary:
        """The run's :class:`~personas.run.schema.Summary`, exactly as :func:`save_run` would
        write it, without writing anything: every chart of :mod:`personas.charts` draws it."""
        from personas.run._summary import summary_of

        return summary_of(self)

    def __repr__(self) -> str:
        return (
            f"Analysis({self.instrument.study_id!r}, wave={self.wave!r}, "
            f"k={self.segmentation.k}, kept={self.clean.ledger.kept})"
        )


def analyze(
    instrument: Instrument,
    responses: Responses,
    *,
    wave: str | None = None,
    method: str = "auto",
    k="auto",
    random_state: int = 0,
    names=None,
    embedding: bool = True,
    progress: Progress = None,
) -> Analysis:
    """Clean, segment, compare and embed one wave of ``instrument``.

    Parameters
    ----------
    instrument
        The study (:func:`personas.load_instrument`).
    responses
        The wave's answers, already read (:func:`personas.read_responses`): reading is its own
        stage, with its own options (``format``, ``lenient``, ``weights``), so that a wave read
        once can be analysed many ways. The survey weights are the ones it carries.
    wave, method, k, random_state, names, embedding, progress
        The wave's name (default: the file name), the stage options (see
        :func:`personas.segment`, :func:`personas.compare`), whether to draw the map, and a
        progress callback.

    Returns
    -------
    Analysis
        Frozen: every stage's result and the decision journal, nothing written to disk.

    Raises
    ------
    TypeError
        For a path instead of answers (the message says how to read them), or answers read for
        another study.

    Examples
    --------
    >>> from personas import load_instrument, read_responses, analyze
    >>> inst = load_instrument("surveys/jobsite")  # doctest: +SKIP
    >>> answers = read_responses("surveys/jobsite/waves/wave-1.csv", inst)  # doctest: +SKIP
    >>> result = analyze(inst, answers, embedding=False)  # doctest: +SKIP
    >>> result.segmentation.k  # doctest: +SKIP
    5
    """
    from personas.cleaning import clean as clean_responses
    from personas.compare.core import compare
    from personas.segment import segment

    if not isinstance(responses, Responses):
        raise TypeError(
            f"analyze takes answers already read, not {type(responses).__name__}: "
            f"analyze(instrument, read_responses({responses!r}, instrument))"
        )
    if responses.instrument.study_id != instrument.study_id:
        raise TypeError(
            f"these answers were read for study {responses.instrument.study_id!r}, "
            f"not {instrument.study_id!r}"
        )
    instrument = responses.instrument  # with the --weights column, when given
    journal = Journal()
    journal.loaded(responses)
    journal.one_pole(instrument)
    journal.no_tensions(instrument)
    cleaned = clean_responses(responses)
    journal.cleaned(cleaned)
    journal.weighted(cleaned)

    future = None
    if embedding:
        from personas.embed.core import start_embedding

        future = start_embedding(cleaned, random_state=random_state)
    try:
        # the map is drawn on another core meanwhile: the sweep keeps to this one
        segmentation = segment(
            cleaned, method=method, k=k, random_state=random_state, progress=progress,
            n_jobs=1 if future is not None else None,
        )  # fmt: skip
    except BaseException:
        if future is not None:
            future.cancel()
        raise
    journal.extend(segmentation.journal)
    comparison = compare(segmentation, instrument, names=names)
    journal.compared(comparison)
    embedded = None
    if future is not None:
        if progress:
            progress("Drawing the map (UMAP)", 0, 1)
        embedded = future.result().with_labels(segmentation.labels)
        if progress:
            progress("Drawing the map (UMAP)", 1, 1)
        journal.embedded(embedded)
    return Analysis(
        instrument=instrument,
        responses=responses,
        clean=cleaned,
        segmentation=segmentation,
        comparison=comparison,
        embedding=embedded,
        journal=tuple(journal),
        wave=wave or responses.source.path.stem,
        random_state=random_state,
    )


def save_run(
    analysis: Analysis,
    out: str | Path,
    *,
    baseline: dict | None = None,
    write_extra: Callable[[Path], None] | None = None,
) -> Run:
    """Write a run folder atomically and return it as read back from disk.

    Files: ``summary.json``, ``assignments.csv``, ``exclusions.csv``, ``model.json``, a copy
    of ``instrument.yaml`` (so ``assign`` reads new files with the very same rules), and
    ``embedding.csv`` and ``landmarks.csv`` (when the map was drawn). ``write_extra`` may add
    files (e.g. the report) inside the temporary folder before it is renamed into place.

    Parameters
    ----------
    analysis
        What :func:`analyze` returned.
    out
        The run folder to write (replaced as a whole, atomically).
    baseline, write_extra
        An earlier wave's summary to compare with; a callback adding files before the rename.

    Returns
    -------
    Run
        The run as :func:`personas.load_run` reads it back.
    """
    from personas.run._lca_summary import lca_assignments
    from personas.run._summary import model_of, summary_of

    out = Path(out)
    seg = analysis.segmentation
    with atomic_folder(out, kind="run", keep=("clean", "assigned")) as tmp:
        summary = summary_of(analysis, baseline=baseline)
        write_json(tmp / "summary.json", summary.to_json())
        write_json(tmp / "model.json", model_of(analysis, summary=summary).to_json())
        assignments = seg.labels.rename("segment").to_frame()
        assignments["distance"] = seg.distances.round(6)
        if analysis.clean.weights is not None:  # weighted: the weight travels with the segment
            assignments["weight"] = analysis.clean.weights.reindex(assignments.index)
        assignments.index.name = "respondent"
        assignments = lca_assignments(seg, assignments)  # LCA: posterior, p1..pk
        assignments.to_csv(tmp / "assignments.csv", lineterminator="\n")
        analysis.clean.ledger.exclusions().to_csv(
            tmp / "exclusions.csv", index=False, lineterminator="\n"
        )
        if analysis.embedding is not None:
            coords, landmarks = analysis.embedding.to_frames()
            coords.round(5).to_csv(tmp / "embedding.csv", index=False, lineterminator="\n")
            landmarks.round(5).to_csv(tmp / "landmarks.csv", index=False, lineterminator="\n")
        if analysis.instrument.path is not None:
            shutil.copyfile(analysis.instrument.path, tmp / "instrument.yaml")
        if write_extra is not None:
            write_extra(tmp)
    return load_run(out)

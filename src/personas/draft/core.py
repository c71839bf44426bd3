"""``personas init``: draft ``surveys/STUDY/instrument.yaml`` from a survey file's metadata."""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from pathlib import Path

from personas._atomic import write_text_atomic
from personas.draft._labelled import draft_labelled
from personas.draft._qualtrics import draft_export, draft_qsf
from personas.draft._render import render_draft
from personas.draft.model import Draft, InitResult
from personas.errors import InputError, PersonasError, Problem
from personas.io._table import describe_path
from personas.io.formats import by_extension

__all__ = ["draft_instrument", "render_draft", "init_study", "study_folder"]

_LABELLED = {".sav": "spss", ".zsav": "spss", ".dta": "stata"}


def draft_instrument(source: str | os.PathLike, *, study_id: str) -> Draft:
    """Read a survey file's own metadata into a :class:`Draft` of its instrument.

    Parameters
    ----------
    source
        An SPSS ``.sav``/``.zsav`` or Stata ``.dta`` file (variable and value labels,
        user-missing codes), a Qualtrics response export (``.csv``/``.tsv``/``.xlsx`` with its
        three header rows), a Qualtrics survey file (``.qsf``), or any other table personas
        reads (types from the answers, texts from the column names).
    study_id
        The study id the draft gets.

    Returns
    -------
    Draft
        The questions with their types and why, the id and duration columns found, the codes
        meaning "no answer", and the columns that became no question (with the reason).

    Raises
    ------
    InputError
        The file is missing, unreadable or of a kind personas cannot draft from.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wave.csv"
    >>> _ = path.write_text("id,likes_it,rating\\n1,yes,4\\n2,no,1\\n3,yes,5\\n")
    >>> draft = draft_instrument(path, study_id="demo")
    >>> [(q.id, q.type) for q in draft.questions], draft.id_column
    ([('likes_it', 'boolean'), ('rating', 'likert')], 'id')
    """
    file = str(source)
    path = Path(source)
    reason = describe_path(path)
    if reason is not None:
        raise InputError(Problem(reason, file=file, code="no-file"))
    suffix = path.suffix.lower()
    if suffix in _LABELLED:
        return draft_labelled(path, file=file, study_id=study_id, format=_LABELLED[suffix])
    if suffix == ".qsf":
        return draft_qsf(path, file=file, study_id=study_id)
    fmt = by_extension(path)
    if fmt is None or fmt.reader is None:
        raise InputError(
            Problem(
                f"cannot draft an instrument from a {path.suffix or 'extension-less'} file",
                file=file,
                hint="give an SPSS .sav, a Stata .dta, a Qualtrics export (.csv, .xlsx) or "
                "a Qualtrics survey file (.qsf)",
                code="unknown-format",
            )
        )
    return draft_export(fmt.reader(path, file=file, encoding=None), path, study_id=study_id)


def study_folder(study: str | os.PathLike) -> Path:
    """The folder of a study to create: a path as given, or a bare name under ``surveys/``."""
    given = os.fspath(study)
    if os.sep in given or "/" in given or Path(given).is_dir():
        return Path(given)
    return Path("surveys") / given


def init_study(study: str | os.PathLike, source: str | os.PathLike, *, force: bool = False):
    """Draft ``STUDY/instrument.yaml`` from a survey file and write it.

    Parameters
    ----------
    study
        A study folder, or a bare name (``surveys/<name>``); it need not exist yet. Its name,
        cleaned to an id, is the study id.
    source
        The survey file, as :func:`draft_instrument` takes it.
    force
        Replace an existing ``instrument.yaml``. Without it an existing one is refused.

    Returns
    -------
    InitResult
        The path written, the :class:`Draft`, and whether an instrument was replaced.

    Raises
    ------
    InputError
        The instrument exists (and not ``force``), the file cannot be read, or no column of
        it could be drafted. Nothing is written then.

    Notes
    -----
    Before it is written (atomically), the draft is loaded as ``personas validate`` loads it;
    a draft that does not load is a bug in personas (:class:`PersonasError`, exit code 1).
    """
    folder = study_folder(study)
    target = folder / "instrument.yaml"
    exists = target.exists()
    if exists and not force:
        raise InputError(
            Problem(
                "the study already has an instrument.yaml; nothing was written",
                file=str(target),
                hint="pass --force to replace it (its text is lost), or give another study",
                code="instrument-exists",
            )
        )
    draft = draft_instrument(source, study_id=_study_id(folder.name))
    if not draft.questions:
        raise InputError(
            Problem(
                "no column of the file could be drafted as a question: "
                + "; ".join(f"{c}: {why}" for c, why in draft.skipped[:5]),
                file=str(source),
                code="no-questions",
            )
        )
    text = render_draft(draft)
    _check(text)
    write_text_atomic(target, text)
    return InitResult(path=target, draft=draft, replaced=exists)


def _study_id(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("_.-")
    return cleaned or "study"


def _check(text: str) -> None:
    """Load the draft as ``personas validate`` does; a draft that fails is a bug here."""
    from personas.instrument import load_instrument

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "instrument.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                load_instrument(path)
        except InputError as err:
            raise PersonasError(f"the drafted instrument does not load: {err}") from err

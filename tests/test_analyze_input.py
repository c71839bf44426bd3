"""``analyze`` takes answers already read (``Responses``); a path is refused with the fix."""

from __future__ import annotations

import numpy as np
import pytest

from personas import analyze, load_instrument, read_responses
from personas.instrument.model import Instrument
from personas.run.analysis import Analysis, save_run


def test_analyze_on_responses_names_the_wave_after_its_file(study, jobsite_wave):
    instrument = load_instrument(study)
    wave = study / "waves" / jobsite_wave.name
    result = analyze(instrument, read_responses(wave, instrument), k=3, embedding=False)
    assert isinstance(result, Analysis)
    assert result.wave == wave.stem
    assert result.segmentation.k == 3
    assert result.clean.ledger.kept + len(result.clean.ledger.exclusions()) == len(
        result.responses.answers
    )
    assert np.unique(result.segmentation.labels).size == 3


def test_the_in_memory_summary_is_what_the_saved_run_holds(study, jobsite_wave, tmp_path):
    instrument = load_instrument(study)
    wave = study / "waves" / jobsite_wave.name
    result = analyze(instrument, read_responses(wave, instrument), k=3, embedding=False)
    summary = result.summary()
    assert [s.size for s in summary.segments] == np.bincount(result.segmentation.labels)[
        1:
    ].tolist()
    assert summary.to_json() == save_run(result, tmp_path / "run").summary


@pytest.mark.parametrize("as_type", [str, lambda p: p])
def test_a_path_is_refused_with_how_to_read_it(study, jobsite_wave, as_type):
    instrument = load_instrument(study)
    with pytest.raises(TypeError, match=r"analyze takes answers already read.*read_responses\("):
        analyze(instrument, as_type(study / "waves" / jobsite_wave.name), embedding=False)


def test_answers_of_another_study_are_refused(study, jobsite_wave):
    instrument = load_instrument(study)
    answers = read_responses(study / "waves" / jobsite_wave.name, instrument)
    other = Instrument(**{**instrument.__dict__, "study_id": "another-study"})
    with pytest.raises(TypeError, match="read for study 'jobsite', not 'another-study'"):
        analyze(other, answers, embedding=False)

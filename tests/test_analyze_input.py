"""``analyze`` takes answers already read as well as a wave file, with the same result."""

from __future__ import annotations

import numpy as np

from personas import analyze, load_instrument, read_responses


def test_analyze_on_responses_equals_analyze_on_the_file(study, jobsite_wave):
    instrument = load_instrument(study)
    wave = study / "waves" / jobsite_wave.name
    from_file = analyze(instrument, wave, k=3, embedding=False)
    from_responses = analyze(instrument, read_responses(wave, instrument), k=3, embedding=False)
    assert from_responses.wave == from_file.wave == wave.stem
    assert np.array_equal(from_responses.segmentation.labels, from_file.segmentation.labels)
    assert from_responses.journal == from_file.journal
    assert from_responses.clean.ledger.table.equals(from_file.clean.ledger.table)

"""The simulated jobsite wave, written as CSV, XLSX, SAV and Parquet, loads to identical
responses and identical ledgers (issue 3's 'done when')."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import JOBSITE
from personas.cleaning import clean
from personas.instrument import load_instrument
from personas.io import read_responses
from personas.simulate.core import load_truth, simulate, write_wave


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    instrument = load_instrument(JOBSITE)
    sim = simulate(
        instrument, n=600, random_state=11, truth=load_truth(JOBSITE / "truth.yaml", instrument)
    )
    out = {}
    for ext in ("csv", "xlsx", "sav", "parquet"):
        path = write_wave(sim, folder / f"wave.{ext}")
        responses = read_responses(path, instrument)
        out[ext] = (responses, clean(responses))
    return sim, out


@pytest.mark.parametrize("ext", ["xlsx", "sav", "parquet"])
def test_every_format_loads_to_the_same_answers_and_ledger(loaded, ext):
    _, out = loaded
    reference, reference_clean = out["csv"]
    responses, cleaned = out[ext]
    pd.testing.assert_frame_equal(responses.answers, reference.answers)
    pd.testing.assert_frame_equal(cleaned.answers, reference_clean.answers)
    columns = ["respondent", "row", "status", "reason", "other_reasons"]
    pd.testing.assert_frame_equal(
        cleaned.ledger.table[columns], reference_clean.ledger.table[columns]
    )


def test_nobody_is_lost_and_the_planted_dirt_is_caught(loaded):
    sim, out = loaded
    _, cleaned = out["csv"]
    ledger = cleaned.ledger
    assert ledger.loaded == len(sim.data) == ledger.kept + ledger.excluded
    table = ledger.table.set_index(ledger.table.index)
    truth = sim.truth.reset_index(drop=True)
    excluded = table["status"].to_numpy() == "excluded"
    assert excluded[truth["speeder"].to_numpy()].all()
    assert excluded[truth["duplicate"].to_numpy()].all()
    assert excluded[truth["attention_failed"].to_numpy()].all()
    assert not excluded[truth["clean"].to_numpy() & (truth["n_missing"] == 0).to_numpy()].any()

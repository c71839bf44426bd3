"""The typed ``summary.json`` schema: every key the writer puts down has a typed home.

A demo-like summary (the keys ``personas run`` writes for a k-modes run, plus the weighted and
latent class parts) reads back with nothing left in ``extra`` at any level and writes back
unchanged; a file from before these keys existed still reads; a wrong type is reported with
its JSON path.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest

from personas.errors import InputError
from personas.run.schema import SUMMARY_SCHEMA, Summary, _Record

SELECTION_ROW = {"k": 3, "cost": 10.5, "silhouette": 0.2, "stability": 0.9,
                 "min_jaccard": 0.8, "status": "ok"}  # fmt: skip
SEGMENT = {
    "id": 1, "size": 10, "share": 0.5, "share_ci": [0.4, 0.6], "stability": 0.9,
    "medoid": "r1", "tensions": {"pay": 0.5}, "distinctive": [
        {"question": "q1", "text": "Q1?", "answer": "Yes", "share": 0.9, "overall": 0.5,
         "difference": 0.4, "lift": 1.8}],
    "profile": {"q1": "Yes"}, "means": {"q2": 3.0}, "color": 0, "name": "Segment 1",
    "persona": "p1", "personas": ["p1"], "similarity": 0.93, "confident": 8,
}  # fmt: skip
PERSONA = {
    "id": "p1", "name": "The One", "summary": "Wants pay.", "verdict": "confirmed",
    "segments": [1], "similarity": 0.93, "coverage": 0.5, "merged_with": ["p2"],
    "reason": "both agree", "tensions": {"pay": -1.0},
    "stability": {"same": 9, "refits": 10, "share": 0.9, "uncertain": False},
}  # fmt: skip
DEMO_LIKE = {
    "schema": SUMMARY_SCHEMA,
    "study": {"id": "jobsite", "title": "Job site"},
    "wave": "wave-1",
    "respondents": {"loaded": 22, "kept": 20, "excluded": {"speeder": 2},
                    "kept_weight": 19.5, "excluded_weight": 2.5},
    "method": "kmodes", "k": 2, "seed": 0,
    "selection": [SELECTION_ROW],
    "selection_summary": {"chosen": 2, "knee": 2, "best_silhouette": 2, "most_stable": 2,
                          "reasons": ["knee"], "warnings": [], "silhouette_sample": None},
    "segments": [SEGMENT],
    "personas": [PERSONA],
    "new_segments": [], "unstable_segments": [2],
    "structure": {"statistic": "gap (log cost) at the chosen k",
                  "reference": "column-permuted answers", "k": 2, "permutations": 5,
                  "sample": 20, "gap": 1.5, "z": 4.0, "p_value": 0.17, "clear": True},
    "clear_segments": True,
    "similarity": {"personas": ["p1"], "segments": [1], "values": [[0.93]]},
    "tensions": [{"id": "pay", "label": "Pay", "a": "low", "b": "high", "separation": 1.0}],
    "thresholds": {"confirm": 0.8},
    "questions": [{"id": "q1", "text": "Q1?", "type": "boolean", "tension": None,
                   "pole": None}],
    "embedding": {"method": "umap", "metric": "hamming", "n": 20, "sample_size": 20,
                  "random_state": 0},
    "cleaning": {"rules": {}, "imputation": {}},
    "journal": [], "baseline": None,
    "inputs": {"file": "w.csv", "sha256": "ab", "format": "csv", "instrument": "i.yaml",
               "instrument_sha256": "cd"},
    "versions": {"personas": "0.1"},
    "weights": {"column": "w", "n": 20, "sum": 19.5, "min": 0.5, "max": 2.0, "median": 1.0,
                "zero": 0, "n_eff": 18.2, "deff": 1.1, "extreme": 0, "kept_weight": 19.5,
                "excluded_weight": 2.5, "interval": "Wilson at the Kish effective n"},
    "lca": {"confident_threshold": 0.8, "confident": 15, "stepmix": "2.2.1",
            "kmodes": {"k": 2, "selection": [{**SELECTION_ROW, "bic": 100.0, "aic": 90.0,
                                               "entropy": 0.8, "smallest": 0.2,
                                               "loglik": -40.0, "n_parameters": 7}],
                       "selection_summary": {"chosen": 2, "knee": 2, "best_silhouette": 2,
                                             "most_stable": 2},
                       "adjusted_rand": 0.7}},
}  # fmt: skip


def _extras(value, path=""):
    """Every ``(path, key)`` left in an ``extra`` anywhere in a read summary."""
    found = []
    if isinstance(value, _Record):
        found += [(path, k) for k in value.extra]
        for f in dataclasses.fields(value):
            if f.name not in ("extra", "absent"):
                found += _extras(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _extras(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            found += _extras(v, f"{path}.{k}")
    return found


def test_demo_like_summary_round_trips_with_nothing_in_extra():
    s = Summary.from_json(copy.deepcopy(DEMO_LIKE))
    assert s.to_json() == DEMO_LIKE
    assert _extras(s) == []
    assert s.structure.clear is True and s.clear_segments is True
    assert s.personas[0].stability.uncertain is False
    assert s.personas[0].merged_with == ["p2"]
    assert s.segments[0].confident == 8
    assert s.respondents.kept_weight == 19.5
    assert s.weights.n_eff == 18.2
    assert s.lca.kmodes.selection[0].bic == 100.0
    assert s.lca.kmodes.selection_summary.chosen == 2


def test_an_unknown_key_still_lands_in_extra_and_goes_back_out():
    data = {**copy.deepcopy(DEMO_LIKE), "later": {"x": 1}}
    data["personas"][0]["stability"]["later"] = 2
    s = Summary.from_json(data)
    assert s.extra == {"later": {"x": 1}}
    assert s.personas[0].stability.extra == {"later": 2}
    assert s.to_json() == data


def test_an_older_file_without_the_new_keys_still_reads_and_writes_back_unchanged():
    old = copy.deepcopy(DEMO_LIKE)
    for key in ("structure", "clear_segments", "unstable_segments", "weights", "lca"):
        del old[key]
    for key in ("kept_weight", "excluded_weight"):
        del old["respondents"][key]
    del old["segments"][0]["confident"]
    for key in ("summary", "merged_with", "reason", "tensions", "stability"):
        del old["personas"][0][key]
    s = Summary.from_json(old)
    assert s.to_json() == old
    assert s.structure is None and s.weights is None and s.lca is None
    assert s.clear_segments is None and s.unstable_segments == []
    assert s.personas[0].merged_with == [] and s.personas[0].stability is None
    assert s.segments[0].confident is None and s.respondents.kept_weight is None


WRONG = [
    (("structure", "clear"), "yes", 'structure.clear: expected true or false or null, got "yes"'),
    (("personas", 0, "stability", "refits"), "10",
     "personas[0].stability.refits: expected an integer or null"),
    (("segments", 0, "confident"), 1.5,
     "segments[0].confident: expected an integer or null, got 1.5"),
    (("lca", "kmodes", "selection", 0, "bic"), "x",
     'lca.kmodes.selection[0].bic: expected an integer or a number or null, got "x"'),
    (("weights",), [1], "weights: expected an object or null, got [1]"),
]  # fmt: skip


@pytest.mark.parametrize("where, value, message", WRONG)
def test_a_wrong_type_is_reported_with_its_json_path(where, value, message):
    data = copy.deepcopy(DEMO_LIKE)
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(InputError) as caught:
        Summary.from_json(data)
    assert message in str(caught.value)

"""Charts are checked through their Vega-Lite dicts (``chart.to_dict()``), never pixels."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest

from personas import charts
from personas.run.files import load_run
from personas.run.schema import Distinctive, SegmentRecord

FIXTURE = Path(__file__).parent / "fixtures" / "run_jobsite"
OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"}


@pytest.fixture(scope="module")
def run():
    return load_run(FIXTURE)


@pytest.fixture(scope="module")
def summary(run):
    return run.summary


def _layers(spec: dict, data: dict | None = None) -> list[dict]:
    """Every unit spec of a (possibly layered) chart dict, with the data it inherits."""
    data = spec.get("data", data)
    if "layer" in spec:
        return [unit for layer in spec["layer"] for unit in _layers(layer, data)]
    return [dict(spec, data=data) if data is not None else spec]


def _marks(spec: dict) -> list[str]:
    return [u["mark"]["type"] if isinstance(u["mark"], dict) else u["mark"] for u in _layers(spec)]


def _rows(spec: dict, layer: dict) -> list[dict]:
    name = layer.get("data", spec.get("data", {})).get("name")
    return spec["datasets"][name]


def _all_rows(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def _fields(spec: dict) -> set[str]:
    found = set()
    for unit in _layers(spec):
        for channel in unit.get("encoding", {}).values():
            for item in channel if isinstance(channel, list) else [channel]:
                if isinstance(item, dict) and "field" in item:
                    found.add(item["field"])
    return found


def _scale_ranges(spec: dict) -> list[tuple[list, list]]:
    out = []
    for unit in _layers(spec):
        color = unit.get("encoding", {}).get("color", {})
        scale = color.get("scale") if isinstance(color, dict) else None
        if isinstance(scale, dict) and "range" in scale and "domain" in scale:
            out.append((scale["domain"], scale["range"]))
    return out


def _check_finished(chart) -> dict:
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["title"]["text"]
    assert spec["description"] and len(spec["description"]) > 40
    assert charts.alt_text(chart) == spec["description"]
    assert "{" not in spec["description"]  # no leftover format placeholders
    json.dumps(spec, allow_nan=False)  # the renderer embeds it as strict JSON
    return spec


# --- palette --------------------------------------------------------------------------------


def test_segment_colors_are_fixed_per_id_and_colour_blind_safe(summary):
    colors = charts.segment_colors(summary)
    assert list(colors) == [1, 2, 3, 4, 5]
    assert set(colors.values()) <= OKABE_ITO
    assert len(set(colors.values())) == 5
    reordered = dict(summary, segments=list(reversed(summary["segments"])))
    assert charts.segment_colors(reordered) == colors
    assert charts.segment_colors(summary["segments"][2:3]) == {3: colors[3]}


def test_every_segment_chart_uses_the_same_colours(summary):
    colors = charts.segment_colors(summary)
    by_name = {s["name"]: colors[s["id"]] for s in summary["segments"]}
    for chart in (charts.shares_chart(summary), charts.tension_chart(summary)):
        ranges = _scale_ranges(chart.to_dict())
        assert ranges
        for domain, colours in ranges:
            assert dict(zip(domain, colours, strict=True)) == by_name
    card = charts.persona_card_chart(summary["segments"][3])
    bar = next(u for u in _layers(card.to_dict()) if _marks(u) == ["bar"])
    assert bar["mark"]["color"] == colors[4]


# --- method charts --------------------------------------------------------------------------


def test_elbow_chart_marks_and_labels_the_knee(summary):
    chart = charts.elbow_chart(summary["selection"], knee=5, chosen=5)
    spec = _check_finished(chart)
    assert {"line", "circle", "rule", "point", "text"} <= set(_marks(spec))
    assert {"k", "cost"} <= _fields(spec)
    labels = [r["label"] for r in _all_rows(spec) if "label" in r]
    assert labels == ["Elbow at k = 5, chosen"]
    rule = next(u for u in _layers(spec) if _marks(u) == ["rule"])
    assert [r["k"] for r in _rows(spec, rule)] == [5]
    assert "k = 5" in spec["description"] and "elbow" in spec["description"]


def test_elbow_chart_labels_a_chosen_k_that_is_not_the_knee(summary):
    spec = charts.elbow_chart(summary["selection"], knee=5, chosen=6).to_dict()
    labels = sorted(r["label"] for r in _all_rows(spec) if "label" in r)
    assert labels == ["Chosen: k = 6", "Elbow at k = 5"]


def test_elbow_chart_without_knee_says_so(summary):
    spec = _check_finished(charts.elbow_chart(summary["selection"], knee=None, chosen=4))
    assert "no clear elbow" in spec["description"]
    assert not [r for r in _all_rows(spec) if str(r.get("label", "")).startswith("Elbow")]


def test_elbow_chart_skips_failed_k(summary):
    rows = copy.deepcopy(summary["selection"])
    rows[-1].update(status="failed to initialise", cost=None)
    spec = charts.elbow_chart(rows, knee=5, chosen=5).to_dict()
    curve = next(u for u in _layers(spec) if _marks(u) == ["line"])
    assert [r["k"] for r in _rows(spec, curve)] == list(range(2, 10))


def test_silhouette_chart_marks_the_chosen_k(summary):
    spec = _check_finished(charts.silhouette_chart(summary["selection"], chosen=5))
    assert "silhouette" in _fields(spec)
    assert [r["label"] for r in _all_rows(spec) if "label" in r] == ["Chosen: k = 5, the best"]
    assert "highest at k = 5" in spec["description"]


def test_stability_chart_draws_hennig_bands(summary):
    spec = _check_finished(charts.stability_chart(summary["selection"], chosen=5))
    bands = next(u for u in _layers(spec) if _marks(u) == ["rect"])
    edges = sorted({v for r in _rows(spec, bands) for v in (r["lo"], r["hi"])})
    assert edges == [0.0, 0.6, 0.75, 1.0]
    assert any(
        u.get("encoding", {}).get("y", {}).get("scale", {}).get("domain") == [0, 1]
        for u in _layers(spec)
    )
    assert "Stable at k = 2, 3, 4 and 5" in spec["description"]


def _sweep_from(summary):
    from personas.segment import Selection

    table = pd.DataFrame(summary["selection"])
    return Selection(table, chosen=6, knee=5, best_silhouette=4)


@pytest.mark.parametrize("build", ["elbow_chart", "silhouette_chart", "stability_chart"])
def test_sweep_charts_draw_an_in_memory_selection_as_the_saved_rows(summary, build):
    """A Selection (knee, chosen, best from it), its table, the typed records and the plain
    rows of summary.json draw the same chart: no run has to be saved to draw the sweep."""
    from personas.run.schema import SelectionRow

    chart = getattr(charts, build)
    sweep = _sweep_from(summary)
    marks = {"knee": 5, "chosen": 6} if build == "elbow_chart" else {"chosen": 6}
    if build == "silhouette_chart":
        marks["best"] = 4
    expected = _check_finished(chart(summary["selection"], **marks))
    typed = [SelectionRow.from_json(r) for r in summary["selection"]]
    assert _check_finished(chart(sweep)) == expected
    assert chart(sweep.table, **marks).to_dict() == expected
    assert chart(typed, **marks).to_dict() == expected
    assert "The run uses k = 6." in expected["description"]


def test_sweep_chart_marks_given_by_the_caller_win_over_the_selection(summary):
    sweep = _sweep_from(summary)
    spec = charts.elbow_chart(sweep, knee=None, chosen=4).to_dict()
    assert "has no clear elbow" in spec["description"]
    assert "The run uses k = 4." in spec["description"]
    assert "The run uses" not in charts.elbow_chart(summary["selection"]).to_dict()["description"]


def test_exclusions_chart_counts_every_reason(summary):
    spec = _check_finished(charts.exclusions_chart(summary))
    rows = next(_rows(spec, u) for u in _layers(spec) if _marks(u) == ["bar"])
    assert sum(r["count"] for r in rows) == 157
    assert rows[0]["reason"] == "Speeder"  # largest first, sentence case
    assert "157 of 2,000" in spec["title"]["text"]


# --- persona charts -------------------------------------------------------------------------


def test_shares_chart_has_interval_error_bars(summary):
    spec = _check_finished(charts.shares_chart(summary))
    assert {"bar", "rule", "text"} <= set(_marks(spec))
    rule = next(u for u in _layers(spec) if _marks(u) == ["rule"])
    assert rule["encoding"]["x"]["field"] == "lo" and rule["encoding"]["x2"]["field"] == "hi"
    rows = _rows(spec, rule)
    assert all(r["lo"] <= r["share"] <= r["hi"] for r in rows)
    assert "28% (26%–30%)" in spec["description"]


def test_persona_card_chart_compares_segment_with_everyone(summary):
    seg = summary["segments"][0]
    spec = _check_finished(charts.persona_card_chart(seg))
    assert {"bar", "tick", "text"} <= set(_marks(spec))
    tick = next(u for u in _layers(spec) if _marks(u) == ["tick"])
    assert tick["encoding"]["x"]["field"] == "overall"
    rows = _rows(spec, tick)
    assert len(rows) == 6
    diffs = [r["difference"] for r in rows]
    assert diffs == sorted(diffs, reverse=True)
    assert "94% vs 51% of everyone" in spec["description"]


def test_answer_labels_say_which_answer():
    item = Distinctive(question="q1", share=0.5, text="I filter my searches by salary.",
                       answer="True")  # fmt: skip
    assert charts.answer_label(item) == "I filter my searches by salary."
    assert charts.answer_label(replace(item, answer="False")).startswith("Not true: ")
    assert charts.answer_label(replace(item, answer="mobile")).endswith("→ mobile")
    assert charts.answer_label(replace(item, text=None, label="Often")) == "q1 → Often"


def test_similarity_heatmap_writes_values_and_outlines_matches(summary):
    spec = _check_finished(charts.similarity_heatmap(summary))
    assert {"rect", "text"} <= set(_marks(spec))
    text = next(u for u in _layers(spec) if _marks(u) == ["text"])
    assert text["encoding"]["text"]["field"] == "text"
    rows = _rows(spec, text)
    assert len(rows) == 6 * 5
    assert {r["persona"] for r in rows} >= {"The Survivor (merged)", "The Returner (confirmed)"}
    assert sum(r["match"] for r in rows) == 6  # one matched cell per persona
    outline = [u for u in _layers(spec) if _marks(u) == ["rect"] and "transform" in u]
    assert outline and outline[0]["mark"]["fill"] is None


def test_similarity_heatmap_marks_unsupported_personas(summary):
    changed = copy.deepcopy(summary)
    returner = next(p for p in changed["personas"] if p["id"] == "returner")
    returner.update(verdict="unsupported", segments=[])
    rows = _all_rows(charts.similarity_heatmap(changed).to_dict())
    assert "The Returner (not supported)" in {r.get("persona") for r in rows}
    assert sum(bool(r.get("match")) for r in rows) == 5


def test_tension_chart_places_segments_and_personas_between_the_poles(summary):
    spec = _check_finished(charts.tension_chart(summary))
    rows = _all_rows(spec)
    poles = {(r["a"], r["b"]) for r in rows if "a" in r}
    assert ("Find a job quickly", "Find the perfect job") in poles
    assert len(poles) == 6
    texts = [u for u in _layers(spec) if _marks(u) == ["text"]]
    assert {u["encoding"]["text"]["field"] for u in texts} == {"a", "b"}
    made = next(u for u in _layers(spec) if _marks(u) == ["point"])
    assert made["mark"]["shape"] == "diamond" and made["mark"]["filled"] is False
    dots = [r for r in rows if r.get("kind") == "data"]
    assert len(dots) == 5 * 6 and all(-1 <= r["position"] <= 1 for r in dots)
    order = spec["layer"][0]["encoding"]["y"]["sort"]
    assert order[0] == "Speed vs fit"  # most separating tension first


def test_tension_chart_reads_pole_letters():
    assert [charts.pole_value(v) for v in ("a", "b", "mid", -0.5, None)] == [
        -1.0,
        1.0,
        0.0,
        -0.5,
        None,
    ]


# --- the map and the 5,000-row limit --------------------------------------------------------


def _big_embedding(n: int = 12_000) -> tuple[pd.DataFrame, list[dict]]:
    rng = np.random.default_rng(7)
    shares = [0.4, 0.3, 0.2, 0.1]
    segment = np.repeat([1, 2, 3, 4], [int(n * s) for s in shares])
    frame = pd.DataFrame(
        {
            "respondent": [f"r{i:05d}" for i in range(n)],
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
            "segment": segment,
        }
    )
    segments = [
        SegmentRecord(id=i, size=int(n * s), share=s, name=f"Segment {i}")
        for i, s in enumerate(shares, 1)
    ]
    return frame, segments


def test_map_chart_samples_at_most_5000_points_stratified_and_says_so():
    frame, segments = _big_embedding()
    chart = charts.map_chart(
        frame, pd.DataFrame(columns=["persona", "name", "x", "y"]), segments, random_state=3
    )
    spec = _check_finished(chart)  # would raise MaxRowsError above 5,000 rows
    dots = next(u for u in _layers(spec) if _marks(u) == ["circle"])
    rows = _rows(spec, dots)
    assert len(rows) == charts.MAX_POINTS == 5000
    counts = pd.Series([r["segment"] for r in rows]).value_counts().sort_index()
    assert counts.tolist() == [2000, 1500, 1000, 500]
    assert "5,000 are shown" in spec["description"] and "12,000" in spec["description"]
    assert "seed 3" in spec["description"]


def test_map_sample_is_seeded():
    frame, _ = _big_embedding()
    first = charts.sample_points(frame, random_state=1)
    assert first.equals(charts.sample_points(frame, random_state=1))
    assert not first.index.equals(charts.sample_points(frame, random_state=2).index)
    assert first.index.is_monotonic_increasing
    assert charts.sample_points(frame.head(100)) is not None
    assert len(charts.sample_points(frame.head(100))) == 100


def test_map_chart_colours_segments_and_labels_landmarks(run, summary):
    spec = _check_finished(
        charts.map_chart(run.embedding, run.landmarks, summary["segments"], population=1843)
    )
    dots = next(u for u in _layers(spec) if _marks(u) == ["circle"])
    assert dots["encoding"]["color"]["field"] == "persona"
    assert {t["field"] for t in dots["encoding"]["tooltip"]} == {"persona", "respondent"}
    assert len(_rows(spec, dots)) == len(run.embedding)
    diamond = next(u for u in _layers(spec) if _marks(u) == ["point"])
    assert diamond["mark"]["shape"] == "diamond"
    labels = [u for u in _layers(spec) if _marks(u) == ["text"]]
    assert labels and labels[-1]["encoding"]["text"]["field"] == "name"
    assert "The Returner" in spec["description"]
    assert f"{len(run.embedding)} of the 1,843" in spec["description"]
    domain, colours = _scale_ranges(spec)[0]
    assert domain[0] == "The Survivor + The Quick Win" and colours[0] == "#0072B2"


def test_landmarks_at_the_same_place_share_one_label(run, summary):
    landmarks = run.landmarks.copy()
    twin = landmarks["persona"] == "quick_win"
    survivor = landmarks.loc[landmarks["persona"] == "survivor", ["x", "y"]].to_numpy()[0]
    landmarks.loc[twin, ["x", "y"]] = survivor + 1e-4
    spec = charts.map_chart(run.embedding, landmarks, summary["segments"]).to_dict()
    diamond = next(u for u in _layers(spec) if _marks(u) == ["point"])
    names = [row["name"] for row in _rows(spec, diamond)]
    assert "The Survivor / The Quick Win" in names
    assert len(names) == len(landmarks) - 1


def test_alt_text_requires_a_description():
    bare = alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q")
    with pytest.raises(ValueError, match="no description"):
        charts.alt_text(bare)
    assert charts.alt_text({"description": "from a dict"}) == "from a dict"


def test_builders_do_not_mutate_the_summary(run, summary):
    before = json.dumps(summary, sort_keys=True)
    charts.similarity_heatmap(summary)
    charts.tension_chart(summary)
    charts.shares_chart(summary)
    charts.map_chart(run.embedding, run.landmarks, summary["segments"])
    assert json.dumps(summary, sort_keys=True) == before


def test_map_outlines_enclose_the_bulk_of_each_segment():
    from scipy.spatial import Delaunay

    frame, segments = _big_embedding()
    frame["x"] += frame["segment"] * 3  # four clouds side by side
    spec = _check_finished(
        charts.map_chart(frame, pd.DataFrame(columns=["persona", "name", "x", "y"]), segments)
    )
    lines = next(u for u in _layers(spec) if _marks(u) == ["line"])
    assert lines["mark"]["interpolate"] == "linear-closed"
    corners = pd.DataFrame(_rows(spec, lines))
    assert sorted(corners["persona"].unique()) == [s.name for s in segments]
    for segment, group in frame.groupby("segment"):
        outline = corners[corners["segment"] == segment].sort_values("order")
        hull = Delaunay(outline[["x", "y"]].to_numpy())  # the outline is convex
        inside = hull.find_simplex(group[["x", "y"]].to_numpy()) >= 0
        assert 0.85 <= inside.mean() <= 0.95  # the central 90%, strays left out
    assert "outlines where 90%" in spec["description"]


def test_map_outlines_skip_segments_without_an_area():
    from personas.charts._outlines import segment_outlines

    line = pd.DataFrame({"x": [0.0, 1, 2, 3], "y": [0.0, 1, 2, 3], "segment": 1, "persona": "A"})
    two = pd.DataFrame({"x": [5.0, 6], "y": [5.0, 5], "segment": 2, "persona": "B"})
    assert segment_outlines(pd.concat([line, two])).empty


def test_charts_draw_a_typed_summary_as_they_draw_its_json(run, summary):
    typed = run.typed
    for build in (charts.shares_chart, charts.tension_chart, charts.similarity_heatmap,
                  charts.exclusions_chart):  # fmt: skip
        assert build(typed).to_dict() == build(summary).to_dict()
    assert charts.segment_colors(typed) == charts.segment_colors(summary)
    card = charts.persona_card_chart(typed.segments[0]).to_dict()
    assert card == charts.persona_card_chart(summary["segments"][0]).to_dict()


def test_charts_refuse_a_summary_that_does_not_fit_the_schema(summary):
    from personas.errors import InputError

    broken = dict(summary, segments=[{"id": 1, "name": "No size"}])
    with pytest.raises(InputError, match=r"segments\[0\]\.size"):
        charts.shares_chart(broken)

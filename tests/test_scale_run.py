"""`personas run --engine dask`: a sample fitted in memory, every row scored on Dask.

The cluster is a ``LocalCluster(processes=False)`` (threads in this process); the sample is
cut to 300 rows so that the full data (the simulated wave in 3 Parquet files) is more.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

pytest.importorskip("distributed")


from personas.cli import main  # noqa: E402
from personas.pipeline import partitioned  # noqa: E402
from personas.pipeline.partitioned import draw_sample  # noqa: E402
from personas.run.files import load_run  # noqa: E402
from personas.waves.assignment import assign_file  # noqa: E402


@pytest.fixture
def parts(study, tmp_path, monkeypatch):
    """The simulated wave in 3 Parquet files (cut between respondent ids), sample of 300."""
    monkeypatch.setattr(partitioned, "SAMPLE_ROWS", 300)
    wave = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    wave = wave.sort_values("respondent_id", kind="stable").reset_index(drop=True)
    folder = tmp_path / "parts"
    folder.mkdir()
    ids = wave["respondent_id"]
    thirds = (len(wave) // 3, 2 * len(wave) // 3)
    cuts = [0, *(int(ids.searchsorted(ids.iloc[n], side="left")) for n in thirds), len(wave)]
    for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        wave.iloc[a:b].to_parquet(folder / f"part-{i}.parquet", index=False)
    return folder, len(wave)


def _run(cluster, folder, out, *extra, method="kmodes"):
    args = ["run", "jobsite", "--data", str(folder), "--engine", "dask", "--out", str(out)]
    args += ["--scheduler", cluster.scheduler_address, "--method", method, "--k", "3", *extra]
    return CliRunner().invoke(main, args)


def test_draw_sample_is_seeded_and_proportional(tmp_path):
    files = []
    for i, size in enumerate((100, 300, 600)):
        files.append(tmp_path / f"p{i}.parquet")
        pd.DataFrame({"f": i, "r": range(size)}).to_parquet(files[-1], index=False)
    one = draw_sample(files, n=100, seed=3)
    assert one.equals(draw_sample(files, n=100, seed=3))
    assert not one.equals(draw_sample(files, n=100, seed=4))
    assert one["f"].value_counts().sort_index().tolist() == [10, 30, 60]
    assert not one.duplicated().any()
    assert len(draw_sample(files, n=5000, seed=0)) == 1000


@pytest.mark.slow
def test_the_run_folder_is_complete_and_covers_every_row(study, parts, tmp_path, cluster):
    folder, rows = parts
    out = tmp_path / "reports" / "big"
    result = _run(cluster, folder, out)
    assert result.exit_code == 0, result.output
    run = load_run(out)
    engine = json.loads((out / "engine.json").read_text())
    assert engine["engine"] == "dask" and engine["sample"]["rows"] == 300
    assert engine["rows"] == rows
    kept = pd.read_parquet(out / "assigned" / "all" / "assignments")
    refused = pd.read_parquet(out / "assigned" / "all" / "refused")
    assert len(kept) + len(refused) == rows
    assert engine["assigned"] == len(kept)
    assert set(kept["segment"]) <= set(range(1, run.model["k"] + 1))
    refit = engine["refit"]
    assert refit["passes"] >= 2 and refit["cost"] >= 0
    assert (out / "model-sample.json").is_file() == refit["moved"]
    assert (out / "index.html").is_file()
    journal = run.typed.journal
    assert any(f"seeded sample of 300 of the {rows:,} rows" in line for line in journal)
    assert any(line.startswith("Shares of all assigned rows:") for line in journal)
    assert "seeded sample of 300" in (out / "index.html").read_text(encoding="utf-8")
    assert "seeded sample of 300" in result.output
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]
    again = CliRunner().invoke(main, ["report", str(out)])
    assert again.exit_code == 0, again.output


@pytest.mark.slow
def test_the_same_seed_gives_the_same_run(study, parts, tmp_path, cluster):
    folder, _ = parts
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = _run(cluster, folder, out, "--no-report")
        assert result.exit_code == 0, result.output
    for name in ("model.json", "assignments.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    order = ["file", "row"]
    a = pd.read_parquet(first / "assigned" / "all" / "assignments").sort_values(order)
    b = pd.read_parquet(second / "assigned" / "all" / "assignments").sort_values(order)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    refit = [json.loads((o / "engine.json").read_text())["refit"] for o in (first, second)]
    assert refit[0]["cost"] == refit[1]["cost"]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--weights", "w"], "--weights does not work with --engine dask"),
        (["--format", "csv"], "--format does not work with --engine dask"),
    ],
)
def test_refused_options_exit_2(study, parts, tmp_path, cluster, extra, says):
    folder, _ = parts
    result = _run(cluster, folder, tmp_path / "out", *extra)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert not (tmp_path / "out").exists()


def test_baseline_is_refused(study, parts, tmp_path, cluster):
    folder, _ = parts
    base = tmp_path / "base"
    base.mkdir()
    result = _run(cluster, folder, tmp_path / "out", "--baseline", str(base))
    assert result.exit_code == 2, result.output
    assert "--baseline does not work with --engine dask" in result.output


@pytest.mark.parametrize("engine", ["memory", "dask"])
def test_missing_data_exits_2(study, tmp_path, engine):
    result = CliRunner().invoke(
        main, ["run", "jobsite", "--data", str(tmp_path / "missing.csv"), "--engine", engine]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "missing" in result.output


@pytest.mark.slow
def test_a_failed_refit_leaves_no_run_folder(study, parts, tmp_path, cluster, monkeypatch):
    folder, _ = parts

    def broken(*args, **kwargs):
        raise RuntimeError("refit failed")

    monkeypatch.setattr(partitioned, "_refit", broken)
    out = tmp_path / "reports" / "big"
    result = _run(cluster, folder, out, "--no-report")
    assert result.exit_code != 0
    assert not out.exists()
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_moved_centroids_relabel_every_row(study, parts, tmp_path, cluster, monkeypatch):
    """Refit centroids that moved (here: two swapped) label the rows again with them."""
    folder, rows = parts
    plain = tmp_path / "plain"
    assert _run(cluster, folder, plain, "--no-report").exit_code == 0
    real = partitioned._refit

    def swapped(*args, **kwargs):
        found = real(*args, **kwargs)
        found["centers"] = found["centers"][[1, 0, 2]]
        return found | {"moved": True}

    monkeypatch.setattr(partitioned, "_refit", swapped)
    moved = tmp_path / "moved"
    result = _run(cluster, folder, moved, "--no-report")
    assert result.exit_code == 0, result.output
    engine = json.loads((moved / "engine.json").read_text())
    assert engine["refit"]["relabelled"] is True and engine["rows"] == rows
    refit = json.loads((moved / "model.json").read_text())
    sample = json.loads((moved / "model-sample.json").read_text())
    assert refit["centers"] == [sample["centers"][i] for i in (1, 0, 2)]
    assert refit["distance_percentiles"] != sample["distance_percentiles"]
    assert json.loads((plain / "model.json").read_text()) == sample
    order = ["file", "row"]
    a = pd.read_parquet(plain / "assigned" / "all" / "assignments").sort_values(order)
    b = pd.read_parquet(moved / "assigned" / "all" / "assignments").sort_values(order)
    assert len(a) == len(b) == engine["assigned"]
    swap = {1: 2, 2: 1, 3: 3}
    assert b["segment"].tolist() == [swap[s] for s in a["segment"]]
    # `personas assign` on the run labels the rows as assigned/all does: model.json is the refit
    memory = assign_file(moved, study / "waves" / "wave-1.csv", out=tmp_path / "mem")
    by_id = b.set_index("respondent")["segment"]
    table = memory.table.set_index("respondent")
    assert len(table) == len(by_id)
    assert table["segment"].tolist() == by_id.loc[table.index].tolist()
    pd.testing.assert_series_equal(
        table["far"], b.set_index("respondent")["far"].loc[table.index], check_dtype=False
    )


def test_a_csv_wave_is_refused(study, tmp_path):
    result = CliRunner().invoke(
        main, ["run", "jobsite", "--wave", "wave-1", "--engine", "dask", "--out", "x"]
    )
    assert result.exit_code == 2, result.output
    assert "Parquet files only" in result.output
    assert not (tmp_path / "x").exists()


def test_without_dask_the_hint_says_what_to_install(study, parts, tmp_path, monkeypatch):
    folder, _ = parts
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    result = CliRunner().invoke(main, ["run", "jobsite", "--data", str(folder), "--engine", "dask"])
    assert result.exit_code == 2, result.output
    assert "pip install 'personas[dask]'" in result.output


@pytest.mark.slow
def test_kmeans_is_refit_on_every_row_as_scikit_learn_fits_them(
    study, parts, tmp_path, cluster, monkeypatch
):
    """The refit clusters every kept row in the model's [0, 1] rescaling, from the sample's
    centres: the same centres as scikit-learn's Lloyd k-means on those rows."""
    from sklearn.cluster import KMeans

    folder, rows = parts
    seen = tmp_path / "seen"  # a file per part: the task runs on a copy of this function
    seen.mkdir()
    real = partitioned._complete_answers

    def recorded(path, **options):
        answers = real(path, **options)
        if Path(path).parent == folder:  # not the sample (read for the distance percentiles)
            answers.to_parquet(seen / Path(path).name)
        return answers

    monkeypatch.setattr(partitioned, "_complete_answers", recorded)
    out = tmp_path / "kmeans"
    result = _run(cluster, folder, out, "--no-report", method="kmeans")
    assert result.exit_code == 0, result.output
    engine = json.loads((out / "engine.json").read_text())
    model = json.loads((out / "model-sample.json").read_text())  # the refit's start
    assert engine["refit"]["method"] == "kmeans" and engine["refit"]["moved"] is True
    files = sorted(seen.iterdir())
    answers = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    assert len(files) == 3 and engine["refit"]["rows"] == len(answers) > 300
    scale = np.array([model["scaling"][q] for q in model["items"]])
    lo, width = scale[:, 0], scale[:, 1] - scale[:, 0]
    start = (np.array(model["centers"]) - lo) / width
    km = KMeans(3, init=start, n_init=1, algorithm="lloyd").fit((answers.to_numpy() - lo) / width)
    refit = np.array(json.loads((out / "model.json").read_text())["centers"])
    # model.json, like every JSON of a run, keeps 6 decimals
    np.testing.assert_allclose(refit, lo + km.cluster_centers_ * width, rtol=0, atol=5e-7)
    assert engine["refit"]["cost"] == pytest.approx(km.inertia_, rel=1e-9)
    assert engine["refit"]["iterations"] == km.n_iter_
    kept = pd.read_parquet(out / "assigned" / "all" / "assignments")
    assert len(kept) + len(pd.read_parquet(out / "assigned" / "all" / "refused")) == rows


@pytest.mark.slow
def test_the_refit_clusters_exactly_the_rows_assigned(study, parts, tmp_path, cluster):
    """An id repeated in a later file is refused there by the scoring pass; the refit, which
    cleans each file on its own, must leave it out too."""
    folder, rows = parts
    first = pd.read_parquet(folder / "part-0.parquet")
    last = pd.read_parquet(folder / "part-2.parquet")
    pd.concat([last, first.iloc[:25]], ignore_index=True).to_parquet(
        folder / "part-2.parquet", index=False
    )
    out = tmp_path / "dupes"
    result = _run(cluster, folder, out, "--no-report")
    assert result.exit_code == 0, result.output
    engine = json.loads((out / "engine.json").read_text())
    refused = pd.read_parquet(out / "assigned" / "all" / "refused")
    assert (refused["reason"] == "duplicate id").sum() >= 25
    assert engine["rows"] == rows + 25
    assert engine["refit"]["rows"] == engine["assigned"]


def test_the_journal_says_what_came_from_the_sample_and_what_from_all_rows():
    engine = {
        "sample": {"rows": 300, "most": 100_000, "seed": 4},
        "rows": 2_000, "files": 3, "assigned": 1_900, "refused": {"speeder": 60, "dup": 40},
        "refit": {"method": "kmodes", "rows": 1_900, "passes": 3, "moved": True},
    }  # fmt: skip
    shares = pd.DataFrame({"name": ["A & B", "C"], "share": [0.6, 0.4]})
    lines = partitioned.journal_lines(engine, shares)
    assert "a seeded sample of 300 of the 2,000 rows in 3 Parquet file(s) (seed 4)" in lines[0]
    assert lines[1].startswith("Every row scored: 1,900 assigned, 100 refused")
    assert "all 1,900 kept complete rows" in lines[2] and "model-sample.json" in lines[2]
    assert lines[3] == "Shares of all assigned rows: A & B 60.0%, C 40.0%."
    whole = partitioned.journal_lines(
        engine | {"sample": {"rows": 2_000, "most": 100_000, "seed": 4}, "refit": None}, shares
    )
    assert "come from all 2,000 rows (a sample holds up to 100,000)" in whole[0]
    assert "not refit on all rows" in whole[2]

"""`personas assign --engine dask`: partitioned Parquet scored on a Dask cluster.

The cluster is a ``LocalCluster(processes=False)`` (threads in this process) except in the
slow test that kills a worker process mid-run.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

pytest.importorskip("distributed")

from distributed import Client, LocalCluster  # noqa: E402

from personas.cli import main  # noqa: E402
from personas.errors import InputError  # noqa: E402
from personas.scale import assign_partitioned  # noqa: E402
from personas.waves.assignment import assign_file  # noqa: E402

COLUMNS = ["respondent", "segment", "name", "distance", "far"]


def _run(study, tmp_path, *, median_speeders: bool = False, method: str = "auto"):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        ["run", "jobsite", "--k", "4", "--method", method, "--no-report", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    if median_speeders:  # the speeder threshold becomes a third of the data's median duration
        path = out / "instrument.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["cleaning"]["min_duration_seconds"] = None
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return out


def _wave(study) -> pd.DataFrame:
    """The simulated wave as text, ordered so that repeated ids sit in the same file."""
    wave = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    return wave.sort_values("respondent_id", kind="stable").reset_index(drop=True)


def _split(wave: pd.DataFrame, folder, parts: int) -> list:
    """Parquet files of consecutive rows, cut only between different respondent ids."""
    folder.mkdir()
    cuts = [0]
    for target in np.linspace(0, len(wave), parts + 1)[1:-1].astype(int):
        while wave["respondent_id"].iloc[target] == wave["respondent_id"].iloc[target - 1]:
            target += 1
        cuts.append(target)
    cuts.append(len(wave))
    paths = []
    for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        paths.append(folder / f"part-{i}.parquet")
        wave.iloc[a:b].to_parquet(paths[-1], index=False)
    return paths


def _same_rows(memory: pd.DataFrame, dask_table: pd.DataFrame) -> None:
    left = memory[COLUMNS].sort_values(["respondent", "distance"]).reset_index(drop=True)
    right = dask_table[COLUMNS].sort_values(["respondent", "distance"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_a_latent_class_run_scores_the_same_posteriors(study, tmp_path, cluster):
    run = _run(study, tmp_path, method="lca")
    wave = _wave(study)
    wave.to_csv(tmp_path / "whole.csv", index=False)
    _split(wave, tmp_path / "parts", 3)
    memory = assign_file(run, tmp_path / "whole.csv", out=tmp_path / "memory")
    assign_partitioned(
        run, tmp_path / "parts", out=tmp_path / "dask", scheduler=cluster.scheduler_address
    )
    written = pd.read_parquet(tmp_path / "dask" / "assignments")
    assert list(written.columns) == ["respondent", "file", "row", "segment", "name", "distance",
                                     "posterior", "far"]  # fmt: skip
    columns = [*COLUMNS, "posterior"]
    order = ["respondent", "distance"]
    left = memory.table[columns].sort_values(order).reset_index(drop=True)
    right = written[columns].sort_values(order).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    assert (right["posterior"] > 0).all() and (right["posterior"] <= 1).all()


@pytest.mark.parametrize("median_speeders", [False, True])
def test_labels_match_the_in_memory_assign(study, tmp_path, cluster, median_speeders):
    run = _run(study, tmp_path, median_speeders=median_speeders)
    wave = _wave(study)
    wave.to_csv(tmp_path / "whole.csv", index=False)
    _split(wave, tmp_path / "parts", 3)

    memory = assign_file(run, tmp_path / "whole.csv", out=tmp_path / "memory")
    result = assign_partitioned(
        run,
        tmp_path / "parts" / "*.parquet",
        out=tmp_path / "dask",
        scheduler=cluster.scheduler_address,
    )
    written = pd.read_parquet(tmp_path / "dask" / "assignments")
    refused = pd.read_parquet(tmp_path / "dask" / "refused")
    _same_rows(memory.table, written)
    assert result.summary["refused"] == memory.clean.ledger.counts()
    assert len(written) + len(refused) == len(wave) == result.summary["rows"]
    assert result.summary["cleaning"]["imputation"]["values"] == memory.clean.imputation["values"]
    assert result.summary["far"] == int(memory.table["far"].sum())
    assert result.shares["n"].tolist() == memory.shares["n"].tolist()
    exclusions = pd.read_csv(tmp_path / "memory" / "exclusions.csv", dtype={"respondent": str})
    assert sorted(refused["respondent"]) == sorted(exclusions["respondent"])
    assert set(refused["file"]) <= {str(p) for p in (tmp_path / "parts").glob("*.parquet")}
    speeder = result.summary["cleaning"]["speeder"]
    assert (speeder["threshold_seconds"] == 45) != median_speeders
    on_disk = json.loads((tmp_path / "dask" / "assign-summary.json").read_text())
    assert on_disk["assigned"] == len(written)


def test_the_cli_scores_a_folder_and_prints_the_shares(study, tmp_path, cluster):
    run = _run(study, tmp_path)
    _split(_wave(study), tmp_path / "parts", 2)
    result = CliRunner().invoke(
        main,
        [
            "assign",
            str(run),
            "--data",
            str(tmp_path / "parts" / "*.parquet"),
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "assign-summary.json").read_text())
    assert f"{summary['assigned']:,} of {summary['rows']:,} rows assigned" in result.output
    assert "rows refused" in result.output
    parts = sorted(p.name for p in (tmp_path / "out" / "assignments").iterdir())
    assert {"part-00000.parquet", "part-00001.parquet"} <= set(parts)
    assert set(parts) <= {f"part-0000{i}{s}.parquet" for i in (0, 1) for s in ("", "-filled")}
    assert not any(p.name.startswith(".") for p in (tmp_path / "out").iterdir())


def _count_reads(monkeypatch) -> dict:
    """Count every ``pandas.read_parquet`` call per path (the workers are threads here)."""
    reads: dict = {}
    real = pd.read_parquet

    def counting(path, *args, **kwargs):
        key = (str(path), "columns" in kwargs)
        reads[key] = reads.get(key, 0) + 1
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_parquet", counting)
    return reads


@pytest.mark.parametrize("median_speeders", [False, True])
def test_each_partition_is_read_once(study, tmp_path, cluster, monkeypatch, median_speeders):
    run = _run(study, tmp_path, median_speeders=median_speeders)
    wave = _wave(study)
    files = [str(p) for p in _split(wave, tmp_path / "parts", 3)]
    blanks = pd.read_parquet(files[1])  # kept rows with a missing answer wait for the fills
    blanks.loc[blanks.index[:5], "q03"] = ""
    blanks.to_parquet(files[1], index=False)
    reads = _count_reads(monkeypatch)
    result = assign_partitioned(
        run, tmp_path / "parts", out=tmp_path / "out", scheduler=cluster.scheduler_address
    )
    whole = {f: reads.get((f, False), 0) for f in files}
    assert whole == dict.fromkeys(files, 1)  # one full read per partition
    columns_only = {f: reads.get((f, True), 0) for f in files}
    assert columns_only == dict.fromkeys(files, int(median_speeders))  # durations only
    assert result.summary["cleaning"]["imputation"]["cells"] >= 1
    assert (tmp_path / "out" / "assignments" / "part-00001-filled.parquet").exists()


def _shuffled_ids(study) -> pd.DataFrame:
    """The wave with its repeated ids spread over files, and 7 ids copied into a later file."""
    wave = pd.read_csv(study / "waves" / "wave-1.csv", dtype=str, keep_default_na=False)
    copies = wave.iloc[[3, 10, 20, 40, 41, 60, 70]].copy()
    copies["q01"] = np.where(copies["q01"] == "True", "False", "True")  # other answers
    return pd.concat([wave, copies], ignore_index=True)


def test_duplicate_ids_across_partitions_are_refused_as_in_memory(study, tmp_path, cluster):
    run = _run(study, tmp_path)
    wave = _shuffled_ids(study)
    (tmp_path / "parts").mkdir()
    cuts = np.linspace(0, len(wave), 5).astype(int)  # cut anywhere: repeats straddle files
    files = []
    for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        files.append(tmp_path / "parts" / f"part-{i}.parquet")
        wave.iloc[a:b].to_parquet(files[-1], index=False)
    wave.to_csv(tmp_path / "whole.csv", index=False)
    memory = assign_file(run, tmp_path / "whole.csv", out=tmp_path / "memory")
    result = assign_partitioned(
        run, tmp_path / "parts", out=tmp_path / "dask", scheduler=cluster.scheduler_address
    )
    written = pd.read_parquet(tmp_path / "dask" / "assignments")
    refused = pd.read_parquet(tmp_path / "dask" / "refused")
    _same_rows(memory.table, written)
    assert not written["respondent"].duplicated().any()
    assert result.summary["refused"] == memory.clean.ledger.counts()
    assert result.summary["refused"]["duplicate id"] > 7
    assert len(written) + len(refused) == len(wave) == result.summary["rows"]
    exclusions = pd.read_csv(tmp_path / "memory" / "exclusions.csv", dtype={"respondent": str})
    mine = refused.sort_values("respondent", kind="stable")
    theirs = exclusions.sort_values("respondent", kind="stable")
    assert mine["respondent"].tolist() == theirs["respondent"].tolist()
    assert sorted(mine["reason"]) == sorted(theirs["reason"])
    assert result.summary["cleaning"]["duplicates"]["across_files"] >= 7
    # the copies in the last file name the first file as where the id was first seen
    copies = refused[refused["file"] == str(files[-1])].tail(7)
    assert copies["duplicate_of"].str.startswith(str(files[0]) + ", row ").all()
    repeats = refused["reason"].eq("duplicate id") | refused["other_reasons"].str.contains("dup")
    assert (refused.loc[repeats, "duplicate_of"] != "").all()
    assert (refused.loc[~repeats, "duplicate_of"] == "").all()
    first_in = refused.loc[repeats, "duplicate_of"].str.rsplit(", row ", n=1).str[0]
    assert (first_in == refused.loc[repeats, "file"]).any()  # repeats within one file too
    assert (first_in != refused.loc[repeats, "file"]).any()


def test_row_numbered_ids_are_not_duplicates_across_files(study, tmp_path, cluster):
    """An empty id cell becomes ``row-<n>``: the same n in two files is two people."""
    run = _run(study, tmp_path)
    files = _split(_wave(study), tmp_path / "parts", 2)
    for path in files:
        frame = pd.read_parquet(path)
        frame.loc[frame.index[2], "respondent_id"] = ""
        frame.to_parquet(path, index=False)
    result = assign_partitioned(
        run, tmp_path / "parts", out=tmp_path / "out", scheduler=cluster.scheduler_address
    )
    written = pd.read_parquet(tmp_path / "out" / "assignments")
    refused = pd.read_parquet(tmp_path / "out" / "refused")
    both = pd.concat([written, refused])
    assert (both["respondent"] == "row-4").sum() == 2
    assert result.summary["cleaning"]["duplicates"]["across_files"] == 0
    assert not refused.loc[refused["respondent"] == "row-4", "reason"].eq("duplicate id").any()


def _leftovers(folder) -> list[str]:
    """Temporary output folders left beside the outputs (there must be none)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_partition_that_fails_leaves_nothing(study, tmp_path, cluster):
    run = _run(study, tmp_path)
    wave = _wave(study)
    files = _split(wave, tmp_path / "parts", 4)
    bad = pd.read_parquet(files[2])
    bad.loc[bad.index[3], "q05"] = "maybe"
    bad.to_parquet(files[2], index=False)
    result = CliRunner().invoke(
        main,
        [
            "assign",
            str(run),
            "--data",
            str(tmp_path / "parts"),
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "part-2.parquet" in result.output and "maybe" in result.output
    assert "row 5" in result.output  # the spreadsheet row of the bad cell (header = row 1)
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


@pytest.mark.slow
def test_bad_data_patterns_and_schedulers_are_refused(study, tmp_path):
    run = _run(study, tmp_path)
    with pytest.raises(InputError, match="no file matches"):
        assign_partitioned(run, tmp_path / "nothing" / "*.parquet", out=tmp_path / "out")
    _split(_wave(study), tmp_path / "parts", 2)
    result = CliRunner().invoke(
        main,
        [
            "assign",
            str(run),
            "--data",
            str(tmp_path / "parts"),
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_worker_killed_mid_run_never_leaves_a_partial_output(study, tmp_path):
    """Kill a worker process while partitions are being written.

    With no retries allowed the run must fail and leave nothing; the same kill with Dask's
    retries must give the complete, identical output.
    """
    import dask

    run = _run(study, tmp_path)
    wave = pd.concat([_wave(study)] * 6, ignore_index=True)
    wave["respondent_id"] = [f"R{i:06d}" for i in range(len(wave))]
    _split(wave, tmp_path / "parts", 60)
    wave.to_csv(tmp_path / "whole.csv", index=False)
    memory = assign_file(run, tmp_path / "whole.csv", out=tmp_path / "memory")
    for retries, out in ((0, tmp_path / "strict"), (3, tmp_path / "retried")):
        with (
            dask.config.set({"distributed.scheduler.allowed-failures": retries}),
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as local,
            Client(local) as client,
        ):
            pids = list(client.run(os.getpid).values())
            killer = threading.Thread(target=_kill_when_writing, args=(tmp_path, pids[0]))
            killer.start()
            try:
                assign_partitioned(
                    run, tmp_path / "parts", out=out, scheduler=local.scheduler_address
                )
                finished = True
            except Exception:  # noqa: BLE001 -- KilledWorker, or a lost connection
                finished = False
            killer.join()
        assert _leftovers(tmp_path) == []
        if retries == 0:
            assert not finished and not out.exists()
        else:
            assert finished
            _same_rows(memory.table, pd.read_parquet(out / "assignments"))


def _kill_when_writing(folder, pid: int, timeout: float = 120) -> None:
    """SIGKILL ``pid`` as soon as the first output part appears in a temporary folder."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(folder.glob(".*.tmp/assignments/part-*.parquet")):
            break
        time.sleep(0.01)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass

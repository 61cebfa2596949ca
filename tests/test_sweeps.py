"""Sweeps: axes and bad input, byte-identical results on any executor, resume after a kill."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.experiments import batch, sweeps
from safesim.experiments.results import stable_bytes
from safesim.experiments.sweeps import SweepError, parse_axis
from safesim.ui.cli import main

from .conftest import SCENARIOS

SMALL = str(SCENARIOS / "small.yaml")
FILES = ("runs.csv", "summary.csv", "manifest.json")
# Two axes, two values each, two replicates, a campaign window of a few days: ~10 quick runs.
QUICK = [
    "--vary",
    "interventions.patrols.officers=0,48",
    "--vary",
    "interventions.cameras.count=0:200:2",
    "--replicates",
    "2",
    "--days",
    "370",
]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safesim.ui.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def sweep_bytes(folder: Path) -> dict[str, bytes]:
    return {name: stable_bytes(folder / name) for name in FILES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The quick sweep, uninterrupted, on one worker."""
    out = tmp_path_factory.mktemp("reference")
    result = CliRunner().invoke(main, ["sweep", SMALL, *QUICK, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return sweep_bytes(out / "small-sweep")


# --------------------------------------------------------------------------- axes


def test_axis_lists_and_inclusive_ranges() -> None:
    assert parse_axis("interventions.patrols.officers=0,500,1000").values == (0, 500, 1000)
    cameras = parse_axis("interventions.cameras.count=0:14000:8")
    assert cameras.values == (0, 2000, 4000, 6000, 8000, 10000, 12000, 14000)
    assert all(isinstance(v, int) for v in cameras.values)
    assert parse_axis("interventions.patrols.dwell_minutes=5.0:15:3").values == (5.0, 10.0, 15.0)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("interventions.cameras.count=14000:0:8", "reversed range"),
        ("interventions.cameras.count=0:14000:0", "empty range"),
        ("interventions.cameras.count=5:5:3", "empty range"),
        ("interventions.cameras.count=0,ten,20", "'ten' is not a number"),
        ("interventions.cameras.count=", "no values"),
        ("interventions.cameras.count=0:2:8", "repeat values"),
    ],
)
def test_bad_axes_name_the_axis(spec: str, words: str) -> None:
    with pytest.raises(SweepError, match=words) as info:
        parse_axis(spec)
    assert "interventions.cameras.count" in str(info.value)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--vary", "interventions.patrols.oficers=0,10"], "interventions.patrols.oficers"),
        (["--vary", "interventions.cameras.count=100:0:3"], "reversed range"),
        (["--vary", "interventions.cameras.count=0:100:0"], "empty range"),
        (["--vary", "interventions.cameras.count=0,x"], "'x' is not a number"),
        (["--vary", "interventions.cameras.count=-5,10"], "interventions.cameras.count=-5"),
        (["--vary", "city.no_such_field=10,20"], "city.no_such_field"),
        (["--vary", "interventions.cameras.count=0,1", "--replicates", "0"], "--replicates"),
        (["--vary", "interventions.cameras.count=0,1", "--workers", "0"], "--workers"),
        ([], "no axes"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, args: list[str], words: str
) -> None:
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["sweep", SMALL, *args, "--out", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert words in lines[0]
    assert not out.exists()


def test_unreachable_dask_scheduler_names_the_address(tmp_path: Path) -> None:
    out = tmp_path / "results"
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["sweep", SMALL, *QUICK, "--dask", "tcp://127.0.0.1:1", "--out", str(out)]
    )
    assert result.exit_code == 2
    lines = [x for x in result.stderr.strip().splitlines() if not x.startswith("warning:")]
    assert len(lines) == 1 and "tcp://127.0.0.1:1" in lines[0]
    assert time.monotonic() - started < 60
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("axes:\n  interventions.cameras.count: [0, 10]\nreplicate: 3\n", "replicate: unknown key"),
        ("axes:\n  interventions.cameras.count: [0, ten]\n", "count.1: 'ten' is not a number"),
        (
            "axes:\n  interventions.cameras.count: {start: 0, stop: 9, n: 3}\n",
            "count.n: unknown key",
        ),
        (
            "axes:\n  interventions.cameras.count: {start: 9, stop: 0, points: 3}\n",
            "reversed range",
        ),
        ("axes: {}\n", "axes: give at least one axis"),
        ("axes: [\n", "malformed YAML"),
    ],
)
def test_sweep_file_is_validated_with_unknown_keys_forbidden(
    tmp_path: Path, text: str, words: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["sweep", SMALL, "--sweep-file", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert not out.exists()


def test_the_shipped_sweep_file_plans(small: object) -> None:
    spec = sweeps.load_sweep_file(SCENARIOS / "sweeps" / "guiyang-patrols-cameras.yaml")
    from safesim.core.scenario import load_scenario

    guiyang = load_scenario(SCENARIOS / "guiyang.yaml")
    plan = sweeps.plan_sweep(guiyang, "guiyang.yaml", spec.axis_list(), 5, None)
    sizes = [len(a.values) for a in spec.axis_list()]
    assert len(plan.points) == 1 + math.prod(sizes)
    assert plan.reference().values == {a.path: 0 for a in spec.axis_list()}


# --------------------------------------------------------------------------- results


def test_runs_and_summary_tables(tmp_path: Path, reference: dict[str, bytes]) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    for name, data in reference.items():
        (folder / name).write_bytes(data)
    runs = pd.read_csv(folder / "runs.csv")
    summary = pd.read_csv(folder / "summary.csv")
    # Baseline plus a 2 × 2 grid, two replicates each, sorted by point then replicate.
    assert list(runs["point"]) == [p for p in range(5) for _ in range(2)]
    assert list(runs["replicate"]) == [0, 1] * 5
    assert set(runs["status"]) == {"ok"}
    assert runs.loc[0, "mix"] == "baseline"
    # Common random numbers: replicate r has the same seed at every point.
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    assert runs.loc[0, "seed"] != runs.loc[1, "seed"]
    # Every figure summarise gives is a column.
    for name in ("campaign_year_criminal_total", "campaign_end_sense_of_security"):
        assert name in runs.columns
        assert f"{name}_mean" in summary.columns and f"{name}_change_p95" in summary.columns
    # The reference is the mix with every varied value 0; its change against itself is 0.
    ref = int(summary["reference_point"].iloc[0])
    row = summary.set_index("point").loc[ref]
    assert row["interventions.patrols.officers"] == 0 and row["interventions.cameras.count"] == 0
    assert row["campaign_end_sense_of_security_change_mean"] == 0
    # Changes are paired by replicate: the mean change is the mean of the differences.
    sense = runs.pivot(index="replicate", columns="point", values="campaign_end_sense_of_security")
    expected = (sense[4] - sense[ref]).mean()
    got = summary.set_index("point").loc[4, "campaign_end_sense_of_security_change_mean"]
    assert got == pytest.approx(expected, abs=2e-6)
    manifest = json.loads(reference["manifest.json"])
    assert manifest["reference"]["point"] == ref
    assert manifest["runs"] == 10 and manifest["runs_failed"] == 0


def test_every_mix_of_a_sweep_runs_at_the_same_draws(reference: dict[str, bytes]) -> None:
    import io

    runs = pd.read_csv(io.BytesIO(reference["runs.csv"]))
    assert runs.groupby("replicate")["draw"].nunique().eq(1).all()
    assert list(runs.loc[runs["point"] == 0, "draw"]) == [0, 1]
    manifest = json.loads(reference["manifest.json"])
    draws = manifest["parameter_draws"]
    assert draws["source"] == "posterior" and draws["draws"] == 2
    assert len(set(draws["sample_rows"])) == 2


def test_two_workers_give_the_same_bytes(tmp_path: Path, reference: dict[str, bytes]) -> None:
    result = CliRunner().invoke(
        main, ["sweep", SMALL, *QUICK, "--workers", "2", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert sweep_bytes(tmp_path / "small-sweep") == reference


@pytest.mark.slow
def test_dask_cluster_gives_the_same_bytes(tmp_path: Path, reference: dict[str, bytes]) -> None:
    from distributed import LocalCluster

    # In-process workers share the test process's memory, which a long test session grows;
    # Dask would pause workers above 80 % of a per-worker limit and the sweep would wait
    # for ever, so no limit applies here (the cluster `--dask local` starts has its own).
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        memory_limit=0,
    ) as cluster:
        result = CliRunner().invoke(
            main,
            ["sweep", SMALL, *QUICK, "--dask", cluster.scheduler_address, "--out", str(tmp_path)],
        )
    assert result.exit_code == 0, result.output
    assert sweep_bytes(tmp_path / "small-sweep") == reference


def test_a_journal_of_another_sweep_is_refused(tmp_path: Path) -> None:
    first = ["sweep", SMALL, "--vary", "interventions.cameras.count=0,10", "--replicates", "1"]
    first += ["--days", "370", "--out", str(tmp_path)]
    assert CliRunner().invoke(main, first).exit_code == 0
    before = sweep_bytes(tmp_path / "small-sweep")
    other = [*first[:3], "interventions.cameras.count=0,20", *first[4:]]
    result = CliRunner().invoke(main, other)
    assert result.exit_code == 2
    lines = [x for x in result.stderr.strip().splitlines() if not x.startswith("warning:")]
    assert len(lines) == 1 and "axes" in lines[0] and "--restart" in lines[0]
    assert sweep_bytes(tmp_path / "small-sweep") == before
    restarted = CliRunner().invoke(main, [*other, "--restart"])
    assert restarted.exit_code == 0
    assert sweep_bytes(tmp_path / "small-sweep") != before


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch.run_once

    def flaky(scenario, seed, days=None, parameters=None, progress=None):  # type: ignore[no-untyped-def]
        cameras = scenario.interventions.cameras
        if cameras is not None and cameras.count.value == 10:
            raise RuntimeError("camera feed lost\nsecond line")
        return real(scenario, seed, days, parameters, progress)

    monkeypatch.setattr(batch, "run_once", flaky)
    args = ["sweep", SMALL, "--vary", "interventions.cameras.count=0,10", "--replicates", "2"]
    result = CliRunner().invoke(main, [*args, "--days", "370", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "(2 failed)" in result.stdout
    runs = pd.read_csv(tmp_path / "small-sweep" / "runs.csv", keep_default_na=False)
    failed = runs[runs["status"] == "failed"]
    assert list(failed["interventions.cameras.count"].astype(int)) == [10, 10]
    assert set(failed["error"]) == {"RuntimeError: camera feed lost second line"}
    assert (runs["status"] == "ok").sum() == 4
    summary = pd.read_csv(tmp_path / "small-sweep" / "summary.csv")
    assert list(summary["replicates_failed"]) == [0, 0, 2]


def test_cost_per_crime_averted_where_the_scenario_gives_unit_costs(tmp_path: Path) -> None:
    text = (SCENARIOS / "small.yaml").read_text(encoding="utf-8")
    priced = text.replace(
        "  cameras:\n",
        "  cameras:\n    unit_cost_yuan: {value: 3000, assumption: 'a camera per year'}\n",
    )
    assert priced != text
    scenario_file = tmp_path / "priced.yaml"
    scenario_file.write_text(priced, encoding="utf-8")
    args = ["sweep", str(scenario_file), "--vary", "interventions.cameras.count=0,169,338"]
    args += ["--replicates", "1", "--days", "400", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "small-sweep" / "summary.csv").set_index("point")
    assert list(summary["annual_cost_yuan"]) == [0, 0, 169 * 3000, 338 * 3000]
    window_years = 35 / 365  # 2013-01-01 .. 2013-02-04
    for point in (2, 3):
        averted = summary.loc[point, "crimes_averted_mean"]
        got = summary.loc[point, "cost_per_crime_averted_yuan"]
        if averted > 0:
            expected = summary.loc[point, "annual_cost_yuan"] * window_years / averted
            assert got == pytest.approx(expected, rel=1e-5)
        else:
            assert math.isnan(got)


# --------------------------------------------------------------------------- resume


def wait_for_records(folder: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(list(folder.glob("p[0-9]*-r[0-9]*.json"))) >= count:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the sweep recorded no runs in time")


@pytest.mark.slow
def test_killed_sweep_resumes_to_identical_files(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    args = ["sweep", SMALL, *QUICK, "--out", str(tmp_path)]
    process = subprocess.Popen(
        [sys.executable, "-m", "safesim.ui.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    journal = tmp_path / "small-sweep" / ".runs"
    wait_for_records(journal, 3, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    recorded = len(list(journal.glob("p[0-9]*-r[0-9]*.json")))
    assert 3 <= recorded < 10
    assert not (tmp_path / "small-sweep" / "runs.csv").exists()
    resumed = cli(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{10 - recorded} run now" in resumed.stdout
    assert sweep_bytes(tmp_path / "small-sweep") == reference
    # Once finished, the same command runs nothing and rewrites the same bytes.
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "nothing left to run" in again.stdout
    assert sweep_bytes(tmp_path / "small-sweep") == reference


@pytest.mark.slow
def test_ctrl_c_stops_the_worker_pool_and_the_sweep_resumes(tmp_path: Path) -> None:
    # Thirty runs, so Ctrl-C after the second lands while the pool is still busy (the
    # quick sweep's ten could all finish before the signal arrived).
    longer = [*QUICK[: QUICK.index("--replicates") + 1], "6", *QUICK[QUICK.index("--days") :]]
    whole = cli("sweep", SMALL, *longer, "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    reference = sweep_bytes(tmp_path / "whole" / "small-sweep")
    args = ["sweep", SMALL, *longer, "--workers", "2", "--out", str(tmp_path)]
    process = subprocess.Popen(
        [sys.executable, "-m", "safesim.ui.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As at a terminal: a test run started in the background inherits SIGINT ignored,
        # and Python then never raises KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wait_for_records(tmp_path / "small-sweep" / ".runs", 2, process)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "run the same command again to continue" in stderr
    resumed = cli(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert sweep_bytes(tmp_path / "small-sweep") == reference


@pytest.mark.slow
def test_two_axes_three_values_five_replicates_identical_on_1_2_and_dask_local(
    tmp_path: Path,
) -> None:
    axes = ["--vary", "interventions.patrols.officers=0,48,96"]
    axes += ["--vary", "interventions.cameras.count=0:338:3", "--replicates", "5", "--days", "400"]
    outputs = []
    for name, extra in (
        ("one", ["--workers", "1"]),
        ("two", ["--workers", "2"]),
        ("dask", ["--workers", "2", "--dask", "local"]),
    ):
        result = cli("sweep", SMALL, *axes, *extra, "--out", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        outputs.append(sweep_bytes(tmp_path / name / "small-sweep"))
    assert outputs[0] == outputs[1] == outputs[2]
    runs = pd.read_csv(tmp_path / "one" / "small-sweep" / "runs.csv")
    assert len(runs) == (1 + 3 * 3) * 5

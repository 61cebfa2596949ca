"""`safesim compare` and `safesim optimize` on the batch engine: the same files whatever
the workers, a journal that an interrupted command continues, and one line for bad
--workers and --dask."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from safesim.ui.cli import main

from .conftest import SCENARIOS

DAYS = 400
SMALL = str(SCENARIOS / "small.yaml")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def no_patrols(tmp_path_factory: pytest.TempPathFactory) -> str:
    data = yaml.safe_load(Path(SMALL).read_text(encoding="utf-8"))
    data["name"] = "small-no-patrols"
    data["interventions"].pop("patrols")
    path = tmp_path_factory.mktemp("scenarios") / "no-patrols.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory) -> str:
    """small.yaml with Guiyang's unit costs (as tests/test_optimize.py prices it)."""
    from .test_optimize import UNIT_COSTS

    data = yaml.safe_load(Path(SMALL).read_text(encoding="utf-8"))
    for kind, cost in UNIT_COSTS.items():
        data["interventions"][kind]["unit_cost_yuan"] = {"value": cost, "assumption": "test"}
    path = tmp_path_factory.mktemp("priced") / "small-priced.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def compare_args(out: Path, b: str, *extra: str) -> list[str]:
    return ["compare", SMALL, b, SMALL, "--days", str(DAYS), "--replicates", "2",
            "--draws", "2", "--out", str(out), "--name", "c", *extra]  # fmt: skip


def tables(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def records(folder: Path) -> dict[str, int]:
    journal = folder / ".runs"
    return {p.name: p.stat().st_mtime_ns for p in journal.glob("*.json") if p.name != "plan.json"}


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory, no_patrols: str) -> Path:
    out = tmp_path_factory.mktemp("compare-1")
    result = invoke(*compare_args(out, no_patrols))
    assert result.exit_code == 0, result.output
    return out / "c"


def test_compare_runs_a_scenario_given_twice_once(compared: Path) -> None:
    assert len(records(compared)) == 2 * 2  # two distinct scenarios × two replicates
    outcomes = (compared / "outcomes.csv").read_text(encoding="utf-8").splitlines()
    assert len(outcomes) - 1 == 3 * 2  # yet every position has its rows


def test_compare_gives_the_same_files_with_two_workers(
    compared: Path, no_patrols: str, tmp_path: Path
) -> None:
    result = invoke(*compare_args(tmp_path, no_patrols, "--workers", "2"))
    assert result.exit_code == 0, result.output
    assert tables(tmp_path / "c") == tables(compared)


def test_an_interrupted_compare_continues_without_running_finished_runs_again(
    compared: Path, no_patrols: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import safesim.experiments.compare as compare

    real = compare.execute_outcomes
    ran: list[str] = []

    def interrupted(task):
        if len(ran) == 2:
            raise KeyboardInterrupt
        ran.append(task.key)
        return real(task)

    monkeypatch.setattr(compare, "execute_outcomes", interrupted)
    first = invoke(*compare_args(tmp_path, no_patrols))
    assert first.exit_code == 130, first.output
    assert "run the same command again" in first.output
    kept = records(tmp_path / "c")
    assert len(kept) == 2 and not (tmp_path / "c" / "outcomes.csv").exists()

    def counted(task):
        ran.append(task.key)
        return real(task)

    ran.clear()
    monkeypatch.setattr(compare, "execute_outcomes", counted)
    again = invoke(*compare_args(tmp_path, no_patrols))
    assert again.exit_code == 0, again.output
    assert len(ran) == 2 and not {f"{key}.json" for key in ran} & kept.keys()
    assert {k: v for k, v in records(tmp_path / "c").items() if k in kept} == kept
    assert tables(tmp_path / "c") == tables(compared)


def test_a_tampered_journal_record_is_run_again(
    compared: Path, no_patrols: str, tmp_path: Path
) -> None:
    import shutil

    shutil.copytree(compared, tmp_path / "c")
    journal = tmp_path / "c" / ".runs"
    path = sorted(p for p in journal.glob("*.json") if p.name != "plan.json")[0]
    record = json.loads(path.read_text(encoding="utf-8"))
    record["outcomes"]["campaign_criminal_total"] += 1.0  # well-formed, but not what ran
    path.write_text(json.dumps(record), encoding="utf-8")
    before = records(tmp_path / "c")
    result = invoke(*compare_args(tmp_path, no_patrols))
    assert result.exit_code == 0, result.output
    after = records(tmp_path / "c")
    assert [k for k in after if after[k] != before[k]] == [path.name]
    assert tables(tmp_path / "c") == tables(compared)


@pytest.mark.parametrize("command", ["compare", "optimize"])
@pytest.mark.parametrize(
    "extra",
    [
        ("--workers", "0"),
        ("--workers", "-3"),
        ("--workers", "99999999"),
        ("--dask", "tcp://127.0.0.1:1"),
    ],
)
def test_bad_workers_or_dask_is_one_line(
    command: str, extra: tuple[str, ...], tmp_path: Path, no_patrols: str, priced: str
) -> None:
    if command == "compare":
        args = compare_args(tmp_path, no_patrols, *extra)
    else:
        args = ["optimize", priced, "--budget", "2e6", "--quick", "--days",
                str(DAYS), "--out", str(tmp_path), "--name", "c", *extra]  # fmt: skip
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = [x for x in result.stderr.splitlines() if x.strip() and not x.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert ("--workers" in lines[0]) or ("Dask" in lines[0]), lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "c").exists()


def optimize_args(priced: str, out: Path, *extra: str) -> list[str]:
    return ["optimize", priced, "--budget", "2e6", "--trials", "4", "--population", "2",
            "--replicates", "1", "--draws", "1", "--days", str(DAYS), "--out", str(out),
            "--name", "o", *extra]  # fmt: skip


def search_files(folder: Path) -> dict[str, str]:
    # (recommended.yaml's header names the folder it is in)
    names = ("trials.csv", "front.csv", "runs.csv", "baseline.csv", "recommended.yaml")
    return {n: (folder / n).read_text("utf-8").replace(str(folder), "S") for n in names}


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory, priced: str) -> Path:
    out = tmp_path_factory.mktemp("optimize-1")
    result = invoke(*optimize_args(priced, out))
    assert result.exit_code == 0, result.output
    return out / "o"


def test_optimize_gives_the_same_files_with_two_workers(
    searched: Path, priced: str, tmp_path: Path
) -> None:
    result = invoke(*optimize_args(priced, tmp_path, "--workers", "2"))
    assert result.exit_code == 0, result.output
    assert search_files(tmp_path / "o") == search_files(searched)


def test_an_interrupted_optimize_continues_without_running_finished_runs_again(
    searched: Path, priced: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import safesim.experiments.optimize as optimize

    real = optimize.execute_outcomes
    ran: list[str] = []

    def interrupted(task):
        if len(ran) == 3:  # the twin, the scenario's own mix and the first candidate
            raise KeyboardInterrupt
        ran.append(task.key)
        return real(task)

    monkeypatch.setattr(optimize, "execute_outcomes", interrupted)
    first = invoke(*optimize_args(priced, tmp_path))
    assert first.exit_code == 130, first.output
    kept = records(tmp_path / "o")
    assert len(kept) == 3

    def counted(task):
        ran.append(task.key)
        return real(task)

    ran.clear()
    monkeypatch.setattr(optimize, "execute_outcomes", counted)
    again = invoke(*optimize_args(priced, tmp_path))
    assert again.exit_code == 0, again.output
    assert len(ran) == 6 - 3 and not {f"{key}.json" for key in ran} & kept.keys()
    assert search_files(tmp_path / "o") == search_files(searched)

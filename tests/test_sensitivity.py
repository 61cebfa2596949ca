"""Morris screening: factors and their bounds, bad input, outputs, resuming the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import Scenario
from safesim.experiments.results import stable_bytes
from safesim.experiments.sensitivity import (
    intervention_factors,
    mechanism_factors,
    plan_sensitivity,
)
from safesim.ui.cli import main

from .conftest import SCENARIOS

SMALL = str(SCENARIOS / "small.yaml")
# Three parameters (two of them integers) and two trajectories: 8 quick runs.
QUICK = [
    "--parameters",
    "patrol_deterrence,candidate_homes,offender_moves_per_day",
    "--trajectories",
    "2",
    "--days",
    "370",
]
FILES = ("runs.csv", "sensitivity.csv", "sensitivity.png", "manifest.json")


def test_factors_cover_every_mechanism_parameter_within_its_bounds() -> None:
    factors = mechanism_factors()
    bounds = MechanismParameters.bounds()
    assert [f.name for f in factors] == list(bounds)
    assert {f.name for f in factors if f.integer} == {
        "candidate_homes",
        "offender_moves_per_day",
        "catchment_cells",
    }
    for factor in factors:
        assert (factor.low, factor.high) == bounds[factor.name]


def test_intervention_sizes_range_from_none_to_twice_the_scenario(small: Scenario) -> None:
    factors = {f.name: f for f in intervention_factors(small)}
    officers = factors["interventions.patrols.officers"]
    assert (officers.low, officers.high) == (0.0, 2.0 * small.interventions.patrols.officers.value)
    assert all(f.integer and f.kind == "intervention" for f in factors.values())


def test_sampled_values_are_rounded_for_integer_fields(small: Scenario) -> None:
    plan = plan_sensitivity(
        small,
        SMALL,
        trajectories=2,
        days=370,
        parameters=["candidate_homes", "offender_moves_per_day", "patrol_deterrence"],
        include_interventions=True,
    )
    assert plan.samples.shape == (2 * (len(plan.factors) + 1), len(plan.factors))
    for task in plan.tasks():
        assert task.parameters is not None
        assert isinstance(task.parameters["candidate_homes"], int)
        assert isinstance(task.parameters["offender_moves_per_day"], int)
        assert isinstance(task.parameters["patrol_deterrence"], float)
        MechanismParameters(**task.parameters)  # within the model's own limits
        assert isinstance(task.scenario["interventions"]["cameras"]["count"]["value"], int)
    assert len({t.seed for t in plan.tasks()}) == 1  # common random numbers


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--outcome", "crime_rate"], "--outcome 'crime_rate'"),
        (["--parameters", "patrol_deterrence,warp_factor"], "'warp_factor'"),
        (["--trajectories", "1"], "--trajectories"),
        (["--days", "100"], "before the campaign starts"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, args: list[str], words: str
) -> None:
    out = tmp_path / "results"
    base = ["sensitivity", SMALL, "--parameters", "patrol_deterrence", "--days", "370"]
    result = CliRunner().invoke(main, [*base, *args, "--out", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert not out.exists()


@pytest.mark.slow
def test_screening_writes_sorted_table_chart_and_resumes(tmp_path: Path) -> None:
    args = ["sensitivity", SMALL, *QUICK, "--include-interventions", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "small-sensitivity"
    table = pd.read_csv(folder / "sensitivity.csv")
    assert list(table.columns[:2]) == ["factor", "kind"]
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(table.columns)
    assert list(table["mu_star"]) == sorted(table["mu_star"], reverse=True)
    assert "interventions.patrols.officers" in set(table["factor"])
    assert (folder / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((folder / "manifest.json").read_text())
    runs = pd.read_csv(folder / "runs.csv")
    assert len(runs) == manifest["runs"] == 2 * (len(table) + 1)
    first = {name: stable_bytes(folder / name) for name in FILES}
    # Another outcome reuses every recorded run; the same outcome again is byte-identical.
    other = CliRunner().invoke(main, [*args, "--outcome", "campaign_end_sense_of_security"])
    assert other.exit_code == 0 and "nothing left to run" in other.stdout
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "nothing left to run" in again.stdout
    assert {name: stable_bytes(folder / name) for name in FILES} == first


@pytest.mark.slow
def test_parallel_screening_gives_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / workers
        args = ["sensitivity", SMALL, *QUICK, "--workers", workers, "--out", str(out)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        outputs.append({n: stable_bytes(out / "small-sensitivity" / n) for n in FILES})
    assert outputs[0] == outputs[1]

"""`safesim compare`: paired differences on common random numbers, and the effects
against doing nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.cli import main
from safesim.compare import cost_per_crime_averted_row, counterfactual_effects
from safesim.runner import run_paired

from .conftest import SCENARIOS, keep_only

DAYS = 420  # one baseline year and 54 campaign days of small.yaml


def _compare(out: Path, *files: str, extra: tuple[str, ...] = ()):
    args = ["compare", *files, "--replicates", "3", "--days", str(DAYS), "--out", str(out)]
    return CliRunner().invoke(main, [*args, *extra])


@pytest.fixture(scope="module")
def self_comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare")
    small = str(SCENARIOS / "small.yaml")
    result = _compare(out, small, small, extra=("--name", "self"))
    assert result.exit_code == 0, result.output
    return out / "self"


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(self_comparison: Path) -> None:
    differences = pd.read_csv(self_comparison / "differences.csv")
    assert len(differences) > 15  # every outcome, not a few
    for column in ("difference_mean", "difference_p05", "difference_p95"):
        values = differences[column].to_numpy(float)
        finite = values[np.isfinite(values)]
        assert finite.size >= len(values) - 2  # only undefined figures (WDQ) may be NaN
        assert (finite == 0.0).all(), differences[finite != 0.0]


def test_the_comparison_writes_its_table_figure_brief_and_manifest(self_comparison: Path) -> None:
    for name in ("outcomes.csv", "differences.csv", "differences.png", "brief.html"):
        assert (self_comparison / name).is_file(), name
    manifest = json.loads((self_comparison / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "compare"
    assert manifest["scenarios"] == ["small", "small"]
    assert len(set(manifest["replicate_seeds"])) == 3


def test_differences_are_paired_replicate_by_replicate(tmp_path: Path, small) -> None:
    """B − A per replicate on the same seed, summarised: mean and 5th/95th percentiles."""
    import yaml

    data = small.model_dump(mode="json", exclude_none=True)
    data["name"] = "small-no-patrols"
    data["interventions"].pop("patrols")
    other = tmp_path / "no-patrols.yaml"
    other.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = _compare(tmp_path, str(SCENARIOS / "small.yaml"), str(other), extra=("--name", "p"))
    assert result.exit_code == 0, result.output
    outcomes = pd.read_csv(tmp_path / "p" / "outcomes.csv")
    differences = pd.read_csv(tmp_path / "p" / "differences.csv").set_index("outcome")
    a = outcomes[outcomes["position"] == 0].sort_values("replicate")
    b = outcomes[outcomes["position"] == 1].sort_values("replicate")
    assert (a["seed"].to_numpy() == b["seed"].to_numpy()).all()
    paired = b["campaign_criminal_total"].to_numpy() - a["campaign_criminal_total"].to_numpy()
    row = differences.loc["campaign_criminal_total"]
    assert row["difference_mean"] == pytest.approx(paired.mean(), abs=1e-5)
    assert row["difference_p05"] == pytest.approx(np.quantile(paired, 0.05), abs=1e-5)
    assert row["difference_p95"] == pytest.approx(np.quantile(paired, 0.95), abs=1e-5)
    cost = differences.loc["annual_cost_yuan"]
    assert cost["difference_mean"] == 0.0  # small.yaml prices nothing
    assert "criminal cases" in result.output


def test_compare_needs_two_readable_scenarios(tmp_path: Path) -> None:
    one = _compare(tmp_path, str(SCENARIOS / "small.yaml"))
    assert one.exit_code == 2 and "at least two" in one.output
    missing = _compare(tmp_path, str(SCENARIOS / "small.yaml"), str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2
    assert "nope.yaml: no such file" in missing.output
    assert "Traceback" not in missing.output
    assert not any(tmp_path.iterdir())


def test_effects_against_the_twin_are_the_twin_minus_the_mix(small) -> None:
    scenario = keep_only(small, "patrols", "cameras")
    mix, twin = run_paired(scenario, seed=3, replicates=3, days=DAYS)
    effects = counterfactual_effects(scenario, mix, twin).set_index("effect")
    start = DAYS - 54
    by_hand = np.array(
        [t["criminal_total"].iloc[start:].sum() - m["criminal_total"].iloc[start:].sum()
         for m, t in zip(mix, twin, strict=True)]
    )  # fmt: skip
    assert effects.loc["averted_criminal_total", "mean"] == pytest.approx(by_hand.mean())
    # Patrols and cameras over a campaign's first weeks avert crime, they do not add it.
    assert effects.loc["averted_criminal_total", "mean"] > 0
    assert effects.loc["cost_per_crime_averted", "note"] == "no unit costs in the scenario"


def test_cost_per_crime_averted_is_the_cost_over_the_interval_of_crimes_averted() -> None:
    row = cost_per_crime_averted_row(365_000.0, 365, np.array([10.0, 20.0, 30.0, 40.0]))
    assert row["mean"] == pytest.approx(365_000.0 / 25.0)
    assert row["p05"] == pytest.approx(365_000.0 / np.quantile([10, 20, 30, 40], 0.95))
    assert row["p95"] == pytest.approx(365_000.0 / np.quantile([10, 20, 30, 40], 0.05))
    reaches_zero = cost_per_crime_averted_row(1e6, 365, np.array([-5.0, 10.0, 30.0]))
    assert math.isnan(reaches_zero["p95"]) and "no upper bound" in reaches_zero["note"]
    nothing = cost_per_crime_averted_row(1e6, 365, np.array([-5.0, 0.0, 2.0]))
    assert math.isnan(nothing["mean"]) and nothing["note"] == "averts no crime on average"

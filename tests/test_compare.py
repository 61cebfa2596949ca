"""`safesim compare`: paired differences on common random numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from safesim.ui.cli import main

from .conftest import SCENARIOS

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


def test_the_comparison_manifest_hashes_every_table_and_a_changed_one_is_refused(
    self_comparison: Path, tmp_path: Path
) -> None:
    import hashlib
    import shutil

    from safesim.experiments.results import ResultsError, verify_set

    manifest = json.loads((self_comparison / "manifest.json").read_text(encoding="utf-8"))
    listed = manifest["files"]
    assert {"outcomes.csv", "differences.csv"} <= set(listed)
    for name, entry in listed.items():
        digest = hashlib.sha256((self_comparison / name).read_bytes()).hexdigest()
        assert entry["sha256"] == digest, name
    copy = tmp_path / "copy"
    shutil.copytree(self_comparison, copy)
    with (copy / "outcomes.csv").open("a", encoding="utf-8") as table:
        table.write("small,9,0\n")
    with pytest.raises(ResultsError):
        verify_set(copy, manifest)


@pytest.mark.slow
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
    # The 90 % t-interval of the mean paired difference, as a run's effects.csv gives.
    half = stats.t.ppf(0.95, paired.size - 1) * paired.std(ddof=1) / np.sqrt(paired.size)
    assert row["difference_p05"] == pytest.approx(paired.mean() - half, abs=1e-5)
    assert row["difference_p95"] == pytest.approx(paired.mean() + half, abs=1e-5)
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


def test_a_scenario_compared_with_itself_is_a_tie_not_a_probability(self_comparison: Path) -> None:
    differences = pd.read_csv(self_comparison / "differences.csv")
    defined = differences[differences["verdict"] != "not defined"]
    assert len(defined) >= len(differences) - 2
    assert defined["verdict"].str.startswith("tie").all(), defined[["outcome", "verdict"]]
    assert defined["probability_better"].isna().all()
    for column in ("spread_p05", "spread_p95"):
        finite = defined[column].to_numpy(float)
        assert (finite[np.isfinite(finite)] == 0.0).all()


def test_every_compared_scenario_runs_at_the_same_draws(tmp_path: Path, small) -> None:
    import yaml

    data = small.model_dump(mode="json", exclude_none=True)
    data["name"] = "small-no-cameras"
    data["interventions"].pop("cameras")
    other = tmp_path / "no-cameras.yaml"
    other.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    args = ["--replicates", "4", "--draws", "2", "--name", "d"]
    result = _compare(tmp_path, str(SCENARIOS / "small.yaml"), str(other), extra=tuple(args))
    # _compare passes --replicates 3 first; the later --replicates 4 wins
    assert result.exit_code == 0, result.output
    outcomes = pd.read_csv(tmp_path / "d" / "outcomes.csv")
    a = outcomes[outcomes["position"] == 0].sort_values("replicate")
    b = outcomes[outcomes["position"] == 1].sort_values("replicate")
    assert list(a["draw"]) == list(b["draw"]) == [0, 0, 1, 1]
    assert list(a["seed"]) == list(b["seed"])
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameter_draws"]["source"] == "posterior"
    assert len(pd.read_csv(tmp_path / "d" / "draws.csv")) == 4
    assert "parameters: 4 replicates over 2 parameter draws" in result.output


def test_the_probability_of_doing_better_counts_paired_runs() -> None:
    from safesim.experiments.compare import better_when, probability_better

    assert better_when("campaign_criminal_total") == -1
    assert better_when("campaign_sense_of_security") == 1
    # Fewer crimes in 3 of 4 paired runs, one tie: (3 + 0.5) / 4.
    probability, verdict = probability_better(np.array([-2.0, -1.0, -5.0, 0.0]), -1)
    assert probability == pytest.approx(0.875)
    assert "88 %" in verdict
    assert np.isnan(probability_better(np.zeros(4), -1)[0])


def test_the_brief_of_a_self_comparison_says_tie_and_no_city_caveat(self_comparison: Path) -> None:
    html = (self_comparison / "brief.html").read_text(encoding="utf-8")
    assert "the same in every run" in html
    assert "does better in" not in html
    assert "Scenarios of different cities" not in html  # the same city twice
    assert "The intervals hold both what the evidence leaves uncertain" in html

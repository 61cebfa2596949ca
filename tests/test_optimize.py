"""`safesim optimize`: mixes within the budget, a front with nothing dominated, and a
recommended mix that `safesim run` reproduces."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from safesim.core.scenario import load_scenario
from safesim.experiments.compare import replicate_outcomes
from safesim.experiments.draws import draws_from_manifest
from safesim.experiments.optimize import allocation, candidate, levers, pareto_mask
from safesim.experiments.runner import run_replicates
from safesim.experiments.sweeps import annual_cost
from safesim.ui.cli import main

from .conftest import SCENARIOS

DAYS = 400
BUDGET = 2.0e6
UNIT_COSTS = {  # guiyang.yaml's, per year
    "grid_workers": 40_000,
    "patrols": 90_000,
    "cameras": 3_000,
    "target_hardening": 300,
    "volunteers": 500,
}


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """small.yaml with Guiyang's unit costs: its whole mix costs ≈ ¥20 M a year."""
    data = yaml.safe_load((SCENARIOS / "small.yaml").read_text(encoding="utf-8"))
    for kind, cost in UNIT_COSTS.items():
        data["interventions"][kind]["unit_cost_yuan"] = {"value": cost, "assumption": "test"}
    path = tmp_path_factory.mktemp("priced") / "small-priced.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _optimize(scenario: Path, out: Path, *extra: str):
    args = ["optimize", str(scenario), "--budget", str(BUDGET), "--quick", "--days", str(DAYS)]
    return CliRunner().invoke(main, [*args, "--out", str(out), *extra])


@pytest.fixture(scope="module")
def search(priced: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("optimize")
    result = _optimize(priced, out, "--name", "s")
    assert result.exit_code == 0, result.output
    return out / "s"


def test_no_mix_tried_costs_more_than_the_budget(search: Path) -> None:
    trials = pd.read_csv(search / "trials.csv")
    assert len(trials) == 8
    assert (trials["annual_cost_yuan"] <= BUDGET).all()
    # Not trivially cheap: the search spends real money.
    assert trials["annual_cost_yuan"].max() > 0.5 * BUDGET
    recommended = load_scenario(search / "recommended.yaml")
    assert annual_cost(recommended) <= BUDGET


def test_nothing_on_the_front_is_dominated_by_any_mix_tried(search: Path) -> None:
    trials = pd.read_csv(search / "trials.csv")
    front = pd.read_csv(search / "front.csv")
    assert set(front["trial"]) == set(trials.loc[trials["on_front"], "trial"])
    units = [c for c in front.columns if c.startswith("units_")]
    assert not front.duplicated(subset=units).any()  # each mix once
    for row in front.itertuples():
        dominated = (
            (trials["crimes_averted"] >= row.crimes_averted)
            & (trials["security_change_pp"] >= row.security_change_pp)
            & (trials["annual_cost_yuan"] <= row.annual_cost_yuan)
            & (
                (trials["crimes_averted"] > row.crimes_averted)
                | (trials["security_change_pp"] > row.security_change_pp)
                | (trials["annual_cost_yuan"] < row.annual_cost_yuan)
            )
        )
        assert not dominated.any(), (row.trial, trials[dominated])
    # Every mix off the front is dominated by one on it.
    off = trials[~trials["on_front"]]
    for row in off.itertuples():
        assert (
            (front["crimes_averted"] >= row.crimes_averted)
            & (front["security_change_pp"] >= row.security_change_pp)
            & (front["annual_cost_yuan"] <= row.annual_cost_yuan)
        ).any()


def test_the_recommended_mix_is_reproduced_by_a_run_of_its_file(search: Path, priced: Path) -> None:
    manifest = json.loads((search / "manifest.json").read_text(encoding="utf-8"))
    trials = pd.read_csv(search / "trials.csv").set_index("trial")
    best = trials.loc[manifest["recommended_trial"]]
    assert best["on_front"]
    recommended = load_scenario(search / "recommended.yaml")
    original = load_scenario(priced)
    seed, reps = manifest["seed"], manifest["replicates"]
    # The search's parameter draws, rebuilt from what its manifest records.
    draws = draws_from_manifest(manifest["parameter_draws"], seed)
    assert draws.sample_rows == manifest["parameter_draws"]["sample_rows"]
    mix = [
        replicate_outcomes(recommended, d)
        for d in run_replicates(recommended, seed, reps, DAYS, draws=draws)
    ]
    twin = [
        replicate_outcomes(original, d)
        for d in run_replicates(original.counterfactual(), seed, reps, DAYS, draws=draws)
    ]
    averted = [
        t["campaign_criminal_total"] - m["campaign_criminal_total"]
        for m, t in zip(mix, twin, strict=True)
    ]
    # Same file, same seeds: the same counts, exactly.
    assert np.mean(averted) == pytest.approx(best["crimes_averted"], abs=1e-6)
    assert annual_cost(recommended) == best["annual_cost_yuan"]
    text = (search / "recommended.yaml").read_text(encoding="utf-8")
    assert "chosen by safesim optimize" in text and "Reproduce: safesim run" in text


def test_every_mix_is_scored_on_the_same_draws_with_its_chance_of_being_best(
    search: Path,
) -> None:
    runs = pd.read_csv(search / "runs.csv")
    trials = pd.read_csv(search / "trials.csv").set_index("trial")
    front = pd.read_csv(search / "front.csv").set_index("trial")
    # Each trial's mean over its paired runs is its crimes averted.
    means = runs.groupby("trial")["crimes_averted"].mean()
    np.testing.assert_allclose(means, trials.loc[means.index, "crimes_averted"], atol=1e-6)
    # The chances of being best share out over the front: they sum to 1 (each written
    # to 6 decimals, so within half a millionth per mix).
    assert front["probability_best"].sum() == pytest.approx(1.0, abs=5e-7 * len(front))
    assert (front["probability_within_10pct"] >= front["probability_best"]).all()
    assert (front["regret"] >= 0).all()
    table = runs[runs["trial"].isin(front.index)].pivot(
        index="run", columns="trial", values="crimes_averted"
    )
    best_mean = table.mean().max()
    # Regret is the runs' best less the mix's own, so the mean regret of the mix with the
    # most averted on average is at most what it gives up against each run's best.
    assert front["regret"].min() <= (table.max(axis=1).mean() - best_mean) + 1e-9
    manifest = json.loads((search / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameter_draws"]["source"] == "posterior"


def test_the_search_writes_its_figure_brief_and_resumes(search: Path, priced: Path) -> None:
    for name in ("front.png", "brief.html", "study.db", "manifest.json"):
        assert (search / name).is_file(), name
    again = _optimize(priced, search.parent, "--name", "s")
    assert again.exit_code == 0, again.output
    assert "(0 run now" in again.output  # every mix was already in the study
    other = CliRunner().invoke(
        main,
        ["optimize", str(priced), "--budget", "1e6", "--quick", "--days", str(DAYS),
         "--out", str(search.parent), "--name", "s"],
    )  # fmt: skip
    assert other.exit_code == 2
    assert "other settings" in other.output and "budget" in other.output


@pytest.mark.slow
def test_a_resumed_search_gives_the_trials_of_an_uninterrupted_one(
    search: Path, priced: Path, tmp_path: Path
) -> None:
    """Stopped mid-generation, killed with a mix half asked, stopped again in the next
    generation: the resumed search's files are the uninterrupted search's, byte for byte."""
    import optuna

    first = _optimize(priced, tmp_path, "--name", "s", "--trials", "2")
    assert first.exit_code == 0, first.output
    # A kill between asking a mix and telling it leaves the trial RUNNING in study.db.
    study = optuna.load_study(
        study_name="optimize", storage=f"sqlite:///{tmp_path / 's' / 'study.db'}"
    )
    study.ask().suggest_float("spend", 0.0, 1.0)
    assert len(study.get_trials(states=(optuna.trial.TrialState.RUNNING,))) == 1
    second = _optimize(priced, tmp_path, "--name", "s", "--trials", "5")
    assert second.exit_code == 0, second.output
    assert "(3 run now" in second.output
    last = _optimize(priced, tmp_path, "--name", "s")
    assert last.exit_code == 0, last.output
    assert "(3 run now" in last.output
    names = ("trials.csv", "front.csv", "runs.csv", "draws.csv", "baseline.csv", "recommended.yaml")
    for name in names:
        # (recommended.yaml's header names the folder it is in)
        resumed = (tmp_path / "s" / name).read_text("utf-8").replace(str(tmp_path / "s"), "S")
        assert resumed == (search / name).read_text("utf-8").replace(str(search), "S"), name
    trials = pd.read_csv(search / "trials.csv")
    assert list(trials["trial"]) == list(range(8))
    # Not one mix drawn twice: the sampler's streams differ from mix to mix.
    assert not trials.duplicated(subset=[c for c in trials if c.startswith("yuan_")]).any()


def test_a_scenario_without_unit_costs_cannot_be_optimised(tmp_path: Path) -> None:
    result = _optimize(SCENARIOS / "small.yaml", tmp_path)
    assert result.exit_code == 2
    assert "unit_cost_yuan" in result.output and "Traceback" not in result.output
    bad = _optimize(SCENARIOS / "guichi.yaml", tmp_path, "--budget", "-5")
    assert bad.exit_code == 2 and "--budget must be > 0" in bad.output


def test_rounding_down_keeps_every_allocation_within_the_budget(priced: Path) -> None:
    scenario = load_scenario(priced)
    menu = levers(scenario)
    assert sorted(lever.kind for lever in menu) == sorted(UNIT_COSTS)
    rng = np.random.default_rng(0)
    for _ in range(40):
        params = {"spend": float(rng.uniform())}
        params |= {lever.parameter: float(rng.uniform()) for lever in menu}
        money = allocation(params, menu, BUDGET)
        assert sum(money.values()) <= BUDGET * (1 + 1e-12)
        mix = candidate(scenario, menu, money, "test")
        assert (annual_cost(mix) or 0.0) <= BUDGET


def test_pareto_mask() -> None:
    points = np.array([[1.0, 1.0], [2.0, 0.0], [0.5, 0.5], [2.0, 0.0], [0.0, 2.0]])
    assert pareto_mask(points).tolist() == [True, True, False, True, True]


def test_the_baseline_is_the_no_intervention_twin_and_the_brief_says_it(
    search: Path, priced: Path
) -> None:
    """baseline.csv's no-intervention rows are the twin's figures kept in study.db, its
    scenario-mix rows a run of the scenario's own mix on the twin's seeds and draws, and
    the brief states the baseline as the table gives it."""
    import optuna

    from safesim.experiments.compare import interval

    table = pd.read_csv(search / "baseline.csv").set_index(["mix", "outcome"])
    study = optuna.load_study(study_name="optimize", storage=f"sqlite:///{search / 'study.db'}")
    twin = study.user_attrs["twin_outcomes"]
    manifest = json.loads((search / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["lang"] == "en"
    seed, reps = manifest["seed"], manifest["replicates"]
    draws = draws_from_manifest(manifest["parameter_draws"], seed)
    own = [
        replicate_outcomes(load_scenario(priced), d)
        for d in run_replicates(load_scenario(priced), seed, reps, DAYS, draws=draws)
    ]
    html = (search / "brief.html").read_text(encoding="utf-8")
    for outcome in ("campaign_criminal_total", "campaign_dispute_violence",
                    "campaign_sense_of_security"):  # fmt: skip
        for mix, runs in (("no_intervention", twin), ("scenario_mix", own)):
            mean, low, high, _ = interval(np.array([r[outcome] for r in runs]))
            row = table.loc[(mix, outcome)]
            assert row["mean"] == pytest.approx(mean, abs=1e-6), (mix, outcome)
            assert (row["p05"], row["p95"]) == pytest.approx((low, high), abs=1e-6)
        nothing = table.loc[("no_intervention", outcome)]
        # The brief's baseline is the table's, with its interval.
        unit = " %" if outcome == "campaign_sense_of_security" else ""
        shown = f"{nothing['mean']:,.1f}{unit} (90 % interval {nothing['p05']:,.1f} to "
        assert shown in html, shown
        # The paired difference of the recommended mix and the scenario's own is the
        # difference of their means (the same replicates).
        diff = table.loc[("recommended_minus_scenario_mix", outcome), "mean"]
        means = (
            table.loc[("recommended", outcome), "mean"]
            - table.loc[("scenario_mix", outcome), "mean"]
        )
        assert diff == pytest.approx(means, abs=1e-5)
    # A city of 20,000 households has crime with no intervention: tens of criminal cases
    # in the ~34 campaign days the test simulates, and most households feel safe.
    crimes = table.loc[("no_intervention", "campaign_criminal_total"), "mean"]
    assert 5 < crimes < 200
    assert 70 < table.loc[("no_intervention", "campaign_sense_of_security"), "mean"] < 100
    # The cases averted are stated against that baseline, and the brief sets the
    # recommended mix against the scenario's own mix (84 grid workers in small.yaml).
    assert f"of the {crimes:,.1f} there are with no intervention" in html
    assert (
        "Against the scenario&#39;s own mix, the recommended one changes grid workers from 84 to"
        in html
    )
    assert "Pareto" not in html and "NSGA" not in html and "trial " not in html

"""The no-intervention city is stationary, and incapacitation lasts as long as sentences.

Measured as a reviewer would: several replicates of five simulated years with no
intervention, the first year's mean against the fifth's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safesim.model import SafetyModel
from safesim.scenario import Scenario, load_scenario

YEAR = 365
COLUMNS = ["two_robberies_one_theft", "offenders_active", "offenders_jailed"]


def yearly_means(scenario: Scenario, replicates: int, years: int = 5) -> pd.DataFrame:
    """Mean of each column per simulated year, pooled over replicates."""
    rows = []
    for r in range(replicates):
        model = SafetyModel(scenario, seed=1000 + r, days=years * YEAR)
        model.run()
        daily = model.record.frame()
        daily["offender_pool"] = daily["offenders_active"] + daily["offenders_jailed"]
        rows.append(daily.groupby(daily["day"] // YEAR)[[*COLUMNS, "offender_pool"]].mean())
    return pd.concat(rows).groupby(level=0).mean()


def small_city(households: int) -> Scenario:
    # small.yaml's city at a size where a few replicates average out the offender pool's
    # own turnover noise (the pool is a birth-death process with sd ≈ sqrt(pool)), after a
    # burn-in of one offending career (offenders settle where targets are over a career).
    return (
        load_scenario("scenarios/small.yaml")
        .counterfactual()
        .with_values(
            {
                "city.households": households,
                "city.offenders": households // 200,
                "calendar.burn_in_days": YEAR,
            }
        )
    )


@pytest.mark.slow
def test_small_city_without_intervention_is_stationary_over_five_years():
    means = yearly_means(small_city(100_000), replicates=8)
    change = means.iloc[4] / means.iloc[0] - 1.0
    for column in ("two_robberies_one_theft", "offenders_active", "offender_pool"):
        assert abs(change[column]) <= 0.03, (column, change[column])


@pytest.mark.slow
@pytest.mark.xfail(
    reason="known defect: Guiyang's jail population drifts about -6 % over five years "
    "(crime and the active pool hold within 3 %); the jail's starting equilibrium does not "
    "yet match the arrests the city makes",
    strict=False,
)
def test_guiyang_without_intervention_is_stationary_over_five_years():
    scenario = load_scenario("scenarios/guiyang.yaml").counterfactual()
    means = yearly_means(scenario, replicates=3)
    change = means.iloc[4] / means.iloc[0] - 1.0
    for column in (*COLUMNS, "offender_pool"):
        assert abs(change[column]) <= 0.03, (column, change[column])


def test_higher_arrest_probability_shrinks_the_active_pool_as_the_balance_predicts():
    """Jail holds arrests x time served; the pool is fixed by inflow/desistance, so the
    active offenders are the pool less the jailed: A = N - T p S / (1 + d S)."""
    households = 100_000
    scenario = small_city(households)
    active = {}
    predicted = {}
    for p in (0.1, 0.3):
        varied = scenario.with_values({"parameters.base_arrest_probability": p})
        model = SafetyModel(varied, seed=7)
        offenders = model.offenders
        predicted[p] = offenders.pool - offenders.equilibrium_jailed(
            model.target_offender_crimes, model.base_arrest_probability
        )
        runs = []
        for seed in (1, 2, 3):
            run = SafetyModel(varied, seed=seed, days=2 * YEAR)
            run.run()
            runs.append(run.record.frame()["offenders_active"].mean())
        active[p] = float(np.mean(runs))
    drop = active[0.1] - active[0.3]
    predicted_drop = predicted[0.1] - predicted[0.3]
    assert predicted_drop > 0.1 * predicted[0.1]  # a real incapacitation effect at p = 0.3
    assert drop == pytest.approx(predicted_drop, rel=0.15)
    for p in (0.1, 0.3):
        assert active[p] == pytest.approx(predicted[p], rel=0.03)

"""The no-intervention city is stationary, and incapacitation lasts as long as sentences.

Measured as a reviewer would: several replicates of five simulated years with no
intervention, the first year's mean against the fifth's.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import numpy as np
import pandas as pd
import pytest

from safesim.core.model import SafetyModel
from safesim.core.scenario import Scenario, load_scenario

YEAR = 365
COLUMNS = ["two_robberies_one_theft", "offenders_active", "offenders_jailed"]


def _yearly(make: Callable[[], Scenario], seed: int, years: int) -> pd.DataFrame:
    # Scenarios do not pickle; each process builds its own from ``make``.
    model = SafetyModel(make(), seed=seed, days=years * YEAR)
    model.run()
    daily = model.record.frame()
    daily["offender_pool"] = daily["offenders_active"] + daily["offenders_jailed"]
    return daily.groupby(daily["day"] // YEAR)[[*COLUMNS, "offender_pool"]].mean()


def yearly_means(make: Callable[[], Scenario], replicates: int, years: int = 5) -> pd.DataFrame:
    """Mean of each column per simulated year, pooled over replicates (two processes)."""
    seeds = [1000 + r for r in range(replicates)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(_yearly, [make] * replicates, seeds, [years] * replicates))
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


def guiyang_without_intervention() -> Scenario:
    return load_scenario("scenarios/guiyang.yaml").counterfactual()


@pytest.mark.slow
def test_small_city_without_intervention_is_stationary_over_five_years():
    means = yearly_means(partial(small_city, 100_000), replicates=8)
    change = means.iloc[4] / means.iloc[0] - 1.0
    for column in ("two_robberies_one_theft", "offenders_active", "offender_pool"):
        assert abs(change[column]) <= 0.03, (column, change[column])


@pytest.mark.slow
def test_guiyang_without_intervention_is_stationary_over_five_years():
    # Guiyang's jail holds about 300 offenders, each for months: one replicate's yearly
    # mean varies by about 3 %, so 12 replicates put the noise of the year-5/year-1 ratio
    # near 1.2 %, well inside the 3 % a drift must stay within.
    means = yearly_means(guiyang_without_intervention, replicates=12)
    change = means.iloc[4] / means.iloc[0] - 1.0
    for column in (*COLUMNS, "offender_pool"):
        assert abs(change[column]) <= 0.03, (column, change[column])


@pytest.mark.slow
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

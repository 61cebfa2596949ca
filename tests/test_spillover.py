"""Spill-over against the counterfactual twin: areas from the dose actually delivered."""

from __future__ import annotations

import numpy as np
import pytest

from safesim.core.outcomes import weighted_displacement_quotient
from safesim.experiments.outcome_effects import spillover
from safesim.experiments.runner import run_paired_with_areas

from .conftest import keep_only

REPLICATES = 5


@pytest.fixture(scope="module")
def few_cameras(small):
    # A hundred cameras on the busiest cells: a treated area with a city around it,
    # watched for the whole campaign year so every area holds enough crime to compare.
    scenario = keep_only(small, "cameras").with_values(
        {
            "interventions.cameras.count": 120,
            "interventions.cameras.placement": "hot_spots",
            "interventions.cameras.ramp_days": 30,
        }
    )
    return run_paired_with_areas(scenario, seed=21, replicates=REPLICATES)


def test_treated_area_falls_against_the_twin_and_the_control_area_is_adequate(few_cameras):
    table = few_cameras.spillover().set_index("outcome")
    treated = table.loc["offender_crime_treated"]
    control = table.loc["offender_crime_control"]
    assert bool(treated["adequate"]) and bool(control["adequate"])
    # Cameras at full coverage cut offending by up to camera_deterrence x setting ratio
    # (≈ -16 % in all settings): the treated area falls, within what the reviews allow.
    assert -60.0 < treated["estimate"] < 0.0
    assert treated["p95"] < 0.0
    # Where spill-over occurs it is smaller than the treatment effect (Guerette & Bowers
    # 2009): the treated cells fall more than the control area does.
    assert treated["estimate"] < control["estimate"]
    wdq = table.loc["weighted_displacement_quotient"]
    # A WDQ is given from the replicates where it is defined, and the others are named.
    assert wdq["replicates"] == 0 or np.isfinite(wdq["estimate"])
    assert wdq["replicates"] == REPLICATES or "WDQ" in wdq["note"]


def test_a_run_has_one_wdq_in_its_summary_and_its_spillover(few_cameras, small):
    """summary.csv takes the WDQ from the daily record, spillover.csv from the run's area
    counts: the same periods and counts, so each replicate gives one value in both (the
    sums are of whole numbers, so equal whatever the summation order)."""
    scenario = keep_only(small, "cameras")
    campaign_day = scenario.calendar.day_of(scenario.calendar.campaign_start.value)
    defined = 0
    for daily, mix, twin in zip(
        few_cameras.mix, few_cameras.mix_areas, few_cameras.twin_areas, strict=True
    ):
        from_daily = weighted_displacement_quotient(daily, campaign_day)
        from_areas = spillover([mix], [twin]).set_index("outcome")
        row = from_areas.loc["weighted_displacement_quotient"]
        if row["replicates"] == 0:
            assert np.isnan(from_daily)
            continue
        defined += 1
        assert from_daily == pytest.approx(float(row["estimate"]), rel=1e-12)
    assert defined > 0


def test_a_city_treated_everywhere_is_flagged_not_silently_nan(small):
    scenario = keep_only(small, "cameras").with_values(
        {"interventions.cameras.count": 5000, "calendar.end": "2013-03-31"}
    )
    paired = run_paired_with_areas(scenario, seed=3, replicates=2)
    table = paired.spillover()
    assert not table["adequate"].any()
    assert table["note"].str.contains("too small").all()


@pytest.mark.slow
def test_the_shipped_mix_has_its_treated_cells_and_catchment_measured(small):
    # Guiyang's doses per household of the police and cameras: cameras spread over the
    # city by land use and patrols on the hot spots of the campaign's first day. Against
    # the twin the treated cells and their catchment each hold enough crime to read;
    # spill-over into the catchment is smaller than the effect where the dose lands
    # (Guerette & Bowers 2009), and a control area the cameras leave too small is named,
    # never a bare NaN.
    scenario = keep_only(small, "patrols", "cameras")
    table = run_paired_with_areas(scenario, seed=8, replicates=REPLICATES).spillover()
    table = table.set_index("outcome")
    treated = table.loc["offender_crime_treated"]
    catchment = table.loc["offender_crime_catchment"]
    assert bool(treated["adequate"]) and bool(catchment["adequate"])
    assert treated["p95"] < 0.0
    assert treated["estimate"] < catchment["estimate"] < -treated["estimate"]
    assert "of the campaign's place-based dose fell in the treated cells" in treated["note"]
    control = table.loc["offender_crime_control"]
    if not control["adequate"]:
        assert "control area too small" in control["note"]


@pytest.mark.slow
def test_volunteer_posts_join_the_treated_cells_and_the_areas_left_are_named(small):
    # The whole shipped mix: volunteers' posts on the busiest half of the cells join the
    # hot spots and camera cells, so almost every place is treated. The treated cells are
    # read and fall; a catchment or control area left too small is named, never a bare NaN.
    table = run_paired_with_areas(small, seed=8, replicates=REPLICATES).spillover()
    table = table.set_index("outcome")
    treated = table.loc["offender_crime_treated"]
    assert bool(treated["adequate"]) and treated["p95"] < 0.0
    for area in ("catchment", "control"):
        row = table.loc[f"offender_crime_{area}"]
        assert bool(row["adequate"]) or f"{area} area too small" in row["note"], row["note"]

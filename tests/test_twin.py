"""The counterfactual twin: the same city with no intervention, on common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from safesim.core.model import SafetyModel
from safesim.core.scenario import load_scenario
from safesim.experiments.runner import replicate_seed, run_once, run_paired

AREA_COLUMNS = ["crimes_treated", "crimes_catchment", "crimes_control"]


@pytest.fixture(scope="module")
def small():
    return load_scenario("scenarios/small.yaml").with_values(
        {"calendar.end": "2013-03-31", "calendar.burn_in_days": 60}
    )


def test_twin_equals_the_plain_no_intervention_run(small):
    _mix, twin = run_paired(small, seed=3, replicates=2)
    for r in range(2):
        plain = run_once(small.counterfactual(), replicate_seed(3, r))
        counts = [c for c in plain.columns if c not in [*AREA_COLUMNS, "date", "sense_of_security"]]
        assert (twin[r][counts].to_numpy() == plain[counts].to_numpy()).all()
        np.testing.assert_allclose(
            twin[r]["sense_of_security"], plain["sense_of_security"], rtol=1e-9
        )
        # Crime by area is counted in the mix's areas and adds up to the same crime.
        by_area = twin[r][AREA_COLUMNS].sum(axis=1)
        assert (by_area == plain[AREA_COLUMNS].sum(axis=1)).all()


def test_mix_and_twin_are_identical_before_the_campaign(small):
    mix, twin = run_paired(small, seed=5, replicates=1)
    campaign = small.calendar.day_of(small.calendar.campaign_start.value)
    before_m, before_t = mix[0].iloc[:campaign], twin[0].iloc[:campaign]
    assert before_m.drop(columns="sense_of_security").equals(
        before_t.drop(columns="sense_of_security")
    )
    np.testing.assert_allclose(
        before_m["sense_of_security"], before_t["sense_of_security"], rtol=1e-12
    )
    after = mix[0].iloc[campaign:]["criminal_total"].sum()
    assert after < twin[0].iloc[campaign:]["criminal_total"].sum()


def test_the_mix_run_is_the_same_whether_or_not_a_twin_is_forked(small):
    seed = replicate_seed(11, 0)
    mix, _ = run_paired(small, seed=11, replicates=1)
    alone = run_once(small, seed)
    counts = [c for c in alone.columns if c not in ("date", "sense_of_security", "camera_arrests")]
    assert (mix[0][counts].to_numpy() == alone[counts].to_numpy()).all()


def test_a_model_past_day_zero_has_no_twin(small):
    model = SafetyModel(small, seed=1, days=3)
    model.step()
    assert model.counterfactual_twin() is None

"""Mediators settle found disputes as their mechanism states, and find none themselves."""

from __future__ import annotations

import numpy as np

from safesim.core.model import SafetyModel
from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import Scenario, validate_scenario


def with_mediators(small: Scenario, count: int, finders: bool = True) -> Scenario:
    data = small.model_dump(mode="python")
    data["calendar"]["campaign_start"]["value"] = data["calendar"]["start"]
    # Busier disputes, so the settled share is measured to within about a percent.
    data["city"]["baseline"]["disputes"]["value"] = 400.0
    data["interventions"]["mediators"] = {
        "count": {"value": count, "assumption": "test"},
        "ramp_days": 0,
    }
    if not finders:
        data["interventions"]["grid_workers"] = None
        data["interventions"]["volunteers"]["ten_household_units"] = None
    return validate_scenario(data, None)


def settled_share(scenario: Scenario, seeds: range) -> tuple[int, int]:
    found = settled = 0
    for seed in seeds:
        model = SafetyModel(scenario, seed=seed, days=200)
        model.run()
        # Grid workers ramp up; count once their sweeps run at full strength.
        daily = model.record.frame().iloc[130:]
        found += int(daily["disputes_found"].sum())
        settled += int(daily["disputes_mediated"].sum())
    return settled, found


def test_mediators_settle_the_share_their_mechanism_states(small):
    households = small.city.households.value
    count = round(households * 15 / 1000)  # Tongren's 14,889 per about 1,000,000 households
    p = MechanismParameters()
    reach = 1.0 - np.exp(-15.0 / p.mediators_per_1000_households_half)
    expected = 1.0 - (1.0 - p.mediation_success) * (1.0 - p.mediator_unsettled_cut * reach)
    settled, found = settled_share(with_mediators(small, count), range(2))
    assert found > 1000
    sd = np.sqrt(expected * (1.0 - expected) / found)
    assert abs(settled / found - expected) < 4 * sd, (settled / found, expected)
    # Without mediators the finder's own rate, and the two differ by far more than noise.
    alone, found_alone = settled_share(with_mediators(small, 0), range(2))
    assert abs(alone / found_alone - p.mediation_success) < 4 * np.sqrt(0.1 * 0.9 / found_alone)
    assert settled / found - alone / found_alone > 6 * sd


def test_mediators_without_finders_change_nothing(small):
    alone = SafetyModel(with_mediators(small, 300, finders=False), seed=1, days=120)
    none = SafetyModel(with_mediators(small, 0, finders=False), seed=1, days=120)
    alone.run()
    none.run()
    assert alone.record.frame().equals(none.record.frame())
    assert alone.record.frame()["disputes_found"].sum() == 0

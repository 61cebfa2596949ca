"""Repeat victimisation acts with the strength its parameter states.

A block's most recent burglary victim has Luce weight ``1 + a`` against each other home of
the block (``a = repeat_victim_weight · exp(−t / repeat_victim_decay_days)``), so a
burglary in a block of ``n`` homes hits it with probability ``(1 + a) / (n + a)``
(docs/odd.md 7.1). In the no-intervention city no home is hardened, so that probability is
exact, and the burglaries the run logs can be checked against it one by one.
"""

from __future__ import annotations

import numpy as np

from safesim.model import SafetyModel
from safesim.scenario import load_scenario
from safesim.validation import campaign_only

from .conftest import SCENARIOS


def _burglaries_of_the_last_victim(model: SafetyModel) -> tuple[int, float, float, int]:
    """Observed hits on each block's last victim, their expected number and variance, and
    how many burglaries had a logged last victim in their block."""
    p = model.params
    households = model.households
    homes_per_cell = model.layout.homes
    last_victim: dict[int, tuple[int, int]] = {}
    observed, expected, variance, trials = 0, 0.0, 0.0, 0
    for day, events in enumerate(model.event_log):
        homes = events.burglary_homes.astype(np.int64)
        cells = households.cell[homes].astype(np.int64)
        for home, cell in zip(homes.tolist(), cells.tolist(), strict=True):
            if cell not in last_victim:
                continue
            victim, burgled_on = last_victim[cell]
            a = p.repeat_victim_weight * np.exp(-(day - burgled_on) / p.repeat_victim_decay_days)
            n = homes_per_cell[cell]
            chance = (1.0 + a) / (n + a)
            observed += int(home == victim)
            expected += chance
            variance += chance * (1.0 - chance)
            trials += 1
        # The day's victims become their blocks' last only after the day, as in the model.
        for home, cell in zip(homes.tolist(), cells.tolist(), strict=True):
            last_victim[cell] = (home, day)
    return observed, expected, variance, trials


def test_a_blocks_last_victim_is_hit_as_often_as_its_weight_says():
    city = campaign_only(load_scenario(SCENARIOS / "small.yaml"), 830_400).counterfactual()
    model = SafetyModel(city, seed=11)
    model.event_log = []
    model.run()
    assert not model.households.devices.any()  # nothing hardened: the chance is exact
    observed, expected, variance, trials = _burglaries_of_the_last_victim(model)
    assert trials > 300, trials
    # Uniform choice alone would give about trials / 60 hits; the weight several times more.
    assert expected > 3 * trials / model.layout.homes.max()
    assert abs(observed - expected) < 4 * np.sqrt(variance), (observed, expected, variance)


def test_the_pull_follows_the_weight_at_its_lower_bound_too():
    city = campaign_only(load_scenario(SCENARIOS / "small.yaml"), 830_400).counterfactual()
    city = city.with_values({"parameters.repeat_victim_weight": 2.0})
    model = SafetyModel(city, seed=11)
    model.event_log = []
    model.run()
    observed, expected, variance, trials = _burglaries_of_the_last_victim(model)
    assert trials > 300, trials
    assert abs(observed - expected) < 4 * np.sqrt(variance), (observed, expected, variance)

"""Repeat victimisation acts with the strength its parameters state, as a home's own boost.

Each of a block's recent victims carries its own boost ``a = repeat_victim_weight ·
exp(−t / repeat_victim_decay_days)``: Luce weight ``1 + a`` against each other home of the
block, so a burglary in a block of ``n`` homes with total boost ``S`` hits a given recent
victim with probability ``(1 + a) / (n + S)`` (docs/odd.md 7.1). In the no-intervention
city no home is hardened, so that probability is exact, and the burglaries the run logs
can be checked against it one by one. The boost's decay is the one the repeat-timing
evidence implies, found here without running the model.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from safesim.core.households import RECENT_VICTIMS
from safesim.core.model import SafetyModel
from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import load_scenario
from safesim.reports.validation import campaign_only

from .conftest import SCENARIOS


def _hits_on_recent_victims(model: SafetyModel) -> tuple[int, float, float, int]:
    """Observed burglaries of one of the block's recent victims, their expected number
    and variance, and how many burglaries had a boosted recent victim in their block."""
    p = model.params
    households = model.households
    homes_per_cell = model.layout.homes
    recent: dict[int, list[tuple[int, int]]] = {}  # cell → [(home, day)], newest first
    observed, expected, variance, trials = 0, 0.0, 0.0, 0
    for day, events in enumerate(model.event_log):
        homes = events.burglary_homes.astype(np.int64)
        cells = households.cell[homes].astype(np.int64)
        for home, cell in zip(homes.tolist(), cells.tolist(), strict=True):
            victims = recent.get(cell, [])
            if not victims:
                continue
            boosts = {v: p.repeat_victim_weight * np.exp(-(day - d) / p.repeat_victim_decay_days)
                      for v, d in victims}  # fmt: skip
            n, total = homes_per_cell[cell], sum(boosts.values())
            chance = sum(1.0 + a for a in boosts.values()) / (n + total)
            observed += int(home in boosts)
            expected += chance
            variance += chance * (1.0 - chance)
            trials += 1
        # The day's victims join their blocks' lists only after the day, as in the model.
        for home, cell in zip(homes.tolist(), cells.tolist(), strict=True):
            kept = [(v, d) for v, d in recent.get(cell, []) if v != home]
            recent[cell] = [(home, day), *kept][:RECENT_VICTIMS]
    return observed, expected, variance, trials


def _run(**values: float) -> SafetyModel:
    city = campaign_only(load_scenario(SCENARIOS / "small.yaml"), 830_400).counterfactual()
    if values:
        city = city.with_values({f"parameters.{k}": v for k, v in values.items()})
    model = SafetyModel(city, seed=11)
    model.event_log = []
    model.run()
    return model


def test_a_blocks_recent_victims_are_hit_as_often_as_their_boosts_say():
    model = _run()
    assert not model.households.devices.any()  # nothing hardened: the chance is exact
    observed, expected, variance, trials = _hits_on_recent_victims(model)
    assert trials > 300, trials
    # Uniform choice alone would give about trials / 60 hits; the boosts several times more.
    assert expected > 3 * trials / model.layout.homes.max()
    assert abs(observed - expected) < 4 * np.sqrt(variance), (observed, expected, variance)


def test_the_pull_follows_the_weight_at_its_lower_bound_too():
    model = _run(repeat_victim_weight=2.0)
    observed, expected, variance, trials = _hits_on_recent_victims(model)
    assert trials > 300, trials
    assert abs(observed - expected) < 4 * np.sqrt(variance), (observed, expected, variance)


def test_each_victim_keeps_its_own_boost_when_a_neighbour_is_burgled():
    """Event dependence is the home's: a second victim in the block does not take the
    first one's boost away (a single 'last victim' per block would)."""
    model = _run()
    households = model.households
    recent = households.cell_recent_victims
    two = np.flatnonzero((recent >= 0).sum(axis=1) >= 2)
    assert two.size > 0
    cells = two[:50]
    victims, weight = households.repeat_boosts(cells, model.day, model.params)
    assert (weight[:, 1] > 0).all()  # the older victim still carries a boost
    since = model.day - households.last_victimised[victims[:, 0]]
    expected = model.params.repeat_victim_weight * np.exp(
        -since / model.params.repeat_victim_decay_days
    )
    assert weight[:, 0] == pytest.approx(expected)


def _decay_for_share_within(within_days: float, share: float, horizon: float) -> float:
    """The e-folding days of an exponential boost under which ``share`` of the repeats
    it causes within ``horizon`` days come within ``within_days``."""

    def excess(tau: float) -> float:
        return (1 - np.exp(-within_days / tau)) / (1 - np.exp(-horizon / tau)) - share

    return float(brentq(excess, 0.1, 1000.0))


def test_the_boosts_decay_is_the_one_the_repeat_timing_evidence_implies():
    """About half of repeats within 7 days (Polvi et al. 1991): of the repeats within a
    month that a boost causes, half fall in its first week when the boost's e-folding is
    about 11 days; a boost that must have worn off by six months (< 2× there, weight
    12 → below 1) allows at most about 66 days. The default is read against the former,
    which the evidence sets, not against what the validation finds."""
    params = MechanismParameters()
    implied = _decay_for_share_within(7.0, 0.5, 30.0)
    assert 10.5 < implied < 12.0
    upper = 165.0 / np.log(params.repeat_victim_weight)
    assert params.repeat_victim_decay_days < upper
    assert params.repeat_victim_decay_days == pytest.approx(implied, rel=0.25), (
        f"repeat_victim_decay_days {params.repeat_victim_decay_days} days; the repeat "
        f"timing evidence implies {implied:.1f}"
    )

"""Felt safety's fast kernels give what their plain formulas give.

The city-wide share sums ``1 / (1 + e^-L e^-u)`` instead of ``expit(L + u)``, a day's
cases are added to the 3 x 3 blocks they touch instead of filtering the whole city, and
the target climate is written into a buffer: each is checked against the formula it
replaces, at the map's edges and corners, with repeated cells and at extreme climates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from safesim.core.city import neighbour_sum
from safesim.core.model import SafetyModel
from safesim.core.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model() -> SafetyModel:
    return SafetyModel(load_scenario(ROOT / "scenarios" / "small.yaml"), seed=3, days=1)


def plain_share(security, climate: np.ndarray) -> float:
    values = climate[:, None] + security.disposition_values[None, :]
    return float(np.sum(security.class_counts * expit(values)))


@pytest.mark.parametrize("spread", [0.5, 3.0, 400.0])
def test_share_without_fear_is_the_sum_of_sigmoids(model, spread):
    security = model.security
    rng = np.random.default_rng(7)
    security.climate = rng.normal(1.5, spread, model.layout.cells)
    expected = plain_share(security, security.climate)
    assert security._share_without_fear() == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_observe_adds_each_case_to_its_three_by_three_block(model):
    security = model.security
    layout = model.layout
    w, h = layout.width, layout.height
    corners = [0, w - 1, (h - 1) * w, h * w - 1]
    edges = [w // 2, (h // 2) * w, (h // 2) * w + w - 1]
    rng = np.random.default_rng(11)
    cells = np.array(corners + edges + list(rng.integers(0, w * h, 40)) + [5, 5, 5])
    rng.shuffle(cells)
    security.crime_rate[:] = rng.random(layout.cells)
    security.disorder_rate[:] = 0.0
    before = security.crime_rate.copy()
    security.observe(cells, np.zeros(0, dtype=np.int64))
    counts = np.bincount(cells, minlength=layout.cells).astype(float)
    expected = (
        before * (1.0 - 1.0 / 30.0) + (counts + neighbour_sum(counts, w, h)) * security._per_100
    )
    np.testing.assert_allclose(security.crime_rate, expected, rtol=1e-12, atol=1e-12)
    # Cells no case's block reaches only decay.
    reached = (counts + neighbour_sum(counts, w, h)) > 0.5
    assert np.array_equal(security.crime_rate[~reached], before[~reached] * (1.0 - 1.0 / 30.0))


def test_target_climate_in_a_buffer_is_the_formula(model):
    security = model.security
    p = model.params
    rng = np.random.default_rng(5)
    patrol = rng.random(model.layout.cells)
    guardianship = rng.random(model.layout.cells)
    security.crime_rate[:] = rng.random(model.layout.cells)
    security.disorder_rate[:] = rng.random(model.layout.cells)
    expected = (
        security.intercept
        - p.fear_local_crime * security.crime_rate / security.crime_reference
        - p.fear_disorder * security.disorder_rate / security.disorder_reference
        + p.safety_patrol_visibility * patrol
        + p.safety_guardianship * guardianship
    )
    fresh = security._target_climate(patrol, guardianship)
    assert np.array_equal(fresh, expected)
    buffered = security._target_climate(patrol, guardianship, out=security._target)
    assert buffered is security._target and np.array_equal(buffered, expected)
    # A fresh target is not the buffer adapt writes into.
    assert fresh is not security._target


def test_merged_victims_stay_sorted_once_each_with_their_cells_and_dispositions():
    model = SafetyModel(load_scenario(ROOT / "scenarios" / "small.yaml"), seed=4, days=1)
    security, households = model.security, model.households
    # Start from no recent victim (the burn-in's are dropped).
    security.share(0, households)
    security._recent_victims = np.zeros(0, dtype=np.int64)
    security._victim_cell = security._victim_cell[:0]
    security._victim_disposition = security._victim_disposition[:0]
    rng = np.random.default_rng(9)
    seen: set[int] = set()
    for day in range(6):
        # Repeats within a day, homes already listed and fresh ones, at both ends.
        homes = rng.integers(0, households.n, 25)
        homes = np.concatenate([homes, homes[:5], [0, households.n - 1]])
        security.note_victims(homes)
        security.note_victims(homes[::-1].copy())
        households.last_victimised[homes] = day
        seen.update(homes.tolist())
        security.share(day, households)
        victims = security._recent_victims
        assert np.array_equal(victims, np.array(sorted(seen)))
        assert np.array_equal(security._victim_cell, households.cell[victims])
        expected = security.disposition_values[households.disposition[victims]]
        assert np.array_equal(security._victim_disposition, expected)

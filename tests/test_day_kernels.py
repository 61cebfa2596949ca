"""A day's fast kernels give what their plain formulas give, bit for bit where they claim to.

The hot-spot selection finds near yesterday's threshold the cells ``np.argpartition``
picks; neighbour sums, combined fields and felt safety are written into arrays kept from
day to day; layers are read without copies. Each is checked against the plain formula it
replaces, with ties, edges and several channels at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safesim.core.city import neighbour_sum
from safesim.core.fields import CellFields, Channels
from safesim.core.interventions.patrols import lowest
from safesim.core.model import SafetyModel
from safesim.core.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def picked(values: np.ndarray, n: int) -> np.ndarray:
    return np.sort(np.argpartition(values, n - 1)[:n])


@pytest.mark.parametrize("n", [1, 7, 150, 999, 1000])
def test_lowest_picks_the_cells_argpartition_picks(n):
    rng = np.random.default_rng(n)
    values = -rng.lognormal(0.0, 1.0, 1000)
    spots, kth = lowest(values, n, None)
    assert np.array_equal(spots, picked(values, n))
    assert kth == values[spots].max()
    # With yesterday's threshold, a good guess, a guess too tight and one too loose.
    for guess in (kth, kth * 1.5, kth / 1.5, -1e-9, -1e9):
        got, got_kth = lowest(values, n, guess)
        assert np.array_equal(got, spots)
        assert got_kth == kth


def test_lowest_leaves_a_tie_at_the_boundary_to_argpartition():
    rng = np.random.default_rng(3)
    values = -np.round(rng.random(5000) * 20.0)  # few distinct values: ties everywhere
    for n in (10, 333, 2500):
        for guess in (None, -15.0, -5.0):
            spots, kth = lowest(values, n, guess)
            assert np.array_equal(spots, picked(values, n))
            assert spots.size == n
            assert kth == values[spots].max()


def test_neighbour_sum_into_a_buffer_is_the_sum_bit_for_bit():
    rng = np.random.default_rng(5)
    w, h = 37, 23
    field = rng.random(w * h) * (rng.random(w * h) < 0.3) * 1e3
    out = np.full(w * h, np.nan)
    assert neighbour_sum(field, w, h, out=out) is out
    assert np.array_equal(out, neighbour_sum(field, w, h))
    # Against the plain sum of the 8 neighbours (rounding apart).
    grid = np.pad(field.reshape(h, w), 1)
    plain = sum(
        grid[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    np.testing.assert_allclose(out, plain.ravel(), rtol=1e-12, atol=1e-9)


@pytest.fixture(scope="module")
def small() -> SafetyModel:
    return SafetyModel(load_scenario(ROOT / "scenarios" / "small.yaml"), seed=4, days=60)


def test_layers_are_read_without_copies_and_written_in_place(small):
    layers = small.layers
    view = layers.view("recent_crime")
    assert not view.flags.writeable
    assert np.array_equal(view, layers["recent_crime"])
    flat = layers.storage("recent_crime")
    assert flat is not None and np.shares_memory(flat, view)
    before = layers["recent_crime"]
    layers["recent_crime"] = before + 1.0
    assert np.array_equal(view, before + 1.0)  # a view sees the write
    assert np.array_equal(small.grid.recent_crime.data.ravel(order="F"), before + 1.0)
    layers["recent_crime"] = before
    # A copy stays as it was.
    copy = layers["recent_crime"]
    layers["recent_crime"] = 0.0
    assert np.array_equal(copy, before)
    layers["recent_crime"] = before


def test_combine_in_layers_is_the_plain_products_and_sums(small):
    p = small.params
    cells = small.layout.cells
    rng = np.random.default_rng(9)

    def part() -> np.ndarray:
        return rng.random(cells) * 0.7

    channels = [
        Channels(offending_cut=part(), movement_cut=part(), arrest_boost=part()),
        Channels(protection=part(), camera_coverage=part(), arrest_boost=part()),
        Channels(offending_cut=part(), felt_presence=part(), guardianship=part()),
        Channels(protection=part(), felt_presence=part(), movement_cut=part()),
        Channels(camera_coverage=part(), guardianship=part(), offending_cut=part()),
    ]
    fields: CellFields = small.fields
    fields.combine(p, 0.83, channels)
    c = channels
    street = (1.0 - c[0].offending_cut) * (1.0 - c[2].offending_cut)
    street = street * (1.0 - c[4].offending_cut)
    stays_free = (1.0 - p.base_arrest_probability) * (1.0 - c[0].arrest_boost)
    stays_free = stays_free * (1.0 - c[1].arrest_boost)
    expected = {
        "street_multiplier": street,
        "offending_multiplier": street * 0.83,
        "movement_multiplier": (1.0 - c[0].movement_cut) * (1.0 - c[3].movement_cut),
        "arrest_probability": 1.0 - stays_free,
        "place_protection": np.maximum(c[1].protection, c[3].protection),
        "felt_patrol": np.minimum(1.0, np.minimum(1.0, c[2].felt_presence) + c[3].felt_presence),
        "guardianship": np.minimum(1.0, np.minimum(1.0, c[2].guardianship) + c[4].guardianship),
        "camera_coverage": np.minimum(
            1.0, np.minimum(1.0, c[1].camera_coverage) + c[4].camera_coverage
        ),
    }
    for name, want in expected.items():
        assert np.array_equal(fields.read(name), want), name
    # No channel: each field its no-intervention value.
    fields.combine(p, 0.5, [])
    assert np.all(fields.read("street_multiplier") == 1.0)
    assert np.all(fields.read("offending_multiplier") == 0.5)
    assert np.all(fields.read("arrest_probability") == 1.0 - (1.0 - p.base_arrest_probability))
    assert np.all(fields.read("camera_coverage") == 0.0)


def test_share_is_the_mean_of_each_households_chance_of_feeling_safe():
    model = SafetyModel(load_scenario(ROOT / "scenarios" / "small.yaml"), seed=6, days=40)
    model.run()
    security, households = model.security, model.households
    day = model.recorded_day
    victims = np.flatnonzero(households.last_victimised > -(10**6))
    assert victims.size > 20  # enough victims that their fear weighs in the share
    # Every victim is within the fear's memory here, so the share leaves nobody out.
    assert (day - households.last_victimised[victims]).max() < 5 * model.params.fear_memory_days
    # The victims' cells and dispositions kept beside them are theirs.
    kept = security._recent_victims
    assert np.array_equal(kept, victims)
    assert np.array_equal(security._victim_cell, households.cell[kept])
    assert np.array_equal(
        security._victim_disposition, security.disposition_values[households.disposition[kept]]
    )
    share = security.share(day, households)
    plain = float(np.mean(security.perceived_safety(day, households)))
    assert share == pytest.approx(plain, rel=1e-12)

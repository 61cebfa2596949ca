"""safesim is a Mesa model: the city is a Mesa grid whose PropertyLayers hold the cell
fields, the intervention units are Mesa agents, a DataCollector reports the daily record
and ``mesa.batch_run`` runs it."""

from __future__ import annotations

import collections
import inspect

import mesa
import numpy as np
import pytest
from mesa.discrete_space import OrthogonalMooreGrid

from safesim.core.interventions.cameras import Camera
from safesim.core.interventions.grid_workers import GridWorker
from safesim.core.interventions.patrols import PatrolTeam
from safesim.core.model import CityGrid, SafetyModel
from safesim.core.outcomes import COLUMNS

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def into_campaign(small) -> SafetyModel:
    """The small city run into its campaign (cameras installed, teams out)."""
    model = SafetyModel(small, seed=3)
    while model.day < model.campaign_day + 40:
        model.step()
    return model


def test_the_city_is_a_mesa_grid_whose_layers_hold_the_fields(into_campaign):
    model = into_campaign
    assert isinstance(model.grid, OrthogonalMooreGrid)
    width = model.layout.width
    for name in ("recent_crime", "dynamic_attractiveness", "patrol_presence", "camera_coverage"):
        flat = model.layers[name]
        assert flat.any(), name
        # The same values through Mesa's own cell access, at a few hundred cells.
        for c in np.flatnonzero(flat)[:300]:
            cell = model.grid[(int(c) % width, int(c) // width)]
            assert getattr(cell, name) == flat[c], name
    assert np.array_equal(model.fields.patrol_presence, model.layers["patrol_presence"])


def test_units_are_mesa_agents_and_carry_the_effect(into_campaign):
    model = into_campaign
    kinds = collections.Counter(type(a) for a in model.agents)
    specs = model.city_scenario.interventions
    patrols = next(iv for iv in model.interventions if iv.name == "patrols")
    cameras = next(iv for iv in model.interventions if iv.name == "cameras")
    assert kinds[GridWorker] == specs.grid_workers.workers.value
    assert kinds[Camera] == specs.cameras.count.value
    assert kinds[PatrolTeam] == int(np.ceil(patrols.teams()))
    # Camera coverage is counted from the camera agents' cells.
    at = np.array(model.agents.select(agent_type=Camera).get("cell_index"))
    assert np.array_equal(np.bincount(at, minlength=model.layout.cells), cameras.per_cell)
    # Today's patrolled cells are exactly the union of the teams' beats, and each team
    # that has a beat stands on one of its cells.
    beats = [team.beat for team in patrols.team_agents]
    visited = np.flatnonzero(model.fields.patrol_visits > 0)
    assert visited.size > 0
    assert np.array_equal(np.sort(np.concatenate(beats)), visited)
    width = model.layout.width
    for team, beat in zip(patrols.team_agents, beats, strict=True):
        if beat.size:
            x, y = team.cell.coordinate
            assert y * width + x in beat
    # Each grid worker serves its own run of covered homes; together, all of them.
    workers = list(model.agents.select(agent_type=GridWorker))
    served = np.concatenate([w.households for w in workers])
    assert np.array_equal(served, np.flatnonzero(model.households.grid_covered))


def test_twin_shares_the_grid_not_the_fields_nor_the_agents(small):
    from_day_0 = small.with_values({"calendar.campaign_start": small.calendar.start})
    model = SafetyModel(from_day_0, seed=2, days=60)
    twin = model.counterfactual_twin()
    assert twin.grid is model.grid and len(twin.agents) == 0 and len(model.agents) > 0
    while model.running:
        model.step()
        twin.step()
    assert not np.array_equal(model.recent_crime, twin.recent_crime)
    # The twin counts crime in the mix's treated cells, camera cells among them, but
    # installs no camera of its own: it still has no agent, the mix one per camera.
    assert len(twin.agents) == 0
    assert twin.treated.sum() == model.treated.sum() > 0
    assert np.array_equal(twin.treated, model.treated)
    cameras = from_day_0.interventions.cameras.count.value
    assert len(model.agents.select(agent_type=Camera)) == cameras
    # The grid's layers are the mix's, never overwritten by the twin.
    on_grid = model.grid.recent_crime.data.ravel(order="F")
    assert np.array_equal(on_grid, model.recent_crime)
    assert not np.array_equal(on_grid, twin.recent_crime)


def test_datacollector_reports_the_daily_record(small):
    model = SafetyModel(small, seed=4, days=80)
    model.run()
    collected = model.datacollector.get_model_vars_dataframe()
    daily = model.record.frame()
    assert list(collected.columns) == list(COLUMNS)
    assert len(collected) == len(daily) == 80
    # Area columns are recounted once the treated cells are fixed; the rest match.
    for column in COLUMNS:
        if not column.startswith("crimes_"):
            np.testing.assert_allclose(collected[column], daily[column], err_msg=column)


def test_batch_run_takes_scenario_files_and_scenarios(small):
    days = 25
    path = str(SCENARIOS / "small.yaml")
    # Mesa 3.3 takes the seed as a parameter; from 3.4 batch_run sets it from ``rng``
    # (a seed in ``parameters`` is overwritten), so each version is called its own way.
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        seeding: dict = {"parameters": {"scenario": [path, small], "days": days}, "rng": [5]}
    else:
        seeding = {"parameters": {"scenario": [path, small], "days": days, "seed": [5]},
                   "iterations": 1}  # fmt: skip
    rows = mesa.batch_run(
        SafetyModel,
        **seeding,
        max_steps=days,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 2 * days
    for row in rows:
        assert set(COLUMNS) <= set(row)
    direct = SafetyModel(small, seed=5, days=days)
    direct.run()
    want = direct.record.frame()["criminal_total"].tolist()
    for run_id in (0, 1):
        got = [r["criminal_total"] for r in rows if r["RunId"] == run_id]
        assert got == want


@pytest.mark.parametrize("dimensions", [(7, 5), (1, 4), (3, 1)])
def test_city_grid_connects_its_cells_as_mesa_does(dimensions: tuple[int, int]) -> None:
    mesa_grid = OrthogonalMooreGrid(dimensions, torus=False)
    city_grid = CityGrid(dimensions, torus=False)
    assert isinstance(city_grid, OrthogonalMooreGrid)
    assert list(city_grid._cells) == list(mesa_grid._cells)
    for coordinate, cell in mesa_grid._cells.items():
        ours = city_grid[coordinate].connections
        assert [(k, c.coordinate) for k, c in ours.items()] == [
            (k, c.coordinate) for k, c in cell.connections.items()
        ]
        assert {c.coordinate for c in city_grid[coordinate].neighborhood} == {
            c.coordinate for c in cell.neighborhood
        }

"""Grid workers (网格员): sweeps that find disputes and risks, mediation, hardening advice."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from mesa.discrete_space import FixedAgent

from safesim.core.households import LOCK, Households
from safesim.core.interventions.base import Intervention, Portrayal
from safesim.core.quantities import Calendar, Count, Delivery, PositiveInt, Quantity, Rate

if TYPE_CHECKING:
    from safesim.core.model import SafetyModel


class GridWorkersSpec(Delivery):
    """Scenario entry ``interventions.grid_workers``."""

    scaled: ClassVar[tuple[str, ...]] = ("workers", "grids")

    workers: Count
    grids: Count
    households_per_grid: Quantity[PositiveInt]
    visits_per_worker_per_day: Rate


class GridWorker(FixedAgent):
    """One grid worker, based at the first cell of the households they serve: those of
    the covered households ``first_home`` up to ``end_home`` (in the households' order,
    sorted by cell), called on ``visits_per_day`` times a working day."""

    # They call on most home cells every day: their layer starts off so it does not hide
    # the crime colours under it.
    portrayal: ClassVar[Portrayal] = Portrayal(
        "grid workers", "diamond-open", 6, "#1e8449", 0.7, shown=False, name_zh="网格员"
    )

    def __init__(self, model: SafetyModel, first_home: int, end_home: int, visits: float):
        super().__init__(model)
        self.first_home = first_home
        self.end_home = end_home
        self.visits_per_day = visits

    @property
    def households(self) -> np.ndarray:
        covered = np.flatnonzero(self.model.households.grid_covered)
        return covered[self.first_home : self.end_home]

    def describe(self) -> str:
        """What the map says when a user points at the worker."""
        homes = self.end_home - self.first_home
        return (
            f"grid worker #{self.unique_id}: {homes:,} households, "
            f"{self.visits_per_day:.1f} calls a day"
        )


class GridWorkers(Intervention):
    """Grid management: each worker serves the households of their grids (200–400 each).

    Mechanism: every household in a covered grid is called on once per sweep cycle
    (``cycle = covered households / (workers × visits per worker-day)`` days). A visit
    finds a live dispute with probability ``grid_visit_detection`` and a found dispute is
    settled with ``mediation_success``, so it never escalates into a violent case (民转刑)
    or a fight; and a visit leads a home to fit a better lock with ``hardening_advice``.

    Evidence: the reports' own accounts (Guiyang: 2,768 grids, 3,500 grid managers
    mediating disputes; Suizhou: one dispute-and-risk sweep per village a month, >98 %
    mediation success); Epstein 2002 (grievance removed before action); Sampson et al.
    1997 (informal social control). No controlled evaluation of grid management exists:
    the detection and escalation rates are calibration parameters.
    """

    name = "grid_workers"
    spec_class = GridWorkersSpec
    order = 10
    label = "grid workers"
    label_zh = "网格员"
    unit = "grid worker"
    evidence = "the reports' accounts; Epstein 2002; Sampson et al. 1997 (no controlled evaluation)"
    channels = ("finds_disputes",)
    lever = "grid_workers"
    lever_label = "Grid workers"
    lever_field = "workers"
    targets = "dispute_violence"
    thin_evidence = True

    @classmethod
    def home_share(cls, spec: GridWorkersSpec, households: int) -> float:
        return min(1.0, spec.grids.value * spec.households_per_grid.value / households)

    @classmethod
    def home_note(cls, spec: GridWorkersSpec, households: int, with_it: int, without: int) -> str:
        share = 100 * cls.home_share(spec, households)
        return (
            f"{with_it} violent disputes with grid work, {without} without; "
            f"grids cover {share:.0f} % of homes"
        )

    def __init__(self, spec: GridWorkersSpec, calendar: Calendar):
        super().__init__(spec, calendar)
        self.spec: GridWorkersSpec = spec
        self.covered = 0
        self.cycle_days = np.inf
        self.workers: list[GridWorker] = []

    def bind(self, model: SafetyModel) -> None:
        layout, households = model.layout, model.households
        spec = self.spec
        want = min(households.n, spec.grids.value * spec.households_per_grid.value)
        rng = model.streams["grid_layout"]
        home_cells = rng.permutation(np.flatnonzero(layout.homes > 0))
        reached = np.cumsum(layout.homes[home_cells])
        cells = home_cells[: int(np.searchsorted(reached, want)) + 1]
        mask = np.zeros(layout.cells, dtype=bool)
        mask[cells] = True
        households.grid_covered = mask[households.cell]
        covered_homes = np.flatnonzero(households.grid_covered)
        # Each worker serves a run of neighbouring covered homes (households are sorted
        # by cell), so a worker's grid is a patch of the city.
        bounds = np.linspace(0, covered_homes.size, spec.workers.value + 1).astype(np.int64)
        visits = spec.visits_per_worker_per_day.value
        self.workers = []
        firsts = bounds[:-1]
        # Each worker's first home's cell, looked up for all workers at once.
        if covered_homes.size:
            homes = covered_homes[np.minimum(firsts, covered_homes.size - 1)]
        else:
            homes = np.zeros(firsts.size, dtype=np.int64)
        cells = model.cell_of(households.cell[homes])
        for first, end, cell in zip(firsts.tolist(), bounds[1:].tolist(), cells, strict=True):
            worker = GridWorker(model, first, end, visits)
            worker.cell = cell
            self.workers.append(worker)
        self.covered = int(sum(w.end_home - w.first_home for w in self.workers))
        daily = len(self.workers) * visits
        self.cycle_days = self.covered / daily if daily > 0 else np.inf
        phase = rng.random(households.n).astype(np.float32)
        households.visit_phase = phase * np.float32(min(self.cycle_days, 1e9))

    def finds(self, homes: np.ndarray, households: Households, day: int) -> np.ndarray:
        return self.visited(homes, households, day)

    def visited(self, homes: np.ndarray, households: Households, day: int) -> np.ndarray:
        """Which of ``homes`` a grid worker calls on today."""
        s = self.strength(day)
        if s == 0.0 or not np.isfinite(self.cycle_days):
            return np.zeros(homes.size, dtype=bool)
        cycle = self.cycle_days / s
        phase = households.visit_phase[homes] / s
        return households.grid_covered[homes] & (((day + phase) % cycle) < 1.0)

    def apply(self, model: SafetyModel, day: int) -> None:
        s = self.strength(day)
        visits = int(len(self.workers) * self.spec.visits_per_worker_per_day.value * s)
        rng = model.streams["grid_advice"]
        advised = rng.binomial(visits, model.params.hardening_advice) if visits else 0
        homes = rng.integers(0, model.households.n, size=advised)
        model.households.fit(homes[model.households.grid_covered[homes]], LOCK)

    def units(self) -> float:
        return float(self.spec.workers.value)

"""Paired runs: a scenario with one intervention against its same-seed counterfactual twin,
the observers that count crime in the treated cells, and the tasks a process pool runs (each
carries its own seed, so the results do not depend on the number of workers)."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from safesim.core.model import SafetyModel
from safesim.core.offenders import OffenceReport
from safesim.core.scenario import Interventions, Scenario, load_scenario
from safesim.core.shipped import resolve_scenario
from safesim.experiments.scaling import scale_scenario

DECAY_DELIVERY_DAYS = 182
DECAY_WINDOW_DAYS = 90
DECAY_RECENT_DAYS = 30  # the cells patrolled in the last month of delivery


# ---------------------------------------------------------------------- scenarios
def only(scenario: Scenario, intervention: str) -> Scenario:
    """The scenario with one intervention of its mix and no other."""
    spec = getattr(scenario.interventions, intervention)
    return scenario.model_copy(update={"interventions": Interventions(**{intervention: spec})})


def campaign_only(scenario: Scenario, households: int) -> Scenario:
    """Scaled to ``households`` with the same doses per household, its calendar starting
    on the campaign start (the burn-in brings the city to equilibrium before it)."""
    start = scenario.calendar.campaign_start.value
    scaled = scale_scenario(scenario, households)
    return scaled.with_values({"calendar.start": start})


def shipped_or_local(path: str) -> Scenario:
    """A scenario by the protocol's path, from the working folder or the package."""
    return load_scenario(resolve_scenario(path))


# ---------------------------------------------------------------------- paired runs
Counts = dict[str, list[int]]


def _pair() -> list[int]:
    return [0, 0]


def offender_cells(report: OffenceReport) -> dict[str, np.ndarray]:
    cells = {
        "burglary": report.burglary_cells.astype(np.int64),
        "theft": report.theft_cells.astype(np.int64),
        "robbery": report.robbery_cells.astype(np.int64),
    }
    cells["property"] = np.concatenate([cells["burglary"], cells["theft"]])
    cells["offender"] = np.concatenate([cells["property"], cells["robbery"]])
    return cells


def count_in(counts: Counts, key: str, side: int, cells: np.ndarray, mask: np.ndarray) -> None:
    counts[key][side] += int(np.count_nonzero(mask[cells]))


def ring(mask: np.ndarray, model: SafetyModel) -> np.ndarray:
    """Cells within ``catchment_cells`` of ``mask`` and not in it (the catchment)."""
    grid = mask.reshape(model.layout.height, model.layout.width)
    cells = model.params.catchment_cells
    return ndimage.binary_dilation(grid, iterations=cells).ravel() & ~mask


def treated_today(model: SafetyModel, intervention: str) -> np.ndarray:
    """The cells ``intervention`` says it treated on the day last run
    (``Intervention.treated_today``); the whole city where it treats every place alike."""
    delivered = next(iv for iv in model.interventions if iv.name == intervention)
    cells = delivered.treated_today(model)
    return np.ones(model.layout.cells, dtype=bool) if cells is None else cells


@dataclass
class AreaObserver:
    """Crime by type in the cells ``intervention`` treated today, their catchment and the
    rest, both runs."""

    intervention: str
    from_day: int

    def __call__(
        self, day: int, mix: SafetyModel, mine: OffenceReport, theirs: OffenceReport, c: Counts
    ) -> None:
        if day < self.from_day:
            return
        treated = treated_today(mix, self.intervention)
        catchment = ring(treated, mix)
        control = ~(treated | catchment)
        for side, report in enumerate((mine, theirs)):
            cells = offender_cells(report)
            for kind, where in cells.items():
                count_in(c, f"treated_{kind}", side, where, treated)
            count_in(c, "catchment_offender", side, cells["offender"], catchment)
            count_in(c, "control_offender", side, cells["offender"], control)


@dataclass
class DecayObserver:
    """Crime in the cells ``intervention`` treated in the last month before ``stop``,
    fixed once it ends, over the ``DECAY_WINDOW_DAYS`` before and after the stop."""

    intervention: str
    stop: int
    recent: np.ndarray | None = None

    def __call__(
        self, day: int, mix: SafetyModel, mine: OffenceReport, theirs: OffenceReport, c: Counts
    ) -> None:
        if self.stop - DECAY_RECENT_DAYS < day <= self.stop:
            seen = treated_today(mix, self.intervention)
            self.recent = seen if self.recent is None else self.recent | seen
        if self.recent is None:
            return
        if self.stop - DECAY_WINDOW_DAYS < day <= self.stop:
            window = "during"
        elif self.stop < day <= self.stop + DECAY_WINDOW_DAYS:
            window = "after"
        else:
            return
        for side, report in enumerate((mine, theirs)):
            count_in(c, window, side, offender_cells(report)["offender"], self.recent)


@dataclass
class NoObserver:
    def __call__(self, *args: Any) -> None:
        return None


Observer = AreaObserver | DecayObserver | NoObserver


def run_pair(
    scenario: Scenario, seed: int, observe: Observer, days: int | None = None
) -> tuple[Counts, SafetyModel, SafetyModel]:
    """Step the mix and its counterfactual twin side by side on one seed, calling
    ``observe(day, mix, mix_report, twin_report, counts)`` after each day."""
    mix = SafetyModel(scenario, seed=seed, days=days)
    twin = mix.counterfactual_twin() or SafetyModel(scenario.counterfactual(), seed=seed, days=days)
    mix.event_log, twin.event_log = [], []
    counts: Counts = defaultdict(_pair)
    while mix.running:
        day = mix.day
        mix.step()
        twin.step()
        observe(day, mix, mix.event_log[-1], twin.event_log[-1], counts)
    return counts, mix, twin


def plain(scenario: Scenario) -> dict[str, Any]:
    """A scenario as plain data, which pickles to a worker process (the model itself
    does not); every task rebuilds it the same way with one worker or many."""
    return scenario.model_dump(mode="json")


@dataclass(frozen=True)
class PairTask:
    """One replicate of a mix and its twin: the observer's counts, and the sums of
    ``columns`` of the daily record from ``from_day`` on, for the mix and the twin."""

    scenario: dict[str, Any]
    seed: int
    observe: Observer
    days: int | None = None
    columns: tuple[str, ...] = ()
    from_day: int = 0

    def __call__(self) -> Counts:
        scenario = Scenario.model_validate(self.scenario)
        counts, mix, twin = run_pair(scenario, self.seed, copy.deepcopy(self.observe), self.days)
        out = {key: list(value) for key, value in counts.items()}
        frames = (mix.record.frame(), twin.record.frame())
        for column in self.columns:
            out[column] = [int(f[column].iloc[self.from_day :].sum()) for f in frames]
        return out


def full_strength_day(scenario: Scenario, intervention: str, days: int) -> int:
    """The first measured day: full strength, or half way through if the ramp is longer."""
    spec = getattr(scenario.interventions, intervention)
    start = scenario.calendar.day_of(spec.start or scenario.calendar.campaign_start.value)
    return min(start + spec.ramp_days, start + (days - start) // 2)


def _call(item: tuple[int, Callable[[], Any]]) -> tuple[int, Any]:
    """Run one numbered task; top-level, so spawned workers and Dask workers can call it."""
    index, task = item
    return index, task()


def run_tasks(
    tasks: Sequence[Callable[[], Any]],
    labels: Sequence[str],
    workers: int,
    progress: Callable[[str], None],
) -> list[Any]:
    """Each task's result, in order, on the batch engine's executors: this process, or
    ``workers`` spawned processes when more than one (every task carries its own seed,
    so the results do not depend on the workers)."""
    from safesim.experiments.batch import ProcessExecutor

    if workers <= 1 or len(tasks) <= 1:
        results = []
        for task, label in zip(tasks, labels, strict=True):
            progress(label)
            results.append(task())
        return results
    executor = ProcessExecutor(min(workers, len(tasks)), _call)
    results: list[Any] = [None] * len(tasks)
    try:
        for index, result in executor.run(list(enumerate(tasks))):  # type: ignore[arg-type]
            results[index] = result
            progress(f"{labels[index]}: done")
    finally:
        executor.close()
    return results


@dataclass(frozen=True)
class StationarityTask:
    city: dict[str, Any]
    seed: int
    days: int
    columns: tuple[str, ...]

    def __call__(self) -> dict[str, list[float]]:
        model = SafetyModel(Scenario.model_validate(self.city), seed=self.seed, days=self.days)
        model.run()
        frame = model.record.frame()
        return {
            c: [float(frame[c].iloc[:365].sum()), float(frame[c].iloc[-365:].sum())]
            for c in self.columns
        }


@dataclass(frozen=True)
class GuichiTask:
    city: dict[str, Any]
    seed: int
    start: int
    scale: float

    def __call__(self) -> dict[str, float]:
        model = SafetyModel(Scenario.model_validate(self.city), seed=self.seed)
        model.run()
        year = model.record.frame().iloc[self.start : self.start + 365]
        return {
            c: self.scale * float(year[c].sum())
            for c in ("dispute_violence", "disputes_found", "disputes_mediated")
        }

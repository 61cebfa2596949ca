"""The city model as a ``Simulator``: each run a mix and its same-seed twin, on the batch
engine (journaled, resumable, on processes or Dask).

A task is one city at one parameter set on one seed, run by ``execute_paired`` on any of
the engine's executors (``batch.locked_journal(..., function=execute_paired)``): the mix
runs, its counterfactual twin is forked at the end of the shared burn-in
(``runner.run_paired``), and the record holds every figure of both. The batch engine's
journal keeps each finished task, so an interrupted calibration continues where it
stopped and a repeated one runs nothing. Parameters are applied without the evidence
bounds' validation: an effect's range in the calibration starts at zero (no effect),
below the evidence's lower bound.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from safesim.core.scenario import load_scenario
from safesim.core.streams import run_seed
from safesim.experiments.batch import (
    Executor,
    Journal,
    RunTask,
    run_tasks_with_progress,
    task_scenario,
)
from safesim.experiments.calibration.priors import mechanism_parameters
from safesim.experiments.calibration.simulations import figures as run_figures
from safesim.experiments.runner import run_paired
from safesim.experiments.scaling import scale_scenario


def execute_paired(task: RunTask) -> dict[str, Any]:
    """One mix and its twin; the figures of both (an exception is recorded, not raised)."""
    started = time.perf_counter()
    record: dict[str, Any] = {"key": task.key, "seed": task.seed}
    try:
        data = dict(task.scenario)
        full = data.pop("_full_households", None)
        scenario = task_scenario(data)
        full = int(full or scenario.city.households.value)
        params = mechanism_parameters(dict(task.parameters or {}), scenario.parameters)
        mix, twin = run_paired(scenario, task.seed, 1, task.days, parameters=params)
        record.update(
            status="ok",
            error="",
            mix=run_figures(scenario, mix[0], full),
            twin=run_figures(scenario, twin[0], full),
        )
    except Exception as exc:  # a failed run is a result: the figure is missing, not fatal
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        record.update(status="failed", error=message, mix={}, twin={})
    record["wall_seconds"] = round(time.perf_counter() - started, 3)
    return record


class CitySimulator:
    """Runs parameter sets on the fitted cities at the design size; per figure key the
    effect (mix − twin) and the twin's figure.

    With ``pooled`` > 1 each design point runs that many pairs (the point's seed, then
    seeds drawn from it) and the design sees their mean: the run noise the twin leaves
    falls by that factor in variance, as a city ``pooled`` times larger would give, and
    the replicate pairs of the design (``method.Settings.replicate_pairs``) measure the
    noise of the mean the emulators fit.
    """

    def __init__(
        self,
        scenario_paths: dict[str, str],
        households: int,
        names: list[str],
        figure_keys: list[tuple[str, str]],
        journal: Journal,
        executor: Executor,
        pooled: int = 1,
    ):
        self.paths = scenario_paths  # city → scenario file
        self.pooled = max(1, int(pooled))
        self.households = households
        self.names = names
        self.figure_keys = figure_keys  # (city, figure name)
        self.journal = journal
        self.executor = executor
        self.scaled: dict[str, dict[str, Any]] = {}
        for city, path in scenario_paths.items():
            self.scaled[city] = scaled_scenario_data(path, households)

    def tasks(self, label: str, values: np.ndarray, seeds: Sequence[int], cities) -> list:
        out = []
        for i, (row, seed) in enumerate(zip(values, seeds, strict=True)):
            params = {n: float(v) for n, v in zip(self.names, row, strict=True)}
            for city in cities:
                key = task_key(label, i, city, params, int(seed))
                out.append(RunTask(key, self.scaled[city], int(seed), None, params))
        return out

    def run(
        self, label: str, values: np.ndarray, seeds: Sequence[int], cities
    ) -> dict[str, dict[str, Any]]:
        """Records by (run index, city) of the runs asked for (journaled ones not rerun)."""
        tasks = self.tasks(label, values, seeds, cities)
        records, _, _ = run_tasks_with_progress(
            tasks, self.journal, self.executor, label, keep_open=True
        )
        by_place = {}
        for task in tasks:
            parts = task.key.split("-")  # label-index-city-hash; a city name may hold "-"
            index, city = parts[1], "-".join(parts[2:-1])
            by_place[f"{label}-{index}-{city}"] = records.get(task.key, {})
        return by_place

    def simulate(
        self, label: str, values: np.ndarray, seeds: Sequence[int]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        cities = list(dict.fromkeys(c for c, _ in self.figure_keys))
        k = self.pooled
        runs = np.repeat(np.asarray(values, dtype=float), k, axis=0)
        run_seeds = [int(s) if r == 0 else run_seed(int(s), "pooled", r)
                     for s in seeds for r in range(k)]  # fmt: skip
        records = self.run(label, runs, run_seeds, cities)
        effects, twins = {}, {}
        for city, name in self.figure_keys:
            mix = np.array([_value(records, f"{label}-{j}-{city}", "mix", name)
                            for j in range(len(run_seeds))])  # fmt: skip
            twin = np.array([_value(records, f"{label}-{j}-{city}", "twin", name)
                             for j in range(len(run_seeds))])  # fmt: skip
            effects[f"{city}:{name}"] = pooled_mean(mix - twin, k)
            twins[f"{city}:{name}"] = pooled_mean(twin, k)
        return effects, twins


def pooled_mean(values: np.ndarray, k: int) -> np.ndarray:
    """The mean of each consecutive ``k`` runs (one design point), over those with the
    figure; NaN for a point none of whose runs has it."""
    blocks = values.reshape(-1, k)
    ok = np.isfinite(blocks)
    count = ok.sum(axis=1)
    total = np.where(ok, blocks, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def task_key(label: str, index: int, city: str, params: dict[str, float], seed: int) -> str:
    """A journal key that names the run and its inputs: a later wave laid out differently
    can never pick up a run made at other parameters."""
    text = json.dumps([params, seed], sort_keys=True)
    return f"{label}-{index}-{city}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _value(records: dict, key: str, side: str, name: str) -> float:
    value = records.get(key, {}).get(side, {}).get(name)
    return float("nan") if value is None else float(value)


def scaled_scenario_data(path: str | Path, households: int) -> dict[str, Any]:
    """The scenario at ``households`` (doses per household kept), as plain data for a task,
    with the real city's size beside it (counts are restated at full size)."""
    scenario = load_scenario(path)
    full = scenario.city.households.value
    if households < full:
        scenario = scale_scenario(scenario, households)
    data = scenario.model_dump(mode="json")
    data["_full_households"] = full
    return data

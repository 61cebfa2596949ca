"""The simulations a calibration needs, each run once, journaled, and read back as figures.

A task is one city run: a scenario scaled to a number of households, a parameter set and a
seed of its own (every evaluation draws fresh random numbers, so the noise of the model is
in the table rather than fitted away). Each finished run is one small JSON file written
atomically (the journal of ``safesim sweep``), so Ctrl-C or a killed process loses only the
runs in flight and the same command continues. Runs go to worker processes when asked;
the journal is keyed by task, so the results do not depend on the number of workers.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safesim.batch import Journal, _start_worker
from safesim.calibration.priors import mechanism_parameters
from safesim.outcomes import campaign_targets, target_value
from safesim.runner import run_once
from safesim.scaling import scale_scenario
from safesim.scenario import Scenario, load_scenario

# Counts over the campaign's first year, restated at the city's full size, for the
# report figures that are counts rather than changes (Guichi's 35 serious violent cases).
CAMPAIGN_YEAR_COUNTS = ("dispute_violence", "disputes_found", "disputes_mediated", "arrests")


@dataclass(frozen=True)
class Task:
    key: str
    scenario_path: str
    households: int
    parameters: tuple[tuple[str, float], ...]
    seed: int


@lru_cache(maxsize=16)
def scenario_at(path: str, households: int) -> Scenario:
    scenario = load_scenario(path)
    if households < scenario.city.households.value:
        scenario = scale_scenario(scenario, households)
    return scenario


def figures(
    scenario: Scenario, daily: pd.DataFrame, full_households: int
) -> dict[str, float | None]:
    """Every report target of the scenario, the generic campaign-year figures, and the
    campaign year's counts scaled to the full city."""
    out = {t.name: target_value(daily, t) for t in scenario.targets}
    for target in campaign_targets(scenario, daily):
        out[target.name] = target_value(daily, target)
    start = scenario.calendar.campaign_start.value
    first = date.fromisoformat(daily["date"].iloc[0])
    end = min(start + timedelta(days=364), date.fromisoformat(daily["date"].iloc[-1]))
    rows = daily.iloc[(start - first).days : (end - first).days + 1]
    factor = full_households / scenario.city.households.value
    for column in CAMPAIGN_YEAR_COUNTS:
        out[f"campaign_year_count_{column}"] = float(rows[column].sum()) * factor
    # JSON has no NaN: a figure the run cannot give is recorded as null.
    return {k: (float(v) if np.isfinite(v) else None) for k, v in out.items()}


def execute(task: Task) -> dict[str, Any]:
    scenario = scenario_at(task.scenario_path, task.households)
    full = load_scenario(task.scenario_path).city.households.value
    params = mechanism_parameters(dict(task.parameters), scenario.parameters)
    daily = run_once(scenario, task.seed, parameters=params)
    return {"key": task.key, "figures": figures(scenario, daily, full)}


class Progress:
    """A bar on a terminal; otherwise a line now and then (logs and CI stay readable)."""

    def __init__(self, label: str, total: int, done: int, stream: Any = None):
        self.label, self.total, self.done = label, total, done
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.started_with = done
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_line = 0.0
        self.show(force=True)

    def step(self) -> None:
        self.done += 1
        self.show(force=self.done == self.total)

    def show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.terminal and not force and now - self.last_line < 15.0:
            return
        self.last_line = now
        made = self.done - self.started_with
        elapsed = now - self.start
        rate = made / elapsed * 60 if elapsed > 0 and made else 0.0
        left = (self.total - self.done) / rate if rate else float("nan")
        eta = f", about {left:.0f} min left" if np.isfinite(left) else ""
        line = f"calibrate: {self.label} {self.done}/{self.total} runs ({rate:.1f}/min{eta})"
        if self.terminal:
            self.stream.write("\r" + line.ljust(78))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )


def _stop(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def run_tasks(
    tasks: Sequence[Task],
    journal: Journal,
    workers: int,
    label: str,
    progress: Callable[[str, int, int], Any] | None = None,
) -> dict[str, dict[str, float]]:
    """Every task's figures, running those the journal has not got (Ctrl-C keeps them)."""
    records = journal.records()
    todo = [t for t in tasks if t.key not in records]
    bar = (progress or Progress)(label, len(tasks), len(tasks) - len(todo))
    if todo and workers <= 1:
        for task in todo:
            record = execute(task)
            journal.write(record)
            records[record["key"]] = record
            bar.step()
    elif todo:
        pool = _pool(workers)
        try:
            pending: set[Future[dict[str, Any]]] = {pool.submit(execute, t) for t in todo}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    record = future.result()
                    journal.write(record)
                    records[record["key"]] = record
                    bar.step()
        finally:
            _stop(pool)
    return {t.key: _numbers(records[t.key]["figures"]) for t in tasks}


def _numbers(figures: dict[str, float | None]) -> dict[str, float]:
    return {k: (float("nan") if v is None else float(v)) for k, v in figures.items()}


def open_journal(out_dir: Path, identity: dict[str, Any], restart: bool) -> Journal:
    journal = Journal(out_dir, identity)
    journal.dir = out_dir / ".journal"
    journal.check(restart)
    journal.open(restart, final_files=())
    return journal


# Modules that do not change what a run computes.
NOT_MODEL = {
    "cli.py", "plotting.py", "sweeps.py", "sensitivity.py", "shipped.py",
    "viz.py", "viz_app.py", "viz_page.py",
}  # fmt: skip


def model_digest() -> str:
    """A hash of the model's source, so runs of an older model are never reused."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] in ("calibration", "__pycache__") or path.name in NOT_MODEL:
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()

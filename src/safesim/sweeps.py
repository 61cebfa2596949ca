"""Scenario sweeps: run a grid of intervention mixes, replicate by replicate, and compare.

A sweep varies one or more intervention settings (axes) of a scenario. Every combination
of axis values is a *point* (an intervention mix); point 0 is always the scenario with
every intervention removed. Each point runs ``replicates`` times.

Replicate ``r`` of every point uses the same seed, ``replicate_seed(seed, r)``: common
random numbers. A mix and the mix it is compared with share their random streams, so the
difference between them, replicate by replicate, is the effect of the intervention and not
sampling noise.

Each finished run is written at once, atomically, to a journal (one small JSON file per
run in ``<out>/.runs/``), so an interrupted sweep loses at most the runs in flight and the
same command continues it. The final files are written from the journal sorted by point and
replicate, so they are byte-identical whatever the number of workers, the executor (one
process, a process pool, a Dask cluster) or the order in which runs finish.

**Examples**::

    axes = [parse_axis("interventions.patrols.officers=0,500,1000")]
    plan = plan_sweep(scenario, "scenarios/small.yaml", axes, replicates=5, days=400)
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)

from safesim.interventions import ORDER
from safesim.outcomes import campaign_targets, summarise
from safesim.parameters import resolve
from safesim.runner import (
    CSV_FLOAT_FORMAT,
    atomic_write_text,
    replicate_seed,
    run_once,
    versions,
    write_csv,
)
from safesim.scenario import Scenario, ScenarioError, validate_scenario

Number = int | float

#: Runs per mix unless the command line or the sweep file says otherwise.
DEFAULT_REPLICATES = 5
#: How long to wait for a Dask scheduler before giving up (seconds).
DASK_CONNECT_TIMEOUT = 5
#: The per-run count of crimes in the campaign window, used for crimes averted and cost.
CAMPAIGN_CRIMES = "campaign_crimes"
JOURNAL_DIR = ".runs"
PLAN_FILE = "plan.json"


class SweepError(ValueError):
    """Bad sweep input or state; the message is one line naming the axis, file or address."""


class WorkerLost(RuntimeError):
    """A worker process or Dask worker died under a run; the runs recorded so far are kept."""


# --------------------------------------------------------------------------- axes


@dataclass(frozen=True)
class Axis:
    """One varied setting: a dotted scenario path and the values it takes, in order."""

    path: str
    values: tuple[Number, ...]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "values": list(self.values)}


def _number(text: str, path: str) -> Number:
    token = text.strip()
    try:
        return int(token)
    except ValueError:
        pass
    try:
        value = float(token)
    except ValueError:
        raise SweepError(f"axis {path}: '{token}' is not a number") from None
    if not math.isfinite(value):
        raise SweepError(f"axis {path}: '{token}' is not a finite number")
    return value


def range_values(path: str, start: Number, stop: Number, points: int) -> tuple[Number, ...]:
    """``points`` evenly spaced values from ``start`` to ``stop`` inclusive.

    When both ends are integers the values are rounded to integers (counts of officers or
    cameras cannot be fractional), and a range too fine to give distinct integers is refused.
    """
    if points < 1:
        raise SweepError(f"axis {path}: empty range (points must be ≥ 1, got {points})")
    if stop < start:
        raise SweepError(f"axis {path}: reversed range ({start} > {stop})")
    if points == 1:
        if start != stop:
            raise SweepError(f"axis {path}: one point cannot span {start}..{stop}")
        return (start,)
    if start == stop:
        raise SweepError(f"axis {path}: empty range ({start}..{stop} has no width)")
    grid = np.linspace(float(start), float(stop), points)
    if isinstance(start, int) and isinstance(stop, int):
        values: tuple[Number, ...] = tuple(round(float(v)) for v in grid)
        if len(set(values)) != len(values):
            raise SweepError(
                f"axis {path}: {points} points between {start} and {stop} repeat values "
                "once rounded to integers"
            )
        return values
    return tuple(float(v) for v in grid)


def parse_axis(spec: str) -> Axis:
    """Parse ``path=v1,v2,...`` or ``path=start:stop:points`` (inclusive, evenly spaced)."""
    path, sep, rest = spec.partition("=")
    path = path.strip()
    if not sep or not path:
        raise SweepError(f"axis '{spec}': expected PATH=v1,v2,... or PATH=start:stop:points")
    rest = rest.strip()
    if not rest:
        raise SweepError(f"axis {path}: no values")
    if ":" in rest:
        parts = rest.split(":")
        if len(parts) != 3:
            raise SweepError(f"axis {path}: a range is start:stop:points, got '{rest}'")
        start, stop = _number(parts[0], path), _number(parts[1], path)
        points = _number(parts[2], path)
        if not isinstance(points, int):
            raise SweepError(f"axis {path}: the number of points must be an integer")
        return Axis(path, range_values(path, start, stop, points))
    tokens = rest.split(",")
    if any(not t.strip() for t in tokens):
        raise SweepError(f"axis {path}: empty value in '{rest}'")
    return Axis(path, tuple(_number(t, path) for t in tokens))


class AxisRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: StrictInt | StrictFloat
    stop: StrictInt | StrictFloat
    points: StrictInt


class SweepFile(BaseModel):
    """A sweep written down: the axes, and optionally replicates, days, seed and name."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str | None = None
    replicates: int | None = Field(None, ge=1)
    days: int | None = Field(None, ge=1)
    seed: int | None = Field(None, ge=0)
    axes: dict[str, list[StrictInt | StrictFloat] | AxisRange]

    @model_validator(mode="after")
    def _some_axes(self) -> SweepFile:
        if not self.axes:
            raise ValueError("axes: give at least one axis")
        return self

    def axis_list(self) -> list[Axis]:
        out = []
        for path, spec in self.axes.items():
            if isinstance(spec, AxisRange):
                out.append(Axis(path, range_values(path, spec.start, spec.stop, spec.points)))
            else:
                if not spec:
                    raise SweepError(f"axis {path}: no values")
                out.append(Axis(path, tuple(spec)))
        return out


def load_sweep_file(path: str | Path) -> SweepFile:
    """Read and validate a sweep YAML file; every problem is a one-line ``SweepError``."""
    p = Path(path)
    if not p.is_file():
        raise SweepError(f"{p}: no such sweep file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SweepError(f"{p}: malformed YAML{where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepError(f"{p}: cannot read the sweep file ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise SweepError(f"{p}: a sweep file must be a YAML mapping of keys to values")
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        raise SweepError(f"{p}: {_describe_sweep_error(data, exc)}") from None


_UNION_TAGS = {"int", "float", "AxisRange"}
_NOT_A_NUMBER = {"int_type", "float_type", "int_parsing", "float_parsing"}


def _describe_sweep_error(data: dict[str, Any], exc: ValidationError) -> str:
    """The one error that matters, as ``where: what``.

    An axis is a list of numbers or a range mapping: report the error of the form the
    file used, without the type names pydantic adds for each alternative.
    """
    # A misspelt key explains a missing one: report unknown keys first.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = [str(x) for x in err["loc"]]
    if len(loc) >= 2 and loc[0] == "axes":
        as_range = isinstance((data.get("axes") or {}).get(loc[1]), dict)
        same_axis = [e for e in errors if [str(x) for x in e["loc"][:2]] == loc[:2]]
        branch = [e for e in same_axis if ("AxisRange" in map(str, e["loc"])) == as_range]
        err = (branch or same_axis or [err])[0]
    where = ".".join(str(x) for x in err["loc"] if str(x) not in _UNION_TAGS and "[" not in str(x))
    if err["type"] == "extra_forbidden":
        what = "unknown key"
    elif err["type"] in _NOT_A_NUMBER:
        what = f"'{err.get('input')}' is not a number"
    else:
        what = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {what}" if where else what


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Point:
    """One intervention mix: its index, its axis values (empty for the baseline)."""

    index: int
    values: dict[str, Number]
    scenario: Scenario

    @property
    def is_baseline(self) -> bool:
        return not self.values

    @property
    def label(self) -> str:
        return "baseline" if self.is_baseline else "mix"


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run; plain data so it pickles to any process or host."""

    key: str
    scenario: dict[str, Any]
    seed: int
    days: int | None
    parameters: dict[str, Number] | None = None


@dataclass
class SweepPlan:
    scenario: Scenario
    scenario_file: str
    name: str
    axes: list[Axis]
    replicates: int
    days: int | None
    seed: int
    points: list[Point] = field(default_factory=list)

    def identity(self) -> dict[str, Any]:
        """What a journal must match to be continued: same scenario, axes, runs and days."""
        return {
            "kind": "sweep",
            "scenario_sha256": self.scenario.digest(),
            "axes": [a.to_json() for a in self.axes],
            "replicates": self.replicates,
            "days": self.days,
            "seed": self.seed,
        }

    def run_key(self, point: int, replicate: int) -> str:
        return f"p{point:05d}-r{replicate:04d}"

    def tasks(self) -> list[RunTask]:
        out = []
        for point in self.points:
            data = point.scenario.model_dump(mode="json")
            for r in range(self.replicates):
                out.append(
                    RunTask(
                        key=self.run_key(point.index, r),
                        scenario=data,
                        seed=replicate_seed(self.seed, r),
                        days=self.days,
                    )
                )
        return out

    def reference(self) -> Point:
        """The mix changes are measured against: every varied value 0 if the grid has it,
        otherwise the baseline with every intervention removed."""
        for point in self.points:
            if point.values and all(v == 0 for v in point.values.values()):
                return point
        return self.points[0]


def without_interventions(scenario: Scenario) -> Scenario:
    data = scenario.model_dump(mode="python")
    data["interventions"] = {}
    return validate_scenario(data, None)


def plan_sweep(
    scenario: Scenario,
    scenario_file: str,
    axes: Sequence[Axis],
    replicates: int,
    days: int | None,
    seed: int | None = None,
    name: str | None = None,
) -> SweepPlan:
    """Check every axis and every mix against the scenario and lay out the runs.

    Raises ``SweepError`` naming the axis for an unknown path, a value the scenario refuses
    or a repeated axis; nothing is run or written.
    """
    if not axes:
        raise SweepError("no axes: give --vary PATH=VALUES or --sweep-file")
    if replicates < 1:
        raise SweepError(f"replicates must be ≥ 1 (got {replicates})")
    if days is not None and days < 1:
        raise SweepError(f"days must be ≥ 1 (got {days})")
    seen: set[str] = set()
    for axis in axes:
        if axis.path in seen:
            raise SweepError(f"axis {axis.path}: given twice")
        seen.add(axis.path)
        if not axis.path.startswith("interventions."):
            raise SweepError(
                f"axis {axis.path}: a sweep varies interventions (paths under "
                "'interventions.'); set other values in the scenario file"
            )
        if not axis.values:
            raise SweepError(f"axis {axis.path}: no values")
        if len(set(axis.values)) != len(axis.values):
            raise SweepError(f"axis {axis.path}: repeated values")
        for value in axis.values:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SweepError(f"axis {axis.path}: '{value}' is not a number")
            try:
                scenario.with_values({axis.path: value})
            except ScenarioError as exc:
                raise SweepError(f"axis {axis.path}={value}: {exc.message}") from None
    points = [Point(0, {}, without_interventions(scenario))]
    for combo in itertools.product(*(a.values for a in axes)):
        values = {a.path: v for a, v in zip(axes, combo, strict=True)}
        try:
            mix = scenario.with_values(values)
        except ScenarioError as exc:
            raise SweepError(f"axis {exc.field}: {exc.message} (in mix {values})") from None
        points.append(Point(len(points), values, mix))
    return SweepPlan(
        scenario=scenario,
        scenario_file=scenario_file,
        name=name or f"{scenario.name}-sweep",
        axes=list(axes),
        replicates=replicates,
        days=days,
        seed=scenario.seed if seed is None else seed,
        points=points,
    )


# --------------------------------------------------------------------------- one run


def outcome_names(scenario: Scenario) -> list[str]:
    """The figures ``summarise`` gives for this scenario, in its order (no run needed)."""
    end = pd.DataFrame({"date": [scenario.calendar.end.isoformat()]})
    names = [t.name for t in scenario.targets]
    names += [t.name for t in campaign_targets(scenario, end)]
    return [*names, "weighted_displacement_quotient"]


def recorded_outcomes(scenario: Scenario, records: dict[str, dict[str, Any]]) -> list[str]:
    """``outcome_names`` followed by any other figure the recorded runs hold (in key order),
    so a figure ``summarise`` gains later is never dropped from the tables."""
    names = outcome_names(scenario)
    seen = {*names, CAMPAIGN_CRIMES}
    for key in sorted(records):
        for name in records[key].get("outcomes", {}):
            if name not in seen:
                names.append(name)
                seen.add(name)
    return names


def campaign_window(scenario: Scenario, days: int | None) -> tuple[date, date]:
    """The campaign window that ``campaign_targets`` uses for a run of ``days`` days."""
    cal = scenario.calendar
    last = cal.end if days is None else cal.start + timedelta(days=days - 1)
    start = cal.campaign_start.value
    return start, min(start + timedelta(days=364), last)


def campaign_warning(scenario: Scenario, days: int | None) -> str | None:
    """A warning when runs of ``days`` days end before the campaign starts."""
    start, end = campaign_window(scenario, days)
    if end >= start:
        return None
    return (
        f"runs of {days} days end on {end}, before the campaign starts on {start}: "
        "the campaign figures will be empty"
    )


def _campaign_crimes(scenario: Scenario, daily: pd.DataFrame, days: int | None) -> float:
    start, end = campaign_window(scenario, days)
    if end < start:
        return float("nan")
    dates = daily["date"]
    inside = (dates >= start.isoformat()) & (dates <= end.isoformat())
    return float(daily.loc[inside, "criminal_total"].sum())


def execute_run(task: RunTask) -> dict[str, Any]:
    """Run one task and return its journal record; an exception is recorded, not raised.

    Top-level and free of shared state so process pools (spawn) and Dask workers can call it.
    """
    started = time.perf_counter()
    record: dict[str, Any] = {"key": task.key, "seed": task.seed}
    try:
        scenario = Scenario.model_validate(task.scenario)
        parameters = None
        if task.parameters is not None:
            parameters = resolve(scenario, overrides=task.parameters)
        daily = run_once(scenario, task.seed, task.days, parameters)
        figures = summarise(scenario, [daily])
        outcomes = {
            str(o): float(v) for o, v in zip(figures["outcome"], figures["sim_mean"], strict=True)
        }
        outcomes[CAMPAIGN_CRIMES] = _campaign_crimes(scenario, daily, task.days)
        record.update(status="ok", error="", outcomes=outcomes)
    except Exception as exc:  # a failed run is a result: the sweep records it and goes on
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        record.update(status="failed", error=message, outcomes={})
    record["wall_seconds"] = round(time.perf_counter() - started, 3)
    return record


# --------------------------------------------------------------------------- journal


class Journal:
    """One JSON file per finished run under ``<out>/.runs/``, each written atomically.

    ``plan.json`` holds the identity of the sweep the journal belongs to; a journal of a
    different sweep is never mixed with this one.
    """

    def __init__(self, out_dir: Path, identity: dict[str, Any]):
        self.out_dir = out_dir
        self.dir = out_dir / JOURNAL_DIR
        self.identity = identity

    def _stored_identity(self) -> dict[str, Any] | None:
        plan = self.dir / PLAN_FILE
        if not plan.exists():
            return None
        try:
            return json.loads(plan.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"unreadable": True}

    def check(self, restart: bool) -> None:
        """Refuse to continue a journal of another sweep (read-only: writes nothing)."""
        if restart:
            return
        stored = self._stored_identity()
        if stored is None or stored == self.identity:
            return
        differ = sorted(k for k in self.identity if stored.get(k) != self.identity.get(k))
        what = ", ".join(differ) if differ else "its plan"
        raise SweepError(
            f"{self.out_dir} holds a different run ({what} differ); use a different "
            "--out or --name, or --restart to discard it"
        )

    def open(self, restart: bool, final_files: Iterable[str]) -> None:
        if restart:
            shutil.rmtree(self.dir, ignore_errors=True)
            for name in final_files:
                (self.out_dir / name).unlink(missing_ok=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.dir.glob(".*.tmp"):  # from a process killed mid-write
            leftover.unlink(missing_ok=True)
        if self._stored_identity() != self.identity:
            atomic_write_text(
                self.dir / PLAN_FILE, json.dumps(self.identity, indent=2, sort_keys=True) + "\n"
            )

    def records(self) -> dict[str, dict[str, Any]]:
        out = {}
        for path in sorted(self.dir.glob("*.json")):
            if path.name == PLAN_FILE:
                continue
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # unreadable: the run is simply done again
            out[record["key"]] = record
        return out

    def write(self, record: dict[str, Any]) -> None:
        atomic_write_text(self.dir / f"{record['key']}.json", json.dumps(record) + "\n")


# --------------------------------------------------------------------------- executors


class Executor(Protocol):
    """Runs tasks and yields their records in completion order."""

    description: str

    def run(self, tasks: Sequence[RunTask]) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    description = "1 worker"

    def run(self, tasks: Sequence[RunTask]) -> Iterator[dict[str, Any]]:
        for task in tasks:
            yield execute_run(task)

    def close(self) -> None:
        pass


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _start_worker(parent: int) -> None:
    """Set up a pool worker: leave Ctrl-C to the parent, and exit when the parent dies.

    Ctrl-C goes to the whole process group; the parent decides what to do with it. A
    parent killed outright (SIGKILL) cannot stop its workers, and they would otherwise
    wait for work forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


class ProcessExecutor:
    """A spawn-context process pool (same behaviour on every platform, no forked threads)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.description = f"{workers} worker processes"
        self.pool: ProcessPoolExecutor | None = None

    def run(self, tasks: Sequence[RunTask]) -> Iterator[dict[str, Any]]:
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        pending: set[Future[dict[str, Any]]] = {
            self.pool.submit(execute_run, task) for task in tasks
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    record = future.result()
                except BrokenProcessPool as exc:
                    raise WorkerLost(f"a worker process died ({exc})") from None
                yield record

    def close(self) -> None:
        if self.pool is None:
            return
        # Runs in flight are abandoned on an interrupt: stop the workers instead of
        # waiting for them (the pool has no public way to do this).
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        self.pool = None


class DaskExecutor:
    """Runs tasks on a Dask distributed cluster: ``local`` starts a LocalCluster."""

    def __init__(self, address: str, workers: int):
        self.address = address
        self.cluster: Any = None
        self.client: Any = None
        self.connect(workers)

    def connect(self, workers: int) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("--dask needs dask[distributed] installed") from None
        if self.address == "local":
            import dask

            # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which turns off
            # glibc's adaptive mmap threshold: every large NumPy array is then mapped and
            # unmapped afresh, and a city-year runs 3-4x slower in system time.
            dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=50,
            )
            self.client = Client(self.cluster)
            self.description = f"Dask LocalCluster of {workers} workers"
            return
        try:
            self.client = Client(self.address, timeout=DASK_CONNECT_TIMEOUT)
        except Exception as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise SweepError(
                f"cannot reach the Dask scheduler at {self.address}: {reason}"
            ) from None
        workers_seen = len(self.client.scheduler_info().get("workers", {}))
        self.description = f"Dask scheduler {self.address} ({workers_seen} workers)"

    def run(self, tasks: Sequence[RunTask]) -> Iterator[dict[str, Any]]:
        from distributed import as_completed

        # pure=False: two identical tasks (never the case here) would still both run.
        futures = self.client.map(execute_run, list(tasks), pure=False)
        for future in as_completed(futures):
            try:
                # execute_run records the model's own errors; what arrives here is the
                # cluster's (a worker killed too often, a lost connection).
                record = future.result()
            except Exception as exc:
                reason = " ".join(f"{type(exc).__name__}: {exc}".split())
                raise WorkerLost(f"the Dask cluster lost a run ({reason})") from None
            yield record

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(workers: int, dask: str | None) -> Executor:
    """Connects to Dask at once so an unreachable scheduler fails before anything is written."""
    if dask:
        return DaskExecutor(dask, workers)
    if workers > 1:
        return ProcessExecutor(workers)
    return SerialExecutor()


def run_journaled(
    tasks: Sequence[RunTask],
    journal: Journal,
    executor: Executor,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Run the tasks the journal has not got, recording each as it finishes.

    On Ctrl-C the executor is stopped and ``KeyboardInterrupt`` propagates; every run
    recorded so far stays in the journal.
    """
    records = journal.records()
    todo = [t for t in tasks if t.key not in records]
    try:
        for record in executor.run(todo):
            journal.write(record)
            records[record["key"]] = record
            if on_record is not None:
                on_record(record)
    finally:
        executor.close()
    return records


# --------------------------------------------------------------------------- tables


def _stats(values: Iterable[float]) -> tuple[float, float, float]:
    finite = np.array([v for v in values if math.isfinite(v)], dtype=float)
    if finite.size == 0:
        return (math.nan, math.nan, math.nan)
    return (
        float(finite.mean()),
        float(np.quantile(finite, 0.05)),
        float(np.quantile(finite, 0.95)),
    )


def _outcome(record: dict[str, Any] | None, name: str) -> float:
    if record is None or record.get("status") != "ok":
        return math.nan
    value = record["outcomes"].get(name)
    return math.nan if value is None else float(value)


def annual_cost(scenario: Scenario) -> float | None:
    """Yearly cost of the scenario's priced interventions (None when none is priced)."""
    total, priced = 0.0, False
    for cls in ORDER:
        spec = getattr(scenario.interventions, cls.name)
        if spec is None or spec.unit_cost_yuan is None:
            continue
        cost = cls(spec, scenario.calendar).annual_cost()  # type: ignore[arg-type]
        if cost is not None:
            total += cost
            priced = True
    return total if priced else None


def priced_interventions(scenario: Scenario) -> list[str]:
    return [
        cls.name
        for cls in ORDER
        if (spec := getattr(scenario.interventions, cls.name)) is not None
        and spec.unit_cost_yuan is not None
    ]


def runs_frame(plan: SweepPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per run, sorted by point and replicate."""
    names = [*recorded_outcomes(plan.scenario, records), CAMPAIGN_CRIMES]
    rows = []
    for point in plan.points:
        for r in range(plan.replicates):
            record = records.get(plan.run_key(point.index, r))
            row: dict[str, Any] = {"point": point.index, "mix": point.label}
            for axis in plan.axes:
                row[axis.path] = point.values.get(axis.path, "")
            row["replicate"] = r
            row["seed"] = replicate_seed(plan.seed, r)
            row["status"] = record["status"] if record else "missing"
            row["error"] = record["error"] if record else ""
            for name in names:
                row[name] = _outcome(record, name)
            rows.append(row)
    return pd.DataFrame(rows)


def summary_frame(plan: SweepPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per mix: mean and 90 % interval of every outcome over replicates, and the
    paired (same-seed) change against the reference mix; crimes averted and their cost."""
    names = recorded_outcomes(plan.scenario, records)
    reference = plan.reference()
    cost_ref = annual_cost(reference.scenario)
    priced = bool(priced_interventions(plan.scenario))
    start, end = campaign_window(plan.scenario, plan.days)
    window_years = max((end - start).days + 1, 0) / 365.0

    def rec(point: Point, r: int) -> dict[str, Any] | None:
        return records.get(plan.run_key(point.index, r))

    rows = []
    for point in plan.points:
        reps = range(plan.replicates)
        statuses = [(rec(point, r) or {}).get("status") for r in reps]
        row: dict[str, Any] = {"point": point.index, "mix": point.label}
        for axis in plan.axes:
            row[axis.path] = point.values.get(axis.path, "")
        row["reference_point"] = reference.index
        row["replicates_ok"] = statuses.count("ok")
        row["replicates_failed"] = statuses.count("failed")
        for name in names:
            own = [_outcome(rec(point, r), name) for r in reps]
            ref = [_outcome(rec(reference, r), name) for r in reps]
            mean, lo, hi = _stats(own)
            change = _stats(a - b for a, b in zip(own, ref, strict=True))
            row[f"{name}_mean"], row[f"{name}_p05"], row[f"{name}_p95"] = mean, lo, hi
            row[f"{name}_change_mean"] = change[0]
            row[f"{name}_change_p05"] = change[1]
            row[f"{name}_change_p95"] = change[2]
        crimes = [_outcome(rec(point, r), CAMPAIGN_CRIMES) for r in reps]
        ref_crimes = [_outcome(rec(reference, r), CAMPAIGN_CRIMES) for r in reps]
        row["campaign_crimes_mean"] = _stats(crimes)[0]
        averted = _stats(b - a for a, b in zip(crimes, ref_crimes, strict=True))
        row["crimes_averted_mean"], row["crimes_averted_p05"], row["crimes_averted_p95"] = averted
        if priced:
            # A mix with nothing priced in it (the baseline) costs nothing.
            cost = annual_cost(point.scenario) or 0.0
            row["annual_cost_yuan"] = cost
            extra = cost - (cost_ref or 0.0)
            per_crime = math.nan
            if math.isfinite(averted[0]) and averted[0] > 0 and window_years > 0:
                per_crime = extra * window_years / averted[0]
            row["cost_per_crime_averted_yuan"] = per_crime
        rows.append(row)
    return pd.DataFrame(rows)


FINAL_FILES = ("runs.csv", "summary.csv", "manifest.json")


def write_sweep(plan: SweepPlan, records: dict[str, dict[str, Any]], out_dir: Path) -> None:
    """runs.csv, summary.csv and manifest.json, each atomically, from the journal alone."""
    write_csv(runs_frame(plan, records), out_dir / "runs.csv")
    write_csv(summary_frame(plan, records), out_dir / "summary.csv")
    reference = plan.reference()
    statuses = [r["status"] for r in records.values()]
    manifest = {
        "kind": "sweep",
        "name": plan.name,
        "scenario": plan.scenario.name,
        "scenario_file": plan.scenario_file,
        "scenario_sha256": plan.scenario.digest(),
        "axes": {a.path: list(a.values) for a in plan.axes},
        "points": len(plan.points),
        "replicates": plan.replicates,
        "days": plan.days if plan.days is not None else plan.scenario.calendar.days,
        "seed": plan.seed,
        "replicate_seeds": [replicate_seed(plan.seed, r) for r in range(plan.replicates)],
        "common_random_numbers": (
            "replicate r of every mix uses replicate_seeds[r]: changes are paired by replicate"
        ),
        "reference": {
            "point": reference.index,
            "mix": (
                "every intervention removed"
                if reference.is_baseline
                else "every varied value 0: " + json.dumps(reference.values)
            ),
        },
        "priced_interventions": priced_interventions(plan.scenario),
        "runs": len(plan.points) * plan.replicates,
        "runs_failed": statuses.count("failed"),
        "csv_float_format": CSV_FLOAT_FORMAT,
        "versions": versions(),
    }
    atomic_write_text(
        out_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    )


# --------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class SweepResult:
    out_dir: Path
    runs: int
    failed: int
    ran_now: int
    wall_seconds: float
    executor: str

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.ran_now / self.wall_seconds if self.wall_seconds > 0 else math.nan


def prepare_output(out_dir: Path, identity: dict[str, Any], restart: bool) -> Journal:
    """Check (without writing) that ``out_dir`` can take this run."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SweepError(f"{out_dir} exists and is not a folder")
    journal = Journal(out_dir, identity)
    journal.check(restart)
    return journal


def open_journal_and_executor(
    out_dir: Path,
    identity: dict[str, Any],
    restart: bool,
    workers: int,
    dask: str | None,
    final_files: Sequence[str],
) -> tuple[Journal, Executor]:
    """Check the journal and reach the executor before anything is written, then open the
    journal (closing the executor again if that fails)."""
    journal = prepare_output(out_dir, identity, restart)
    executor = make_executor(workers, dask)
    try:
        journal.open(restart, final_files)
    except BaseException:
        executor.close()
        raise
    return journal, executor


def run_tasks_with_progress(
    tasks: Sequence[RunTask],
    journal: Journal,
    executor: Executor,
    desc: str,
) -> tuple[dict[str, dict[str, Any]], int, float]:
    """Run what the journal lacks under a tqdm bar (runs, ETA, failures); returns the
    records, how many ran now and the wall time."""
    from tqdm import tqdm

    done = journal.records()
    failed = sum(1 for r in done.values() if r.get("status") == "failed")
    wanted = {t.key for t in tasks}
    already = len(wanted & done.keys())
    counts = {"now": 0, "failed": failed}
    started = time.perf_counter()
    with tqdm(total=len(tasks), initial=already, unit="run", desc=desc, disable=None) as bar:
        bar.set_postfix(failed=failed)

        def on_record(record: dict[str, Any]) -> None:
            counts["now"] += 1
            if record["status"] == "failed":
                counts["failed"] += 1
                bar.set_postfix(failed=counts["failed"])
            bar.update(1)

        records = run_journaled(tasks, journal, executor, on_record)
    return records, counts["now"], time.perf_counter() - started


def run_sweep(
    plan: SweepPlan,
    out_root: str | Path,
    workers: int = 1,
    dask: str | None = None,
    restart: bool = False,
) -> SweepResult:
    """Run (or continue) a planned sweep and write its files under ``out_root/<name>/``.

    Everything that can be refused is checked before the folder is created: a journal of
    another sweep, an unreachable Dask scheduler. Ctrl-C raises ``KeyboardInterrupt`` with
    every finished run kept in the journal.
    """
    out_dir = Path(out_root) / plan.name
    journal, executor = open_journal_and_executor(
        out_dir, plan.identity(), restart, workers, dask, FINAL_FILES
    )
    tasks = plan.tasks()
    records, ran_now, wall = run_tasks_with_progress(tasks, journal, executor, plan.name)
    write_sweep(plan, records, out_dir)
    failed = sum(1 for t in tasks if records[t.key]["status"] == "failed")
    return SweepResult(out_dir, len(tasks), failed, ran_now, wall, executor.description)

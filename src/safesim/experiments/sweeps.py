"""Scenario sweeps: run a grid of intervention mixes, replicate by replicate, and compare.

A sweep varies one or more intervention settings (axes) of a scenario. Every combination
of axis values is a *point* (an intervention mix); point 0 is always the scenario with
every intervention removed. Each point runs ``replicates`` times.

Replicate ``r`` of every point uses the same seed, ``replicate_seed(seed, r)``, and the
same parameter draw (``safesim.experiments.draws``; by default the calibration posterior's): common
random numbers and common draws. A mix and the mix it is compared with share their random
streams, so the difference between them, replicate by replicate, is the effect of the
intervention and not sampling noise.

The runs go through the batch engine (``safesim.experiments.batch``): a journal that lets an
interrupted sweep continue, and executors (one process, a process pool, a Dask cluster).
The final files are written from the journal sorted by point and replicate, so they are
byte-identical whatever the number of workers or the order in which runs finish.

**Examples**::

    axes = [parse_axis("interventions.patrols.officers=0,500,1000")]
    plan = plan_sweep(scenario, "scenarios/small.yaml", axes, replicates=5, days=400)
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)

# Costs belong with the interventions; re-exported for callers of the sweep engine.
from safesim.core.interventions import annual_cost, priced_interventions
from safesim.core.loading import InputError, describe_error, did_you_mean, keys_at, load_mapping
from safesim.core.outcomes import variance_shares
from safesim.core.quantities import Seed
from safesim.core.scenario import NAME_PATTERN, Scenario, ScenarioError, validate_scenario
from safesim.experiments.batch import (  # noqa: F401 - the batch engine, re-exported for callers
    CAMPAIGN_CRIMES,
    DASK_CONNECT_TIMEOUT,
    JOURNAL_DIR,
    PLAN_FILE,
    DaskExecutor,
    Executor,
    Journal,
    ProcessExecutor,
    RunTask,
    SerialExecutor,
    SweepError,
    WorkerLost,
    campaign_warning,
    campaign_window,
    execute_run,
    locked_journal,
    make_executor,
    outcome_names,
    prepare_output,
    recorded_outcomes,
    run_journaled,
    run_tasks_with_progress,
    short_campaign_warning,
)
from safesim.experiments.draws import ParameterDraws
from safesim.experiments.limits import MAX_RUNS
from safesim.experiments.results import (
    CSV_FLOAT_FORMAT,
    build_manifest,
    write_result_set,
)
from safesim.experiments.runner import replicate_seed

Number = int | float

#: Runs per mix unless the command line or the sweep file says otherwise.
DEFAULT_REPLICATES = 5
#: Values one axis may take, and runs one sweep may plan (see ``safesim.experiments.limits``).
MAX_AXIS_POINTS = 10_000


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
    if points > MAX_AXIS_POINTS:
        raise SweepError(f"axis {path}: {points:,} points (at most {MAX_AXIS_POINTS:,} per axis)")
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

    name: str | None = Field(None, pattern=NAME_PATTERN)
    description: str | None = None
    replicates: int | None = Field(None, ge=1)
    days: int | None = Field(None, ge=1)
    seed: Seed | None = None
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
    try:
        data = load_mapping(path, "a sweep file")
    except InputError as exc:
        raise SweepError(str(exc)) from None
    try:
        return SweepFile.model_validate(data, strict=True)
    except ValidationError as exc:
        raise SweepError(f"{path}: {_describe_sweep_error(data, exc)}") from None
    except RecursionError:
        raise SweepError(f"{path}: nested too deeply") from None


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
        what = "unknown key" + did_you_mean(str(err["loc"][-1]), keys_at(SweepFile, err["loc"]))
    elif err["type"] in _NOT_A_NUMBER:
        what = f"'{err.get('input')}' is not a number"
    elif err["type"].startswith("value_error"):
        what = str(err["msg"]).removeprefix("Value error, ")
    else:
        what = describe_error(err)[1]
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
    sweep_file: str | None = None
    draws: ParameterDraws | None = None

    def identity(self) -> dict[str, Any]:
        """What a journal must match to be continued: same scenario, axes, runs and days."""
        return {
            "kind": "sweep",
            "scenario_sha256": self.scenario.digest(),
            "axes": [a.to_json() for a in self.axes],
            "replicates": self.replicates,
            "days": self.days,
            "seed": self.seed,
            "parameter_draws": None
            if self.draws is None
            else {
                "source": self.draws.source,
                "origin": self.draws.origin,
                "rows": self.draws.sample_rows,
            },
        }

    def draw_of(self, replicate: int) -> int:
        return 0 if self.draws is None else self.draws.draw_of(replicate)

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
                        fitted=None if self.draws is None else self.draws.overrides(r),
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
    mixes = math.prod(len(a.values) for a in axes)
    if (mixes + 1) * replicates > MAX_RUNS:
        raise SweepError(
            f"{mixes + 1:,} mixes × {replicates} replicates = {(mixes + 1) * replicates:,} runs "
            f"(at most {MAX_RUNS:,}): use fewer axis values"
        )
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
            row["draw"] = plan.draw_of(r)
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
        averted_runs = np.array([b - a for a, b in zip(crimes, ref_crimes, strict=True)])
        averted = _stats(averted_runs)
        row["crimes_averted_mean"], row["crimes_averted_p05"], row["crimes_averted_p95"] = averted
        draw_of = None if plan.draws is None else plan.draws.draw_index()[: plan.replicates]
        row["crimes_averted_share_parameters"] = variance_shares(averted_runs, draw_of)[0]
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


def write_sweep(
    plan: SweepPlan,
    records: dict[str, dict[str, Any]],
    out_dir: Path,
    wall_seconds: float | None = None,
) -> None:
    """runs.csv, summary.csv and manifest.json as one set, from the journal alone."""
    reference = plan.reference()
    statuses = [r["status"] for r in records.values()]
    manifest = build_manifest(
        "sweep",
        inputs={"scenario": plan.scenario_file, "sweep_file": plan.sweep_file},
        wall_seconds=wall_seconds,
        name=plan.name,
        scenario=plan.scenario.name,
        scenario_file=plan.scenario_file,
        scenario_sha256=plan.scenario.digest(),
        axes={a.path: list(a.values) for a in plan.axes},
        points=len(plan.points),
        replicates=plan.replicates,
        days=plan.days if plan.days is not None else plan.scenario.calendar.days,
        seed=plan.seed,
        replicate_seeds=[replicate_seed(plan.seed, r) for r in range(plan.replicates)],
        common_random_numbers=(
            "replicate r of every mix uses replicate_seeds[r]: changes are paired by replicate"
        ),
        reference={
            "point": reference.index,
            "mix": (
                "every intervention removed"
                if reference.is_baseline
                else "every varied value 0: " + json.dumps(reference.values)
            ),
        },
        priced_interventions=priced_interventions(plan.scenario),
        runs=len(plan.points) * plan.replicates,
        runs_failed=statuses.count("failed"),
        parameter_draws=plan.draws.manifest() if plan.draws is not None else None,
        csv_float_format=CSV_FLOAT_FORMAT,
    )
    contents = {
        "runs.csv": runs_frame(plan, records),
        "summary.csv": summary_frame(plan, records),
    }
    if plan.draws is not None:
        contents["draws.csv"] = plan.draws.table()
    write_result_set(out_dir, contents, manifest, keep_folder=True)


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
    with locked_journal(out_dir, plan.identity(), restart, workers, dask, FINAL_FILES) as (
        journal,
        executor,
    ):
        tasks = plan.tasks()
        records, ran_now, wall = run_tasks_with_progress(tasks, journal, executor, plan.name)
        write_sweep(plan, records, out_dir, wall)
    failed = sum(1 for t in tasks if records[t.key]["status"] == "failed")
    return SweepResult(out_dir, len(tasks), failed, ran_now, wall, executor.description)

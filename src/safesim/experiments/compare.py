"""Paired comparisons: scenario against scenario, and a mix against doing nothing.

Replicate ``r`` of every scenario runs on the same seed, ``replicate_seed(seed, r)``, so
every random process draws the same numbers in each (common random numbers) and the
difference between two scenarios, replicate by replicate, is what they change, not
sampling noise. Given parameter draws (``safesim.experiments.draws``), replicate ``r`` of every
scenario also runs at the same draw, so the difference is taken on common draws too.
Each difference is summarised by its mean and the 90 % t-interval of that mean (over the
draws' means when there are draws), by its spread (the 90 % interval of the paired
differences themselves over draws × replicates) with the share of its variance that is
the evidence's (``outcomes.variance_shares``), and by the probability that the scenario
does better than the first: the share of paired runs in which it does (a tie counting
half). Two scenarios that give the same figure in every paired run are a tie: their
probability is not defined and is left empty.

Outcomes are measured over each scenario's campaign window (its campaign start and the
364 days after, or what the run has of them): crimes by type as the reports count them,
the share of households feeling safe over the window's last 30 days, the report-style
figures of ``summary.csv`` and the yearly cost of the mix.

**Examples**::

    from safesim.experiments.compare import compare_scenarios
    from safesim.core.scenario import load_scenario
    a, b = load_scenario("scenarios/small.yaml"), load_scenario("scenarios/small.yaml")
    result = compare_scenarios([a, b], seed=7, replicates=3, days=400)
    result.differences      # every outcome's B − A with its 90 % interval: all zero here
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safesim.core.outcomes import METRICS, OUTCOMES, summarise
from safesim.core.scenario import Scenario
from safesim.errors import SafesimError
from safesim.experiments.batch import Journal, RunTask, SerialExecutor, failure, run_task
from safesim.experiments.draws import ParameterDraws
from safesim.experiments.outcome_effects import (
    mean_interval,
    paired_interval,
    spread,
    variance_shares,
)
from safesim.experiments.results import write_result_set
from safesim.experiments.runner import replicate_seed, versions
from safesim.experiments.sweeps import annual_cost

SURVEY_DAYS = 30
#: What a comparison writes in its folder (``--restart`` removes them with the journal).
COMPARE_FILES = (
    "outcomes.csv",
    "differences.csv",
    "draws.csv",
    "manifest.json",
    "differences.png",
    "brief.html",
)

# Crime counts over the campaign window, as the reports count them, labelled as the
# daily record labels them (``outcomes.OUTCOMES``).
CRIME_COUNTS = {name: OUTCOMES[name].label for name in METRICS if OUTCOMES[name].unit != "share"}
SECURITY = "campaign_sense_of_security"
COST = "annual_cost_yuan"


@dataclass(frozen=True)
class Outcome:
    name: str
    label: str
    unit: str  # "cases", "percent", "percent_change", "percentage_points", "yuan", "ratio"


def campaign_window(scenario: Scenario, daily: pd.DataFrame) -> tuple[int, int]:
    """Row range [lo, hi) of the campaign's first year (or what the run has of it)."""
    first = date.fromisoformat(str(daily["date"].iloc[0]))
    start = scenario.calendar.campaign_start.value
    lo = max(0, (start - first).days)
    hi = min(len(daily), lo + 365)
    if lo >= len(daily):
        lo, hi = len(daily), len(daily)
    return lo, hi


def campaign_days(scenario: Scenario, days: int | None) -> int:
    """Length of the campaign window in a run of ``days`` days (None: the whole calendar)."""
    cal = scenario.calendar
    run_days = cal.days if days is None else days
    lo = cal.day_of(cal.campaign_start.value)
    return max(0, min(run_days, lo + 365) - lo)


def replicate_outcomes(scenario: Scenario, daily: pd.DataFrame) -> dict[str, float]:
    """Every outcome of one replicate: crime counts in the campaign window, the share
    feeling safe over its last 30 days (%), the report-style figures, the yearly cost."""
    lo, hi = campaign_window(scenario, daily)
    window = daily.iloc[lo:hi]
    out: dict[str, float] = {
        f"campaign_{name}": float(window[name].sum()) if hi > lo else math.nan
        for name in CRIME_COUNTS
    }
    survey = window["sense_of_security"].iloc[-SURVEY_DAYS:]
    out[SECURITY] = 100.0 * float(survey.mean()) if hi > lo else math.nan
    for row in summarise(scenario, [daily]).itertuples():
        out[str(row.outcome)] = float(row.sim_mean)
    out[COST] = annual_cost(scenario) or 0.0
    return out


def describe(name: str) -> Outcome:
    """Plain-word label and unit of an outcome name."""
    if name.startswith("campaign_") and name.removeprefix("campaign_") in CRIME_COUNTS:
        label = CRIME_COUNTS[name.removeprefix("campaign_")]
        return Outcome(name, f"{label}, campaign year", "cases")
    if name == SECURITY:
        return Outcome(name, "households feeling safe, end of campaign year", "percent")
    if name == COST:
        return Outcome(name, "yearly cost of the mix", "yuan")
    if name == "weighted_displacement_quotient":
        return Outcome(name, "weighted displacement quotient (> 0: diffusion)", "ratio")
    if name.startswith("campaign_year_"):
        what = name.removeprefix("campaign_year_")
        label = CRIME_COUNTS.get(what, what.replace("_", " "))
        return Outcome(name, f"{label}, campaign year against the year before", "percent_change")
    if name == "campaign_end_sense_of_security":
        return Outcome(name, "households feeling safe, last 30 days of campaign year", "percent")
    return Outcome(name, name.replace("_", " "), "percent_change")


def better_when(name: str) -> int:
    """+1 when more of an outcome is better, −1 when less is, 0 when neither is."""
    if "security" in name or name == "weighted_displacement_quotient":
        return 1
    if (
        name == COST
        or name.startswith("campaign_")
        or describe(name).unit
        in (
            "cases",
            "percent_change",
        )
    ):
        return -1
    return 0


def probability_better(differences: np.ndarray, direction: int) -> tuple[float, str]:
    """The share of paired runs in which the scenario does better (ties count half) and a
    verdict in words. Identical figures in every run are a tie, with no probability."""
    values = np.asarray(differences, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, "not defined"
    if np.all(values == 0.0):
        return math.nan, "tie: the same in every paired run"
    if direction == 0:
        return math.nan, "no better or worse direction"
    better = np.mean(direction * values > 0) + 0.5 * np.mean(values == 0.0)
    return float(better), f"better in {100.0 * better:.0f} % of paired runs"


def interval(values: np.ndarray) -> tuple[float, float, float, int]:
    """Mean of the finite values, its 90 % t-interval (as ``outcomes.effects`` gives for a
    run against its twin) and how many values there are. One value has no interval."""
    values = np.asarray(values, dtype=float)
    mean, low, high = paired_interval(values)
    return mean, low, high, int(np.isfinite(values).sum())


# ---------------------------------------------------------------------- scenario vs scenario
@dataclass
class Comparison:
    scenarios: list[Scenario]
    seed: int
    replicates: int
    outcomes: pd.DataFrame  # one row per scenario and replicate
    differences: pd.DataFrame  # one row per scenario after the first and outcome
    draws: ParameterDraws | None = None


def outcome_table(
    scenarios: Sequence[Scenario],
    per_scenario: Sequence[Sequence[dict[str, float]]],
    seed: int,
    draws: ParameterDraws | None = None,
) -> pd.DataFrame:
    rows = []
    for index, (scenario, reps) in enumerate(zip(scenarios, per_scenario, strict=True)):
        for r, values in enumerate(reps):
            rows.append(
                {
                    "position": index,
                    "scenario": scenario.name,
                    "replicate": r,
                    "seed": replicate_seed(seed, r),
                    "draw": 0 if draws is None else draws.draw_of(r),
                    **values,
                }
            )
    return pd.DataFrame(rows)


KEY_COLUMNS = ("position", "scenario", "replicate", "seed", "draw")


def difference_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each scenario after the first against the first: paired differences per outcome."""
    names = [c for c in outcomes.columns if c not in KEY_COLUMNS]
    reference = outcomes[outcomes["position"] == 0].sort_values("replicate")
    draw_of = reference["draw"].to_numpy() if "draw" in reference else None
    if draw_of is not None and len(np.unique(draw_of)) < 2:
        draw_of = None
    rows = []
    for position in sorted(set(outcomes["position"]) - {0}):
        other = outcomes[outcomes["position"] == position].sort_values("replicate")
        for name in names:
            a = reference[name].to_numpy(dtype=float)
            b = other[name].to_numpy(dtype=float)
            diff = b - a
            mean, low, high = mean_interval(diff, draw_of)
            n = int(np.isfinite(diff).sum())
            spread_low, spread_high = spread(diff)
            share_parameters, share_noise = variance_shares(diff, draw_of)
            probability, verdict = probability_better(diff, better_when(name))
            what = describe(name)
            rows.append(
                {
                    "scenario": other["scenario"].iloc[0],
                    "position": position,
                    "against": reference["scenario"].iloc[0],
                    "outcome": name,
                    "label": what.label,
                    "unit": what.unit,
                    "against_mean": interval(a)[0],
                    "scenario_mean": interval(b)[0],
                    "difference_mean": mean,
                    "difference_p05": low,
                    "difference_p95": high,
                    "replicates": n,
                    "spread_p05": spread_low,
                    "spread_p95": spread_high,
                    "share_parameters": share_parameters,
                    "share_run_noise": share_noise,
                    "probability_better": probability,
                    "verdict": verdict,
                }
            )
    return pd.DataFrame(rows)


class CompareError(SafesimError, ValueError):
    """A run of the comparison failed; the message names it and the error."""


def execute_outcomes(task: RunTask) -> dict[str, Any]:
    """Run one task and return its journal record, whose ``outcomes`` are the run's
    ``replicate_outcomes``; an exception is recorded, not raised. Top-level, so process
    pools (spawn) and Dask workers can call it."""
    started = time.perf_counter()
    record: dict[str, Any] = {"key": task.key, "seed": task.seed}
    try:
        scenario, daily = run_task(task)
        record.update(status="ok", error="", outcomes=replicate_outcomes(scenario, daily))
    except Exception as exc:  # recorded, as in batch.execute_run; the caller reports it
        record.update(status="failed", error=failure(exc), outcomes={})
    record["wall_seconds"] = round(time.perf_counter() - started, 3)
    return record


def replicate_tasks(
    scenario: Scenario,
    label: str,
    seed: int,
    runs: int,
    days: int | None,
    fitted: Sequence[dict[str, float]] | None,
) -> list[RunTask]:
    """Replicate ``r`` of ``scenario`` on ``replicate_seed(seed, r)`` at ``fitted[r]``, keyed
    by ``label`` and the scenario's content, so a changed scenario is never taken for it."""
    data = scenario.model_dump(mode="json")
    digest = scenario.digest()[:16]
    return [
        RunTask(
            key=f"{label}-{digest}-r{r:04d}",
            scenario=data,
            seed=replicate_seed(seed, r),
            days=days,
            fitted=None if fitted is None else fitted[r],
        )
        for r in range(runs)
    ]


def replicate_records(
    tasks: Sequence[RunTask], records: dict[str, dict[str, Any]], journal: Journal | None = None
) -> list[dict[str, float]]:
    """The tasks' outcomes in task order (a figure recorded as null is NaN again). A failed
    run is forgotten by ``journal`` and raised as one ``CompareError``."""
    failed = [records[t.key] for t in tasks if records[t.key]["status"] != "ok"]
    if failed:
        if journal is not None:
            for record in failed:
                journal.discard(record["key"])
        first = failed[0]
        raise CompareError(f"run {first['key']} failed: {first['error']}")
    return [
        {
            name: math.nan if v is None else float(v)
            for name, v in records[t.key]["outcomes"].items()
        }
        for t in tasks
    ]


@dataclass
class ComparisonPlan:
    """The runs of a comparison: every scenario's replicates on the same seeds and draws."""

    scenarios: list[Scenario]
    seed: int
    runs: int
    days: int | None = None
    draws: ParameterDraws | None = None

    def identity(self) -> dict[str, Any]:
        """What a journal must match to be continued. The scenarios are not in it: each
        run's key carries its scenario's hash, so a journal serves any scenarios."""
        return {
            "kind": "compare",
            "runs": self.runs,
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

    def scenario_tasks(self) -> list[list[RunTask]]:
        fitted = None
        if self.draws is not None:
            fitted = [self.draws.overrides(r) for r in range(self.runs)]
        return [
            replicate_tasks(s, "run", self.seed, self.runs, self.days, fitted)
            for s in self.scenarios
        ]

    def tasks(self) -> list[RunTask]:
        """Every run once: a scenario given twice is run once."""
        unique: dict[str, RunTask] = {}
        for tasks in self.scenario_tasks():
            unique.update((t.key, t) for t in tasks)
        return list(unique.values())

    def comparison(
        self, records: dict[str, dict[str, Any]], journal: Journal | None = None
    ) -> Comparison:
        """The comparison of the runs' records (``replicate_records``)."""
        per_scenario = [replicate_records(t, records, journal) for t in self.scenario_tasks()]
        outcomes = outcome_table(self.scenarios, per_scenario, self.seed, self.draws)
        differences = difference_table(outcomes)
        return Comparison(
            list(self.scenarios), self.seed, self.runs, outcomes, differences, self.draws
        )


def compare_scenarios(
    scenarios: Sequence[Scenario],
    seed: int,
    replicates: int,
    days: int | None = None,
    draws: ParameterDraws | None = None,
) -> Comparison:
    """Run every scenario on the same replicate seeds (and the same ``draws``: replicate
    ``r`` of every scenario at the same draw) in this process, without a journal, and
    difference them against the first."""
    plan = ComparisonPlan(
        list(scenarios), seed, replicates if draws is None else draws.runs, days, draws
    )
    records = {r["key"]: r for r in SerialExecutor(execute_outcomes).run(plan.tasks())}
    return plan.comparison(records)


def write_comparison(
    out_dir: Path,
    comparison: Comparison,
    files: Sequence[str],
    days: int | None,
    wall: float,
    lang: str = "en",
) -> dict[str, Path]:
    """outcomes.csv, differences.csv (and draws.csv) with a manifest listing each file's
    hash, through the one result-set writer: a reader sees the whole set or none of it.
    The folder is kept (``keep_folder``) because the figure and brief are drawn into it
    after; the manifest's ``lang`` is theirs, so a later plot or brief keeps it."""
    draws = comparison.draws
    contents: dict[str, Any] = {
        "outcomes.csv": comparison.outcomes,
        "differences.csv": comparison.differences,
    }
    if draws is not None:
        contents["draws.csv"] = draws.table()
    manifest = {
        "kind": "compare",
        "scenarios": [s.name for s in comparison.scenarios],
        "scenario_files": list(files),
        "scenario_sha256": [s.digest() for s in comparison.scenarios],
        "seed": comparison.seed,
        "replicates": comparison.replicates,
        "replicate_seeds": [
            replicate_seed(comparison.seed, r) for r in range(comparison.replicates)
        ],
        "days": days,
        "lang": lang,
        "parameter_draws": draws.manifest() if draws is not None else None,
        "versions": versions(),
        "wall_seconds": round(wall, 3),
        "created_unix": int(time.time()),
    }
    written = write_result_set(out_dir, contents, manifest, keep_folder=True)
    return {Path(name).stem: path for name, path in written.items()}

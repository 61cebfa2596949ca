"""Morris screening: which mechanism parameters (and intervention sizes) move an outcome.

The factors are the model's mechanism parameters over the ranges the evidence allows
(``MechanismParameters.bounds()``) and, optionally, every intervention size in the
scenario from none to twice its value. SALib draws Morris trajectories over a grid of
``levels`` values per factor; each point of a trajectory is one run, and the elementary
effects along the trajectories give, per factor, ``mu_star`` (mean absolute effect: how
much it matters), ``sigma`` (how much its effect depends on the other factors) and
``mu_star_conf`` (a bootstrap confidence half-width of ``mu_star``).

Every run uses the same seed (common random numbers), so the difference between two
neighbouring points of a trajectory is the effect of the one factor that changed, not noise.
Runs are journaled like a sweep's, so an interrupted screening continues where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from safesim.core.interventions import INTERVENTION_SPECS
from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import Scenario, ScenarioError
from safesim.experiments.batch import (
    CAMPAIGN_CRIMES,
    RunTask,
    SweepError,
    campaign_warning,
    locked_journal,
    outcome_names,
    recorded_outcomes,
    run_tasks_with_progress,
)
from safesim.experiments.limits import MAX_RUNS
from safesim.experiments.results import (
    CSV_FLOAT_FORMAT,
    build_manifest,
    write_csv,
    write_result_set,
)
from safesim.experiments.runner import replicate_seed

DEFAULT_OUTCOME = "campaign_year_criminal_total"
DEFAULT_TRAJECTORIES = 10
DEFAULT_LEVELS = 4
#: Bootstrap resamples for mu_star's confidence interval (SALib's analyse step).
RESAMPLES = 1000
FINAL_FILES = ("runs.csv", "sensitivity.csv", "sensitivity.png", "manifest.json")

#: The fields that say how much of each intervention is bought.
SIZE_FIELDS: dict[str, tuple[str, ...]] = {
    name: getattr(spec, "scaled", ()) for name, spec in INTERVENTION_SPECS.items()
}


@dataclass(frozen=True)
class Factor:
    """One screened input: a mechanism parameter or an intervention size (a dotted path)."""

    name: str
    low: float
    high: float
    integer: bool
    kind: Literal["parameter", "intervention"]

    def value(self, x: float) -> int | float:
        return round(float(x)) if self.integer else float(x)


def mechanism_factors(names: list[str] | None = None) -> list[Factor]:
    """Mechanism parameters over their evidence bounds; integer fields stay integers."""
    bounds = MechanismParameters.bounds()
    fields = MechanismParameters.model_fields
    for name in names or []:
        if name not in bounds:
            raise SweepError(f"--parameters: '{name}' is not a mechanism parameter")
    chosen = names if names else list(bounds)
    return [
        Factor(name, *bounds[name], integer=fields[name].annotation is int, kind="parameter")
        for name in chosen
    ]


def intervention_factors(scenario: Scenario) -> list[Factor]:
    """Every intervention size the scenario sets above zero, from 0 to twice its value."""
    out = []
    for kind, names in SIZE_FIELDS.items():
        spec = getattr(scenario.interventions, kind)
        if spec is None:
            continue
        for name in names:
            quantity = getattr(spec, name)
            if quantity is not None and quantity.value > 0:
                path = f"interventions.{kind}.{name}"
                out.append(Factor(path, 0.0, 2.0 * quantity.value, True, "intervention"))
    return out


@dataclass
class SensitivityPlan:
    scenario: Scenario
    scenario_file: str
    name: str
    factors: list[Factor]
    trajectories: int
    levels: int
    seed: int
    days: int | None
    outcome: str
    samples: np.ndarray

    def problem(self) -> dict[str, Any]:
        return {
            "num_vars": len(self.factors),
            "names": [f.name for f in self.factors],
            "bounds": [[f.low, f.high] for f in self.factors],
        }

    def identity(self) -> dict[str, Any]:
        """What a journal must match to be continued (the outcome is not part of it: every
        run keeps all outcomes, so another outcome reuses the runs)."""
        return {
            "kind": "sensitivity",
            "scenario_sha256": self.scenario.digest(),
            "factors": [[f.name, f.low, f.high, f.integer] for f in self.factors],
            "trajectories": self.trajectories,
            "levels": self.levels,
            "seed": self.seed,
            "days": self.days,
        }

    def run_key(self, index: int) -> str:
        return f"t{index:06d}"

    def point_values(self, row: np.ndarray) -> dict[str, int | float]:
        return {f.name: f.value(x) for f, x in zip(self.factors, row, strict=True)}

    def tasks(self) -> list[RunTask]:
        seed = replicate_seed(self.seed, 0)
        base = self.scenario.model_dump(mode="json")
        out = []
        for i, row in enumerate(self.samples):
            values = self.point_values(row)
            sizes = {k: v for k, v in values.items() if k.startswith("interventions.")}
            params = {k: v for k, v in values.items() if not k.startswith("interventions.")}
            data = self.scenario.with_values(sizes).model_dump(mode="json") if sizes else base
            out.append(RunTask(self.run_key(i), data, seed, self.days, params))
        return out


def plan_sensitivity(
    scenario: Scenario,
    scenario_file: str,
    outcome: str = DEFAULT_OUTCOME,
    trajectories: int = DEFAULT_TRAJECTORIES,
    levels: int = DEFAULT_LEVELS,
    days: int | None = None,
    seed: int | None = None,
    parameters: list[str] | None = None,
    include_interventions: bool = False,
    name: str | None = None,
) -> SensitivityPlan:
    """Check the inputs and draw the Morris trajectories; raises ``SweepError``."""
    from SALib.sample import morris

    if trajectories < 2:
        raise SweepError(f"--trajectories must be ≥ 2 (got {trajectories})")
    if levels < 2 or levels % 2:
        raise SweepError(f"--levels must be an even number ≥ 2 (got {levels})")
    if days is not None and days < 1:
        raise SweepError(f"--days must be ≥ 1 (got {days})")
    known = [*outcome_names(scenario), CAMPAIGN_CRIMES]
    if outcome not in known:
        raise SweepError(
            f"--outcome '{outcome}': not an outcome of this scenario ({', '.join(known)})"
        )
    warning = campaign_warning(scenario, days)
    if warning and (outcome.startswith("campaign") or outcome == "weighted_displacement_quotient"):
        raise SweepError(f"--days {days}: {warning}")
    factors = mechanism_factors(parameters)
    if include_interventions:
        factors += intervention_factors(scenario)
    if len(factors) < 1:
        raise SweepError("nothing to screen: no parameters or intervention sizes")
    runs = trajectories * (len(factors) + 1)
    if runs > MAX_RUNS:
        raise SweepError(
            f"--trajectories {trajectories}: {runs:,} runs (at most {MAX_RUNS:,}) for "
            f"{len(factors)} factors"
        )
    seed = scenario.seed if seed is None else seed
    plan = SensitivityPlan(
        scenario=scenario,
        scenario_file=scenario_file,
        name=name or f"{scenario.name}-sensitivity",
        factors=factors,
        trajectories=trajectories,
        levels=levels,
        seed=seed,
        days=days,
        outcome=outcome,
        samples=np.empty((0, len(factors))),
    )
    samples = morris.sample(plan.problem(), trajectories, num_levels=levels, seed=seed)
    # SALib's grid steps are sums of floats that overshoot a bound by rounding
    # (0.30000000000000004 for 0.3): clip, so every point lies within its bounds.
    bounds = np.array([[f.low, f.high] for f in factors], dtype=float)
    plan.samples = np.clip(samples, bounds[:, 0], bounds[:, 1])
    for factor in factors:
        if factor.kind == "intervention":
            try:
                scenario.with_values({factor.name: factor.value(factor.high)})
            except ScenarioError as exc:
                raise SweepError(f"{factor.name}: {exc.message}") from None
    return plan


def runs_table(plan: SensitivityPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    names = [*recorded_outcomes(plan.scenario, records), CAMPAIGN_CRIMES]
    rows = []
    for i, sample in enumerate(plan.samples):
        record = records.get(plan.run_key(i), {})
        row: dict[str, Any] = {"run": i, "trajectory": i // (len(plan.factors) + 1)}
        row.update(plan.point_values(sample))
        row["seed"] = replicate_seed(plan.seed, 0)
        row["status"] = record.get("status", "missing")
        row["error"] = record.get("error", "")
        outcomes = record.get("outcomes", {})
        for name in names:
            row[name] = outcomes.get(name, float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


class AnalysisError(RuntimeError):
    """The runs cannot be analysed (some failed or gave no value for the outcome)."""


def analyse(plan: SensitivityPlan, runs: pd.DataFrame) -> pd.DataFrame:
    """mu_star, its confidence half-width, sigma and mu per factor, largest mu_star first.

    Raises ``AnalysisError`` when a run failed or gave no value for the outcome (Morris needs
    every point of every trajectory).
    """
    from SALib.analyze import morris

    y = runs[plan.outcome].to_numpy(dtype=float)
    bad = runs.index[(runs["status"] != "ok") | ~np.isfinite(y)].tolist()
    if bad:
        raise AnalysisError(
            f"{len(bad)} of {len(runs)} runs failed or gave no value for {plan.outcome} "
            f"(first: run {bad[0]}); see runs.csv"
        )
    result = morris.analyze(
        plan.problem(),
        plan.samples,
        y,
        num_resamples=RESAMPLES,
        conf_level=0.95,
        num_levels=plan.levels,
        seed=plan.seed,
    )
    table = pd.DataFrame(
        {
            "factor": [f.name for f in plan.factors],
            "kind": [f.kind for f in plan.factors],
            "low": [f.low for f in plan.factors],
            "high": [f.high for f in plan.factors],
            "mu_star": np.asarray(result["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=float),
            "sigma": np.asarray(result["sigma"], dtype=float),
            "mu": np.asarray(result["mu"], dtype=float),
        }
    )
    table = table.sort_values(["mu_star", "factor"], ascending=[False, True], kind="mergesort")
    return table.reset_index(drop=True)


def bar_chart(plan: SensitivityPlan, table: pd.DataFrame, path: Path) -> None:
    """Horizontal bars of mu_star with its confidence half-width, largest at the top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = table.iloc[::-1]
    height = max(3.0, 0.28 * len(shown) + 1.2)
    fig, ax = plt.subplots(figsize=(8.0, height))
    colour = {"parameter": "#3a6ea5", "intervention": "#c05a28"}
    mu_star = shown["mu_star"].to_numpy()
    conf = shown["mu_star_conf"].to_numpy()
    # mu_star is a mean of absolute values: its interval is not drawn below zero.
    xerr = np.vstack([np.minimum(conf, mu_star), conf])
    ax.barh(
        shown["factor"],
        mu_star,
        xerr=xerr,
        color=[colour[k] for k in shown["kind"]],
        error_kw={"ecolor": "#444444", "capsize": 2, "linewidth": 0.8},
    )
    kinds = [k for k in colour if k in set(shown["kind"])]
    if len(kinds) > 1:
        handles = [plt.Rectangle((0, 0), 1, 1, color=colour[k]) for k in kinds]
        ax.legend(handles, kinds, loc="lower right", fontsize=8)
    ax.set_xlabel(f"μ* (mean |elementary effect|) on {plan.outcome}")
    ax.set_title(
        f"Morris screening, {plan.scenario.name}: {plan.trajectories} trajectories", fontsize=10
    )
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    # Fixed metadata so the same screening gives the same bytes.
    fig.savefig(tmp, format="png", dpi=120, metadata={"Software": None})
    plt.close(fig)
    tmp.replace(path)


@dataclass(frozen=True)
class SensitivityResult:
    out_dir: Path
    runs: int
    ran_now: int
    wall_seconds: float
    executor: str
    table: pd.DataFrame

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.ran_now / self.wall_seconds if self.wall_seconds > 0 else float("nan")


def run_sensitivity(
    plan: SensitivityPlan,
    out_root: str | Path,
    workers: int = 1,
    dask: str | None = None,
    restart: bool = False,
) -> SensitivityResult:
    """Run (or continue) the screening and write runs.csv, sensitivity.csv, the chart and
    manifest.json under ``out_root/<name>/``; raises ``AnalysisError`` if runs failed."""
    out_dir = Path(out_root) / plan.name
    with locked_journal(out_dir, plan.identity(), restart, workers, dask, FINAL_FILES) as (
        journal,
        executor,
    ):
        tasks = plan.tasks()
        records, ran_now, wall = run_tasks_with_progress(tasks, journal, executor, plan.name)
        runs = runs_table(plan, records)
        # The runs are kept even when they cannot be analysed, so failures can be read.
        write_csv(runs, out_dir / "runs.csv")
        table = analyse(plan, runs)
        chart = out_dir / "sensitivity.png"
        bar_chart(plan, table, chart)
        manifest = build_manifest(
            "sensitivity",
            inputs={"scenario": plan.scenario_file},
            wall_seconds=wall,
            method="Morris elementary effects (SALib)",
            name=plan.name,
            scenario=plan.scenario.name,
            scenario_file=plan.scenario_file,
            scenario_sha256=plan.scenario.digest(),
            outcome=plan.outcome,
            factors=[
                {"name": f.name, "kind": f.kind, "low": f.low, "high": f.high, "integer": f.integer}
                for f in plan.factors
            ],
            trajectories=plan.trajectories,
            levels=plan.levels,
            runs=len(tasks),
            days=plan.days if plan.days is not None else plan.scenario.calendar.days,
            seed=plan.seed,
            run_seed=replicate_seed(plan.seed, 0),
            common_random_numbers="every run uses run_seed: effects are not sampling noise",
            bootstrap_resamples=RESAMPLES,
            csv_float_format=CSV_FLOAT_FORMAT,
        )
        contents = {
            "runs.csv": runs,
            "sensitivity.csv": table,
            "sensitivity.png": chart.read_bytes(),
        }
        write_result_set(out_dir, contents, manifest, keep_folder=True)
    return SensitivityResult(out_dir, len(tasks), ran_now, wall, executor.description, table)

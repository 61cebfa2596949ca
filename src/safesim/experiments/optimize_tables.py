"""The tables ``safesim optimize`` writes: the trials, the runs, the baseline (doing
nothing, the scenario's mix and the recommendation), the robustness of each mix and
the recommended scenario."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import yaml

from safesim.core.scenario import Scenario
from safesim.experiments.compare import campaign_days, describe, interval
from safesim.experiments.draws import ParameterDraws
from safesim.experiments.optimize_space import (
    HEADLINE,
    Lever,
    OptimizeSettings,
    allocation,
    finished_trials,
    pareto_mask,
)
from safesim.experiments.results import write_result_set
from safesim.experiments.runner import replicate_seed, versions


def headline_runs(outcomes: Sequence[dict[str, float]]) -> dict[str, list[float]]:
    """Each headline outcome in every replicate."""
    return {name: [float(o[name]) for o in outcomes] for name in HEADLINE}


#: baseline.csv's mixes: their levels, then paired differences (the first less the second).
BASELINE_MIXES = ("no_intervention", "scenario_mix", "recommended")
BASELINE_PAIRS = {
    "scenario_mix_minus_no_intervention": ("scenario_mix", "no_intervention"),
    "recommended_minus_no_intervention": ("recommended", "no_intervention"),
    "recommended_minus_scenario_mix": ("recommended", "scenario_mix"),
}


def baseline_frame(
    twin: dict[str, list[float]],
    own: dict[str, list[float]],
    recommended: dict[str, list[float]],
    units: dict[str, tuple[float, float]],
    costs: tuple[float, float],
) -> pd.DataFrame:
    """baseline.csv: each headline outcome with no intervention (the twin), under the
    scenario's own mix and under the recommended one (replicate mean and 90 % interval,
    all on the twin's seeds and draws), and the recommended less the scenario's own,
    paired replicate by replicate, as is each mix against no intervention; then the two
    mixes' units and yearly cost."""
    rows = []
    for name in HEADLINE:
        what = describe(name)
        levels = {
            mix: np.asarray(runs[name], float)
            for mix, runs in zip(BASELINE_MIXES, (twin, own, recommended), strict=True)
        }
        pairs = {pair: levels[a] - levels[b] for pair, (a, b) in BASELINE_PAIRS.items()}
        for mix, values in {**levels, **pairs}.items():
            mean, low, high, _ = interval(values)
            rows.append(
                {"mix": mix, "outcome": name, "label": what.label, "unit": what.unit,
                 "mean": mean, "p05": low, "p95": high}
            )  # fmt: skip
    for name, (scenario_units, chosen_units) in [*units.items(), ("annual_cost_yuan", costs)]:
        unit = "yuan" if name == "annual_cost_yuan" else "units"
        for mix, value in (("scenario_mix", scenario_units), ("recommended", chosen_units)):
            rows.append(
                {"mix": mix, "outcome": name, "label": name, "unit": unit,
                 "mean": value, "p05": value, "p95": value}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _units(mix: Scenario, lever: Lever) -> int:
    spec = getattr(mix.interventions, lever.kind)
    if spec is None:
        return 0
    from safesim.core.interventions import ORDER

    cls = next(c for c in ORDER if c.name == lever.kind)
    return round(cls(spec, mix.calendar).units())  # type: ignore[arg-type]


def trials_frame(study: optuna.Study, menu: Sequence[Lever], scenario: Scenario) -> pd.DataFrame:
    """One row per finished trial: the money and units per intervention, cost, effects,
    cost per crime averted, and whether it is on the Pareto front."""
    rows = []
    budget = study.user_attrs["identity"]["budget"]
    for number, trial in enumerate(finished_trials(study)):
        money = allocation(trial.params, menu, budget)
        row: dict[str, Any] = {"trial": number}
        for lever in menu:
            row[f"yuan_{lever.kind}"] = money[lever.kind]
            row[f"units_{lever.kind}"] = trial.user_attrs[f"units_{lever.kind}"]
        row["annual_cost_yuan"] = trial.user_attrs["annual_cost_yuan"]
        for key in (
            "crimes_averted",
            "crimes_averted_p05",
            "crimes_averted_p95",
            "security_change_pp",
            "security_change_pp_p05",
            "security_change_pp_p95",
        ):
            row[key] = trial.user_attrs[key]
        rows.append(row)
    frame = pd.DataFrame(rows).sort_values("trial", kind="mergesort").reset_index(drop=True)
    goals = np.column_stack(
        [
            frame["crimes_averted"].to_numpy(float),
            frame["security_change_pp"].to_numpy(float),
            -frame["annual_cost_yuan"].to_numpy(float),
        ]
    )
    # NSGA-II can breed the same mix twice: the front lists each mix once.
    units = [f"units_{lever.kind}" for lever in menu]
    frame["on_front"] = pareto_mask(goals) & ~frame.duplicated(subset=units, keep="first")
    days = campaign_days(scenario, study.user_attrs["identity"]["days"])
    cost = frame["annual_cost_yuan"] * days / 365.0
    averted = frame["crimes_averted"]
    frame["cost_per_crime_averted_yuan"] = (cost / averted).where(averted > 0)
    return frame


ROBUSTNESS = ("probability_best", "probability_within_10pct", "regret")


def runs_frame(study: optuna.Study) -> pd.DataFrame:
    """Criminal cases averted by every finished trial in every paired run (trial × run)."""
    rows = []
    for number, trial in enumerate(finished_trials(study)):
        for run, value in enumerate(trial.user_attrs.get("averted_runs", [])):
            rows.append({"trial": number, "run": run, "crimes_averted": value})
    return pd.DataFrame(rows, columns=["trial", "run", "crimes_averted"])


def with_robustness(front: pd.DataFrame, runs: pd.DataFrame, chosen: int) -> pd.DataFrame:
    """The front with each mix's chance of being the best of the front (most criminal
    cases averted in a paired run, a tie shared), of being within 10 % of the run's best,
    and its regret (the run's best less its own, averaged over runs)."""
    out = front.copy()
    table = runs[runs["trial"].isin(front["trial"])].pivot(
        index="run", columns="trial", values="crimes_averted"
    )
    if table.empty:
        for name in ROBUSTNESS:
            out[name] = math.nan
        return out
    values = table.to_numpy(float)
    top = values.max(axis=1, keepdims=True)
    winners = values == top
    best_share = (winners / winners.sum(axis=1, keepdims=True)).mean(axis=0)
    near = values >= np.where(top > 0, 0.9 * top, top)
    lookup = {
        trial: (
            float(best_share[i]),
            float(near[:, i].mean()),
            float((top[:, 0] - values[:, i]).mean()),
        )
        for i, trial in enumerate(table.columns)
    }
    for j, name in enumerate(ROBUSTNESS):
        out[name] = [lookup.get(t, (math.nan,) * 3)[j] for t in out["trial"]]
    return out


def recommend(front: pd.DataFrame) -> pd.Series:
    """The front's mix that averts the most criminal cases without lowering felt safety
    (when any does not), the cheaper one on a tie."""
    pool = front[front["security_change_pp"] >= 0]
    pool = pool if not pool.empty else front
    order = pool.sort_values(
        ["crimes_averted", "annual_cost_yuan", "trial"],
        ascending=[False, True, True],
        kind="mergesort",
    )
    return order.iloc[0]


def scenario_yaml(scenario: Scenario, header: str) -> str:
    data = scenario.model_dump(mode="json", exclude_none=True)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body


def write_optimisation(
    out: Path,
    scenario: Scenario,
    scenario_file: str,
    settings: OptimizeSettings,
    seed: int,
    menu: Sequence[Lever],
    trials: pd.DataFrame,
    front: pd.DataFrame,
    best: pd.Series,
    chosen: Scenario,
    wall: float,
    runs: pd.DataFrame | None = None,
    draws: ParameterDraws | None = None,
    baseline: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """trials.csv, front.csv, runs.csv, draws.csv, baseline.csv, recommended.yaml and a
    manifest listing each file's hash, through the one result-set writer: a reader sees
    the whole set or none of it. The folder is kept (``keep_folder``): study.db lives in
    it, so an interrupted search resumes, and the figure and brief are drawn into it after."""
    contents: dict[str, Any] = {"trials.csv": trials, "front.csv": front}
    if baseline is not None:
        contents["baseline.csv"] = baseline
    if runs is not None:
        contents["runs.csv"] = runs
    if draws is not None:
        contents["draws.csv"] = draws.table()
    header = (
        f"The mix safesim optimize recommends for {scenario.name} within ¥{settings.budget:,.0f}"
        f" a year (trial {int(best['trial'])}):\n"
        f"{best['crimes_averted']:.1f} criminal cases averted in the campaign year "
        f"(90 % interval {best['crimes_averted_p05']:.1f} to {best['crimes_averted_p95']:.1f}) "
        f"over {settings.replicates} replicates, seed {seed}.\n"
        f"Reproduce: safesim run {out / 'recommended.yaml'} --seed {seed} "
        f"--replicates {settings.replicates}"
    )
    contents["recommended.yaml"] = scenario_yaml(chosen, header)
    manifest = {
        "kind": "optimize",
        "scenario": scenario.name,
        "scenario_file": scenario_file,
        "scenario_sha256": scenario.digest(),
        "budget_yuan": settings.budget,
        "lang": settings.lang,
        "settings": asdict(settings),
        "seed": seed,
        "replicates": settings.replicates,
        "replicate_seeds": [replicate_seed(seed, r) for r in range(settings.replicates)],
        "levers": [
            {"kind": lever.kind, "counts": list(lever.paths), "scenario_cost_yuan": lever.base_cost}
            for lever in menu
        ],
        "objectives": {
            "crimes_averted": "criminal cases averted in the campaign year against no "
            "intervention (replicate mean, paired on common random numbers): maximise",
            "security_change_pp": "change in the share feeling safe over the campaign year's "
            "last 30 days, percentage points: maximise",
            "annual_cost_yuan": "yearly cost from unit_cost_yuan: minimise, never over budget",
        },
        "parameter_draws": draws.manifest() if draws is not None else None,
        "robustness": "probability_best: share of paired runs (common draws and seeds) in "
        "which the mix averts the most criminal cases of the front's mixes; "
        "probability_within_10pct: share in which it averts at least 90 % of the most; "
        "regret: the run's most less its own, mean over runs",
        "sampler": "optuna NSGAIISampler",
        "trials": len(trials),
        "front": len(front),
        "recommended_trial": int(best["trial"]),
        "recommendation_rule": "the front's mix averting the most criminal cases without "
        "lowering felt safety (when any does not); the cheaper on a tie",
        "versions": versions(),
        "wall_seconds": round(wall, 3),
        "created_unix": int(time.time()),
    }
    return write_result_set(out, contents, manifest, keep_folder=True)

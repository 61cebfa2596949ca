"""Paired comparisons: scenario against scenario, and a mix against doing nothing.

Replicate ``r`` of every scenario runs on the same seed, ``replicate_seed(seed, r)``, so
every random process draws the same numbers in each (common random numbers) and the
difference between two scenarios, replicate by replicate, is what they change, not
sampling noise. Each difference is summarised by its mean and its 90 % interval across
replicates (the 5th and 95th percentiles of the paired differences).

Outcomes are measured over each scenario's campaign window (its campaign start and the
364 days after, or what the run has of them): crimes by type as the reports count them,
the share of households feeling safe over the window's last 30 days, the report-style
figures of ``summary.csv`` and the yearly cost of the mix.

**Examples**::

    from safesim.compare import compare_scenarios
    from safesim.scenario import load_scenario
    a, b = load_scenario("scenarios/small.yaml"), load_scenario("scenarios/small.yaml")
    result = compare_scenarios([a, b], seed=7, replicates=3, days=400)
    result.differences      # every outcome's B − A with its 90 % interval: all zero here
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from safesim.outcomes import summarise
from safesim.parameters import MechanismParameters
from safesim.runner import (
    atomic_write_text,
    replicate_seed,
    run_replicates,
    versions,
    write_csv,
)
from safesim.scenario import Scenario
from safesim.sweeps import annual_cost

BAND = (0.05, 0.95)
SURVEY_DAYS = 30

# Crime counts over the campaign window, as the reports count them.
CRIME_COUNTS = {
    "criminal_total": "all criminal cases",
    "two_robberies_one_theft": "robbery, snatching and theft",
    "burglary_theft": "burglary and theft",
    "robbery": "robbery and snatching",
    "dispute_violence": "violence from disputes",
    "public_order": "public-order cases",
    "calls": "calls to police",
}
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


def window_days(scenario: Scenario, daily: pd.DataFrame) -> int:
    lo, hi = campaign_window(scenario, daily)
    return hi - lo


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


def interval(values: np.ndarray) -> tuple[float, float, float, int]:
    """Mean, 5th and 95th percentile of the finite values, and how many there are."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return math.nan, math.nan, math.nan, 0
    return (
        float(finite.mean()),
        float(np.quantile(finite, BAND[0])),
        float(np.quantile(finite, BAND[1])),
        int(finite.size),
    )


# ---------------------------------------------------------------------- against nothing
def counterfactual_effects(
    scenario: Scenario, mix: Sequence[pd.DataFrame], twin: Sequence[pd.DataFrame]
) -> pd.DataFrame:
    """Effects of the mix against its no-intervention twin, replicate by replicate:
    crimes averted by type (twin − mix over the campaign window), the change in the share
    feeling safe (percentage points) and the cost per crime averted, each with its mean
    and 90 % interval. ``mix`` and ``twin`` are the dailies of ``runner.run_paired``."""
    mixed = [replicate_outcomes(scenario, d) for d in mix]
    nothing = [replicate_outcomes(scenario.counterfactual(), d) for d in twin]
    rows = []
    for name, label in CRIME_COUNTS.items():
        key = f"campaign_{name}"
        averted = np.array([n[key] - m[key] for m, n in zip(mixed, nothing, strict=True)])
        rows.append(_effect_row(f"averted_{name}", f"{label}: crimes averted", "cases", averted))
    change = np.array([m[SECURITY] - n[SECURITY] for m, n in zip(mixed, nothing, strict=True)])
    rows.append(
        _effect_row(
            "sense_of_security_change",
            "households feeling safe: change",
            "percentage_points",
            change,
        )
    )
    cost = annual_cost(scenario)
    days = window_days(scenario, mix[0])
    averted = np.array(
        [
            n["campaign_criminal_total"] - m["campaign_criminal_total"]
            for m, n in zip(mixed, nothing, strict=True)
        ]
    )
    rows.append(cost_per_crime_averted_row(cost, days, averted))
    return pd.DataFrame(rows)


def _effect_row(name: str, label: str, unit: str, values: np.ndarray) -> dict[str, object]:
    mean, low, high, n = interval(values)
    return {
        "effect": name,
        "label": label,
        "unit": unit,
        "mean": mean,
        "p05": low,
        "p95": high,
        "replicates": n,
        "note": "",
    }


def cost_per_crime_averted_row(
    annual_cost_yuan: float | None, days: int, averted: np.ndarray
) -> dict[str, object]:
    """Cost over the campaign window divided by criminal cases averted.

    Cost is fixed, so the interval is the cost over the interval of crimes averted: the
    upper end is undefined (NaN, with a note) when the interval reaches zero or below,
    and the whole figure is when the mix averts nothing on average."""
    mean, low, high, n = interval(averted)
    row: dict[str, object] = {
        "effect": "cost_per_crime_averted",
        "label": "cost per criminal case averted",
        "unit": "yuan",
        "mean": math.nan,
        "p05": math.nan,
        "p95": math.nan,
        "replicates": n,
        "note": "",
    }
    if annual_cost_yuan is None:
        row["note"] = "no unit costs in the scenario"
        return row
    cost = annual_cost_yuan * days / 365.0
    if not mean > 0:
        row["note"] = "averts no crime on average"
        return row
    row["mean"] = cost / mean
    row["p05"] = cost / high if high > 0 else math.nan
    row["p95"] = cost / low if low > 0 else math.nan
    if not low > 0:
        row["note"] = "interval of crimes averted reaches zero: no upper bound"
    return row


# ---------------------------------------------------------------------- scenario vs scenario
@dataclass
class Comparison:
    scenarios: list[Scenario]
    seed: int
    replicates: int
    outcomes: pd.DataFrame  # one row per scenario and replicate
    differences: pd.DataFrame  # one row per scenario after the first and outcome


def outcome_table(
    scenarios: Sequence[Scenario], per_scenario: Sequence[Sequence[dict[str, float]]], seed: int
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
                    **values,
                }
            )
    return pd.DataFrame(rows)


def difference_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each scenario after the first against the first: paired differences per outcome."""
    names = [c for c in outcomes.columns if c not in ("position", "scenario", "replicate", "seed")]
    reference = outcomes[outcomes["position"] == 0].sort_values("replicate")
    rows = []
    for position in sorted(set(outcomes["position"]) - {0}):
        other = outcomes[outcomes["position"] == position].sort_values("replicate")
        for name in names:
            a = reference[name].to_numpy(dtype=float)
            b = other[name].to_numpy(dtype=float)
            mean, low, high, n = interval(b - a)
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
                }
            )
    return pd.DataFrame(rows)


def compare_scenarios(
    scenarios: Sequence[Scenario],
    seed: int,
    replicates: int,
    days: int | None = None,
    parameters: MechanismParameters | None = None,
    progress: Callable[[int], None] | None = None,
) -> Comparison:
    """Run every scenario on the same replicate seeds and difference them pairwise
    against the first."""
    per_scenario = []
    for scenario in scenarios:
        dailies = run_replicates(scenario, seed, replicates, days, parameters, progress)
        per_scenario.append([replicate_outcomes(scenario, d) for d in dailies])
    outcomes = outcome_table(scenarios, per_scenario, seed)
    return Comparison(list(scenarios), seed, replicates, outcomes, difference_table(outcomes))


def write_comparison(
    out_dir: Path, comparison: Comparison, files: Sequence[str], days: int | None, wall: float
) -> dict[str, Path]:
    """outcomes.csv, differences.csv and manifest.json (each written atomically)."""
    paths = {
        "outcomes": out_dir / "outcomes.csv",
        "differences": out_dir / "differences.csv",
        "manifest": out_dir / "manifest.json",
    }
    write_csv(comparison.outcomes, paths["outcomes"])
    write_csv(comparison.differences, paths["differences"])
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
        "versions": versions(),
        "wall_seconds": round(wall, 3),
        "created_unix": int(time.time()),
    }
    atomic_write_text(paths["manifest"], json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return paths

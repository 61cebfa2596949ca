"""Which mix to buy for a budget: a multi-objective search over the scenario's priced
interventions.

A candidate mix spends part of a yearly budget on each intervention the scenario prices
(``unit_cost_yuan``): the search chooses how much of the budget to spend and how to split
it, and each intervention's counts are the scenario's own scaled to the money it gets,
rounded down, so a mix never costs more than the budget. Each candidate runs
``replicates`` times on the replicate seeds its counterfactual twin (the same city with no
intervention) also used, so crimes averted and the change in felt safety are paired
differences, not noise; replicate ``r`` of every candidate and of the twin also runs at
the same parameter draw (``safesim.draws``), so every mix is scored on the same draws.
``probability_best`` is the share of those paired runs in which a mix averts the most
criminal cases among the front's mixes, ``probability_within_10pct`` the share in which
it averts at least 90 % of that run's most, and ``regret`` what choosing it gives up
against the run's best, on average. Optuna's NSGA-II (Deb et al. 2002) searches three objectives at
once: criminal cases averted in the campaign year (more), the change in the share feeling
safe (more) and the yearly cost (less). The study lives in an SQLite file, so an
interrupted search continues where it stopped; generations are asked and told whole, so
the result does not depend on the number of worker processes.

A resumed search gives the trials the same search uninterrupted gives (the same
trials.csv, front and recommendation, for the same scenario, settings, seed and Optuna
version): mix ``k`` (the ``trial`` column: the k-th finished mix) is drawn by the
sampler reseeded from the base seed and ``k`` alone, from the finished mixes of the
generation before, and a search always finishes the generation it stopped in before
starting the next. A mix left unfinished by an interruption is dropped and drawn again
as the same mix ``k``.

**Examples**::

    from safesim.optimize import OptimizeSettings, optimise
    from safesim.scenario import load_scenario
    settings = OptimizeSettings(budget=6.45e6, trials=8, population=4, replicates=2)
    result = optimise(load_scenario("scenarios/guichi.yaml"), "scenarios/guichi.yaml",
                      settings, "results/guichi-optimize")
    result.front          # the mixes nobody beats on all three objectives
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import yaml

from safesim.compare import campaign_days, describe, interval, replicate_outcomes
from safesim.draws import ParameterDraws
from safesim.errors import SafesimError
from safesim.limits import check_days
from safesim.loading import InputError
from safesim.parameters import resolve
from safesim.quantities import MAX_COUNT
from safesim.results import write_result_set
from safesim.runner import replicate_seed, run_once, run_replicates, versions
from safesim.scaling import SCALED_COUNTS
from safesim.scenario import Scenario, validate_scenario
from safesim.streams import run_seed
from safesim.sweeps import annual_cost

CRIMES = "campaign_criminal_total"
SECURITY = "campaign_sense_of_security"
DISPUTES = "campaign_dispute_violence"
#: The outcomes baseline.csv gives for doing nothing, the scenario's own mix and the
#: recommended one.
HEADLINE = (CRIMES, DISPUTES, SECURITY)
STUDY_NAME = "optimize"


class OptimizeError(SafesimError, ValueError):
    """Settings or a scenario the search cannot use; the message says which and why."""


@dataclass(frozen=True)
class OptimizeSettings:
    budget: float
    trials: int = 48
    population: int = 12
    replicates: int = 3
    days: int | None = None
    seed: int | None = None
    workers: int = 1
    lang: str = "en"  # of the figure and brief; not part of the search's identity


@dataclass(frozen=True)
class Lever:
    """One priced intervention: the counts that scale with the money spent on it."""

    kind: str
    paths: tuple[str, ...]
    base_cost: float  # yearly cost of the scenario's own dose

    @property
    def parameter(self) -> str:
        return f"share_{self.kind}"


def levers(scenario: Scenario) -> list[Lever]:
    """The scenario's interventions that have a unit cost and a non-zero dose."""
    from safesim.interventions import ORDER

    out = []
    for cls in ORDER:
        spec = getattr(scenario.interventions, cls.name)
        if spec is None or spec.unit_cost_yuan is None:
            continue
        cost = cls(spec, scenario.calendar).annual_cost()  # type: ignore[arg-type]
        prefix = f"interventions.{cls.name}."
        paths = tuple(
            p for p in SCALED_COUNTS if p.startswith(prefix) and _count(scenario, p) is not None
        )
        if cost and cost > 0 and paths:
            out.append(Lever(cls.name, paths, float(cost)))
    return out


def _count(scenario: Scenario, path: str) -> int | None:
    node: Any = scenario
    for key in path.split("."):
        node = getattr(node, key, None)
        if node is None:
            return None
    return int(node.value)


def allocation(params: dict[str, float], menu: Sequence[Lever], budget: float) -> dict[str, float]:
    """Yuan a year for each lever: ``spend`` of the budget split in proportion to the
    shares (nothing when every share is 0)."""
    shares = np.array([params[lever.parameter] for lever in menu], dtype=float)
    total = float(shares.sum())
    if total <= 0:
        return {lever.kind: 0.0 for lever in menu}
    money = budget * params["spend"] * shares / total
    return {lever.kind: float(m) for lever, m in zip(menu, money, strict=True)}


def candidate(
    scenario: Scenario, menu: Sequence[Lever], money: dict[str, float], note: str
) -> Scenario:
    """The scenario with each lever's counts scaled to its money, rounded down, and the
    priced interventions that get nothing removed. Unpriced interventions are kept."""
    data = scenario.model_dump(mode="python")
    for lever in menu:
        factor = money[lever.kind] / lever.base_cost
        counts = {p: math.floor((_count(scenario, p) or 0) * factor) for p in lever.paths}
        if all(v == 0 for v in counts.values()):
            data["interventions"][lever.kind] = None
            continue
        for path, value in counts.items():
            keys = path.split(".")
            node = data
            for key in keys[:-1]:
                node = node[key]
            node[keys[-1]] = {"value": value, "assumption": note}
    return validate_scenario(data, None)


# ---------------------------------------------------------------------- evaluating
def _evaluate(
    scenario: Scenario | dict[str, Any],
    seed: int,
    replicates: int,
    days: int | None,
    fitted: Sequence[dict[str, float]] | None = None,
) -> list[dict[str, float]]:
    """Every replicate's outcomes; replicate ``r`` at ``fitted[r]`` (its draw) if given."""
    # Worker processes get the scenario as plain data: pydantic's generic models do not
    # pickle.
    if isinstance(scenario, dict):
        scenario = validate_scenario(scenario, None)
    if fitted is None:
        dailies = run_replicates(scenario, seed, replicates, days)
    else:
        dailies = [
            run_once(scenario, replicate_seed(seed, r), days, resolve(scenario, fitted=fitted[r]))
            for r in range(replicates)
        ]
    return [replicate_outcomes(scenario, d) for d in dailies]


def draw_values(draws: ParameterDraws | None, replicates: int) -> list[dict[str, float]] | None:
    """Each replicate's drawn values, as plain data a worker process can take."""
    if draws is None:
        return None
    return [draws.overrides(r) for r in range(replicates)]


def effects(mix: Sequence[dict[str, float]], twin: Sequence[dict[str, float]]) -> dict[str, float]:
    """Paired effects against the twin: mean and 90 % interval of crimes averted and of the
    change in the share feeling safe (percentage points)."""
    averted = np.array([t[CRIMES] - m[CRIMES] for m, t in zip(mix, twin, strict=True)])
    change = np.array([m[SECURITY] - t[SECURITY] for m, t in zip(mix, twin, strict=True)])
    a_mean, a_low, a_high, _ = interval(averted)
    s_mean, s_low, s_high, _ = interval(change)
    return {
        "averted_runs": [float(v) for v in averted],
        "crimes_averted": a_mean,
        "crimes_averted_p05": a_low,
        "crimes_averted_p95": a_high,
        "security_change_pp": s_mean,
        "security_change_pp_p05": s_low,
        "security_change_pp_p95": s_high,
    }


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Rows of ``values`` (higher is better in every column) that no other row dominates:
    no other row is at least as good in every column and better in one."""
    keep = np.ones(len(values), dtype=bool)
    for i, row in enumerate(values):
        better_or_equal = (values >= row).all(axis=1)
        strictly = (values > row).any(axis=1)
        if (better_or_equal & strictly).any():
            keep[i] = False
    return keep


# ---------------------------------------------------------------------- the search
@dataclass
class OptimizeResult:
    out_dir: Path
    trials: pd.DataFrame
    front: pd.DataFrame
    recommended: pd.Series
    recommended_scenario: Scenario
    ran_now: int
    wall_seconds: float
    baseline: pd.DataFrame  # baseline.csv


def _identity(
    scenario: Scenario,
    settings: OptimizeSettings,
    seed: int,
    menu: Sequence[Lever],
    draws: ParameterDraws | None = None,
) -> dict[str, Any]:
    return {
        "parameter_draws": None
        if draws is None
        else {"source": draws.source, "origin": draws.origin, "rows": draws.sample_rows},
        "scenario_sha256": scenario.digest(),
        "budget": settings.budget,
        "replicates": settings.replicates,
        "days": settings.days,
        "seed": seed,
        "population": settings.population,
        "levers": [lever.kind for lever in menu],
    }


def open_study(
    out_dir: Path, identity: dict[str, Any], seed: int, population: int, restart: bool
) -> optuna.Study:
    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / "study.db"
    if restart and db.exists():
        db.unlink()
    storage = f"sqlite:///{db}"
    sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    study = optuna.create_study(
        study_name=STUDY_NAME,
        storage=storage,
        sampler=sampler,
        directions=["maximize", "maximize", "minimize"],
        load_if_exists=True,
    )
    stored = study.user_attrs.get("identity")
    if stored is None:
        study.set_user_attr("identity", identity)
    elif stored != identity:
        raise OptimizeError(
            f"{db}: holds a search with other settings ({_differences(stored, identity)}); "
            "use another --out or --name, or --restart to discard it"
        )
    # Trials left running by an interrupted search are abandoned, not half counted.
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
    return study


def finished_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """The finished mixes in the order they were asked: mix ``k`` is the k-th, whatever
    trial numbers interrupted (and dropped) trials took before it."""
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    return sorted(done, key=lambda t: t.number)


def reseed_sampler(sampler: optuna.samplers.NSGAIISampler, seed: int, mix: int) -> None:
    """Seed every random stream the sampler draws mix ``mix`` from with (seed, mix): its
    draw then depends on the base seed, the mix's number and the generation before it,
    not on how many draws a process made before (a resumed search starts afresh)."""
    value = run_seed(seed, "optimize-mix", mix) & 0xFFFFFFFF
    sampler._rng.rng.seed(value)  # crossover, mutation and parent choice
    sampler._random_sampler._rng.rng.seed(value)  # the first generation, mutated genes


def _differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    keys = [k for k in new if old.get(k) != new[k]]
    return ", ".join(f"{k} {old.get(k)!r} → {new[k]!r}" for k in keys)


def max_budget(scenario: Scenario, menu: Sequence[Lever]) -> float:
    """The largest yearly budget whose every mix keeps each count within ``MAX_COUNT``: a
    lever given the whole budget scales its counts by budget / its cost."""
    caps = [
        MAX_COUNT * lever.base_cost / count
        for lever in menu
        for path in lever.paths
        if (count := _count(scenario, path) or 0) > 0
    ]
    return min(caps, default=math.inf)


def check_settings(scenario: Scenario, scenario_file: str, settings: OptimizeSettings) -> None:
    """Refuse, before anything runs or is written, a search that cannot finish: a budget
    that is not a finite positive number or buys more than a scenario may hold, no priced
    intervention, or ``--days`` that end before the campaign (every mix would score NaN)."""
    budget = settings.budget
    if not (math.isfinite(budget) and budget > 0):
        raise OptimizeError(f"--budget must be > 0 and finite (got {budget:g})")
    menu = levers(scenario)
    if not menu:
        raise OptimizeError(
            f"{scenario_file}: interventions: no intervention has a unit_cost_yuan, "
            "so no mix can be priced"
        )
    cap = max_budget(scenario, menu)
    if budget > cap:
        raise OptimizeError(
            f"--budget {budget:g}: would buy more than {MAX_COUNT:,} of an intervention's "
            f"units at {scenario_file}'s unit_cost_yuan (at most {cap:.4g} yuan a year)"
        )
    if settings.population < 2:
        raise OptimizeError("--population must be ≥ 2")
    try:
        check_days(scenario, settings.days, scenario_file)
    except InputError as exc:
        raise OptimizeError(str(exc)) from None
    if campaign_days(scenario, settings.days) == 0:
        cal = scenario.calendar
        raise OptimizeError(
            f"{scenario_file}: calendar.campaign_start: --days {settings.days} ends before the "
            f"campaign starts on {cal.campaign_start.value}, so no mix can be scored: give "
            f"--days more than {cal.day_of(cal.campaign_start.value)}"
        )


def optimise(
    scenario: Scenario,
    scenario_file: str,
    settings: OptimizeSettings,
    out_dir: str | Path,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    draws: ParameterDraws | None = None,
) -> OptimizeResult:
    """Search mixes within ``settings.budget`` and write the front, the trials, the
    recommended mix and the manifest under ``out_dir``. With ``draws``, every candidate
    and the twin run replicate ``r`` at the same draw."""
    check_settings(scenario, scenario_file, settings)
    menu = levers(scenario)
    seed = scenario.seed if settings.seed is None else settings.seed
    out = Path(out_dir)
    started = time.perf_counter()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(
        out, _identity(scenario, settings, seed, menu, draws), seed, settings.population, restart
    )
    fitted = draw_values(draws, settings.replicates)
    twin = study.user_attrs.get("twin_outcomes")
    if twin is None:
        twin = _evaluate(
            scenario.counterfactual(), seed, settings.replicates, settings.days, fitted
        )
        study.set_user_attr("twin_outcomes", twin)
    # The scenario's own (reported) mix on the twin's seeds and draws, to set the
    # recommendation against.
    own = study.user_attrs.get("scenario_outcomes")
    if own is None:
        own = _evaluate(scenario, seed, settings.replicates, settings.days, fitted)
        study.set_user_attr("scenario_outcomes", own)
    note = f"chosen by safesim optimize within a budget of ¥{settings.budget:,.0f} a year"

    def finished() -> int:
        return len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))

    sampler = study.sampler
    assert isinstance(sampler, optuna.samplers.NSGAIISampler)
    ran_now = 0
    pool = ProcessPoolExecutor(settings.workers) if settings.workers > 1 else None
    try:
        while (done := finished()) < settings.trials:
            # The rest of the generation an interrupted search stopped in, then whole ones:
            # the generations are the same however often the search was stopped.
            left_in_generation = settings.population - done % settings.population
            batch = min(left_in_generation, settings.trials - done)
            asked = []
            for index in range(done, done + batch):
                reseed_sampler(sampler, seed, index)
                trial = study.ask()
                params = {"spend": trial.suggest_float("spend", 0.0, 1.0)}
                for lever in menu:
                    params[lever.parameter] = trial.suggest_float(lever.parameter, 0.0, 1.0)
                money = allocation(params, menu, settings.budget)
                mix = candidate(scenario, menu, money, note)
                asked.append((trial, mix))
            jobs = [
                (mix.model_dump(mode="json"), seed, settings.replicates, settings.days, fitted)
                for _, mix in asked
            ]
            results = list(pool.map(_evaluate, *zip(*jobs, strict=True))) if pool else [
                _evaluate(*job) for job in jobs
            ]  # fmt: skip
            for index, ((trial, mix), outcomes) in enumerate(zip(asked, results, strict=True)):
                cost = annual_cost(mix) or 0.0
                if cost > settings.budget:  # rounding down makes this impossible; guard it
                    # (mix k is drawn again as the same mix: asking again would not end)
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    raise OptimizeError(
                        f"trial {done + index}: the mix costs ¥{cost:,.0f} a year, over the "
                        f"budget of ¥{settings.budget:,.0f}"
                    )
                found = effects(outcomes, twin)
                scores = [found["crimes_averted"], found["security_change_pp"], cost]
                if not all(math.isfinite(v) for v in scores):
                    # Optuna would fail the trial and the loop would ask for another
                    # forever: a mix that cannot be scored ends the search.
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    raise OptimizeError(
                        f"trial {done + index}: the mix's objectives are not numbers "
                        f"({', '.join(f'{v:g}' for v in scores)}); check --days and the "
                        "scenario's campaign"
                    )
                for key, value in found.items():
                    trial.set_user_attr(key, value)
                trial.set_user_attr("headline_runs", headline_runs(outcomes))
                for lever in menu:
                    trial.set_user_attr(f"units_{lever.kind}", _units(mix, lever))
                trial.set_user_attr("annual_cost_yuan", cost)
                study.tell(trial, scores)
                ran_now += 1
                if progress:
                    progress(1)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    trials = trials_frame(study, menu, scenario)
    front = trials[trials["on_front"]].reset_index(drop=True)
    best = recommend(front)
    runs = runs_frame(study)
    front = with_robustness(front, runs, int(best["trial"]))
    trials = trials.merge(
        front[["trial", *ROBUSTNESS]], on="trial", how="left", validate="one_to_one"
    )
    best = front.set_index("trial").loc[int(best["trial"])].copy()
    best["trial"] = best.name
    money = {lever.kind: float(best[f"yuan_{lever.kind}"]) for lever in menu}
    chosen = candidate(scenario, menu, money, note + f" (trial {int(best['trial'])})")
    chosen = chosen.model_copy(update={"name": f"{scenario.name}-recommended"})
    picked = study.trials[int(best["trial"])].user_attrs.get("headline_runs")
    if picked is None:  # a study begun before trials kept their outcomes: run it again
        picked = headline_runs(_evaluate(chosen, seed, settings.replicates, settings.days, fitted))
    table = baseline_frame(
        headline_runs(twin), headline_runs(own), picked,
        {f"units_{lv.kind}": (float(_units(scenario, lv)), float(best[f"units_{lv.kind}"]))
         for lv in menu},
        (annual_cost(scenario) or 0.0, float(best["annual_cost_yuan"])),
    )  # fmt: skip
    wall = time.perf_counter() - started
    write_optimisation(
        out, scenario, scenario_file, settings, seed, menu, trials, front, best, chosen, wall,
        runs, draws, table,
    )  # fmt: skip
    return OptimizeResult(out, trials, front, best, chosen, ran_now, wall, table)


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
    from safesim.interventions import ORDER

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

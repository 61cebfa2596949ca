"""Which mix to buy for a budget: a multi-objective search over the scenario's priced
interventions.

A candidate mix spends part of a yearly budget on each intervention the scenario prices
(``unit_cost_yuan``): the search chooses how much of the budget to spend and how to split
it, and each intervention's counts are the scenario's own scaled to the money it gets,
rounded down, so a mix never costs more than the budget. Each candidate runs
``replicates`` times on the replicate seeds its counterfactual twin (the same city with no
intervention) also used, so crimes averted and the change in felt safety are paired
differences, not noise; replicate ``r`` of every candidate and of the twin also runs at
the same parameter draw (``safesim.experiments.draws``), so every mix is scored on the same draws.
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

    from safesim.experiments.optimize import OptimizeSettings, optimise
    from safesim.core.scenario import load_scenario
    settings = OptimizeSettings(budget=6.45e6, trials=8, population=4, replicates=2)
    result = optimise(load_scenario("scenarios/guichi.yaml"), "scenarios/guichi.yaml",
                      settings, "results/guichi-optimize")
    result.front          # the mixes nobody beats on all three objectives

The search space and the scoring of a mix are in ``safesim.experiments.optimize_space``, the tables
written in ``safesim.experiments.optimize_tables``; this module runs the search.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from safesim.core.loading import InputError
from safesim.core.quantities import MAX_COUNT
from safesim.core.scenario import Scenario, count_at
from safesim.core.streams import run_seed
from safesim.experiments.batch import (
    Executor,
    make_executor,
    prepare_output,
    run_journaled,
)
from safesim.experiments.compare import (
    CompareError,
    campaign_days,
    execute_outcomes,
    replicate_records,
    replicate_tasks,
)
from safesim.experiments.draws import ParameterDraws
from safesim.experiments.limits import check_days
from safesim.experiments.optimize_space import CRIMES as CRIMES
from safesim.experiments.optimize_space import (
    STUDY_NAME,
    Lever,
    OptimizeError,
    OptimizeSettings,
    allocation,
    candidate,
    draw_values,
    effects,
    finished_trials,
    levers,
)
from safesim.experiments.optimize_space import pareto_mask as pareto_mask
from safesim.experiments.optimize_tables import (
    ROBUSTNESS,
    _units,
    baseline_frame,
    headline_runs,
    recommend,
    runs_frame,
    trials_frame,
    with_robustness,
    write_optimisation,
)
from safesim.experiments.sweeps import annual_cost


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
        if (count := count_at(scenario, path) or 0) > 0
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
    and the twin run replicate ``r`` at the same draw. The runs go through the batch
    engine (``settings.workers``, ``settings.dask``) and its journal in ``out_dir/.runs/``;
    the caller holds the folder's lock."""
    check_settings(scenario, scenario_file, settings)
    out = Path(out_dir)
    # A scheduler out of reach is refused before the study or the journal is written.
    executor = make_executor(settings.workers, settings.dask, execute_outcomes)
    try:
        return _search(scenario, scenario_file, settings, out, restart, progress, draws, executor)
    finally:
        executor.close()


def _search(
    scenario: Scenario,
    scenario_file: str,
    settings: OptimizeSettings,
    out: Path,
    restart: bool,
    progress: Callable[[int], None] | None,
    draws: ParameterDraws | None,
    executor: Executor,
) -> OptimizeResult:
    menu = levers(scenario)
    seed = scenario.seed if settings.seed is None else settings.seed
    started = time.perf_counter()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    identity = _identity(scenario, settings, seed, menu, draws)
    # The study checks its settings first: its refusal names the settings that differ.
    study = open_study(out, identity, seed, settings.population, restart)
    journal = prepare_output(out, {"kind": "optimize", **identity}, restart)
    journal.open(restart, ())
    fitted = draw_values(draws, settings.replicates)

    def evaluate(mixes: Sequence[tuple[str, Scenario]]) -> list[list[dict[str, float]]]:
        """Every replicate's outcomes of each (label, mix), run as one batch."""
        groups = [
            replicate_tasks(mix, label, seed, settings.replicates, settings.days, fitted)
            for label, mix in mixes
        ]
        tasks = [task for group in groups for task in group]
        records = run_journaled(tasks, journal, executor, keep_open=True)
        try:
            return [replicate_records(group, records, journal) for group in groups]
        except CompareError as exc:
            raise OptimizeError(str(exc)) from None

    # The no-intervention twin, and the scenario's own (reported) mix on the twin's seeds
    # and draws to set the recommendation against.
    references = {
        "twin_outcomes": ("twin", scenario.counterfactual()),
        "scenario_outcomes": ("own", scenario),
    }
    missing = [attr for attr in references if study.user_attrs.get(attr) is None]
    for attr, outcomes in zip(missing, evaluate([references[a] for a in missing]), strict=True):
        study.set_user_attr(attr, outcomes)
    twin = study.user_attrs["twin_outcomes"]
    own = study.user_attrs["scenario_outcomes"]
    note = f"chosen by safesim optimize within a budget of ¥{settings.budget:,.0f} a year"

    def finished() -> int:
        return len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))

    sampler = study.sampler
    assert isinstance(sampler, optuna.samplers.NSGAIISampler)
    ran_now = 0
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
        # Mix k is keyed by k and its content: a search resumed mid-generation draws the
        # same mix k again and finds its runs in the journal.
        results = evaluate([(f"mix{done + i:05d}", mix) for i, (_, mix) in enumerate(asked)])
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
    # Mix k is the k-th finished trial: a resumed study's trial numbers count the dropped ones.
    picked = finished_trials(study)[int(best["trial"])].user_attrs.get("headline_runs")
    if picked is None:  # a study begun before trials kept their outcomes: run it again
        picked = headline_runs(evaluate([("chosen", chosen)])[0])
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

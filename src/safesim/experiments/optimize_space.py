"""What ``safesim optimize`` searches over and how a mix is scored: the priced levers, a
candidate mix's counts for its share of the budget, its paired effects against the
no-intervention twin, and the Pareto front."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import optuna

from safesim.core.scenario import Scenario, count_at, validate_scenario
from safesim.errors import SafesimError
from safesim.experiments.compare import interval
from safesim.experiments.draws import ParameterDraws
from safesim.experiments.scaling import SCALED_COUNTS

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
    dask: str | None = None  # a Dask scheduler's address, or 'local'
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
    from safesim.core.interventions import ORDER

    out = []
    for cls in ORDER:
        spec = getattr(scenario.interventions, cls.name)
        if spec is None or spec.unit_cost_yuan is None:
            continue
        cost = cls(spec, scenario.calendar).annual_cost()  # type: ignore[arg-type]
        prefix = f"interventions.{cls.name}."
        paths = tuple(
            p for p in SCALED_COUNTS if p.startswith(prefix) and count_at(scenario, p) is not None
        )
        if cost and cost > 0 and paths:
            out.append(Lever(cls.name, paths, float(cost)))
    return out


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
        counts = {p: math.floor((count_at(scenario, p) or 0) * factor) for p in lever.paths}
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


def finished_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """The finished mixes in the order they were asked: mix ``k`` is the k-th, whatever
    trial numbers interrupted (and dropped) trials took before it."""
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    return sorted(done, key=lambda t: t.number)

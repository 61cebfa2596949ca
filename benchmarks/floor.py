"""The floor a simulated day cannot go below: the random numbers a Guiyang day draws.

A day of safesim draws, from the same named streams and in the same sizes, the offenders'
turnover (a desistance draw per slot of the offender array, arrivals and where they
arrive), their moves (``offender_moves_per_day`` uniforms per slot), their choices
(offending, crime type, success, candidate homes and the Luce pick, repeat return,
arrest, sentence: one of each per slot, as common random numbers require), the new
disputes (their homes, four hazard thresholds and two uniforms each), street disorder
(its count, a place and a thinning uniform per case), other crime and reported calls.
This module draws exactly those and does nothing else with them, so ``floor_seconds``
is what a day costs when the model does no work at all: the benchmark states every time
as a multiple of it.

Run alone for the floor of a Guiyang year::

    python benchmarks/floor.py [--days 365]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIYANG = ROOT / "scenarios" / "guiyang.yaml"
PER_HOUSEHOLD_DAY = 1.0 / (1000.0 * 365.0)
REPORTED_KINDS = 6  # the daily counts each given a binomial draw of calls


@dataclass(frozen=True)
class DayDraws:
    """The sizes of one day's draws, taken from the scenario as the model takes them."""

    capacity: int  # slots of the offender array (every slot draws)
    moves: int
    candidate_homes: int
    sentence_mean_days: float
    arrivals_per_day: float
    households: int
    disputes_per_day: float
    disorder_per_day: float
    other_crime_per_day: float


def guiyang_day(scenario_file: Path = GUIYANG) -> DayDraws:
    from safesim.core.scenario import load_scenario

    scenario = load_scenario(scenario_file)
    params = scenario.mechanism_parameters()
    city = scenario.city
    pool = city.offenders.value
    households = city.households.value
    baseline = city.baseline
    return DayDraws(
        capacity=max(16, 2 * pool + 64),
        moves=params.offender_moves_per_day,
        candidate_homes=params.candidate_homes,
        sentence_mean_days=params.sentence_mean_days,
        arrivals_per_day=pool * params.offender_desistance_per_year / 365.0,
        households=households,
        disputes_per_day=baseline.disputes.value * households * PER_HOUSEHOLD_DAY,
        disorder_per_day=baseline.public_order.value * households * PER_HOUSEHOLD_DAY,
        other_crime_per_day=baseline.other_criminal.value * households * PER_HOUSEHOLD_DAY,
    )


def draw_days(draws: DayDraws, days: int, seed: int = 1) -> float:
    """Draw ``days`` days of random numbers; the wall-clock seconds it took."""
    from safesim.core.streams import Streams

    streams = Streams(seed)
    names = (
        "offender_desistance",
        "offender_arrival",
        "offender_movement",
        "offending",
        "crime_type",
        "target_success",
        "victim_choice",
        "repeat_return",
        "arrest",
        "sentence",
        "disputes",
        "public_order",
        "other_crime",
        "reporting",
    )
    rng = {name: streams[name] for name in names}
    cap = draws.capacity
    started = time.perf_counter()
    for _ in range(days):
        rng["offender_desistance"].random(cap)
        arrivals = rng["offender_arrival"].poisson(draws.arrivals_per_day)
        rng["offender_arrival"].random(arrivals)
        for _ in range(draws.moves):
            rng["offender_movement"].random(cap)
        rng["offending"].random(cap)
        rng["crime_type"].random(cap)
        rng["target_success"].random(cap)
        rng["victim_choice"].random((cap, draws.candidate_homes + 1))
        rng["repeat_return"].random(cap)
        rng["arrest"].random(cap)
        rng["sentence"].exponential(draws.sentence_mean_days, cap)
        new = int(rng["disputes"].poisson(draws.disputes_per_day))
        rng["disputes"].integers(0, draws.households, size=new)
        rng["disputes"].exponential(1.0, (new, 4))
        rng["disputes"].random(new)
        rng["disputes"].random(new)
        disorder = int(rng["public_order"].poisson(draws.disorder_per_day))
        rng["public_order"].random(disorder)
        rng["public_order"].random(disorder)
        rng["other_crime"].poisson(draws.other_crime_per_day)
        for _ in range(REPORTED_KINDS):
            rng["reporting"].binomial(10, 0.5)
    return time.perf_counter() - started


def floor_seconds(days: int = 365, scenario_file: Path = GUIYANG) -> float:
    return draw_days(guiyang_day(scenario_file), days)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    draws = guiyang_day()
    seconds = draw_days(draws, args.days)
    print(f"{args.days} Guiyang days of random numbers: {seconds:.3f} s ({draws})")


if __name__ == "__main__":
    main()

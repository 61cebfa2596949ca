"""What a command will cost, estimated before anything runs, and the limits it must keep.

A scenario that validates can still be too large for the machine (a billion households)
or a command too long (a million-point sweep). The estimates below are deliberately
generous upper bounds from the measured costs in README's Performance section (about
3.5 ns per household-day and 40 bytes per household at a million households); a command
over a limit is refused with its estimate, in one line, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from safesim.core.loading import InputError
from safesim.core.scenario import Scenario

#: Bytes per household in a running model (arrays, records), with headroom.
BYTES_PER_HOUSEHOLD = 200
#: Bytes per cell of the grid's fields and per offender, with headroom.
BYTES_PER_CELL = 400
BYTES_PER_OFFENDER = 200
#: The interpreter and libraries.
BASE_BYTES = 200_000_000
#: Seconds per household-day and per offender-day, and a fixed cost per day.
SECONDS_PER_HOUSEHOLD_DAY = 1e-8
SECONDS_PER_OFFENDER_DAY = 2e-6
SECONDS_PER_DAY = 2e-3
#: The longest command safesim will start (its estimate, on the workers given).
MAX_SECONDS = 7 * 24 * 3600
#: The most runs one sweep or screening may plan.
MAX_RUNS = 100_000
#: Share of the machine's available memory a command may plan to use.
MEMORY_SHARE = 0.8


@dataclass(frozen=True)
class Estimate:
    bytes_per_run: int
    seconds_per_run: float

    def describe(self, runs: int = 1, workers: int = 1) -> str:
        hours = self.seconds_per_run * runs / max(workers, 1) / 3600
        gb = self.bytes_per_run * max(workers, 1) / 1e9
        return f"about {gb:,.1f} GB of memory and {hours:,.1f} h"


def available_memory() -> int | None:
    """Memory available to new work (psutil's ``available``, on every platform), or None
    when it cannot be read."""
    import psutil

    try:
        return int(psutil.virtual_memory().available)
    except (OSError, RuntimeError, AttributeError):
        return None


def estimate(scenario: Scenario, days: int | None = None) -> Estimate:
    """Memory and time of one run of ``scenario`` (burn-in included)."""
    city = scenario.city
    households = city.households.value
    cells = households // city.households_per_cell.value + 1
    offenders = city.offenders.value
    simulated = (days or scenario.calendar.days) + scenario.calendar.burn_in_days
    memory = (
        BASE_BYTES
        + households * BYTES_PER_HOUSEHOLD
        + cells * BYTES_PER_CELL
        + offenders * BYTES_PER_OFFENDER
    )
    seconds = simulated * (
        SECONDS_PER_DAY
        + households * SECONDS_PER_HOUSEHOLD_DAY
        + offenders * SECONDS_PER_OFFENDER_DAY
    )
    return Estimate(int(memory), seconds)


def check_days(scenario: Scenario, days: int | None, path: str) -> None:
    """``--days`` must lie within the scenario's calendar."""
    if days is not None and days > scenario.calendar.days:
        raise InputError(
            path,
            "calendar",
            f"--days {days} runs past the calendar's end ({scenario.calendar.days} days from "
            f"{scenario.calendar.start} to {scenario.calendar.end})",
        )


def check_feasible(
    scenario: Scenario, path: str, days: int | None = None, runs: int = 1, workers: int = 1
) -> Estimate:
    """Refuse, naming the field and the estimate, what will not fit or will not finish."""
    check_days(scenario, days, path)
    if runs > MAX_RUNS:
        raise InputError(path, "", f"{runs:,} runs planned (at most {MAX_RUNS:,})")
    cost = estimate(scenario, days)
    parallel = max(1, min(workers, runs))
    free = available_memory()
    if free is not None and cost.bytes_per_run * parallel > MEMORY_SHARE * free:
        raise InputError(
            path,
            "city.households",
            f"will not fit: {cost.describe(runs, parallel)} needed, {free / 1e9:,.1f} GB available",
        )
    if cost.seconds_per_run * runs / parallel > MAX_SECONDS:
        raise InputError(
            path,
            "calendar" if days is None else "",
            f"would take {cost.describe(runs, parallel)} ({runs:,} run(s)); the limit is "
            f"{MAX_SECONDS / 3600:,.0f} h",
        )
    return cost

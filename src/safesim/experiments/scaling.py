"""Scale a scenario to another number of households with the same doses per household.

Everything a scenario counts in absolute numbers (offenders, grid workers and grids,
officers and auxiliaries, cameras, devices, parking installations, volunteers and
ten-household units) is multiplied by ``households / scenario households``; rates are
per 1,000 households already and stay as they are, as do per-unit figures (households per
grid, visits per worker, team size, dwell time). So a scaled city has the same offenders,
police, cameras and volunteers per household as the original.

**Examples**::

    from safesim.core.scenario import load_scenario
    from safesim.experiments.scaling import scale_scenario
    city = scale_scenario(load_scenario("scenarios/guiyang.yaml"), 100_000)
"""

from __future__ import annotations

from safesim.core.interventions import scaled_counts
from safesim.core.scenario import Scenario, at_path

# Dotted paths of the absolute counts that grow with the city; each intervention's spec
# names its own (``scaled``).
SCALED_COUNTS = ("city.offenders", *scaled_counts())


def scale_scenario(scenario: Scenario, households: int) -> Scenario:
    """``scenario`` with ``households`` households and every count scaled to match.

    A count stays at least 1 if it was at least 1, so no intervention vanishes from a
    small city.
    """
    factor = households / scenario.city.households.value
    data = scenario.model_dump(mode="python")
    changes: dict[str, int] = {"city.households": int(households)}
    for path in SCALED_COUNTS:
        quantity = at_path(data, path)
        if quantity is None:
            continue
        value = int(quantity["value"])
        changes[path] = max(1 if value >= 1 else 0, round(value * factor))
    return scenario.with_values(changes)

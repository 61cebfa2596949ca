from __future__ import annotations

from pathlib import Path

import pytest

from safesim.interventions import ORDER
from safesim.scenario import Scenario, load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
INTERVENTIONS = tuple(cls.name for cls in ORDER)


@pytest.fixture(scope="session")
def small() -> Scenario:
    return load_scenario(SCENARIOS / "small.yaml")


def keep_only(scenario: Scenario, *names: str) -> Scenario:
    """The scenario with every intervention not in ``names`` removed."""
    data = scenario.model_dump(mode="python")
    for name in INTERVENTIONS:
        if name not in names:
            data["interventions"][name] = None
    return validate_scenario(data, None)

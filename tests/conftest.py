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


def seal(folder: Path, manifest: dict) -> None:
    """Write ``manifest`` for a folder a test made by hand, listing every file in it with
    its hash, as the commands' result-set writer does (readers refuse a manifest without)."""
    from safesim.results import MANIFEST, write_result_set

    files = {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }
    write_result_set(folder, files, manifest, keep_folder=True)

"""What a calibration reads from a run: the scenario at the design size, the figures, and
the hash of the model's source that keys the journal.

The runs themselves go through the batch engine (``safesim.experiments.batch``; the task function is
``calibration.citymodel.execute_paired``).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from safesim.core.outcomes import campaign_targets, target_value
from safesim.core.scenario import Scenario, load_scenario
from safesim.experiments.scaling import scale_scenario

# Counts over the campaign's first year, restated at the city's full size, for the
# report figures that are counts rather than changes (Guichi's 35 serious violent cases).
CAMPAIGN_YEAR_COUNTS = ("dispute_violence", "disputes_found", "disputes_mediated", "arrests")


@lru_cache(maxsize=16)
def scenario_at(path: str, households: int) -> Scenario:
    scenario = load_scenario(path)
    if households < scenario.city.households.value:
        scenario = scale_scenario(scenario, households)
    return scenario


def figures(
    scenario: Scenario, daily: pd.DataFrame, full_households: int
) -> dict[str, float | None]:
    """Every report target of the scenario, the generic campaign-year figures, and the
    campaign year's counts scaled to the full city."""
    out = {t.name: target_value(daily, t) for t in scenario.targets}
    for target in campaign_targets(scenario, daily):
        out[target.name] = target_value(daily, target)
    start = scenario.calendar.campaign_start.value
    first = date.fromisoformat(daily["date"].iloc[0])
    end = min(start + timedelta(days=364), date.fromisoformat(daily["date"].iloc[-1]))
    rows = daily.iloc[(start - first).days : (end - first).days + 1]
    factor = full_households / scenario.city.households.value
    for column in CAMPAIGN_YEAR_COUNTS:
        out[f"campaign_year_count_{column}"] = float(rows[column].sum()) * factor
    # JSON has no NaN: a figure the run cannot give is recorded as null.
    return {k: (float(v) if np.isfinite(v) else None) for k, v in out.items()}


# Modules that do not change what a run computes.
NOT_MODEL = {
    "cli.py", "plotting.py", "sweeps.py", "sensitivity.py", "shipped.py",
    "viz.py", "viz_app.py", "viz_page.py",
}  # fmt: skip


def model_digest() -> str:
    """A hash of the model's source, so runs of an older model are never reused."""
    package = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if {"calibration", "__pycache__", "ui", "reports"} & set(relative.parts) or (
            path.name in NOT_MODEL
        ):
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()

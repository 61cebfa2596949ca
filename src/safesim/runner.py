"""Running a scenario: replicates, their seeds, and the files a run writes.

A run is a function of the scenario and the seed. Replicate ``r`` uses the seed
``run_seed(seed, "replicate", r)``, the same whatever the intervention mix, so two mixes
run with the same seed share their random numbers replicate by replicate.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from safesim.model import SafetyModel
from safesim.outcomes import summarise
from safesim.parameters import MechanismParameters
from safesim.results import (  # noqa: F401 - re-exported for the commands that write runs
    CSV_FLOAT_FORMAT,
    Content,
    atomic_write_text,
    build_manifest,
    versions,
    write_csv,
    write_result_set,
)
from safesim.scenario import Scenario
from safesim.streams import run_seed


def replicate_seed(seed: int, replicate: int) -> int:
    return run_seed(seed, "replicate", replicate)


def run_once(
    scenario: Scenario,
    seed: int,
    days: int | None = None,
    parameters: MechanismParameters | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Run one replicate and return its daily table."""
    model = SafetyModel(scenario, seed=seed, parameters=parameters, days=days)
    model.run(progress)
    return model.record.frame()


def run_replicates(
    scenario: Scenario,
    seed: int,
    replicates: int,
    days: int | None = None,
    parameters: MechanismParameters | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[pd.DataFrame]:
    return [
        run_once(scenario, replicate_seed(seed, r), days, parameters, progress)
        for r in range(replicates)
    ]


def run_paired(
    scenario: Scenario,
    seed: int,
    replicates: int,
    days: int | None = None,
    parameters: MechanismParameters | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Each replicate of the mix and of its counterfactual twin (no intervention), on the
    same replicate seeds (common random numbers). Returns (mix dailies, twin dailies)."""
    mix = run_replicates(scenario, seed, replicates, days, parameters, progress)
    twin = run_replicates(scenario.counterfactual(), seed, replicates, days, parameters, progress)
    return mix, twin


def combine_daily(dailies: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [d.assign(replicate=r) for r, d in enumerate(dailies)]
    out = pd.concat(frames, ignore_index=True)
    return out[["replicate", *[c for c in out.columns if c != "replicate"]]]


def write_run(
    out_dir: Path,
    scenario: Scenario,
    scenario_path: str,
    seed: int,
    dailies: list[pd.DataFrame],
    wall_seconds: float,
    parameters_file: str | Path | None = None,
    extra: dict[str, Content] | None = None,
) -> dict[str, Path]:
    """Write daily.csv, summary.csv, any ``extra`` files and manifest.json under
    ``out_dir`` as one set (an older set there is replaced whole)."""
    contents: dict[str, Content] = {
        "daily.csv": combine_daily(dailies),
        "summary.csv": summarise(scenario, dailies),
        **(extra or {}),
    }
    manifest = build_manifest(
        "run",
        inputs={"scenario": scenario_path, "parameters": parameters_file},
        wall_seconds=wall_seconds,
        scenario=scenario.name,
        scenario_file=str(scenario_path),
        scenario_sha256=scenario.digest(),
        seed=seed,
        replicates=len(dailies),
        replicate_seeds=[replicate_seed(seed, r) for r in range(len(dailies))],
        days=len(dailies[0]),
        start=dailies[0]["date"].iloc[0],
        campaign_start=scenario.calendar.campaign_start.value.isoformat(),
        households=scenario.city.households.value,
        csv_float_format=CSV_FLOAT_FORMAT,
    )
    paths = write_result_set(out_dir, contents, manifest)
    return {Path(name).stem: path for name, path in paths.items()}

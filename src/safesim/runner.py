"""Running a scenario: replicates, their seeds, and the files a run writes.

A run is a function of the scenario and the seed. Replicate ``r`` uses the seed
``run_seed(seed, "replicate", r)``, the same whatever the intervention mix, so two mixes
run with the same seed share their random numbers replicate by replicate.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from safesim.model import AreaCounts, SafetyModel
from safesim.outcomes import MIN_REPLICATES_FOR_INTERVAL, effects, spillover, summarise
from safesim.parameters import MechanismParameters
from safesim.scenario import Scenario
from safesim.streams import run_seed

CSV_FLOAT_FORMAT = "%.6f"


def _read_umask() -> int:
    # The umask can only be read by setting it; do it once, before any worker threads.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


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
    same replicate seeds (common random numbers). Returns (mix dailies, twin dailies).

    The twin is forked from the mix at the end of the shared burn-in
    (``SafetyModel.counterfactual_twin``), so a pair costs one burn-in and two runs of
    the recorded days; it is the same, day by day, as running the counterfactual
    scenario on its own.
    """
    paired = run_paired_with_areas(scenario, seed, replicates, days, parameters, progress)
    return paired.mix, paired.twin


@dataclass
class PairedRun:
    """Replicates of a mix and its twin: daily tables and per-cell area counts."""

    mix: list[pd.DataFrame] = field(default_factory=list)
    twin: list[pd.DataFrame] = field(default_factory=list)
    mix_areas: list[AreaCounts] = field(default_factory=list)
    twin_areas: list[AreaCounts] = field(default_factory=list)
    width: int = 0
    height: int = 0
    catchment_cells: int = 2

    def spillover(self) -> pd.DataFrame:
        return spillover(
            self.mix_areas, self.twin_areas, self.width, self.height, self.catchment_cells
        )


def run_paired_with_areas(
    scenario: Scenario,
    seed: int,
    replicates: int,
    days: int | None = None,
    parameters: MechanismParameters | None = None,
    progress: Callable[[int], None] | None = None,
) -> PairedRun:
    """``run_paired``, keeping each run's per-cell dose and crime for spill-over."""
    out = PairedRun()
    for r in range(replicates):
        _add_pair(out, scenario, replicate_seed(seed, r), days, parameters, progress)
    return out


# ``--replicates auto``: add replicates until the 90 % interval of the headline effect
# (criminal cases, % against the twin) is at most this many points either side.
AUTO_HALF_WIDTH_POINTS = 2.0
AUTO_MAX_REPLICATES = 40


def run_paired_until_narrow(
    scenario: Scenario,
    seed: int,
    days: int | None = None,
    parameters: MechanismParameters | None = None,
    progress: Callable[[int], None] | None = None,
    half_width: float = AUTO_HALF_WIDTH_POINTS,
    max_replicates: int = AUTO_MAX_REPLICATES,
) -> PairedRun:
    """Paired replicates, at least ``MIN_REPLICATES_FOR_INTERVAL``, until the headline
    effect's 90 % interval is at most ``half_width`` % points either side (or
    ``max_replicates``). Replicate r has the same seed as in a fixed-count run."""
    out = PairedRun()
    for r in range(max_replicates):
        _add_pair(out, scenario, replicate_seed(seed, r), days, parameters, progress)
        if len(out.mix) < MIN_REPLICATES_FOR_INTERVAL:
            continue
        table = effects(scenario, out.mix, out.twin).set_index("outcome")
        low, high = table.loc["criminal_total", ["percent_p05", "percent_p95"]]
        if (high - low) / 2.0 <= half_width:
            break
    return out


def _add_pair(
    out: PairedRun,
    scenario: Scenario,
    seed: int,
    days: int | None,
    parameters: MechanismParameters | None,
    progress: Callable[[int], None] | None,
) -> None:
    model = SafetyModel(scenario, seed=seed, parameters=parameters, days=days)
    twin = model.counterfactual_twin()
    if twin is None:
        twin = SafetyModel(scenario.counterfactual(), seed=seed, parameters=parameters, days=days)
    model.run(progress)
    twin.run(progress)
    out.mix.append(model.record.frame())
    out.twin.append(twin.record.frame())
    out.mix_areas.append(model.areas)
    out.twin_areas.append(twin.areas)
    out.width, out.height = model.layout.width, model.layout.height
    out.catchment_cells = model.params.catchment_cells


def combine_daily(dailies: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [d.assign(replicate=r) for r, d in enumerate(dailies)]
    out = pd.concat(frames, ignore_index=True)
    return out[["replicate", *[c for c in out.columns if c != "replicate"]]]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("safesim", "mesa", "numpy", "scipy", "pandas", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        # mkstemp makes owner-only files; results are ordinary files (mode from the umask).
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write_text(path, frame.to_csv(index=False, float_format=CSV_FLOAT_FORMAT))


def write_run(
    out_dir: Path,
    scenario: Scenario,
    scenario_path: str,
    seed: int,
    dailies: list[pd.DataFrame],
    wall_seconds: float,
    twin_dailies: list[pd.DataFrame] | None = None,
    spill: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write daily.csv, summary.csv, effects.csv and spillover.csv (when the
    counterfactual twin ran) and manifest.json (each atomically) under ``out_dir``."""
    daily = combine_daily(dailies)
    summary = summarise(scenario, dailies)
    paths = {
        "daily": out_dir / "daily.csv",
        "summary": out_dir / "summary.csv",
    }
    write_csv(daily, paths["daily"])
    write_csv(summary, paths["summary"])
    if twin_dailies is not None:
        paths["effects"] = out_dir / "effects.csv"
        write_csv(effects(scenario, dailies, twin_dailies), paths["effects"])
    else:
        (out_dir / "effects.csv").unlink(missing_ok=True)
    if spill is not None:
        paths["spillover"] = out_dir / "spillover.csv"
        write_csv(spill, paths["spillover"])
    else:
        (out_dir / "spillover.csv").unlink(missing_ok=True)
    paths["manifest"] = out_dir / "manifest.json"
    manifest = {
        "kind": "run",
        "scenario": scenario.name,
        "scenario_file": scenario_path,
        "scenario_sha256": scenario.digest(),
        "seed": seed,
        "replicates": len(dailies),
        "counterfactual_twin": twin_dailies is not None,
        "replicate_seeds": [replicate_seed(seed, r) for r in range(len(dailies))],
        "days": len(dailies[0]),
        "start": dailies[0]["date"].iloc[0],
        "campaign_start": scenario.calendar.campaign_start.value.isoformat(),
        "households": scenario.city.households.value,
        "versions": versions(),
        "wall_seconds": round(wall_seconds, 3),
        "created_unix": int(time.time()),
    }
    atomic_write_text(paths["manifest"], json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return paths

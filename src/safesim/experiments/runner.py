"""Running a scenario: replicates, their seeds, and the files a run writes.

A run is a function of the scenario and the seed. Replicate ``r`` uses the seed
``run_seed(seed, "replicate", r)``, the same whatever the intervention mix, so two mixes
run with the same seed share their random numbers replicate by replicate. Given
``draws`` (``safesim.experiments.draws``), replicate ``r`` also runs at its parameter draw, the same
for every mix and its twin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from safesim.core.events import AreaCounts
from safesim.core.model import SafetyModel
from safesim.core.outcomes import MIN_REPLICATES_FOR_INTERVAL, effects, spillover, summarise
from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import Scenario
from safesim.core.streams import run_seed
from safesim.experiments.draws import ParameterDraws
from safesim.experiments.results import (  # noqa: F401 - re-exported for the commands that write runs
    CSV_FLOAT_FORMAT,
    Content,
    atomic_write_text,
    build_manifest,
    versions,
    write_csv,
    write_result_set,
)


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
    draws: ParameterDraws | None = None,
) -> list[pd.DataFrame]:
    """``replicates`` runs (``draws.runs`` when given, each at its draw)."""
    count = draws.runs if draws is not None else replicates
    return [
        run_once(
            scenario,
            replicate_seed(seed, r),
            days,
            _parameters(scenario, r, parameters, draws),
            progress,
        )
        for r in range(count)
    ]


def _parameters(
    scenario: Scenario,
    run: int,
    parameters: MechanismParameters | None,
    draws: ParameterDraws | None,
) -> MechanismParameters | None:
    return parameters if draws is None else draws.parameters(scenario, run)


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

    def spillover(self) -> pd.DataFrame:
        return spillover(self.mix_areas, self.twin_areas)


def run_paired_with_areas(
    scenario: Scenario,
    seed: int,
    replicates: int,
    days: int | None = None,
    parameters: MechanismParameters | None = None,
    progress: Callable[[int], None] | None = None,
    draws: ParameterDraws | None = None,
) -> PairedRun:
    """``run_paired``, keeping each run's per-cell dose and crime for spill-over. Given
    ``draws``, runs ``draws.runs`` pairs, each mix and twin at the pair's draw."""
    out = PairedRun()
    count = draws.runs if draws is not None else replicates
    for r in range(count):
        chosen = _parameters(scenario, r, parameters, draws)
        _add_pair(out, scenario, replicate_seed(seed, r), days, chosen, progress)
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
    twin_dailies: list[pd.DataFrame] | None = None,
    spill: pd.DataFrame | None = None,
    parameters_file: str | Path | None = None,
    extra: dict[str, Content] | None = None,
    draws: ParameterDraws | None = None,
) -> dict[str, Path]:
    """Write daily.csv, summary.csv, effects.csv, daily_twin.csv and spillover.csv (the
    last three when the counterfactual twin ran), any ``extra`` files and manifest.json
    under ``out_dir`` as one set (an older set there is replaced whole, so no file of it
    is left behind). With ``draws``, draws.csv gives each run's parameters, and
    summary.csv says where they came from."""
    draw_of = None if draws is None else draws.draw_index()[: len(dailies)]
    summary = summarise(scenario, dailies)
    if draws is not None:
        # A figure is calibrated only when it was a calibration target and the runs use
        # the calibration's result: a run at the evidence defaults is not.
        summary["calibrated"] = summary["calibrated"] & draws.calibrated
        fitted = draws.figures_fitted()
        if fitted is not None:
            # ... and only a figure the calibration could use (its emulator accepted).
            keys = scenario.name + ":" + summary["outcome"].astype(str)
            summary["calibrated"] = summary["calibrated"] & keys.isin(fitted)
        summary["parameters"] = draws.describe()
        summary["intervals_hold"] = draws.holds
    contents: dict[str, Content] = {
        "daily.csv": combine_daily(dailies),
        "summary.csv": summary,
    }
    if draws is not None:
        contents["draws.csv"] = draws.table().assign(
            seed=[replicate_seed(seed, r) for r in range(draws.runs)]
        )
    if twin_dailies is not None:
        contents["effects.csv"] = effects(
            scenario, dailies, twin_dailies, draw_of=draw_of,
            holds=draws.holds if draws is not None else None,
        )  # fmt: skip
        # The twin's days too, so `safesim viz RESULTS_DIR` replays mix against twin.
        contents["daily_twin.csv"] = combine_daily(twin_dailies)
    if spill is not None:
        contents["spillover.csv"] = spill
    contents.update(extra or {})
    manifest = build_manifest(
        "run",
        inputs={
            "scenario": scenario_path,
            "parameters": parameters_file,
            "parameter_sample": (draws.sample_path or None) if draws is not None else None,
        },
        wall_seconds=wall_seconds,
        scenario=scenario.name,
        scenario_file=str(scenario_path),
        scenario_sha256=scenario.digest(),
        seed=seed,
        replicates=len(dailies),
        counterfactual_twin=twin_dailies is not None,
        replicate_seeds=[replicate_seed(seed, r) for r in range(len(dailies))],
        days=len(dailies[0]),
        start=dailies[0]["date"].iloc[0],
        campaign_start=scenario.calendar.campaign_start.value.isoformat(),
        households=scenario.city.households.value,
        csv_float_format=CSV_FLOAT_FORMAT,
        parameter_draws=draws.manifest() if draws is not None else None,
    )
    paths = write_result_set(out_dir, contents, manifest)
    return {Path(name).stem: path for name, path in paths.items()}

"""The ``safesim`` command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from tqdm import tqdm

from safesim.scenario import ScenarioError, load_scenario


def fail(message: str) -> None:
    """One line on stderr and exit status 2: the way every bad input ends."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="safesim")
def main() -> None:
    """safesim: simulate community-safety programmes on a city grid.

    Runs a scenario (a city, its baseline and an intervention mix of grid workers,
    patrols, cameras, target hardening and volunteers) and reports what the mix does to
    crime and to the share of households that feel safe.
    """


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Run seed (default: the scenario's).")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Simulate only this many days from the calendar start.")
@click.option("--replicates", type=click.IntRange(min=1), default=1, show_default=True, help="Independent replicates (seeds derived from --seed).")
@click.option("--out", "out_root", type=click.Path(file_okay=False), default="results", show_default=True, help="Results folder; files go to OUT/<scenario name>/.")
def run(scenario_file: str, seed: int | None, days: int | None, replicates: int, out_root: str) -> None:
    """Run SCENARIO and write daily.csv, summary.csv and manifest.json.

    daily.csv has one row per replicate and day (crimes by type, calls, arrests,
    disputes, sense of security, crime in treated/catchment/other cells); summary.csv the
    report-style figures (year-on-year changes over the report's windows, the share that
    feels safe) with replicate means and 90 % intervals beside the report's own figure.
    """
    from safesim.runner import run_replicates, write_run

    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        fail(str(exc))
        return
    seed = scenario.seed if seed is None else seed
    total_days = (days or scenario.calendar.days) * replicates
    started = time.perf_counter()
    with tqdm(total=total_days, unit="day", desc=scenario.name, disable=None, leave=False) as bar:
        dailies = run_replicates(scenario, seed, replicates, days, progress=bar.update)
    wall = time.perf_counter() - started
    out_dir = Path(out_root) / scenario.name
    paths = write_run(out_dir, scenario, scenario_file, seed, dailies, wall)
    click.echo(f"{scenario.name}: {replicates} replicate(s) × {len(dailies[0])} days in {wall:.1f} s")
    for path in paths.values():
        click.echo(f"  wrote {path}")


NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"


def _at_least(option: str, value: int | None, minimum: int) -> None:
    if value is not None and value < minimum:
        fail(f"{option} must be ≥ {minimum} (got {value})")


def _interrupted(out_dir: Path) -> None:
    from safesim.sweeps import JOURNAL_DIR

    click.echo(
        f"\ninterrupted: finished runs are kept in {out_dir / JOURNAL_DIR}; "
        "run the same command again to continue",
        err=True,
    )
    sys.exit(130)


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option(
    "--vary",
    "vary",
    multiple=True,
    metavar="PATH=VALUES",
    help="An axis: PATH=v1,v2,... or PATH=start:stop:points (inclusive). Repeat for more axes.",
)
@click.option(
    "--sweep-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A sweep YAML file (axes, replicates, days, seed, name); options given here override it.",
)
@click.option(
    "--replicates", type=int, default=None, help="Runs per mix (default: the sweep file's, else 5)."
)
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Worker processes (or LocalCluster workers with --dask local).",
)
@click.option(
    "--days", type=int, default=None, help="Simulate only this many days from the calendar start."
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Base seed (default: the sweep file's, else the scenario's).",
)
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False),
    default="results",
    show_default=True,
    help="Results folder; files go to OUT/<name>/.",
)
@click.option(
    "--name", default=None, help="Folder name under OUT (default: <scenario name>-sweep)."
)
@click.option(
    "--dask",
    default=None,
    metavar="ADDRESS",
    help="Run on a Dask scheduler at ADDRESS (tcp://host:8786), or 'local' for a LocalCluster.",
)
@click.option(
    "--restart",
    is_flag=True,
    help="Discard the journal and files of an earlier sweep under the same name.",
)
def sweep(
    scenario_file: str,
    vary: tuple[str, ...],
    sweep_file: str | None,
    replicates: int | None,
    workers: int,
    days: int | None,
    seed: int | None,
    out_root: str,
    name: str | None,
    dask: str | None,
    restart: bool,
) -> None:
    """Run SCENARIO over a grid of intervention mixes and compare them.

    Every combination of the axes' values is a mix; a baseline with every intervention
    removed is always added (point 0). Replicate r of every mix uses the same seed, so
    mixes are compared on common random numbers. Writes runs.csv (one row per run),
    summary.csv (one row per mix: mean and 90 % interval of each outcome, the change
    against the reference mix, crimes averted and, where the scenario gives unit costs,
    cost per crime averted) and manifest.json under OUT/NAME/. Finished runs are kept in
    OUT/NAME/.runs/: the same command continues an interrupted sweep.
    """
    import re

    from safesim.sweeps import (
        DEFAULT_REPLICATES,
        SweepError,
        campaign_warning,
        load_sweep_file,
        parse_axis,
        plan_sweep,
        run_sweep,
    )

    _at_least("--replicates", replicates, 1)
    _at_least("--workers", workers, 1)
    _at_least("--days", days, 1)
    _at_least("--seed", seed, 0)
    if name is not None and not re.match(NAME_PATTERN, name):
        fail(f"--name '{name}': use letters, digits, '.', '_' and '-' only")
    out_dir = Path(out_root)
    try:
        scenario = load_scenario(scenario_file)
        spec = load_sweep_file(sweep_file) if sweep_file else None
        axes = (spec.axis_list() if spec else []) + [parse_axis(v) for v in vary]
        plan = plan_sweep(
            scenario,
            scenario_file,
            axes,
            replicates=replicates or (spec and spec.replicates) or DEFAULT_REPLICATES,
            days=days if days is not None else (spec.days if spec else None),
            seed=seed if seed is not None else (spec.seed if spec else None),
            name=name or (spec.name if spec else None),
        )
        out_dir = Path(out_root) / plan.name
        warning = campaign_warning(scenario, plan.days)
        if warning:
            click.echo(f"warning: {warning}", err=True)
        result = run_sweep(plan, out_root, workers=workers, dask=dask, restart=restart)
    except (ScenarioError, SweepError) as exc:
        fail(str(exc))
        return
    except KeyboardInterrupt:
        _interrupted(out_dir)
        return
    rate = f"{result.runs_per_minute:.1f} runs/min" if result.ran_now else "nothing left to run"
    click.echo(
        f"{plan.name}: {result.runs} runs ({result.failed} failed) over {len(plan.points)} "
        f"mixes; {result.ran_now} run now in {result.wall_seconds:.1f} s on "
        f"{result.executor}: {rate}"
    )
    for file in ("runs.csv", "summary.csv", "manifest.json"):
        click.echo(f"  wrote {result.out_dir / file}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option(
    "--outcome",
    default="campaign_year_criminal_total",
    show_default=True,
    help="The outcome to screen (a figure of summary.csv, or campaign_crimes).",
)
@click.option(
    "--trajectories",
    type=int,
    default=10,
    show_default=True,
    help="Morris trajectories; runs = trajectories × (factors + 1).",
)
@click.option(
    "--levels", type=int, default=4, show_default=True, help="Grid levels per factor (even)."
)
@click.option(
    "--parameters",
    "parameter_list",
    default=None,
    metavar="NAME,...",
    help="Screen only these mechanism parameters (default: all).",
)
@click.option(
    "--include-interventions",
    is_flag=True,
    help="Also screen every intervention size, from 0 to twice the scenario's value.",
)
@click.option(
    "--days", type=int, default=None, help="Simulate only this many days from the calendar start."
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Base seed (default: the scenario's); also seeds the Morris sample.",
)
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Worker processes (or LocalCluster workers with --dask local).",
)
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False),
    default="results",
    show_default=True,
    help="Results folder; files go to OUT/<name>/.",
)
@click.option(
    "--name", default=None, help="Folder name under OUT (default: <scenario name>-sensitivity)."
)
@click.option(
    "--dask",
    default=None,
    metavar="ADDRESS",
    help="Run on a Dask scheduler at ADDRESS, or 'local' for a LocalCluster.",
)
@click.option(
    "--restart",
    is_flag=True,
    help="Discard the journal and files of an earlier screening under the same name.",
)
def sensitivity(
    scenario_file: str,
    outcome: str,
    trajectories: int,
    levels: int,
    parameter_list: str | None,
    include_interventions: bool,
    days: int | None,
    seed: int | None,
    workers: int,
    out_root: str,
    name: str | None,
    dask: str | None,
    restart: bool,
) -> None:
    """Morris screening of SCENARIO's mechanism parameters on one outcome.

    Each factor ranges over the bounds the evidence allows (and, with
    --include-interventions, each intervention size over 0..2× the scenario's value).
    Every run uses the same seed, so effects are not sampling noise. Writes
    sensitivity.csv (mu_star, mu_star_conf, sigma, mu per factor, largest mu_star first),
    sensitivity.png (bar chart), runs.csv and manifest.json under OUT/NAME/; finished runs
    are kept in OUT/NAME/.runs/, so the same command continues an interrupted screening.
    """
    import re

    from safesim.sensitivity import AnalysisError, plan_sensitivity, run_sensitivity
    from safesim.sweeps import SweepError

    _at_least("--workers", workers, 1)
    _at_least("--days", days, 1)
    _at_least("--seed", seed, 0)
    if name is not None and not re.match(NAME_PATTERN, name):
        fail(f"--name '{name}': use letters, digits, '.', '_' and '-' only")
    parameters = None
    if parameter_list is not None:
        parameters = [p.strip() for p in parameter_list.split(",") if p.strip()]
        if not parameters:
            fail("--parameters: give at least one mechanism parameter name")
    out_dir = Path(out_root)
    try:
        scenario = load_scenario(scenario_file)
        plan = plan_sensitivity(
            scenario,
            scenario_file,
            outcome=outcome,
            trajectories=trajectories,
            levels=levels,
            days=days,
            seed=seed,
            parameters=parameters,
            include_interventions=include_interventions,
            name=name,
        )
        out_dir = Path(out_root) / plan.name
        result = run_sensitivity(plan, out_root, workers=workers, dask=dask, restart=restart)
    except (ScenarioError, SweepError) as exc:
        fail(str(exc))
        return
    except AnalysisError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        _interrupted(out_dir)
        return
    rate = f"{result.runs_per_minute:.1f} runs/min" if result.ran_now else "nothing left to run"
    click.echo(
        f"{plan.name}: {result.runs} runs ({len(plan.factors)} factors × "
        f"{plan.trajectories} trajectories); {result.ran_now} run now in "
        f"{result.wall_seconds:.1f} s on {result.executor}: {rate}"
    )
    top = result.table.head(5)
    for row in top.itertuples():
        click.echo(f"  {row.factor}: mu_star {row.mu_star:.3g} ± {row.mu_star_conf:.2g}")
    for file in ("sensitivity.csv", "sensitivity.png", "runs.csv", "manifest.json"):
        click.echo(f"  wrote {result.out_dir / file}")


if __name__ == "__main__":
    main()

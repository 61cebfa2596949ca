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


if __name__ == "__main__":
    main()

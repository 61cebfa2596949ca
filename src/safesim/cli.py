"""The ``safesim`` command line."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from tqdm import tqdm

from safesim.results import ResultsError, folder_lock, set_command
from safesim.scenario import NAME_PATTERN, Scenario, ScenarioError, load_scenario


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: the way every bad input ends."""
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(2)


def describe_os_error(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else ""
    what = exc.strerror or type(exc).__name__
    return f"{where}: {what}" if where else what


class SafesimGroup(click.Group):
    """Every way a command can end badly is one line: click's usage errors (which it
    would print over three), a file-system error, memory running out."""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        set_command(["safesim", *(sys.argv[1:] if args is None else list(args))])
        try:
            code = super().main(args, *rest, **kwargs)
        except click.exceptions.Abort:
            click.echo("\ninterrupted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            click.echo(f"error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:
            fail(describe_os_error(exc))
        except MemoryError:
            fail("out of memory: use a smaller city (city.households) or fewer workers")
        sys.exit(code if isinstance(code, int) else 0)


def load_checked(scenario_file: str) -> Scenario:
    """The scenario, or one line and exit 2; warns of a city with no offenders."""
    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        fail(str(exc))
    if scenario.city.offenders.value == 0:
        click.echo(
            f"warning: {scenario_file}: city.offenders: 0, so only crimes not committed by "
            "the offender pool (disputes, public order) will happen",
            err=True,
        )
    return scenario


def check_name(option: str, name: str | None) -> None:
    """A results folder name stays inside --out: no '..', no '/', not hidden, not huge."""
    import re

    if name is not None and not re.match(NAME_PATTERN, name):
        fail(
            f"{option} '{name[:40]}': use up to 80 letters, digits, '.', '_' and '-', "
            "starting with a letter, digit or '_'"
        )


def check_out(out_root: str, name: str) -> Path:
    """``OUT/NAME`` can be written: checked before anything runs."""
    root = Path(out_root)
    out_dir = root / name
    if root.exists() and not root.is_dir():
        fail(f"--out {root}: exists and is not a folder")
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"{out_dir}: exists and is not a folder")
    existing = out_dir if out_dir.exists() else root
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        fail(f"--out {root}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        fail(f"--out {root}: {existing} is not writable")
    return out_dir


def check_cost(
    scenario: Scenario, scenario_file: str, days: int | None, runs: int = 1, workers: int = 1
) -> None:
    from safesim.limits import check_feasible

    try:
        check_feasible(scenario, scenario_file, days, runs, workers)
    except ScenarioError as exc:
        fail(str(exc))


@click.group(cls=SafesimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="safesim")
def main() -> None:
    """safesim: simulate community-safety programmes on a city grid.

    Runs a scenario (a city, its baseline and an intervention mix of grid workers,
    patrols, cameras, target hardening and volunteers) and reports what the mix does to
    crime and to the share of households that feel safe.
    """


class ReplicateCount(click.ParamType):
    """A replicate count ≥ 1, or ``auto``."""

    name = "N|auto"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | str:
        if isinstance(value, int) and value >= 1:
            return value
        text = str(value).strip().lower()
        if text == "auto":
            return "auto"
        if text.isdigit() and int(text) >= 1:
            return int(text)
        self.fail(f"{value!r} is not a whole number ≥ 1 or 'auto'", param, ctx)


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Run seed (default: the scenario's)."
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Simulate only this many days from the calendar start.",
)
@click.option(
    "--replicates",
    type=ReplicateCount(),
    default="5",
    show_default=True,
    help="Independent replicates (seeds derived from --seed); intervals need at least 5. "
    "'auto': add replicates until the criminal-case effect's 90 % interval is within "
    "±2 points (at most 40; needs the counterfactual twin).",
)
@click.option(
    "--counterfactual/--no-counterfactual",
    default=True,
    show_default=True,
    help="Also run each replicate with no intervention (same seeds) and write effects.csv.",
)
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False),
    default="results",
    show_default=True,
    help="Results folder; files go to OUT/<scenario name>/.",
)
@click.option(
    "--parameters",
    "parameters_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Mechanism parameters file (as `safesim calibrate` writes); "
    "the scenario's own `parameters:` still win.",
)
def run(
    scenario_file: str,
    seed: int | None,
    days: int | None,
    replicates: int | str,
    counterfactual: bool,
    out_root: str,
    parameters_file: str | None,
) -> None:
    """Run SCENARIO and write daily.csv, summary.csv, effects.csv and manifest.json.

    daily.csv has one row per replicate and day (crimes by type, calls, arrests,
    disputes, sense of security, crime in treated/catchment/other cells); summary.csv the
    report-style figures (year-on-year changes over the report's windows, the share that
    feels safe) with replicate means and 90 % intervals beside the report's own figure;
    effects.csv each outcome against the counterfactual twin (the same replicate seeds
    with no intervention): mix, twin, difference and % difference with 90 % intervals.
    """
    from safesim.calibration import load_parameters
    from safesim.outcomes import MIN_REPLICATES_FOR_INTERVAL
    from safesim.parameters import resolve
    from safesim.runner import (
        AUTO_MAX_REPLICATES,
        run_paired_until_narrow,
        run_paired_with_areas,
        run_replicates,
        write_run,
    )

    scenario = load_checked(scenario_file)
    try:
        fitted = load_parameters(parameters_file) if parameters_file else {}
    except ScenarioError as exc:
        fail(str(exc))
        return
    parameters = resolve(scenario, fitted=fitted)
    seed = scenario.seed if seed is None else seed
    with_twin = counterfactual and any(
        spec is not None for spec in dict(scenario.interventions).values()
    )
    if replicates == "auto" and not with_twin:
        fail(
            f"{scenario_file}: --replicates auto needs a mix and its counterfactual twin "
            "(interventions, without --no-counterfactual)"
        )
        return
    runs = None if replicates == "auto" else int(replicates) * (2 if with_twin else 1)
    check_cost(scenario, scenario_file, days, runs or 2 * AUTO_MAX_REPLICATES)
    out_dir = check_out(out_root, scenario.name)
    total_days = None if runs is None else (days or scenario.calendar.days) * runs
    twins = spill = None
    try:
        with folder_lock(out_dir):
            started = time.perf_counter()
            with tqdm(
                total=total_days, unit="day", desc=scenario.name, disable=None, leave=False
            ) as bar:
                if replicates == "auto":
                    paired = run_paired_until_narrow(
                        scenario, seed, days, parameters=parameters, progress=bar.update
                    )
                    dailies, twins, spill = paired.mix, paired.twin, paired.spillover()
                elif with_twin:
                    paired = run_paired_with_areas(
                        scenario, seed, replicates, days, parameters=parameters,
                        progress=bar.update,
                    )  # fmt: skip
                    dailies, twins, spill = paired.mix, paired.twin, paired.spillover()
                else:
                    dailies = run_replicates(
                        scenario, seed, int(replicates), days, parameters=parameters,
                        progress=bar.update,
                    )  # fmt: skip
            wall = time.perf_counter() - started
            paths = write_run(
                out_dir, scenario, scenario_file, seed, dailies, wall, twins, spill,
                parameters_file=parameters_file,
            )  # fmt: skip
    except ResultsError as exc:
        fail(str(exc))
    twin_note = " (and their counterfactual twins)" if twins is not None else ""
    done = len(dailies)
    click.echo(
        f"{scenario.name}: {done} replicate(s){twin_note} × {len(dailies[0])} days in {wall:.1f} s"
    )
    if done < MIN_REPLICATES_FOR_INTERVAL:
        click.echo(
            f"warning: {done} replicate(s): the 90 % intervals need at least "
            f"{MIN_REPLICATES_FOR_INTERVAL} to mean something (--replicates)",
            err=True,
        )
    if twins is not None:
        _echo_headline_effects(paths["effects"])
    for path in paths.values():
        click.echo(f"  wrote {path}")


HEADLINE_EFFECTS = {
    "criminal_total": "criminal cases",
    "two_robberies_one_theft": "两抢一盗",
    "public_order": "public-order cases",
    "sense_of_security": "feeling safe (pp)",
    "cost_per_crime_averted": "yuan per crime averted",
}


def _echo_headline_effects(effects_csv: Path) -> None:
    import pandas as pd

    table = pd.read_csv(effects_csv)
    click.echo("effect against the same city with no intervention (90 % interval):")
    for _, row in table.iterrows():
        label = HEADLINE_EFFECTS.get(str(row["outcome"]))
        if label is None:
            continue
        mean, lo, hi = row["difference"], row["difference_p05"], row["difference_p95"]
        if row["outcome"] == "sense_of_security":
            figure = f"{mean:+.2f} [{lo:+.2f}, {hi:+.2f}]"
        elif row["outcome"] == "cost_per_crime_averted":
            figure = f"{mean:,.0f} [{lo:,.0f}, {hi:,.0f}]"
        else:
            figure = (
                f"{row['percent_change']:+.1f} % [{row['percent_p05']:+.1f}, "
                f"{row['percent_p95']:+.1f}]  ({row['difference']:+,.0f} cases)"
            )
        click.echo(f"  {label:24s} {figure}")


def _at_least(option: str, value: int | None, minimum: int) -> None:
    if value is not None and value < minimum:
        fail(f"{option} must be ≥ {minimum} (got {value})")


def batch_options(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options sweep and sensitivity share, with the same meaning and checks."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        options = [
            click.option(
                "--days",
                type=click.IntRange(min=1),
                default=None,
                help="Simulate only this many days from the calendar start.",
            ),
            click.option(
                "--seed",
                type=click.IntRange(min=0),
                default=None,
                help="Base seed (default: the scenario's).",
            ),
            click.option(
                "--workers",
                type=click.IntRange(min=1, max=1024),
                default=1,
                show_default=True,
                help="Worker processes (or LocalCluster workers with --dask local).",
            ),
            click.option(
                "--out",
                "out_root",
                type=click.Path(file_okay=False),
                default="results",
                show_default=True,
                help="Results folder; files go to OUT/<name>/.",
            ),
            click.option(
                "--name", default=None, help=f"Folder name under OUT (default: <scenario>-{kind})."
            ),
            click.option(
                "--dask",
                default=None,
                metavar="ADDRESS",
                help="Run on a Dask scheduler at ADDRESS (tcp://host:8786), or 'local' for a "
                "LocalCluster.",
            ),
            click.option(
                "--restart",
                is_flag=True,
                help=f"Discard the journal and files of an earlier {kind} under the same name.",
            ),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@contextmanager
def batch_errors(out_dir: Callable[[], Path]) -> Iterator[None]:
    """The one error handler of sweep and sensitivity: bad input is one line and exit 2,
    a lost worker or an interrupt says where the finished runs are kept."""
    from safesim.batch import JOURNAL_DIR, SweepError, WorkerLost
    from safesim.sensitivity import AnalysisError

    try:
        yield
    except (ScenarioError, SweepError, ResultsError) as exc:
        fail(str(exc))
    except AnalysisError as exc:
        click.echo(f"error: {one_line(str(exc))}", err=True)
        sys.exit(1)
    except WorkerLost as exc:
        click.echo(
            f"\nerror: {one_line(str(exc))}; finished runs are kept in "
            f"{out_dir() / JOURNAL_DIR}: run the same command again to continue",
            err=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(
            f"\ninterrupted: finished runs are kept in {out_dir() / JOURNAL_DIR}; "
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
    help="An axis: PATH=v1,v2,... or PATH=start:stop:points (inclusive). PATH is any "
    "numeric field of the scenario (interventions.*, city.*, parameters.*). Repeat for more.",
)
@click.option(
    "--sweep-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A sweep YAML file (axes, replicates, days, seed, name); options given here override it.",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=1),
    default=None,
    help="Runs per mix (default: the sweep file's, else 5).",
)
@batch_options("sweep")
def sweep(
    scenario_file: str,
    vary: tuple[str, ...],
    sweep_file: str | None,
    replicates: int | None,
    days: int | None,
    seed: int | None,
    workers: int,
    out_root: str,
    name: str | None,
    dask: str | None,
    restart: bool,
) -> None:
    """Run SCENARIO over a grid of mixes (or of any numeric settings) and compare them.

    Every combination of the axes' values is a mix; a baseline with every intervention
    removed is always added (point 0). Replicate r of every mix uses the same seed, so
    mixes are compared on common random numbers. Writes runs.csv (one row per run),
    summary.csv (one row per mix: mean and 90 % interval of each outcome, the change
    against the reference mix, crimes averted and, where the scenario gives unit costs,
    cost per crime averted) and manifest.json under OUT/NAME/. Finished runs are kept in
    OUT/NAME/.runs/: the same command continues an interrupted sweep.
    """
    from safesim.sweeps import (
        DEFAULT_REPLICATES,
        SweepError,
        campaign_warning,
        load_sweep_file,
        parse_axis,
        plan_sweep,
        run_sweep,
    )

    check_name("--name", name)
    scenario = load_checked(scenario_file)
    folder = [Path(out_root)]
    with batch_errors(lambda: folder[0]):
        spec = load_sweep_file(sweep_file) if sweep_file else None
        try:
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
        except SweepError as exc:
            # An axis written in the sweep file: name the file, as every bad input does.
            message = str(exc)
            from_file = spec is not None and not vary
            if spec is not None and any(message.startswith(f"axis {p}") for p in spec.axes):
                from_file = True
            raise SweepError(f"{sweep_file}: {message}" if from_file else message) from None
        plan.sweep_file = sweep_file
        largest = max(plan.points, key=lambda p: p.scenario.city.households.value).scenario
        check_cost(largest, scenario_file, plan.days, len(plan.points) * plan.replicates, workers)
        folder[0] = check_out(out_root, plan.name)
        warning = campaign_warning(scenario, plan.days)
        if warning:
            click.echo(f"warning: {warning}", err=True)
        result = run_sweep(plan, out_root, workers=workers, dask=dask, restart=restart)
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
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="Morris trajectories; runs = trajectories × (factors + 1).",
)
@click.option(
    "--levels",
    type=click.IntRange(min=2, max=1000),
    default=4,
    show_default=True,
    help="Grid levels per factor (even).",
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
@batch_options("sensitivity")
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
    from safesim.sensitivity import plan_sensitivity, run_sensitivity

    check_name("--name", name)
    parameters = None
    if parameter_list is not None:
        parameters = [p.strip() for p in parameter_list.split(",") if p.strip()]
        if not parameters:
            fail("--parameters: give at least one mechanism parameter name")
    scenario = load_checked(scenario_file)
    folder = [Path(out_root)]
    with batch_errors(lambda: folder[0]):
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
        check_cost(scenario, scenario_file, days, len(plan.samples), workers)
        folder[0] = check_out(out_root, plan.name)
        result = run_sensitivity(plan, out_root, workers=workers, dask=dask, restart=restart)
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


@main.command()
@click.argument("scenario_files", metavar="A B [C ...]", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--replicates",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Replicates per scenario, on the same seeds for all.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Base seed (default: the first's)."
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Simulate only this many days from each calendar start.",
)
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False),
    default="results",
    show_default=True,
    help="Results folder; files go to OUT/NAME/.",
)
@click.option("--name", default=None, help="Folder name under OUT (default: compare-A-B-...).")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the figure and brief.",
)
def compare(
    scenario_files: tuple[str, ...],
    replicates: int,
    seed: int | None,
    days: int | None,
    out_root: str,
    name: str | None,
    lang: str,
) -> None:
    """Compare scenarios B, C, ... with A on common random numbers.

    Replicate r of every scenario runs on the same seed, so each difference is what the
    scenarios change, not noise. Writes outcomes.csv (every outcome per scenario and
    replicate), differences.csv (each scenario minus A: mean and 90 % interval of the
    paired differences), differences.png, brief.html and manifest.json under OUT/NAME/.
    """
    import re

    from safesim.brief import BriefError, write_brief
    from safesim.compare import compare_scenarios, write_comparison
    from safesim.plotting import PlotError, plot_results

    if len(scenario_files) < 2:
        fail("compare needs at least two scenario files (A B [C ...])")
    if name is not None and not re.match(NAME_PATTERN, name):
        fail(f"--name '{name}': use letters, digits, '.', '_' and '-' only")
    try:
        scenarios = [load_scenario(f) for f in scenario_files]
        _check_language(lang)
    except ScenarioError as exc:
        fail(str(exc))
        return
    seed = scenarios[0].seed if seed is None else seed
    name = name or "compare-" + "-".join(s.name for s in scenarios)
    total = sum(days or s.calendar.days for s in scenarios) * replicates
    started = time.perf_counter()
    with tqdm(total=total, unit="day", desc=name, disable=None, leave=False) as bar:
        result = compare_scenarios(scenarios, seed, replicates, days, progress=bar.update)
    wall = time.perf_counter() - started
    out_dir = Path(out_root) / name
    paths = write_comparison(out_dir, result, scenario_files, days, wall)
    try:
        written = [*paths.values(), *plot_results(out_dir, lang=lang)]
        written.append(write_brief(out_dir, lang=lang))
    except (PlotError, BriefError) as exc:
        fail(str(exc))
        return
    click.echo(f"{name}: {len(scenarios)} scenarios × {replicates} replicates in {wall:.1f} s")
    headline = result.differences[result.differences["outcome"] == "campaign_criminal_total"]
    for row in headline.itertuples():
        click.echo(
            f"  {row.scenario} − {row.against}: criminal cases {row.difference_mean:+.1f} "
            f"(90 % interval {row.difference_p05:+.1f} to {row.difference_p95:+.1f})"
        )
    for path in written:
        click.echo(f"  wrote {path}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option(
    "--budget",
    type=float,
    required=True,
    help="Yearly budget in yuan (e.g. 6.45e6); no mix costs more.",
)
@click.option(
    "--trials", type=click.IntRange(min=1), default=None, help="Mixes to try (default 48)."
)
@click.option(
    "--population",
    type=click.IntRange(min=2),
    default=None,
    help="NSGA-II population: mixes per generation (default 12).",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=1),
    default=None,
    help="Replicates per mix, on the seeds of the no-intervention twin (default 3).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Simulate only this many days from the calendar start.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Base seed (default: the scenario's)."
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Processes."
)
@click.option(
    "--quick",
    is_flag=True,
    help="A small search for trying the command out: 8 mixes, 4 per generation, 2 replicates.",
)
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False),
    default="results",
    show_default=True,
    help="Results folder; files go to OUT/NAME/.",
)
@click.option("--name", default=None, help="Folder name under OUT (default: <scenario>-optimize).")
@click.option("--restart", is_flag=True, help="Discard an earlier search under the same name.")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the figure and brief.",
)
def optimize(
    scenario_file: str,
    budget: float,
    trials: int | None,
    population: int | None,
    replicates: int | None,
    days: int | None,
    seed: int | None,
    workers: int,
    quick: bool,
    out_root: str,
    name: str | None,
    restart: bool,
    lang: str,
) -> None:
    """Search the mixes of SCENARIO's priced interventions within a yearly budget.

    Each candidate spends up to the budget on the interventions that have a
    unit_cost_yuan, their counts scaled to the money (rounded down: never over budget),
    and runs on the same replicate seeds as the scenario's no-intervention twin. NSGA-II
    (Optuna) trades off criminal cases averted, the change in the share feeling safe and
    the cost. Writes trials.csv, front.csv (the mixes nothing beats on all three),
    front.png, recommended.yaml (a scenario `safesim run` reproduces), brief.html,
    manifest.json and study.db (the same command continues an interrupted search).
    """
    import re

    from safesim.brief import BriefError, write_brief
    from safesim.optimize import OptimizeError, OptimizeSettings, optimise
    from safesim.plotting import PlotError, plot_results

    if name is not None and not re.match(NAME_PATTERN, name):
        fail(f"--name '{name}': use letters, digits, '.', '_' and '-' only")
    defaults = (8, 4, 2) if quick else (48, 12, 3)
    settings = OptimizeSettings(
        budget=budget,
        trials=trials or defaults[0],
        population=population or defaults[1],
        replicates=replicates or defaults[2],
        days=days,
        seed=seed,
        workers=workers,
    )
    try:
        scenario = load_scenario(scenario_file)
        _check_language(lang)
    except ScenarioError as exc:
        fail(str(exc))
        return
    out_dir = Path(out_root) / (name or f"{scenario.name}-optimize")
    try:
        with tqdm(total=settings.trials, unit="mix", desc=out_dir.name, disable=None) as bar:
            result = optimise(
                scenario, scenario_file, settings, out_dir, restart=restart, progress=bar.update
            )
    except OptimizeError as exc:
        fail(str(exc))
        return
    except KeyboardInterrupt:
        click.echo(
            f"\ninterrupted: finished mixes are kept in {out_dir / 'study.db'}; "
            "run the same command again to continue",
            err=True,
        )
        sys.exit(130)
    try:
        figures = plot_results(out_dir, lang=lang)
        brief = write_brief(out_dir, lang=lang)
    except (PlotError, BriefError) as exc:
        fail(str(exc))
        return
    best = result.recommended
    click.echo(
        f"{out_dir.name}: {len(result.trials)} mixes ({result.ran_now} run now in "
        f"{result.wall_seconds:.0f} s), {len(result.front)} on the front"
    )
    click.echo(
        f"  recommended (trial {int(best['trial'])}): ¥{best['annual_cost_yuan']:,.0f} a year, "
        f"{best['crimes_averted']:.1f} criminal cases averted (90 % interval "
        f"{best['crimes_averted_p05']:.1f} to {best['crimes_averted_p95']:.1f}), felt safety "
        f"{best['security_change_pp']:+.2f} points"
    )
    for file in ("trials.csv", "front.csv", "recommended.yaml", "manifest.json"):
        click.echo(f"  wrote {out_dir / file}")
    for path in [*figures, brief]:
        click.echo(f"  wrote {path}")


def _check_language(lang: str) -> None:
    """Chinese labels need a CJK font: say how to install one rather than draw boxes."""
    if lang == "zh":
        from safesim.plotting import cjk_font

        if cjk_font() is None:
            raise ScenarioError(
                "--lang zh",
                "",
                "no Chinese (CJK) font is installed; install one "
                "(e.g. apt-get install fonts-noto-cjk) or use --lang en",
            )


# The browser view reads its scenario file from this variable (see safesim.viz).
VIZ_SCENARIO_ENV = "SAFESIM_VIZ_SCENARIO"


def _port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served, or None when it is free.

    Binds the way the web server will (with SO_REUSEADDR, so a connection still closing
    does not count as busy) and lets go at once.
    """
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot listen on host '{host}': {exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except PermissionError:
            return f"port {port} on {host} needs privileges: choose another with --port"
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use: choose another with --port"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _die_with_parent() -> None:
    """In the server child: exit when ``safesim viz`` dies, even by SIGKILL (Linux)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: Ctrl+C and SIGTERM still stop the server


@main.command()
@click.argument("scenario_file", metavar="[SCENARIO | RESULTS_DIR]", default="scenarios/small.yaml")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port."
)
@click.option(
    "--households",
    default=None,
    metavar="N|full",
    help="Households of the city shown (default 20,000; 'full': the scenario's own size). "
    "Offenders and interventions are scaled alike; a larger city plays fewer days a second.",
)
def viz(scenario_file: str, host: str, port: int, households: str | None) -> None:
    """Serve the browser view of SCENARIO (default: the shipped scenarios/small.yaml), or
    replay RESULTS_DIR, a folder `safesim run` wrote.

    A Mesa SolaraViz page: the city with the mix (recent crime per cell, patrol teams'
    stops, grid workers' calls, cameras and offenders, each described on hover), the
    difference map against the no-intervention twin (the same seeds), criminal cases
    and the sense of security with and without the mix as the days run, with the
    campaign marked, and sliders for patrol officers, cameras, grid workers, volunteers,
    target-hardening devices and the seed (press Reset to apply them). The city is
    shrunk to 20,000 households (or --households), interventions scaled alike, so it
    stays interactive; the page states the scale and the days a second Play reaches.
    A replay shows the run's daily series with a day slider, without simulating. The
    shipped scenarios are found from any folder. Stop with Ctrl+C.
    """
    import importlib.util
    import os
    import signal
    import subprocess

    from safesim.shipped import resolve_scenario
    from safesim.viz import HOUSEHOLDS_ENV, RESULTS_ENV, ReplayError, ReplayModel, parse_households

    target = Path(scenario_file)
    env = dict(os.environ)
    env.pop(RESULTS_ENV, None)
    env.pop(VIZ_SCENARIO_ENV, None)
    env.pop(HOUSEHOLDS_ENV, None)
    if households is not None:
        try:
            parse_households(households)
        except ValueError as exc:
            fail(f"--households: {exc}")
            return
        env[HOUSEHOLDS_ENV] = households
    if target.is_dir():
        try:
            replay = ReplayModel(str(target))
        except ReplayError as exc:
            fail(str(exc))
            return
        title = f"replay of {replay.name} ({target})"
        env[RESULTS_ENV] = str(target.resolve())
    else:
        resolved = resolve_scenario(scenario_file)
        try:
            scenario = load_scenario(resolved)
        except ScenarioError as exc:
            fail(str(exc))
            return
        title = scenario.name
        env[VIZ_SCENARIO_ENV] = str(resolved.resolve())
    # Solara's "This website runs on Solara" banner covers the bottom of a laptop screen.
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    if importlib.util.find_spec("solara") is None:
        fail("the browser view needs solara: pip install 'mesa[rec]'")
    problem = _port_problem(host, port)
    if problem:
        fail(problem)
    app_spec = importlib.util.find_spec("safesim.viz_app")
    if app_spec is None or app_spec.origin is None:
        fail("safesim.viz_app is missing from this installation")
        return
    command = [
        sys.executable, "-m", "solara", "run", app_spec.origin,
        "--host", host, "--port", str(port), "--production", "--no-open",
    ]  # fmt: skip
    url_host = f"[{host}]" if ":" in host else host
    if not _is_loopback(host):
        click.echo(
            f"warning: --host {host} serves the page without authentication to every "
            "machine that can reach this one; use 127.0.0.1 unless that is intended",
            err=True,
        )
    click.echo(f"safesim viz: {title} at http://{url_host}:{port}/ (Ctrl+C to stop)")
    server = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)

    def stop_on_terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # a plain kill stops the web server too, as Ctrl+C does

    signal.signal(signal.SIGTERM, stop_on_terminate)
    try:
        code = server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        code = 0
    sys.exit(code)


@main.command()
@click.argument("results_dir", metavar="RESULTS_DIR")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg"]),
    default="png",
    show_default=True,
    help="Image format of the figures.",
)
def plot(results_dir: str, fmt: str) -> None:
    """Draw the figures for a results folder, next to its CSVs.

    What is drawn follows manifest.json's kind (else the CSVs present). A run
    (daily.csv, summary.csv): crime by type and the sense of security over time with
    the replicate mean and 90 % band and the campaign shaded, and the summary figures
    against the report's own. A sweep (runs.csv): dose-response curves per axis with 90 %
    intervals, a heat map for two axes, and cost per crime averted where it is given.
    """
    from safesim.plotting import PlotError, plot_results

    try:
        written = plot_results(results_dir, fmt)
    except PlotError as exc:
        fail(str(exc))
        return
    for path in written:
        click.echo(f"  wrote {path}")


@main.command()
@click.argument("results_dir", metavar="RESULTS_DIR")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the labels (zh needs a CJK font).",
)
def brief(results_dir: str, lang: str) -> None:
    """Write a one-page HTML brief of a results folder (brief.html, figures embedded).

    Works for a run, a comparison, a sweep, a sensitivity screening and an optimisation:
    what was asked, what the model says with 90 % intervals, what it rests on (source
    reports by title, issuer and date; the scenario's assumptions; calibration status) and
    what it cannot say.
    """
    from safesim.brief import BriefError, write_brief

    try:
        path = write_brief(results_dir, lang=lang)
    except BriefError as exc:
        fail(str(exc))
        return
    click.echo(f"  wrote {path}")


@main.command()
@click.argument("config_file", metavar="CONFIG", type=click.Path(dir_okay=False))
@click.option(
    "--quick",
    is_flag=True,
    help="The config's small budget (tiny cities, few runs): for tests and trying things out.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the outputs go (default: the config's own folder; with --quick, "
    "results/calibration/<name>-quick).",
)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--restart", is_flag=True, help="Discard the runs journaled by an earlier call.")
def calibrate(
    config_file: str, quick: bool, out_dir: str | None, workers: int, restart: bool
) -> None:
    """Posterior of the mechanism strengths from the reports' figures (resumable).

    CONFIG names the cities fitted and predicted, the parameters fitted (priors from the
    evidence in safesim.parameters), the trend and discrepancy priors and the run budget.
    Writes the posterior (posterior_samples.csv, posterior_summary.csv,
    fitted_parameters.yaml), targets.csv, leave_one_city_out.csv, predictions.csv,
    rescore.csv, scaling.csv, design.csv, plausibility.md and manifest.json. Every model
    run is journaled as it finishes: after Ctrl-C or a kill the same command continues.
    """
    from safesim.calibration import Calibration, load_config
    from safesim.sweeps import SweepError

    try:
        config = load_config(config_file)
        if out_dir is None:
            out_dir = (
                f"results/calibration/{config.name}-quick"
                if quick
                else str(Path(config_file).parent)
            )
        calibration = Calibration(config, config_file, out_dir, quick=quick, workers=workers)
        paths = calibration.run(restart=restart)
    except (ScenarioError, SweepError) as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(f"{exc.filename or out_dir}: {exc.strerror or exc}")
        return
    except KeyboardInterrupt:
        click.echo(
            f"\ninterrupted: finished runs are kept in {Path(out_dir or '.') / '.journal'}; "
            "run the same command again to continue",
            err=True,
        )
        sys.exit(130)
    manifest = json.loads(paths["manifest"].read_text(encoding="utf-8"))
    diag = manifest["diagnostics"]
    click.echo(
        f"{config.name}: posterior from {diag['prior_samples']} prior draws "
        f"(effective sample size {diag['effective_sample_size']}); loss re-scored on fresh "
        f"seeds {diag['rescored_mean_loss']:.2f}, posterior-predictive 90 % "
        f"{diag['predictive_mean_loss_p05']:.2f} to {diag['predictive_mean_loss_p95']:.2f}"
    )
    for path in paths.values():
        click.echo(f"  wrote {path}")


@main.command()
@click.option(
    "--quick",
    is_flag=True,
    help="Small cities and 2 replicates (about a minute), for tests; not for the docs.",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=2),
    default=None,
    help="Replicates per measurement (default: 8, or 2 with --quick).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    default="docs/validation.md",
    show_default=True,
    help="Where to write the table of stylised facts.",
)
def validate(quick: bool, replicates: int | None, out_file: str) -> None:
    """Measure the stylised facts and write them beside the literature's values.

    Each intervention alone in its treated area against its counterfactual twin, repeat
    and near-repeat victimisation, crime concentration, decay once patrols stop,
    spill-over, stationarity of the no-intervention city, and Guichi 2021 out of sample,
    each with its 90 % interval across replicates and a verdict.
    """
    from dataclasses import replace

    from safesim.runner import atomic_write_text
    from safesim.validation import FULL, QUICK, render, run_validation

    settings = QUICK if quick else FULL
    if replicates is not None:
        settings = replace(settings, replicates=replicates)
    started = time.monotonic()

    def progress(label: str) -> None:
        click.echo(f"[{time.monotonic() - started:6.0f} s] {label}", err=True)

    try:
        facts = run_validation(settings, progress)
    except ScenarioError as exc:
        fail(str(exc))
        return
    atomic_write_text(Path(out_file), render(facts, settings))
    inside = sum(f.verdict == "inside" for f in facts)
    judged = sum(f.verdict in ("inside", "outside") for f in facts)
    click.echo(
        f"{inside} of {judged} facts inside their range "
        f"({len(facts) - judged} without a published range or too few events); wrote {out_file}"
    )


if __name__ == "__main__":
    main()

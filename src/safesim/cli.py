"""The ``safesim`` command line."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from safesim.errors import SafesimError

# Only click is imported up front, so `safesim --help` starts at once: each command
# imports what it needs (numpy, pydantic, pandas, scipy, ...) when it runs.
if TYPE_CHECKING:
    from safesim.scenario import Scenario


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
        from safesim.results import set_command

        kwargs["standalone_mode"] = False
        kwargs["prog_name"] = "safesim"  # also under CliRunner, which would say "main"
        set_command(["safesim", *(sys.argv[1:] if args is None else list(args))])
        try:
            code = super().main(args, *rest, **kwargs)
        except click.exceptions.Abort:
            click.echo("\ninterrupted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            hint = ""
            if isinstance(exc, click.UsageError) and exc.ctx is not None:
                hint = f" (see '{exc.ctx.command_path} --help')"
            click.echo(f"error: {one_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except SafesimError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(describe_os_error(exc))
        except MemoryError:
            fail("out of memory: use a smaller city (city.households) or fewer workers")
        sys.exit(code if isinstance(code, int) else 0)


def find_scenario(path: str) -> str:
    """The scenario file a SCENARIO argument names: the path if it exists, else the
    shipped scenario of that name (``small``, ``small.yaml``, ``scenarios/small.yaml``),
    as ``safesim viz`` finds it (``shipped.resolve_scenario``). A name that matches
    nothing is one line, with the closest shipped name."""
    from safesim.loading import did_you_mean
    from safesim.shipped import SCENARIO_SUFFIXES, resolve_scenario, shipped_names

    found = resolve_scenario(path)
    parts = Path(path).parts
    # Only a bare name or scenarios/<name> stands for a shipped file (as resolve_scenario).
    if found.exists() or not (len(parts) == 1 or (len(parts) == 2 and parts[0] == "scenarios")):
        return str(found)
    names = [Path(n).stem for n in shipped_names()]
    stem = path.removeprefix("scenarios/")
    for suffix in SCENARIO_SUFFIXES:
        stem = stem.removesuffix(suffix)
    hint = did_you_mean(stem, names) or (f" (shipped: {', '.join(names)})" if names else "")
    fail(f"{path}: no such file, nor a shipped scenario of that name{hint}")


def scenario_argument(
    ctx: click.Context, param: click.Parameter, value: str | tuple[str, ...]
) -> str | tuple[str, ...]:
    """Click callback: every SCENARIO argument is resolved by ``find_scenario``."""
    if isinstance(value, tuple):
        return tuple(find_scenario(v) for v in value)
    return find_scenario(value)


def load_checked(scenario_file: str) -> Scenario:
    """The scenario, or one line and exit 2; warns of a city with no offenders."""
    from safesim.scenario import ScenarioError, load_scenario

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

    from safesim.scenario import NAME_PATTERN

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
    if out_dir.is_symlink():
        # Writing (or --restart's clearing) would reach the folder it points to.
        fail(f"{out_dir}: is a symlink; results are written only into a folder of --out")
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
    from safesim.scenario import ScenarioError

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


class SeedNumber(click.ParamType):
    """A seed from 0 to ``quantities.MAX_SEED``: the bound a scenario's ``seed:`` has."""

    name = "INTEGER"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        from safesim.quantities import MAX_SEED

        text = str(value).strip()
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif text.lstrip("-").isdigit() and text.count("-") <= int(text.startswith("-")):
            # int() refuses over 4,300 digits; anything past 30 is out of range anyway.
            number = int(text) if len(text) <= 30 else MAX_SEED + 1
        else:
            self.fail(f"{text[:40]!r} is not a whole number", param, ctx)
        if not 0 <= number <= MAX_SEED:
            self.fail(f"{text[:40]} is not in the range 0..{MAX_SEED}", param, ctx)
        return number


SEED = SeedNumber()


def draw_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--draws`` and ``--draws-from``: the parameter draws the replicates run at."""
    command = click.option(
        "--draws-from",
        "draws_from",
        default=None,
        metavar="FILE|priors",
        help="Weighted parameter sample to draw from (default: calibration/"
        "posterior_samples.csv; 'priors': the evidence priors in parameters.py).",
    )(command)
    return click.option(
        "--draws",
        type=click.IntRange(min=1),
        default=10,
        show_default=True,
        help="Parameter draws the replicates are spread over (ignored with --parameters).",
    )(command)


def default_replicates(parameters_file: str | None) -> int:
    from safesim.draws import DEFAULT_POINT_REPLICATES, DEFAULT_RUNS

    return DEFAULT_POINT_REPLICATES if parameters_file else DEFAULT_RUNS


def choose_run_draws(
    seed: int, draws: int, runs: int, draws_from: str | None, parameters_file: str | None
) -> Any:
    """The command's ``ParameterDraws``, or one line and exit 2."""
    from safesim.calibration import load_parameters
    from safesim.draws import DrawsError, choose_draws
    from safesim.scenario import ScenarioError

    try:
        if parameters_file:
            point = load_parameters(parameters_file)
            return choose_draws(seed, 1, runs, point=point, point_file=parameters_file)
        priors = draws_from == "priors"
        return choose_draws(
            seed, draws, runs, sample_file=None if priors else draws_from, use_priors=priors
        )
    except (DrawsError, ScenarioError) as exc:
        fail(str(exc))


@main.command()
@click.argument(
    "scenario_file",
    metavar="SCENARIO",
    type=click.Path(dir_okay=False),
    callback=scenario_argument,
)
@click.option("--seed", type=SEED, default=None, help="Run seed (default: the scenario's).")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Simulate only this many days from the calendar start.",
)
@click.option(
    "--replicates",
    type=ReplicateCount(),
    default=None,
    help="Independent replicates (seeds derived from --seed), spread over the parameter "
    "draws (default 20; 5 with --parameters); intervals need at least 5. 'auto' (with "
    "--parameters): add replicates until the criminal-case effect's 90 % interval is "
    "within ±2 points (at most 40; needs the counterfactual twin).",
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
    help="Run every replicate at this one point of the mechanism parameters (as `safesim "
    "calibrate` writes): the intervals then hold run noise only. The scenario's own "
    "`parameters:` still win.",
)
@draw_options
def run(
    scenario_file: str,
    seed: int | None,
    days: int | None,
    replicates: int | str | None,
    counterfactual: bool,
    out_root: str,
    parameters_file: str | None,
    draws: int,
    draws_from: str | None,
) -> None:
    """Run SCENARIO (a file, or a shipped scenario's name: small, guiyang, ...) and write
    daily.csv, summary.csv, draws.csv, effects.csv, daily_twin.csv, spillover.csv and
    manifest.json under OUT/<scenario name>/.

    daily.csv has one row per replicate and day (crimes by type, calls, arrests,
    disputes, sense of security, crime in treated/catchment/other cells); summary.csv the
    report-style figures (year-on-year changes over the report's windows, the share that
    feels safe) with replicate means and 90 % intervals beside the report's own figure;
    draws.csv each replicate's parameter draw and seed. With the counterfactual twin (the same
    replicate seeds with no intervention; the default when the scenario has one):
    effects.csv each outcome against the twin (mix, twin, difference and % difference
    with 90 % intervals), daily_twin.csv the twin's daily rows, and spillover.csv crime
    in the treated cells, their catchment and the control area against the twin,
    with the weighted displacement quotient.
    """
    from tqdm import tqdm

    from safesim.batch import campaign_warning, short_campaign_warning
    from safesim.calibration import load_parameters
    from safesim.outcomes import MIN_REPLICATES_FOR_INTERVAL
    from safesim.parameters import resolve
    from safesim.results import ResultsError, folder_lock
    from safesim.runner import (
        AUTO_MAX_REPLICATES,
        run_paired_until_narrow,
        run_paired_with_areas,
        run_replicates,
        write_run,
    )
    from safesim.scenario import ScenarioError

    scenario = load_checked(scenario_file)
    try:
        fitted = load_parameters(parameters_file) if parameters_file else {}
    except ScenarioError as exc:
        fail(str(exc))
        return
    parameters = resolve(scenario, fitted=fitted)
    seed = scenario.seed if seed is None else seed
    if replicates == "auto" and not parameters_file:
        fail("--replicates auto runs at one point: give --parameters FILE")
    if replicates is None:
        replicates = default_replicates(parameters_file)
    draw_set = None
    if replicates != "auto":
        draw_set = choose_run_draws(seed, draws, int(replicates), draws_from, parameters_file)
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
    not_started = campaign_warning(scenario, days)
    if not_started and replicates == "auto":
        fail(
            f"{scenario_file}: calendar.campaign_start: --replicates auto narrows the "
            f"campaign's effect, and {not_started.split(':')[0]}"
        )
    short = not_started or short_campaign_warning(scenario, days)
    if short:
        click.echo(f"warning: {short}", err=True)
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
                    draw_set = choose_run_draws(seed, 1, len(dailies), None, parameters_file)
                elif with_twin:
                    paired = run_paired_with_areas(
                        scenario, seed, int(replicates), days, parameters=parameters,
                        progress=bar.update, draws=draw_set,
                    )  # fmt: skip
                    dailies, twins, spill = paired.mix, paired.twin, paired.spillover()
                else:
                    dailies = run_replicates(
                        scenario, seed, int(replicates), days, parameters=parameters,
                        progress=bar.update, draws=draw_set,
                    )  # fmt: skip
            wall = time.perf_counter() - started
            paths = write_run(
                out_dir, scenario, scenario_file, seed, dailies, wall, twins, spill,
                parameters_file=parameters_file, draws=draw_set,
            )  # fmt: skip
    except ResultsError as exc:
        fail(str(exc))
    twin_note = " (and their counterfactual twins)" if twins is not None else ""
    done = len(dailies)
    click.echo(
        f"{scenario.name}: {done} replicate(s){twin_note} × {len(dailies[0])} days in {wall:.1f} s"
    )
    if draw_set is not None:
        click.echo(f"  parameters: {draw_set.describe()}")
    if done < MIN_REPLICATES_FOR_INTERVAL:
        click.echo(
            f"warning: {done} replicate(s): the 90 % intervals need at least "
            f"{MIN_REPLICATES_FOR_INTERVAL} to mean something (--replicates)",
            err=True,
        )
    if twins is not None and not_started:
        click.echo(
            f"no effect to report: the campaign had not started (it starts on "
            f"{scenario.calendar.campaign_start.value}; --days {days} ends before it)"
        )
    elif twins is not None:
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
    spread = "spread_p05" in table.columns
    low, high = ("spread_p05", "spread_p95") if spread else ("difference_p05", "difference_p95")
    p_low, p_high = (
        ("percent_spread_p05", "percent_spread_p95") if spread else ("percent_p05", "percent_p95")
    )
    click.echo(
        "effect against the same city with no intervention (mean; 90 % of runs fall in [...]):"
    )
    for _, row in table.iterrows():
        label = HEADLINE_EFFECTS.get(str(row["outcome"]))
        if label is None:
            continue
        mean, lo, hi = row["difference"], row[low], row[high]
        if row["outcome"] == "sense_of_security":
            figure = f"{mean:+.2f} [{lo:+.2f}, {hi:+.2f}]"
        elif row["outcome"] == "cost_per_crime_averted":
            figure = f"{mean:,.0f} [{lo:,.0f}, {hi:,.0f}]"
        else:
            figure = (
                f"{row['percent_change']:+.1f} % [{row[p_low]:+.1f}, "
                f"{row[p_high]:+.1f}]  ({row['difference']:+,.0f} cases)"
            )
        if spread and row["outcome"] != "cost_per_crime_averted":
            figure += "  " + _share_words(row["share_parameters"], row["share_run_noise"])
        click.echo(f"  {label:24s} {figure}")
    if spread and len(table):
        click.echo(f"  the intervals hold {table['intervals_hold'].iloc[0]}")


def _share_words(parameters: float, noise: float) -> str:
    """How much of an interval is the evidence and how much chance, in plain words."""
    import math

    if not math.isfinite(parameters):
        return "(too few runs per draw to split evidence from chance)"
    return f"({100 * parameters:.0f} % from the evidence, {100 * noise:.0f} % chance)"


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
                type=SEED,
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
    from safesim.results import ResultsError
    from safesim.scenario import ScenarioError
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
@click.argument(
    "scenario_file",
    metavar="SCENARIO",
    type=click.Path(dir_okay=False),
    callback=scenario_argument,
)
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
    help="Runs per mix, spread over the parameter draws (default: the sweep file's, else 5).",
)
@click.option(
    "--parameters",
    "parameters_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Run every mix at this one point of the mechanism parameters (run noise only).",
)
@draw_options
@batch_options("sweep")
def sweep(
    scenario_file: str,
    vary: tuple[str, ...],
    sweep_file: str | None,
    replicates: int | None,
    parameters_file: str | None,
    draws: int,
    draws_from: str | None,
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
        short_campaign_warning,
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
        plan.draws = choose_run_draws(
            plan.seed, draws, plan.replicates, draws_from, parameters_file
        )
        largest = max(plan.points, key=lambda p: p.scenario.city.households.value).scenario
        check_cost(largest, scenario_file, plan.days, len(plan.points) * plan.replicates, workers)
        folder[0] = check_out(out_root, plan.name)
        warning = campaign_warning(scenario, plan.days) or short_campaign_warning(
            scenario, plan.days
        )
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
@click.argument(
    "scenario_file",
    metavar="SCENARIO",
    type=click.Path(dir_okay=False),
    callback=scenario_argument,
)
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
@click.argument(
    "scenario_files",
    metavar="A B [C ...]",
    nargs=-1,
    type=click.Path(dir_okay=False),
    callback=scenario_argument,
)
@click.option(
    "--replicates",
    type=click.IntRange(min=1),
    default=None,
    help="Replicates per scenario, on the same seeds and parameter draws for all "
    "(default 20; 5 with --parameters).",
)
@click.option(
    "--parameters",
    "parameters_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Run every replicate at this one point of the mechanism parameters: the "
    "intervals then hold run noise only.",
)
@draw_options
@click.option("--seed", type=SEED, default=None, help="Base seed (default: the first's).")
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
    replicates: int | None,
    parameters_file: str | None,
    draws: int,
    draws_from: str | None,
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

    from tqdm import tqdm

    from safesim.batch import campaign_warning, short_campaign_warning
    from safesim.brief import BriefError, write_brief
    from safesim.compare import compare_scenarios, write_comparison
    from safesim.plotting import PlotError, plot_results
    from safesim.results import ResultsError, folder_lock
    from safesim.scenario import NAME_PATTERN, ScenarioError, load_scenario

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
    replicates = replicates or default_replicates(parameters_file)
    for scenario, path in zip(scenarios, scenario_files, strict=True):
        check_cost(scenario, path, days, replicates * len(scenarios))
        not_started = campaign_warning(scenario, days)
        if not_started:
            fail(
                f"{path}: calendar.campaign_start: compare's differences are the campaign's, "
                f"and {not_started.split(':')[0]}"
            )
        short = short_campaign_warning(scenario, days)
        if short:
            click.echo(f"warning: {path}: {short}", err=True)
    draw_set = choose_run_draws(seed, draws, replicates, draws_from, parameters_file)
    name = name or "compare-" + "-".join(s.name for s in scenarios)
    # Checked before simulating: a folder that cannot be written would fail after the runs.
    out_dir = check_out(out_root, name)
    total = sum(days or s.calendar.days for s in scenarios) * replicates
    try:
        with folder_lock(out_dir):
            started = time.perf_counter()
            with tqdm(total=total, unit="day", desc=name, disable=None, leave=False) as bar:
                result = compare_scenarios(
                    scenarios, seed, replicates, days, progress=bar.update, draws=draw_set
                )
            wall = time.perf_counter() - started
            paths = write_comparison(out_dir, result, scenario_files, days, wall, lang)
            written = [*paths.values(), *plot_results(out_dir, lang=lang)]
            written.append(write_brief(out_dir, lang=lang))
    except (ResultsError, PlotError, BriefError) as exc:
        fail(str(exc))
        return
    click.echo(f"{name}: {len(scenarios)} scenarios × {replicates} replicates in {wall:.1f} s")
    click.echo(f"  parameters: {draw_set.describe()}")
    headline = result.differences[result.differences["outcome"] == "campaign_criminal_total"]
    for row in headline.itertuples():
        click.echo(
            f"  {row.scenario} − {row.against}: criminal cases {row.difference_mean:+.1f} "
            f"(90 % of paired runs {row.spread_p05:+.1f} to {row.spread_p95:+.1f}); "
            f"{row.verdict if row.verdict.startswith('tie') else f'{row.scenario} {row.verdict}'}"
        )
    for path in written:
        click.echo(f"  wrote {path}")


@main.command()
@click.argument(
    "scenario_file",
    metavar="SCENARIO",
    type=click.Path(dir_okay=False),
    callback=scenario_argument,
)
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
    help="Replicates per mix, on the seeds and parameter draws of the no-intervention "
    "twin (default 3).",
)
@click.option(
    "--parameters",
    "parameters_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Score every mix at this one point of the mechanism parameters (run noise only).",
)
@draw_options
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Simulate only this many days from the calendar start.",
)
@click.option("--seed", type=SEED, default=None, help="Base seed (default: the scenario's).")
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
    parameters_file: str | None,
    draws: int,
    draws_from: str | None,
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
    baseline.csv (the headline outcomes with no intervention, under the scenario's own mix,
    run once on the same seeds and draws, and under the recommended one), front.png,
    recommended.yaml (a scenario `safesim run` reproduces), brief.html, manifest.json
    and study.db (the same command continues an interrupted search).
    """
    import re

    from tqdm import tqdm

    from safesim.brief import BriefError, write_brief
    from safesim.optimize import (
        CRIMES,
        OptimizeError,
        OptimizeSettings,
        check_settings,
        optimise,
    )
    from safesim.plotting import PlotError, plot_results
    from safesim.results import ResultsError, folder_lock
    from safesim.scenario import NAME_PATTERN, ScenarioError, load_scenario

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
        lang=lang,
    )
    try:
        scenario = load_scenario(scenario_file)
        _check_language(lang)
    except ScenarioError as exc:
        fail(str(exc))
        return
    try:
        check_settings(scenario, scenario_file, settings)
    except OptimizeError as exc:
        fail(str(exc))
    # Every mix, the no-intervention twin and the scenario's own mix, over the replicates.
    runs = (settings.trials + 2) * settings.replicates
    check_cost(scenario, scenario_file, days, runs, workers)
    # Checked before the search: a folder that cannot be written would fail after it.
    out_dir = check_out(out_root, name or f"{scenario.name}-optimize")
    draw_set = choose_run_draws(
        scenario.seed if seed is None else seed,
        draws,
        settings.replicates,
        draws_from,
        parameters_file,
    )
    try:
        # One search per folder: a second on the same study.db is refused, not mixed in.
        with folder_lock(out_dir):
            with tqdm(total=settings.trials, unit="mix", desc=out_dir.name, disable=None) as bar:
                result = optimise(
                    scenario, scenario_file, settings, out_dir, restart=restart,
                    progress=bar.update, draws=draw_set,
                )  # fmt: skip
            figures = plot_results(out_dir, lang=lang)
            brief = write_brief(out_dir, lang=lang)
    except (OptimizeError, ResultsError, PlotError, BriefError) as exc:
        fail(str(exc))
        return
    except KeyboardInterrupt:
        click.echo(
            f"\ninterrupted: finished mixes are kept in {out_dir / 'study.db'}; "
            "run the same command again to continue",
            err=True,
        )
        sys.exit(130)
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
    click.echo(
        f"  parameters: {draw_set.describe()}; best of the front in "
        f"{100 * best['probability_best']:.0f} % of paired runs, within 10 % of the best in "
        f"{100 * best['probability_within_10pct']:.0f} %"
    )
    table = result.baseline
    nothing = table[(table["mix"] == "no_intervention") & (table["outcome"] == CRIMES)]
    if not nothing.empty:
        row = nothing.iloc[0]
        click.echo(
            f"  with no intervention: {row['mean']:.1f} criminal cases in the campaign year "
            f"(90 % interval {row['p05']:.1f} to {row['p95']:.1f})"
        )
    for file in ("trials.csv", "front.csv", "baseline.csv", "recommended.yaml", "manifest.json"):
        click.echo(f"  wrote {out_dir / file}")
    for path in [*figures, brief]:
        click.echo(f"  wrote {path}")


def _check_language(lang: str) -> None:
    """Chinese labels need a CJK font: say how to install one rather than draw boxes."""
    if lang == "zh":
        from safesim.plotting import cjk_font
        from safesim.scenario import ScenarioError

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

    from safesim.scenario import ScenarioError, load_scenario
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
        fail("the browser view needs solara: pip install 'safesim[viz]'")
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
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Language of the labels (zh needs a CJK font). Default: the language the "
    "folder was written in (its manifest's lang), else en.",
)
def plot(results_dir: str, fmt: str, lang: str | None) -> None:
    """Draw the figures for a results folder, next to its CSVs.

    What is drawn follows manifest.json's kind; a folder without a manifest, or whose files
    do not match the hashes it lists, is refused. A run (daily.csv, summary.csv): crime by
    type and the sense of security over time with the replicate mean and 90 % band and the
    campaign shaded, and the summary figures against the report's own. A sweep (runs.csv):
    dose-response curves per axis with 90 % intervals, a heat map for two axes, and cost
    per crime averted where it is given.
    """
    from safesim.plotting import PlotError, plot_results

    try:
        written = plot_results(results_dir, fmt, lang=lang)
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
    default=None,
    help="Language of the brief and its figures (zh needs a CJK font). Default: the "
    "language the folder was written in (its manifest's lang), else en.",
)
def brief(results_dir: str, lang: str | None) -> None:
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
@click.argument("results_dir", metavar="RESULTS_DIR")
@click.option(
    "--value-per-case",
    "values",
    type=click.FloatRange(min=0),
    multiple=True,
    help="Yuan a criminal case averted is worth to the decision maker; repeat for more "
    "(default: the break-even value, where the choice is hardest).",
)
def voi(results_dir: str, values: tuple[float, ...]) -> None:
    """Rank the mechanism parameters by what learning each would be worth (EVPPI).

    RESULTS_DIR is a run, compare or optimize folder made over parameter draws. Each
    option's net benefit (value × criminal cases averted − yearly cost) is regressed on
    each drawn parameter over the runs with a one-term GAM (a GCV-chosen P-spline), the
    method of Strong, Oakley & Brennan (2014); writes voi.csv beside the results.
    """
    from safesim.results import write_csv
    from safesim.voi import VoiError, value_of_information

    try:
        table = value_of_information(results_dir, values)
    except VoiError as exc:
        fail(str(exc))
        return
    path = Path(results_dir) / "voi.csv"
    write_csv(table, path)
    for value, rows in table.groupby("value_per_case_yuan", sort=True):
        first = rows.iloc[0]
        click.echo(
            f"at ¥{value:,.0f} a criminal case averted: the choice now is {first['choice_now']}; "
            f"perfect information on every parameter would be worth up to "
            f"¥{first['evpi_yuan']:,.0f} ({int(first['runs'])} runs over "
            f"{int(first['draws'])} draws)"
        )
        click.echo(
            f"  a parameter shuffled between draws gets up to ¥{first['noise_floor_yuan']:,.0f} "
            "from these runs by chance (95 % of shuffles): only values above it are information"
        )
        for row in rows.itertuples():
            if row.evppi_yuan < 0.01 * max(first["evpi_yuan"], 1.0):
                worth = "would not change the choice"
            elif not row.above_noise:
                worth = f"¥{row.evppi_yuan:,.0f}, not above the noise: more draws needed"
            else:
                worth = f"worth about ¥{row.evppi_yuan:,.0f}"
            click.echo(f"  {row.parameter:28s} {worth}  (R² {row.r_squared:.2f})")
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
    History matching in waves on Gaussian-process emulators of each figure's effect
    against its same-seed twin, then an MCMC posterior. Writes emulators.csv, screen.csv,
    waves.csv, the posterior (posterior_samples.csv, posterior_summary.csv,
    fitted_parameters.yaml), effects.csv, trend_sensitivity.csv, targets.csv,
    leave_one_city_out.csv, seed_robustness.csv, recovery.csv, predictions.csv,
    tables.md, plausibility.md and manifest.json. Every model run is journaled as it
    finishes: after Ctrl-C or a kill the same command continues.
    """
    from safesim.calibration import Calibration, load_config
    from safesim.scenario import ScenarioError
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
            f"\ninterrupted: finished runs are kept in {Path(out_dir or '.') / '.runs'}; "
            "run the same command again to continue",
            err=True,
        )
        sys.exit(130)
    manifest = json.loads(paths["manifest"].read_text(encoding="utf-8"))
    diag = manifest["diagnostics"]
    click.echo(
        f"{config.name}: fitted {', '.join(diag['fitted_parameters']) or 'nothing'}; kept at "
        f"their priors {', '.join(diag['kept_at_prior']) or 'none'}; emulators refused for "
        f"no skill {len(diag['refused_emulators'])} of "
        f"{len(diag['refused_emulators']) + len(diag['figures_used'])}; MCMC effective "
        f"sample size {diag['effective_sample_size']}"
    )
    for path in paths.values():
        click.echo(f"  wrote {path}")


@main.command()
@click.option(
    "--quick",
    is_flag=True,
    help="The protocol's small cities and 2 replicates, for tests: every verdict comes out "
    "undetermined; not for the docs.",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=2),
    default=None,
    help="Replicates per measurement (default: the protocol's, 8, or 2 with --quick).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes; the file written does not depend on it.",
)
@click.option(
    "--protocol",
    "protocol_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The validation protocol (default: the one shipped with safesim).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the table of stylised facts [default: docs/validation.md, or "
    "validation.md where there is no docs folder].",
)
def validate(
    quick: bool,
    replicates: int | None,
    workers: int,
    protocol_file: str | None,
    out_file: str | None,
) -> None:
    """Measure the stylised facts of the validation protocol and write them beside the
    literature's ranges.

    Each intervention alone in its treated area against its counterfactual twin, repeat
    and near-repeat victimisation, crime concentration, decay once patrols stop,
    spill-over, stationarity of the no-intervention city, and Guichi 2021 out of sample,
    each with its 90 % interval across replicates and a verdict. Scenarios are found in
    ./scenarios or, failing that, among the shipped ones, so it runs from any folder.
    """
    import yaml

    from safesim.runner import atomic_write_text
    from safesim.scenario import ScenarioError
    from safesim.validation import (
        ProtocolError,
        load_protocol,
        render,
        run_validation,
        settings_for,
        summary_line,
    )

    try:
        protocol = load_protocol(protocol_file)
        settings = settings_for(
            protocol, "quick" if quick else "full", replicates=replicates, workers=workers
        )
    except (OSError, ProtocolError, yaml.YAMLError) as exc:
        fail(f"validation protocol: {exc}")
        return
    if out_file is None:
        out_file = "docs/validation.md" if Path("docs").is_dir() else "validation.md"
    folder = Path(out_file).resolve().parent
    # Checked before simulating: an unwritable --out would otherwise fail after the runs.
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        fail(f"{out_file}: cannot write into {folder}")
        return
    started = time.monotonic()

    def progress(label: str) -> None:
        click.echo(f"[{time.monotonic() - started:6.0f} s] {label}", err=True)

    try:
        report = run_validation(settings, protocol, progress)
    except (ScenarioError, ProtocolError) as exc:
        fail(str(exc))
        return
    atomic_write_text(Path(out_file), render(report, settings, protocol))
    click.echo(f"{summary_line(report.facts)}; wrote {out_file}")


if __name__ == "__main__":
    main()

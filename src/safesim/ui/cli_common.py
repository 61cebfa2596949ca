"""What every ``safesim`` command shares: the group, its one-line errors, the options
several commands take (defined once here) and the checks of scenario, name and folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from safesim.errors import SafesimError

# Only click is imported up front, so `safesim --help` starts at once: each command
# imports what it needs (numpy, pydantic, pandas, scipy, ...) when it runs.
if TYPE_CHECKING:
    from safesim.core.scenario import Scenario


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
        from safesim.experiments.results import set_command

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
    from safesim.core.loading import did_you_mean
    from safesim.core.shipped import SCENARIO_SUFFIXES, resolve_scenario, shipped_names

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
    from safesim.core.scenario import ScenarioError, load_scenario

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

    from safesim.core.scenario import NAME_PATTERN

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
    from safesim.core.scenario import ScenarioError
    from safesim.experiments.limits import check_feasible

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
        from safesim.core.quantities import MAX_SEED

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


Decorator = Callable[[Callable[..., None]], Callable[..., None]]

# The options several commands take, defined once; each command words its own help.
DAYS_HELP = "Simulate only this many days from the calendar start."


def scenario_file_argument() -> Decorator:
    """A scenario file or a shipped scenario's name, checked before the command runs."""
    return click.argument(
        "scenario_file",
        metavar="SCENARIO",
        type=click.Path(dir_okay=False),
        callback=scenario_argument,
    )


def parameters_option(help: str) -> Decorator:
    """``--parameters FILE``: one point of the mechanism parameters instead of draws."""
    return click.option(
        "--parameters",
        "parameters_file",
        type=click.Path(dir_okay=False),
        default=None,
        help=help,
    )


def seed_option(help: str = "Base seed (default: the scenario's).") -> Decorator:
    return click.option("--seed", type=SEED, default=None, help=help)


def days_option(help: str = DAYS_HELP) -> Decorator:
    return click.option("--days", type=click.IntRange(min=1), default=None, help=help)


def out_option(help: str = "Results folder; files go to OUT/NAME/.") -> Decorator:
    return click.option(
        "--out",
        "out_root",
        type=click.Path(file_okay=False),
        default="results",
        show_default=True,
        help=help,
    )


def name_option(default: str) -> Decorator:
    """``--name``: the results folder under OUT, ``default`` saying what it is otherwise."""
    return click.option("--name", default=None, help=f"Folder name under OUT (default: {default}).")


def replicates_option(help: str, kind: click.ParamType | None = None) -> Decorator:
    return click.option("--replicates", type=kind or click.IntRange(min=1), default=None, help=help)


def workers_option(help: str | None = None, most: int | None = None) -> Decorator:
    return click.option(
        "--workers", type=click.IntRange(min=1, max=most), default=1, show_default=True, help=help
    )


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
    from safesim.experiments.draws import DEFAULT_POINT_REPLICATES, DEFAULT_RUNS

    return DEFAULT_POINT_REPLICATES if parameters_file else DEFAULT_RUNS


def choose_run_draws(
    seed: int, draws: int, runs: int, draws_from: str | None, parameters_file: str | None
) -> Any:
    """The command's ``ParameterDraws``, or one line and exit 2."""
    from safesim.core.scenario import ScenarioError
    from safesim.experiments.calibration import load_parameters
    from safesim.experiments.draws import DrawsError, choose_draws

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


#: The most worker processes a batch takes (more is a typo, not a machine).
MOST_WORKERS = 1024


def engine_workers_option() -> Decorator:
    return workers_option(
        "Worker processes (or LocalCluster workers with --dask local).", MOST_WORKERS
    )


def dask_option() -> Decorator:
    return click.option(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="Run on a Dask scheduler at ADDRESS (tcp://host:8786), or 'local' for a LocalCluster.",
    )


def restart_option(kind: str) -> Decorator:
    return click.option(
        "--restart",
        is_flag=True,
        help=f"Discard the journal and files of an earlier {kind} under the same name.",
    )


def batch_options(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options sweep and sensitivity share, with the same meaning and checks."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        options = [
            days_option(),
            seed_option(),
            engine_workers_option(),
            out_option("Results folder; files go to OUT/<name>/."),
            name_option(f"<scenario>-{kind}"),
            dask_option(),
            restart_option(kind),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@contextmanager
def batch_errors(out_dir: Callable[[], Path]) -> Iterator[None]:
    """The one error handler of sweep and sensitivity: bad input is one line and exit 2,
    a lost worker or an interrupt says where the finished runs are kept."""
    from safesim.core.scenario import ScenarioError
    from safesim.experiments.batch import JOURNAL_DIR, SweepError, WorkerLost
    from safesim.experiments.results import ResultsError
    from safesim.experiments.sensitivity import AnalysisError

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


def _check_language(lang: str) -> None:
    """Chinese labels need a CJK font: say how to install one rather than draw boxes."""
    if lang == "zh":
        from safesim.core.scenario import ScenarioError
        from safesim.reports.figures import cjk_font

        if cjk_font() is None:
            raise ScenarioError(
                "--lang zh",
                "",
                "no Chinese (CJK) font is installed; install one "
                "(e.g. apt-get install fonts-noto-cjk) or use --lang en",
            )

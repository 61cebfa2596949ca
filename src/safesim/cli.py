"""The ``safesim`` command line."""

from __future__ import annotations

import json
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
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Independent replicates (seeds derived from --seed).",
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
    replicates: int,
    out_root: str,
    parameters_file: str | None,
) -> None:
    """Run SCENARIO and write daily.csv, summary.csv and manifest.json.

    daily.csv has one row per replicate and day (crimes by type, calls, arrests,
    disputes, sense of security, crime in treated/catchment/other cells); summary.csv the
    report-style figures (year-on-year changes over the report's windows, the share that
    feels safe) with replicate means and 90 % intervals beside the report's own figure.
    """
    from safesim.calibration import load_parameters
    from safesim.parameters import MechanismParameters
    from safesim.runner import run_replicates, write_run

    try:
        scenario = load_scenario(scenario_file)
        fitted = load_parameters(parameters_file) if parameters_file else {}
    except ScenarioError as exc:
        fail(str(exc))
        return
    parameters = MechanismParameters(**{**fitted, **scenario.parameters})
    seed = scenario.seed if seed is None else seed
    total_days = (days or scenario.calendar.days) * replicates
    started = time.perf_counter()
    with tqdm(total=total_days, unit="day", desc=scenario.name, disable=None, leave=False) as bar:
        dailies = run_replicates(
            scenario, seed, replicates, days, parameters=parameters, progress=bar.update
        )
    wall = time.perf_counter() - started
    out_dir = Path(out_root) / scenario.name
    paths = write_run(out_dir, scenario, scenario_file, seed, dailies, wall)
    click.echo(
        f"{scenario.name}: {replicates} replicate(s) × {len(dailies[0])} days in {wall:.1f} s"
    )
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


def _worker_lost(out_dir: Path, exc: Exception) -> None:
    from safesim.sweeps import JOURNAL_DIR

    click.echo(
        f"\nerror: {exc}; finished runs are kept in {out_dir / JOURNAL_DIR}: "
        "run the same command again to continue",
        err=True,
    )
    sys.exit(1)


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
        WorkerLost,
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
    except WorkerLost as exc:
        _worker_lost(out_dir, exc)
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
    from safesim.sweeps import SweepError, WorkerLost

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
    except WorkerLost as exc:
        _worker_lost(out_dir, exc)
        return
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


@main.command()
@click.argument("scenario_file", metavar="[SCENARIO]", default="scenarios/small.yaml")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port."
)
def viz(scenario_file: str, host: str, port: int) -> None:
    """Serve the browser view of SCENARIO (default: scenarios/small.yaml).

    A Mesa SolaraViz page: the city map (recent crime as a heat layer, hot spots,
    patrolled cells, cameras, offenders), crime by type and the sense of security as the
    days run, with the campaign start marked, and sliders for patrol officers, cameras,
    grid workers, volunteers, target-hardening devices and the seed (press Reset to apply
    them). The city is shrunk to 20,000 households, interventions scaled alike, so it
    stays interactive. Stop with Ctrl+C.
    """
    import importlib.util
    import os
    import signal
    import subprocess

    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        fail(str(exc))
        return
    if importlib.util.find_spec("solara") is None:
        fail("the browser view needs solara: pip install 'mesa[rec]'")
    problem = _port_problem(host, port)
    if problem:
        fail(problem)
    app_spec = importlib.util.find_spec("safesim.viz_app")
    if app_spec is None or app_spec.origin is None:
        fail("safesim.viz_app is missing from this installation")
        return
    env = {**os.environ, VIZ_SCENARIO_ENV: str(Path(scenario_file).resolve())}
    command = [
        sys.executable, "-m", "solara", "run", app_spec.origin,
        "--host", host, "--port", str(port), "--production", "--no-open",
    ]  # fmt: skip
    url_host = f"[{host}]" if ":" in host else host
    click.echo(f"safesim viz: {scenario.name} at http://{url_host}:{port}/ (Ctrl+C to stop)")
    server = subprocess.Popen(command, env=env)

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


if __name__ == "__main__":
    main()

"""The ``safesim`` command line: ``main`` is the entry point. The commands live in
``safesim.ui`` (cli_run, cli_decide, cli_report); the browser view's command is here."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from safesim.ui.cli_common import fail, main
from safesim.ui.viz_server import VIZ_SCENARIO_ENV, serve
from safesim.ui.viz_server import _is_loopback as _is_loopback
from safesim.ui.viz_server import _port_problem as _port_problem

# Each command module adds its commands to `main` when imported.
from safesim.ui import cli_decide, cli_report, cli_run  # noqa: F401  isort: skip


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

    from safesim.core.scenario import ScenarioError, load_scenario
    from safesim.core.shipped import resolve_scenario
    from safesim.ui.viz import (
        HOUSEHOLDS_ENV,
        RESULTS_ENV,
        ReplayError,
        ReplayModel,
        parse_households,
    )

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
    app_spec = importlib.util.find_spec("safesim.ui.viz_app")
    if app_spec is None or app_spec.origin is None:
        fail("safesim.ui.viz_app is missing from this installation")
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
    sys.exit(serve(command, env))


if __name__ == "__main__":
    main()

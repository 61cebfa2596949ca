"""``safesim plot``, ``brief``, ``calibrate`` and ``validate``: the commands that report
on results and on the evidence."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from safesim.ui.cli_common import (
    fail,
    main,
    workers_option,
)


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
    from safesim.reports.plotting import PlotError, plot_results

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
    from safesim.reports.brief import BriefError, write_brief

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
@workers_option()
@click.option("--restart", is_flag=True, help="Discard the runs journaled by an earlier call.")
def calibrate(
    config_file: str, quick: bool, out_dir: str | None, workers: int, restart: bool
) -> None:
    """Posterior of the mechanism strengths from the reports' figures (resumable).

    CONFIG names the cities fitted and predicted, the parameters fitted (priors from the
    evidence in safesim.core.parameters), the trend and discrepancy priors and the run budget.
    History matching in waves on Gaussian-process emulators of each figure's effect
    against its same-seed twin, then an MCMC posterior. Writes emulators.csv, screen.csv,
    waves.csv, the posterior (posterior_samples.csv, posterior_summary.csv,
    fitted_parameters.yaml), effects.csv, trend_sensitivity.csv, targets.csv,
    leave_one_city_out.csv, seed_robustness.csv, recovery.csv, predictions.csv,
    tables.md, plausibility.md and manifest.json. Every model run is journaled as it
    finishes: after Ctrl-C or a kill the same command continues.
    """
    from safesim.core.scenario import ScenarioError
    from safesim.experiments.calibration import Calibration, load_config
    from safesim.experiments.sweeps import SweepError

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
@workers_option("Worker processes; the file written does not depend on it.")
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

    from safesim.core.scenario import ScenarioError
    from safesim.experiments.runner import atomic_write_text
    from safesim.reports.validation import (
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

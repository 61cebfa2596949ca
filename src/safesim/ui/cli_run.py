"""``safesim run``, ``sweep`` and ``sensitivity``: the commands that simulate a scenario."""

from __future__ import annotations

import time
from pathlib import Path

import click

from safesim.ui.cli_common import (
    ReplicateCount,
    _check_language,
    batch_errors,
    batch_options,
    check_cost,
    check_name,
    check_out,
    choose_run_draws,
    days_option,
    default_replicates,
    draw_options,
    fail,
    load_checked,
    main,
    out_option,
    parameters_option,
    replicates_option,
    scenario_file_argument,
    seed_option,
)


@main.command()
@scenario_file_argument()
@seed_option("Run seed (default: the scenario's).")
@days_option("Simulate only this many days from the calendar start.")
@replicates_option(
    "Independent replicates (seeds derived from --seed), spread over the parameter "
    "draws (default 20; 5 with --parameters); intervals need at least 5. 'auto' (with "
    "--parameters): add replicates until the criminal-case effect's 90 % interval is "
    "within ±2 points (at most 40; needs the counterfactual twin).",
    ReplicateCount(),
)
@click.option(
    "--counterfactual/--no-counterfactual",
    default=True,
    show_default=True,
    help="Also run each replicate with no intervention (same seeds) and write effects.csv.",
)
@out_option("Results folder; files go to OUT/<scenario name>/.")
@parameters_option(
    "Run every replicate at this one point of the mechanism parameters (as `safesim "
    "calibrate` writes): the intervals then hold run noise only. The scenario's own "
    "`parameters:` still win."
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Also draw the figures and write the brief in this language (zh: Chinese, needs a "
    "CJK font), and print the effects with its labels.",
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
    lang: str | None,
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
    with the weighted displacement quotient. With --lang, the figures and brief.html
    too, in that language (as `safesim plot DIR --lang` and `safesim brief` draw them).
    """
    from tqdm import tqdm

    from safesim.core.outcomes import MIN_REPLICATES_FOR_INTERVAL
    from safesim.core.parameters import resolve
    from safesim.core.scenario import ScenarioError
    from safesim.experiments.batch import campaign_warning, short_campaign_warning
    from safesim.experiments.calibration import load_parameters
    from safesim.experiments.results import ResultsError, folder_lock
    from safesim.experiments.runner import (
        AUTO_MAX_REPLICATES,
        run_paired_until_narrow,
        run_paired_with_areas,
        run_replicates,
        write_run,
    )

    scenario = load_checked(scenario_file)
    try:
        fitted = load_parameters(parameters_file) if parameters_file else {}
        if lang is not None:
            _check_language(lang)  # before simulating, not after
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
            record_language(out_dir, lang)
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
        _echo_headline_effects(paths["effects"], lang or "en")
    written = list(paths.values())
    if lang is not None:
        from safesim.reports.brief import BriefError, write_brief
        from safesim.reports.plotting import PlotError, plot_results

        try:
            written += [*plot_results(out_dir, lang=lang), write_brief(out_dir, lang=lang)]
        except (PlotError, BriefError) as exc:
            fail(str(exc))
    for path in written:
        click.echo(f"  wrote {path}")


def record_language(out_dir: Path, lang: str | None) -> None:
    """The run's ``--lang`` (None without one) in its manifest, so that `safesim plot`
    and `safesim brief` draw in it when they are given no ``--lang``."""
    from safesim.experiments.results import MANIFEST, atomic_write_text, dumps, read_manifest

    manifest = read_manifest(out_dir) or {}
    files = manifest.pop("files", None)
    atomic_write_text(out_dir / MANIFEST, dumps({**manifest, "lang": lang, "files": files}))


def headline_effects(lang: str = "en") -> dict[str, str]:
    """The effects `safesim run` prints, in the words the registry gives them (read when
    printing, so `safesim --help` imports nothing of the model); ``zh``: its Chinese."""
    from safesim.core.outcomes import OUTCOMES

    if lang == "zh":
        points = {"share": "（百分点）"}
        return {
            **{
                o.name: o.label_zh + points.get(o.unit, "") for o in OUTCOMES.values() if o.headline
            },
            "cost_per_crime_averted": "每避免一起刑事案件的成本（元）",
        }
    return {
        **{o.name: o.headline for o in OUTCOMES.values() if o.headline},
        "cost_per_crime_averted": "yuan per crime averted",
    }


def _echo_headline_effects(effects_csv: Path, lang: str = "en") -> None:
    import pandas as pd

    table = pd.read_csv(effects_csv)
    spread = "spread_p05" in table.columns
    low, high = ("spread_p05", "spread_p95") if spread else ("difference_p05", "difference_p95")
    p_low, p_high = (
        ("percent_spread_p05", "percent_spread_p95") if spread else ("percent_p05", "percent_p95")
    )
    zh = lang == "zh"
    click.echo(
        "与不采取措施的同一城市相比的效果（均值；90% 的运行落在 [...] 之内）："
        if zh
        else "effect against the same city with no intervention (mean; 90 % of runs fall in [...]):"
    )
    headlines = headline_effects(lang)
    for _, row in table.iterrows():
        label = headlines.get(str(row["outcome"]))
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
                f"{row[p_high]:+.1f}]  ({row['difference']:+,.0f}{' 起' if zh else ' cases'})"
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


@main.command()
@scenario_file_argument()
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
@replicates_option(
    "Runs per mix, spread over the parameter draws (default: the sweep file's, else 5)."
)
@parameters_option("Run every mix at this one point of the mechanism parameters (run noise only).")
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
    from safesim.experiments.sweeps import (
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
@scenario_file_argument()
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
    from safesim.experiments.sensitivity import plan_sensitivity, run_sensitivity

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

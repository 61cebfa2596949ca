"""``safesim compare``, ``optimize`` and ``voi``: the commands that weigh mixes against
each other."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from safesim.ui.cli_common import (
    _check_language,
    batch_errors,
    check_cost,
    check_name,
    check_out,
    choose_run_draws,
    dask_option,
    days_option,
    default_replicates,
    draw_options,
    engine_workers_option,
    fail,
    main,
    name_option,
    one_line,
    out_option,
    parameters_option,
    replicates_option,
    restart_option,
    scenario_argument,
    scenario_file_argument,
    seed_option,
)


@main.command()
@click.argument(
    "scenario_files",
    metavar="A B [C ...]",
    nargs=-1,
    type=click.Path(dir_okay=False),
    callback=scenario_argument,
)
@replicates_option(
    "Replicates per scenario, on the same seeds and parameter draws for all "
    "(default 20; 5 with --parameters)."
)
@parameters_option(
    "Run every replicate at this one point of the mechanism parameters: the "
    "intervals then hold run noise only."
)
@draw_options
@seed_option("Base seed (default: the first's).")
@days_option("Simulate only this many days from each calendar start.")
@out_option("Results folder; files go to OUT/NAME/.")
@name_option("compare-A-B-...")
@engine_workers_option()
@dask_option()
@restart_option("comparison")
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
    workers: int,
    dask: str | None,
    restart: bool,
    lang: str,
) -> None:
    """Compare scenarios B, C, ... with A on common random numbers.

    Replicate r of every scenario runs on the same seed, so each difference is what the
    scenarios change, not noise. Writes outcomes.csv (every outcome per scenario and
    replicate), differences.csv (each scenario minus A: mean and 90 % interval of the
    paired differences), differences.png, brief.html and manifest.json under OUT/NAME/.
    Finished runs are kept in OUT/NAME/.runs/: the same command continues an
    interrupted comparison.
    """

    from safesim.core.scenario import ScenarioError, load_scenario
    from safesim.experiments.batch import (
        campaign_warning,
        locked_journal,
        run_tasks_with_progress,
        short_campaign_warning,
    )
    from safesim.experiments.compare import (
        COMPARE_FILES,
        CompareError,
        ComparisonPlan,
        execute_outcomes,
        write_comparison,
    )
    from safesim.reports.brief import BriefError, write_brief
    from safesim.reports.plotting import PlotError, plot_results

    if len(scenario_files) < 2:
        fail("compare needs at least two scenario files (A B [C ...])")
    check_name("--name", name)
    try:
        scenarios = [load_scenario(f) for f in scenario_files]
        _check_language(lang)
    except ScenarioError as exc:
        fail(str(exc))
        return
    seed = scenarios[0].seed if seed is None else seed
    replicates = replicates or default_replicates(parameters_file)
    for scenario, path in zip(scenarios, scenario_files, strict=True):
        check_cost(scenario, path, days, replicates * len(scenarios), workers)
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
    plan = ComparisonPlan(scenarios, seed, draw_set.runs, days, draw_set)
    with (
        batch_errors(lambda: out_dir),
        locked_journal(
            out_dir, plan.identity(), restart, workers, dask, COMPARE_FILES, execute_outcomes
        ) as (journal, executor),
    ):
        records, _, wall = run_tasks_with_progress(plan.tasks(), journal, executor, name)
        try:
            result = plan.comparison(records, journal)
            paths = write_comparison(out_dir, result, scenario_files, days, wall, lang)
            written = [*paths.values(), *plot_results(out_dir, lang=lang)]
            written.append(write_brief(out_dir, lang=lang))
        except (CompareError, PlotError, BriefError) as exc:
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
@scenario_file_argument()
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
@replicates_option(
    "Replicates per mix, on the seeds and parameter draws of the no-intervention twin (default 3)."
)
@parameters_option(
    "Score every mix at this one point of the mechanism parameters (run noise only)."
)
@draw_options
@days_option("Simulate only this many days from the calendar start.")
@seed_option("Base seed (default: the scenario's).")
@engine_workers_option()
@dask_option()
@click.option(
    "--quick",
    is_flag=True,
    help="A small search for trying the command out: 8 mixes, 4 per generation, 2 replicates.",
)
@out_option("Results folder; files go to OUT/NAME/.")
@name_option("<scenario>-optimize")
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
    dask: str | None,
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

    from tqdm import tqdm

    from safesim.core.scenario import ScenarioError, load_scenario
    from safesim.experiments.batch import JOURNAL_DIR, SweepError, WorkerLost
    from safesim.experiments.optimize import (
        CRIMES,
        OptimizeError,
        OptimizeSettings,
        check_settings,
        optimise,
    )
    from safesim.experiments.results import ResultsError, folder_lock
    from safesim.reports.brief import BriefError, write_brief
    from safesim.reports.plotting import PlotError, plot_results

    check_name("--name", name)
    defaults = (8, 4, 2) if quick else (48, 12, 3)
    settings = OptimizeSettings(
        budget=budget,
        trials=trials or defaults[0],
        population=population or defaults[1],
        replicates=replicates or defaults[2],
        days=days,
        seed=seed,
        workers=workers,
        dask=dask,
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
    except (OptimizeError, SweepError, ResultsError, PlotError, BriefError) as exc:
        fail(str(exc))
        return
    except WorkerLost as exc:
        click.echo(
            f"\nerror: {one_line(str(exc))}; finished mixes are kept in "
            f"{out_dir / 'study.db'} and runs in {out_dir / JOURNAL_DIR}: run the same "
            "command again to continue",
            err=True,
        )
        sys.exit(1)
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
    from safesim.experiments.results import write_csv
    from safesim.experiments.voi import VoiError, value_of_information

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

"""Calibration: validated emulators, a screen, history matching and an MCMC posterior,
proved on a cheap synthetic simulator with the city model's interface.

The fast tests check the pieces (leave-one-out, refusal of an emulator without skill,
implausibility, Bayes factors) and a negative control; the slow ones run the proofs at a
size where their rates mean something, and one quick calibration of two small cities end
to end through the CLI.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from safesim.core.scenario import ScenarioError, load_scenario
from safesim.experiments.calibration import OUTPUT_FILES, load_config
from safesim.experiments.calibration.emulator import pair_noise_var
from safesim.experiments.calibration.gp import fit_emulator, leave_one_out, noise_lower_bound
from safesim.experiments.calibration.history import calibration_space
from safesim.experiments.calibration.likelihood import trend_ratio, with_trend
from safesim.experiments.calibration.method import (
    history_match,
    implausibility,
    model_of,
)
from safesim.experiments.calibration.priors import ParameterSpace
from safesim.experiments.calibration.proofs import (
    negative_control,
    predictive_coverage,
    recovery,
    seed_robustness,
)
from safesim.experiments.calibration.readouts import effect_bayes_factors, posterior_values
from safesim.experiments.calibration.synthetic import (
    SyntheticSimulator,
    synthetic_figures,
    synthetic_settings,
    synthetic_space,
)
from safesim.experiments.results import verify_set
from safesim.ui.cli import main

from .conftest import ROOT, SCENARIOS

# Small enough for the default run, large enough that the emulators have skill.
FAST = {"runs_per_wave": 24, "steps": 500, "burn": 200, "candidates": 3000,
        "evidence_draws": 4000}  # fmt: skip


# --------------------------------------------------------------------------- emulators


def test_exact_leave_one_out_equals_refitting_without_the_run():
    rng = np.random.default_rng(3)
    x = rng.random((25, 2))
    y = 10 * np.sin(3 * x[:, 0]) + 2 * x[:, 1] + rng.normal(0, 0.3, 25)
    em = fit_emulator("f", x, y, min_q2=0.5)
    loo_mean, loo_var = leave_one_out(em.gp, y)
    # Refit by hand with the hyperparameters fixed, run 7 left out.
    gp = em.gp
    keep = np.arange(25) != 7
    k = gp.kernel_(x[keep])
    yn = (y[keep] - gp._y_train_mean) / gp._y_train_std
    k_star = gp.kernel_(x[7:8], x[keep])[0]
    mean = k_star @ np.linalg.solve(k, yn)
    var = gp.kernel_.diag(x[7:8])[0] - k_star @ np.linalg.solve(k, k_star)
    assert loo_mean[7] == pytest.approx(mean * gp._y_train_std + gp._y_train_mean, rel=1e-6)
    assert loo_var[7] == pytest.approx(var * gp._y_train_std**2, rel=1e-6)


def test_a_replicated_point_is_held_out_with_its_replicate():
    rng = np.random.default_rng(3)
    points = rng.random((20, 2))
    x = np.vstack([points, points[:3]])
    groups = np.concatenate([np.arange(20), np.arange(3)])
    y = 10 * np.sin(3 * x[:, 0]) + rng.normal(0, 1.0, len(x))
    em = fit_emulator("f", x, y, min_q2=0.5, noise_var=1.0, groups=groups, noise_pairs=3)
    gp = em.gp
    loo_mean, loo_var = leave_one_out(gp, y, groups)
    # Refit by hand with the hyperparameters fixed, point 1 and its replicate left out.
    out = groups == 1
    k = gp.kernel_(x[~out])
    yn = (y[~out] - gp._y_train_mean) / gp._y_train_std
    k_star = gp.kernel_(x[out], x[~out])
    mean = k_star @ np.linalg.solve(k, yn)
    var = np.diag(gp.kernel_(x[out])) - np.sum(k_star * np.linalg.solve(k, k_star.T).T, axis=1)
    assert loo_mean[out] == pytest.approx(mean * gp._y_train_std + gp._y_train_mean, rel=1e-6)
    assert loo_var[out] == pytest.approx(var * gp._y_train_std**2, rel=1e-6)


def test_an_emulator_of_noise_is_refused_and_one_of_signal_is_kept():
    rng = np.random.default_rng(4)
    x = rng.random((40, 3))
    signal = -30 * x[:, 0] + 10 * x[:, 1] ** 2
    kept = fit_emulator("signal", x, signal + rng.normal(0, 1.0, 40), min_q2=0.5)
    # A weak effect under noise sd 15, as the issue measured at 10,000 households.
    refused = fit_emulator("noise", x, 0.05 * signal + rng.normal(0, 15.0, 40), min_q2=0.5)
    assert kept.accepted and kept.validation.q2 > 0.9
    assert 0.8 <= kept.validation.coverage_95 <= 1.0
    assert not refused.accepted and refused.validation.q2 < 0.5
    assert "no skill" in refused.reason
    # A kept emulator's noise is the run noise it was given, not the spread of the runs.
    assert np.sqrt(kept.noise_var) == pytest.approx(1.0, rel=0.5)


def test_replicate_pairs_set_the_noise_and_leave_out_skill_reaches_its_ceiling():
    # A known function under run noise sd 2 (variance 4) on 40 points, 12 rerun on new seeds.
    rng = np.random.default_rng(0)
    points = rng.random((40, 3))
    x = np.vstack([points, points[:12]])
    groups = np.concatenate([np.arange(40), np.arange(12)])
    y = 10 * np.sin(2 * x[:, 0]) + 5 * x[:, 1] ** 2 + rng.normal(0.0, 2.0, len(x))
    pairs = pair_noise_var(y[40:], y[:12])
    em = fit_emulator("f", x, y, min_q2=0.5, noise_var=pairs, groups=groups, noise_pairs=12)
    # The white term is held at or above what the pairs rule out, and recovers the variance.
    assert noise_lower_bound(pairs, 12) <= em.noise_var * (1 + 1e-6)
    assert 2.0 <= em.noise_var <= 8.0
    # Held-out skill for a new noisy run cannot beat 1 − noise share; a good emulator is near.
    ceiling = 1.0 - 4.0 / float(np.var(y))
    assert ceiling - 0.1 <= em.validation.q2 <= ceiling + 0.1
    assert em.validation.q2_ceiling == pytest.approx(1.0 - em.noise_var / float(np.var(y)))
    assert em.accepted and 0.85 <= em.validation.coverage_95 <= 1.0


# --------------------------------------------------------------------------- the method


@pytest.fixture(scope="module")
def synthetic_fit():
    space = synthetic_space()
    settings = synthetic_settings(seed=21, **FAST)
    truth = np.array([0.25, 0.12, 0.6, 0.4, 0.5])
    figures, known = synthetic_figures(truth, settings, np.random.default_rng(8))
    result = history_match(SyntheticSimulator(), space, figures, settings)
    return space, settings, truth, figures, known, result


def test_screen_fits_what_moves_the_figures_and_keeps_the_inert_parameter_at_its_prior(
    synthetic_fit,
):
    space, _, _, _, _, result = synthetic_fit
    fitted = {space.names[i] for i in result.fitted}
    assert {"effect_a", "effect_b", "fear_only"} <= fitted
    assert "inert" not in fitted and result.kept == ["inert"]
    assert result.screen["beta:feel_safe"]["fear_only"] > 1.0
    assert result.screen["alpha:property_change"]["fear_only"] < 0.5


def test_waves_rule_out_space_and_the_posterior_learns_the_effects(synthetic_fit):
    space, _, truth, _, _, result = synthetic_fit
    assert result.waves[-1].nroy_fraction < 0.9
    assert all(em.accepted for em in result.emulators.values())
    post, _ = posterior_values(result, np.random.default_rng(0))
    prior = space.values(space.sample_unit(20000, np.random.default_rng(1)))
    a = space.names.index("effect_a")
    # effect_a moves three figures by tens of points, but each city's delivered dose
    # (log-sd 0.3) scales what it does there: over two cities effect · dose is learned and
    # effect alone to about 0.3 / √2 of itself, some 0.45 of the prior's sd at 0.25.
    assert np.std(post[:, a]) < 0.75 * np.std(prior[:, a])
    lo, hi = np.quantile(post[:, a], (0.01, 0.99))
    assert lo <= truth[a] <= hi


def test_implausibility_rules_out_a_point_far_from_the_reports(synthetic_fit):
    space, settings, truth, _, _, result = synthetic_fit
    model = model_of(result, settings)
    units = [float(p.to_unit(np.array(v))) for p, v in zip(space.priors, truth, strict=True)]
    x_true = np.array([units])[:, result.fitted]
    far = x_true.copy()
    far[0, result.fitted.index(space.names.index("effect_a"))] = 0.0  # no effect at all
    far[0, result.fitted.index(space.names.index("effect_b"))] = 0.0
    rng = np.random.default_rng(0)
    assert implausibility(model, x_true, rng)[0] < settings.cutoff
    assert implausibility(model, far, rng)[0] > settings.cutoff


@pytest.mark.slow
def test_bayes_factor_favours_an_effect_that_is_there_and_not_one_that_is_not(synthetic_fit):
    space, settings, _, _, _, result = synthetic_fit
    factors = {
        r["effect"]: r for r in effect_bayes_factors(result, settings, np.random.default_rng(2))
    }
    assert factors["effect_a"]["log_bayes_factor"] > 5.0  # effect_a = 0.25 of 0.4
    # The same reports made with effect_a at zero.
    truth = np.array([0.0, 0.12, 0.6, 0.4, 0.5])
    figures, _ = synthetic_figures(truth, settings, np.random.default_rng(8))
    null = history_match(SyntheticSimulator(), space, figures, settings)
    factors = {
        r["effect"]: r for r in effect_bayes_factors(null, settings, np.random.default_rng(2))
    }
    assert factors["effect_a"]["log_bayes_factor"] < 1.0
    assert 0.0 <= factors["effect_a"]["p_effect"] < 0.75


@pytest.mark.slow
def test_negative_control_a_parameter_no_fitted_figure_depends_on_is_not_learned():
    out = negative_control(seed=0)
    # fear_only moves only beta's survey; alpha alone cannot teach it, even when forced in.
    assert out["fear_only"]["sd_ratio"] == pytest.approx(1.0, abs=0.12)
    assert abs(out["fear_only"]["median_shift_in_prior_sd"]) < 0.3
    assert out["inert"]["sd_ratio"] == pytest.approx(1.0, abs=0.12)
    # ... while the same fit does learn what alpha's figures depend on.
    assert out["effect_a"]["sd_ratio"] < 0.8
    assert "fear_only" not in out["screen_keeps"] and "inert" not in out["screen_keeps"]


# --------------------------------------------------------------------------- proofs (slow)


@pytest.mark.slow
def test_recovery_known_values_inside_90_percent_intervals_at_about_the_nominal_rate():
    out = recovery(8, seed=0)
    # 90 % intervals over 8 datasets × 4 fitted parameters: a binomial(32, 0.9) falls
    # below 24 (0.75) with probability < 1 %. A prior-wide posterior would pass coverage,
    # so the effects' intervals must also be narrower than the prior (the per-city dose
    # factor keeps them from narrowing below about half of it).
    assert out["checks"] >= 24
    assert out["coverage_90"] >= 0.75
    assert out["median_sd_ratio"]["effect_a"] < 0.75


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="measured: sensitivity's medians differ by 3.44 and fear_only's by 3.05 Monte-Carlo "
    "errors between two design+chain seeds, above the 3.0 set before running, once the "
    "emulators' noise terms came from replicate pairs; reported, not re-ranged",
)
def test_two_calibration_seeds_agree_within_monte_carlo_error():
    rows = seed_robustness()["rows"]
    assert rows
    for row in rows:
        assert row["difference_in_se"] <= 3.0, row


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="measured: mean width gain 1.13 (4 datasets), below the 1.2 set before running; "
    "most of a held-out city's predictive width is its own trend, dose and twin noise",
)
def test_a_held_out_city_is_predicted_better_than_by_the_prior():
    out = predictive_coverage(4)
    assert out["posterior_coverage_90"] >= 0.7
    assert out["mean_width_gain"] > 1.2


# --------------------------------------------------------------------------- the city model


def test_every_effect_range_includes_no_effect_and_the_rest_keep_their_evidence_bounds():
    config = load_config(ROOT / "calibration" / "reports.yaml")
    space = calibration_space(config)
    evidence = {p.name: p for p in ParameterSpace(config.parameters).priors}
    for prior in space.priors:
        if prior.name in config.effect_parameters:
            assert prior.low == 0.0 and prior.high == evidence[prior.name].high
        else:
            assert (prior.low, prior.high) == (evidence[prior.name].low,
                                               evidence[prior.name].high)  # fmt: skip


def test_trend_credits_interventions_only_with_what_is_left():
    assert with_trend(np.array(0.0), (1.0,), np.array(-5.0)) == pytest.approx(-5.0)
    assert trend_ratio((1.0, 2.0, 3.0, 4.0), np.array(-5.0)) < 0.95
    assert with_trend(np.array(90.0), None, np.array(-5.0)) == 90.0


def _city(name: str, cameras: int, report: float) -> dict:
    """small.yaml's city over one baseline half-year and one campaign half-year."""
    scenario = yaml.safe_load((SCENARIOS / "small.yaml").read_text(encoding="utf-8"))
    scenario["name"] = name
    scenario["calendar"].update(start="2012-07-01", end="2013-06-30", burn_in_days=30)
    scenario["interventions"]["cameras"]["count"]["value"] = cameras
    scenario["targets"] = [
        {
            "name": "criminal_h1_2013",
            "metric": "criminal_total",
            "comparison": "vs_previous_period",
            "window_start": "2013-01-01",
            "window_end": "2013-06-30",
            "report_value": report,
            "unit": "percent_change",
            "source": "a made-up figure for the test",
        }
    ]
    return scenario


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    for name, cameras, report in (("alpha", 300, -15.0), ("beta", 30, -5.0)):
        text = yaml.safe_dump(_city(name, cameras, report), allow_unicode=True)
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    config = yaml.safe_load((ROOT / "calibration" / "reports.yaml").read_text(encoding="utf-8"))
    config.update(
        name="test",
        scenarios=[str(folder / "alpha.yaml"), str(folder / "beta.yaml")],
        predict=[],
        parameters=["camera_deterrence", "guardianship_effect", "fear_local_crime"],
        effect_parameters=["camera_deterrence", "guardianship_effect"],
        ordered=[],
    )
    config["quick"].update(households=1500, first_wave=8, runs_per_wave=4, waves=2,
                           mcmc_steps=200, mcmc_burn=50, proof_datasets=0)  # fmt: skip
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.slow
def test_quick_calibration_end_to_end_writes_every_output_and_resumes(config_file):
    out = config_file.parent / "out"
    args = ["calibrate", str(config_file), "--quick", "--out", str(out), "--workers", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    for name in OUTPUT_FILES:
        assert (out / name).is_file(), name
    samples = pd.read_csv(out / "posterior_samples.csv")
    names = ["camera_deterrence", "guardianship_effect", "fear_local_crime"]
    cities = ["trend_alpha", "trend_beta", "dose_alpha", "dose_beta"]
    assert list(samples.columns) == [*names, *cities, "weight"]
    assert samples["weight"].sum() == pytest.approx(1.0)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # One result set: the manifest lists every other output with its hash, and it checks.
    assert set(manifest["files"]) == set(OUTPUT_FILES) - {"manifest.json"}
    verify_set(out, manifest)
    diag = manifest["diagnostics"]
    assert set(diag["fitted_parameters"]) | set(diag["kept_at_prior"]) == set(names)
    emulators = pd.read_csv(out / "emulators.csv")
    assert set(emulators.figure) == {"alpha:criminal_h1_2013", "beta:criminal_h1_2013"}
    # A second call finds every run in the journal, runs none and writes the same files.
    journal = sorted((out / ".runs").glob("*.json"))
    stamps = {p.name: p.stat().st_mtime_ns for p in journal}
    before = {n: (out / n).read_bytes() for n in ("posterior_samples.csv", "emulators.csv")}
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert {p.name: p.stat().st_mtime_ns for p in sorted((out / ".runs").glob("*.json"))} == stamps
    for name, text in before.items():
        assert (out / name).read_bytes() == text, name


def test_bad_config_is_one_line_and_exit_2(tmp_path, config_file):
    bad = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    bad["parameters"] = ["no_such_thing"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ScenarioError, match="unknown mechanism parameter 'no_such_thing'"):
        load_config(path)
    result = CliRunner().invoke(main, ["calibrate", str(path), "--quick"])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {path}: parameters")
    assert not (tmp_path / "results").exists()


def test_no_input_is_derived_from_a_figure_that_is_also_a_target():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(path)
        # A baseline may start from the level a report's change implies (Tongren: 99.78 %
        # less 0.15 points) when the change, not the level, is the target.
        levels = [
            t
            for t in scenario.targets
            if t.metric == "sense_of_security" and t.comparison == "level"
        ]
        baseline = scenario.city.baseline.sense_of_security
        for target in levels:
            quoted = f"{target.report_value:g}"
            assert quoted not in (baseline.source or ""), (path.name, target.name)


def test_the_journal_keeps_a_calibration_pair_as_a_finished_run():
    """A calibration pair's record (``mix`` and ``twin`` figures) is a finished run to the
    batch journal, as a sweep run's ``outcomes`` are; a record of neither shape is redone."""
    from safesim.experiments.batch import _is_record

    pair = {"key": "wave1-0-alpha-0", "seed": 3, "status": "ok", "error": "",
            "mix": {"criminal_h1_2013": -4.0}, "twin": {"criminal_h1_2013": 1.5}}  # fmt: skip
    failed = {**pair, "status": "failed", "error": "boom", "mix": {}, "twin": {}}
    assert _is_record(pair) and _is_record(failed)
    assert not _is_record({**pair, "mix": {"criminal_h1_2013": "x"}})
    assert not _is_record({k: v for k, v in pair.items() if k != "twin"})


def test_the_shipped_calibration_gives_every_figure_a_row_and_plots(tmp_path) -> None:
    """Every report figure has its row in targets.csv, with an interval or the reason it
    has none (an emulator without skill), and the folder, a checked result set, plots
    whatever it holds."""
    import shutil

    folder = tmp_path / "calibration"
    shutil.copytree(ROOT / "calibration", folder, ignore=shutil.ignore_patterns(".runs"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    verify_set(folder, manifest)
    targets = pd.read_csv(folder / "targets.csv")
    emulators = pd.read_csv(folder / "emulators.csv")
    last = emulators[emulators.wave == emulators.wave.max()]
    assert sorted(targets.scenario + ":" + targets.target) == sorted(last.figure)
    without = targets["pred_p05"].isna()
    assert (targets.loc[without, "reason"].str.startswith("not predicted")).all()
    assert without.sum() == (~last.accepted).sum()
    held = pd.read_csv(folder / "leave_one_city_out.csv")
    assert held["pred_p05"].notna().any() or held["reason"].notna().all()
    result = CliRunner().invoke(main, ["plot", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "calibration_posterior.png").exists()


def test_calibration_pairs_are_identical_on_one_worker_two_workers_and_dask(tmp_path):
    """The calibration's runs go through the batch engine: the same tasks give the same
    records (every figure of the mix and its twin) on 1 process, a pool of 2 and a local
    Dask cluster, and each executor serves two batches in turn (the waves)."""
    pytest.importorskip("distributed")
    from safesim.experiments.batch import locked_journal, run_tasks_with_progress
    from safesim.experiments.calibration.citymodel import (
        CitySimulator,
        execute_paired,
        scaled_scenario_data,
    )

    path = tmp_path / "alpha.yaml"
    city = _city("alpha", 300, -15.0)
    city["calendar"].update(burn_in_days=10)
    path.write_text(yaml.safe_dump(city, allow_unicode=True), encoding="utf-8")
    data = scaled_scenario_data(path, 1000)
    assert data["city"]["households"]["value"] == 1000
    names = ["camera_deterrence", "guardianship_effect"]
    values = np.array([[0.0, 0.0], [0.08, 0.1], [0.04, 0.05]])
    seeds = [11, 12, 13]
    results = {}
    for label, workers, dask in (("one", 1, None), ("two", 2, None), ("dask", 2, "local")):
        out = tmp_path / label
        with locked_journal(out, {"t": 1}, False, workers, dask, (), execute_paired) as (
            journal,
            executor,
        ):
            sim = CitySimulator(
                {"alpha": str(path)}, 1000, names, [("alpha", "criminal_h1_2013")],
                journal, executor,
            )  # fmt: skip
            first = sim.tasks("wave1", values[:2], seeds[:2], ["alpha"])
            second = sim.tasks("wave2", values[2:], seeds[2:], ["alpha"])
            records, _, _ = run_tasks_with_progress(first, journal, executor, "w1", True)
            more, _, _ = run_tasks_with_progress(second, journal, executor, "w2", True)
        records.update(more)
        assert len(records) == 3 and all(r["status"] == "ok" for r in records.values())
        results[label] = {k: {s: r[s] for s in ("seed", "mix", "twin")} for k, r in records.items()}
    assert results["one"] == results["two"] == results["dask"]
    effects = [r["mix"]["criminal_h1_2013"] - r["twin"]["criminal_h1_2013"]
               for _, r in sorted(results["one"].items())]  # fmt: skip
    # Every pair gives its figure, each task its own (seeds and parameters differ).
    assert all(np.isfinite(effects)) and max(abs(e) for e in effects) < 60.0
    assert len({r["mix"]["criminal_h1_2013"] for r in results["one"].values()}) == 3


def test_pooled_design_points_average_their_pairs_and_keep_the_first_seed(tmp_path):
    """A design point of ``pooled`` pairs is the mean of its pairs; its first pair is the
    unpooled run (same seed, same journal key), the others run on seeds of their own."""
    from safesim.experiments.batch import locked_journal
    from safesim.experiments.calibration.citymodel import CitySimulator, execute_paired, pooled_mean

    blocks = np.array([1.0, 3.0, np.nan, 5.0, np.nan, np.nan])
    assert pooled_mean(blocks, 2).tolist()[:2] == [2.0, 5.0]
    assert np.isnan(pooled_mean(blocks, 2)[2])
    path = tmp_path / "alpha.yaml"
    city = _city("alpha", 300, -15.0)
    city["calendar"].update(burn_in_days=10)
    path.write_text(yaml.safe_dump(city, allow_unicode=True), encoding="utf-8")
    values, seeds = np.array([[0.05, 0.05]]), [21]
    got = {}
    for pooled in (1, 3):
        with locked_journal(tmp_path / f"p{pooled}", {"p": pooled}, False, 1, None, (),
                            execute_paired) as (journal, executor):  # fmt: skip
            sim = CitySimulator(
                {"alpha": str(path)}, 1000, ["camera_deterrence", "guardianship_effect"],
                [("alpha", "criminal_h1_2013")], journal, executor, pooled,
            )  # fmt: skip
            effects, _ = sim.simulate("wave1", values, seeds)
            got[pooled] = (effects["alpha:criminal_h1_2013"][0], sorted(journal.records()))
        assert len(got[pooled][1]) == pooled
    one, three = got[1][0], got[3][0]
    # The pooled mean holds the unpooled pair and two others: it is not that pair alone.
    assert np.isfinite(one) and np.isfinite(three) and one != three
    assert got[1][1][0] in got[3][1]

"""Calibration: a posterior from evidence priors and a noisy likelihood, checked on fresh
seeds, resumable, with leave-one-city-out, predictions and a verdict on every figure.

One ``--quick`` calibration of two small cities (and a third predicted) is run once for
the module; the tests read what it wrote.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from safesim.calibration import OUTPUT_FILES, load_config, load_parameters
from safesim.calibration.emulator import fit_surface, pair_noise_var
from safesim.calibration.likelihood import trend_ratio, with_trend
from safesim.calibration.priors import ParameterSpace
from safesim.cli import main
from safesim.parameters import MechanismParameters
from safesim.plotting import plot_results
from safesim.scenario import ScenarioError, load_scenario

from .conftest import ROOT, SCENARIOS


def _city(name: str, cameras: int, report: float | None, security: float | None) -> dict:
    """small.yaml's city over one baseline half-year and one campaign half-year."""
    scenario = yaml.safe_load((SCENARIOS / "small.yaml").read_text(encoding="utf-8"))
    scenario["name"] = name
    scenario["calendar"].update(start="2012-07-01", end="2013-06-30", burn_in_days=30)
    scenario["interventions"]["cameras"]["count"]["value"] = cameras
    scenario["targets"] = []
    if report is not None:
        scenario["targets"].append(
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
        )
    if security is not None:
        scenario["targets"].append(
            {
                "name": "security_june_2013",
                "metric": "sense_of_security",
                "comparison": "level",
                "window_start": "2013-06-01",
                "window_end": "2013-06-30",
                "report_value": security,
                "unit": "percent",
                "source": "a made-up figure for the test",
            }
        )
    return scenario


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    cities = (("alpha", 300, -15.0, 90.0), ("beta", 30, -5.0, 88.0), ("gamma", 100, None, None))
    for name, cameras, report, security in cities:
        text = yaml.safe_dump(_city(name, cameras, report, security), allow_unicode=True)
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    config = yaml.safe_load((ROOT / "calibration" / "reports.yaml").read_text(encoding="utf-8"))
    config["name"] = "test"
    config["scenarios"] = [str(folder / "alpha.yaml"), str(folder / "beta.yaml")]
    config["predict"] = [str(folder / "gamma.yaml")]
    config["parameters"] = ["camera_deterrence", "guardianship_effect", "fear_local_crime"]
    config["effect_parameters"] = ["camera_deterrence", "guardianship_effect"]
    config["ordered"] = []
    config["quick"] = {
        "households": 2000,
        "design": 10,
        "beyond": 2,
        "replicate_pairs": 3,
        "posterior_draws": 4,
        "scaling_households": 3000,
        "scaling_draws": 1,
        "samples": 2000,
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def calibrated(config_file):
    out = config_file.parent / "out"
    result = CliRunner().invoke(main, ["calibrate", str(config_file), "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_writes_every_output(calibrated):
    for name in OUTPUT_FILES:
        assert (calibrated / name).is_file(), name
    manifest = json.loads((calibrated / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "calibration" and manifest["quick"] is True
    assert len(manifest["config_sha256"]) == 64
    assert {"numpy", "mesa", "safesim"} <= set(manifest["versions"])


def test_posterior_is_an_interval_inside_the_priors_bounds(calibrated):
    summary = pd.read_csv(calibrated / "posterior_summary.csv").set_index("parameter")
    bounds = MechanismParameters.bounds()
    for name in ("camera_deterrence", "guardianship_effect", "fear_local_crime"):
        row = summary.loc[name]
        assert bounds[name][0] <= row.p05 < row["median"] < row.p95 <= bounds[name][1]
    for city in ("alpha", "beta"):
        row = summary.loc[f"trend_{city}"]
        assert -25.0 <= row.p05 < row.p95 <= 15.0
    samples = pd.read_csv(calibrated / "posterior_samples.csv")
    assert len(samples) == 1000 and samples["trend_alpha"].notna().all()
    fitted = load_parameters(calibrated / "fitted_parameters.yaml")
    assert fitted["camera_deterrence"] == pytest.approx(
        summary.loc["camera_deterrence", "median"], abs=1e-6
    )


def test_target_and_held_out_tables(calibrated):
    targets = pd.read_csv(calibrated / "targets.csv")
    assert set(targets.target) == {"criminal_h1_2013", "security_june_2013"}
    assert (targets.pred_p05 < targets.pred_mean).all() and (
        targets.pred_mean < targets.pred_p95
    ).all()
    assert targets.inside.tolist() == [
        lo <= v <= hi
        for lo, v, hi in zip(targets.pred_p05, targets.report_value, targets.pred_p95, strict=True)
    ]
    loco = pd.read_csv(calibrated / "leave_one_city_out.csv")
    assert set(loco.held_out) == {"alpha", "beta"}
    assert (loco[loco.held_out == "alpha"].fitted_on == "beta").all()
    predictions = pd.read_csv(calibrated / "predictions.csv")
    assert set(predictions.scenario) == {"gamma"}
    assert (predictions.label == "prediction").all()
    assert "campaign_end_sense_of_security" in set(predictions.figure)


def test_no_winners_curse_loss_on_fresh_seeds_within_the_predictive_spread(calibrated):
    diag = json.loads((calibrated / "manifest.json").read_text(encoding="utf-8"))["diagnostics"]
    low, high = diag["predictive_mean_loss_p05"], diag["predictive_mean_loss_p95"]
    assert low <= diag["rescored_mean_loss"] <= high
    rescore = pd.read_csv(calibrated / "rescore.csv")
    assert rescore["run"].str.startswith("posterior draw").sum() == 4


def test_plausibility_gives_a_verdict_with_numbers_for_every_figure(calibrated):
    text = (calibrated / "plausibility.md").read_text(encoding="utf-8")
    verdicts = ("reachable inside the evidence", "reachable only beyond", "not reachable")
    for city in ("alpha", "beta"):
        for target in ("criminal_h1_2013", "security_june_2013"):
            line = next(x for x in text.splitlines() if f"| {city} | {target} |" in x)
            assert any(v in line for v in verdicts)
            assert "the model spans" in line


def test_resumes_from_the_journal_and_reproduces_the_outputs(calibrated, config_file, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(calibrated, copy)
    journal = sorted((copy / ".journal").glob("design-*.json"))
    for path in journal[:3]:  # as if killed before these runs finished
        path.unlink()
    (copy / "targets.csv").unlink()
    result = CliRunner().invoke(
        main, ["calibrate", str(config_file), "--quick", "--out", str(copy)]
    )
    assert result.exit_code == 0, result.output
    assert "design 27/30 runs" in result.output  # only the three lost runs are run again
    for name in ("targets.csv", "posterior_summary.csv", "leave_one_city_out.csv"):
        assert (copy / name).read_bytes() == (calibrated / name).read_bytes(), name


def test_plot_draws_posterior_targets_and_held_out(calibrated):
    written = {p.name for p in plot_results(calibrated)}
    assert {
        "calibration_posterior.png",
        "calibration_targets.png",
        "calibration_held_out.png",
    } <= written


def test_a_journal_of_another_config_is_refused(calibrated, config_file, tmp_path):
    other = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    other["seed"] = 99
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(other), encoding="utf-8")
    result = CliRunner().invoke(main, ["calibrate", str(path), "--quick", "--out", str(calibrated)])
    assert result.exit_code == 2
    assert "--restart" in result.output and "Traceback" not in result.output


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


def test_priors_come_from_the_evidence_beside_each_fitted_parameter():
    config = load_config(ROOT / "calibration" / "reports.yaml")
    space = ParameterSpace(config.parameters)
    for prior in space.priors:
        assert prior.source and prior.source != "bounds only", prior.name
        draws = prior.ppf(np.linspace(0.001, 0.999, 200))
        assert prior.low <= draws.min() and draws.max() <= prior.high
    camera = next(p for p in space.priors if p.name == "camera_deterrence")
    # Welsh & Farrington's pooled -16 % is the prior's centre.
    assert camera.ppf(np.array([0.5]))[0] == pytest.approx(0.16, abs=0.02)


def test_trend_credits_interventions_only_with_what_is_left():
    # A city whose recorded crime falls 5 % a year shows -5 % year on year with no effect.
    assert with_trend(np.array(0.0), (1.0,), np.array(-5.0)) == pytest.approx(-5.0)
    # Against the mean of four previous years a steady fall looks larger.
    assert trend_ratio((1.0, 2.0, 3.0, 4.0), np.array(-5.0)) < 0.95
    assert with_trend(np.array(90.0), None, np.array(-5.0)) == 90.0


def test_emulator_separates_noise_from_signal():
    rng = np.random.default_rng(1)
    x = rng.random((80, 2))
    y = 10 * x[:, 0] - 4 * x[:, 1] ** 2 + rng.normal(0, 0.5, 80)
    noise = pair_noise_var(rng.normal(0, 0.5, 50), rng.normal(0, 0.5, 50))
    surface = fit_surface(x, y, noise)
    assert surface.form == "quadratic"
    assert surface.mean(np.array([[0.5, 0.5]]))[0] == pytest.approx(5 - 1, abs=0.3)
    assert np.sqrt(surface.residual_var) == pytest.approx(0.5, rel=0.3)


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

"""Parameter draws: reproducible from the seed, shared by every mix, weighted as given."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.core.outcomes import variance_shares
from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import load_scenario
from safesim.experiments.draws import (
    POINT,
    POSTERIOR,
    PRIOR,
    DrawsError,
    choose_draws,
    pick_rows,
    prior_names,
    prior_sample,
    read_sample,
)
from safesim.experiments.runner import run_paired_with_areas
from safesim.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
# A weighted sample in the calibration's format (parameter columns), made from the evidence
# priors: the tests exercise how a sample is read and shared, not what it holds.
SAMPLE_DIR = Path(__import__("tempfile").mkdtemp(prefix="safesim-draws-"))
POSTERIOR_SAMPLE = SAMPLE_DIR / "calibration" / "posterior_samples.csv"
POSTERIOR_SAMPLE.parent.mkdir(parents=True)
prior_sample(200, 1).to_csv(POSTERIOR_SAMPLE, index=False)


def test_same_seed_gives_the_same_draws_and_another_seed_others():
    one = choose_draws(seed=11, draws=6, runs=12, sample_file=POSTERIOR_SAMPLE)
    again = choose_draws(seed=11, draws=6, runs=12, sample_file=POSTERIOR_SAMPLE)
    other = choose_draws(seed=12, draws=6, runs=12, sample_file=POSTERIOR_SAMPLE)
    assert one.source == POSTERIOR
    assert one.sample_rows == again.sample_rows
    np.testing.assert_array_equal(one.values, again.values)
    assert one.sample_rows != other.sample_rows
    # The posterior's rows, untouched: a draw is a row of the sample, not a blend.
    sample = pd.read_csv(POSTERIOR_SAMPLE)
    np.testing.assert_allclose(one.values, sample.loc[one.sample_rows, one.names].to_numpy())
    assert "trend_guiyang" not in one.names  # a city's trend is no mechanism strength


def test_runs_share_draws_in_consecutive_pairs():
    draws = choose_draws(seed=3, draws=5, runs=10, sample_file=POSTERIOR_SAMPLE)
    assert list(draws.draw_index()) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert draws.overrides(2) == draws.overrides(3) != draws.overrides(4)


def test_weights_are_followed(tmp_path):
    path = tmp_path / "weighted.csv"
    pd.DataFrame({"patrol_deterrence": [0.05, 0.2], "weight": [9.0, 1.0]}).to_csv(path, index=False)
    draws = choose_draws(seed=1, draws=4000, runs=4000, sample_file=path)
    share_low = float(np.mean(draws.values[:, 0] == 0.05))
    # 4,000 draws: the binomial sd of the share is 0.005.
    assert abs(share_low - 0.9) < 0.02


def test_a_sample_row_no_run_could_take_is_refused_before_anything_runs(tmp_path):
    """A drawn value outside what the model accepts is one line naming the file, row and
    column, when the sample is read; an effect below its evidence range, down to zero, is
    a value the calibration's posterior can hold and is accepted."""
    path = tmp_path / "sample.csv"
    pd.DataFrame({"patrol_deterrence": [0.1, 0.02, 0.9]}).to_csv(path, index=False)
    with pytest.raises(DrawsError, match=r"sample.csv: row 4, patrol_deterrence"):
        read_sample(path)
    pd.DataFrame({"patrol_deterrence": [0.1, 0.02, 0.0]}).to_csv(path, index=False)
    values, _ = read_sample(path)
    assert list(values["patrol_deterrence"]) == [0.1, 0.02, 0.0]


def test_equal_weights_give_distinct_rows():
    rng = np.random.default_rng(0)
    rows = pick_rows(np.full(50, 1 / 50), 50, rng)
    assert sorted(rows) == list(range(50))


def test_prior_draws_follow_the_evidence():
    sample = prior_sample(4000, seed=5)
    assert list(sample.columns) == prior_names()
    bounds = MechanismParameters.bounds()
    for name in sample.columns:
        low, high = bounds[name]
        assert sample[name].between(low, high).all(), name
    assert (sample["fear_local_crime"] <= sample["fear_disorder"]).all()
    # camera_deterrence: normal(0.15, 0.05) truncated to [0.07, 0.25]: its mean stays
    # near 0.15 and its sd below the untruncated 0.05.
    assert abs(sample["camera_deterrence"].mean() - 0.152) < 0.005
    assert 0.035 < sample["camera_deterrence"].std() < 0.05
    draws = choose_draws(seed=5, draws=8, runs=8, use_priors=True)
    assert draws.source == PRIOR and not draws.calibrated


def test_a_mix_and_its_twin_and_another_mix_run_at_the_same_draws():
    scenario = load_scenario(SMALL)
    other = scenario.model_copy(update={"name": "other"})
    draws = choose_draws(seed=9, draws=2, runs=2, sample_file=POSTERIOR_SAMPLE)
    for run in range(2):
        assert draws.parameters(scenario, run) == draws.parameters(other, run)
    assert draws.parameters(scenario, 0) != draws.parameters(scenario, 1)
    seen: list[MechanismParameters] = []

    import safesim.experiments.runner as runner

    original = runner.SafetyModel

    class Recording(original):  # type: ignore[misc, valid-type]
        def run(self, progress=None):
            seen.append(self.params)
            return super().run(progress)

    runner.SafetyModel = Recording
    try:
        run_paired_with_areas(scenario, 9, 2, days=1, draws=draws)
    finally:
        runner.SafetyModel = original
    # mix, twin of run 0; mix, twin of run 1
    assert seen[0] == seen[1] == draws.parameters(scenario, 0)
    assert seen[2] == seen[3] == draws.parameters(scenario, 1)


def test_variance_shares_recover_a_known_split():
    rng = np.random.default_rng(2)
    draws, per_draw = 400, 4
    between_sd, within_sd = 2.0, 1.0  # parameters' share 4 / 5
    centre = rng.normal(0.0, between_sd, draws)
    values = np.repeat(centre, per_draw) + rng.normal(0.0, within_sd, draws * per_draw)
    share_parameters, share_noise = variance_shares(values, np.repeat(np.arange(draws), per_draw))
    assert abs(share_parameters - 0.8) < 0.05
    assert abs(share_parameters + share_noise - 1.0) < 1e-12
    # One point: all run noise. One replicate per draw: not separable.
    assert variance_shares(values, None) == (0.0, 1.0)
    assert np.isnan(variance_shares(values[:draws], np.arange(draws))[0])


def test_run_says_where_its_parameters_came_from(tmp_path, monkeypatch):
    monkeypatch.chdir(SAMPLE_DIR)  # its calibration/ holds the sample a run takes by default
    common = ["run", str(SMALL), "--days", "2", "--replicates", "4", "--no-counterfactual"]
    drawn = CliRunner().invoke(main, [*common, "--draws", "2", "--out", str(tmp_path / "d")])
    assert drawn.exit_code == 0, drawn.output
    manifest = json.loads((tmp_path / "d" / "small" / "manifest.json").read_text())
    assert manifest["parameter_draws"]["source"] == POSTERIOR
    assert manifest["parameter_draws"]["draws"] == 2
    table = pd.read_csv(tmp_path / "d" / "small" / "draws.csv")
    assert list(table["draw"]) == [0, 0, 1, 1]

    defaults = tmp_path / "defaults.yaml"
    defaults.write_text("{}\n")
    point = CliRunner().invoke(
        main, [*common, "--parameters", str(defaults), "--out", str(tmp_path / "p")]
    )
    assert point.exit_code == 0, point.output
    assert "run noise only" in point.output
    manifest = json.loads((tmp_path / "p" / "small" / "manifest.json").read_text())
    assert manifest["parameter_draws"]["source"] == POINT
    assert manifest["parameter_draws"]["calibrated"] is False
    summary = pd.read_csv(tmp_path / "p" / "small" / "summary.csv")
    assert not summary["calibrated"].any()  # a run at the defaults is not calibrated
    assert (summary["intervals_hold"] == "run noise only (one point of the parameters)").all()


def test_without_a_posterior_the_draws_come_from_the_priors_and_say_so(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("safesim.experiments.draws.default_sample_file", lambda: None)
    drawn = choose_draws(seed=4, draws=3, runs=6)
    assert drawn.source == PRIOR


def test_every_row_of_the_shipped_posterior_is_a_parameter_set_a_run_accepts():
    shipped = Path(__file__).resolve().parents[1] / "calibration" / "posterior_samples.csv"
    values, weights = read_sample(shipped)
    assert len(values) == len(weights) > 100


def test_a_report_figure_is_calibrated_only_if_the_calibration_could_use_it():
    """The shipped calibration names the figures its posterior used (an emulator with
    skill); a target whose emulator was refused is not called calibrated."""
    draws = choose_draws(seed=3, draws=2, runs=2)
    assert draws.source == POSTERIOR
    manifest = Path(__file__).resolve().parents[1] / "calibration" / "manifest.json"
    expected = json.loads(manifest.read_text(encoding="utf-8"))["diagnostics"]["figures_used"]
    assert draws.figures_fitted() == set(expected)
    assert choose_draws(seed=3, draws=2, runs=2, use_priors=True).figures_fitted() is None


def test_the_figures_a_calibration_used_are_read_from_the_manifest_beside_its_sample(
    tmp_path: Path,
) -> None:
    """Beside a sample, the manifest's list of the figures the posterior used is what a
    run calls calibrated; a manifest that lists none calls none, and one that cannot be
    read leaves it unknown."""
    import dataclasses

    shipped = Path(__file__).resolve().parents[1] / "calibration" / "posterior_samples.csv"
    sample = tmp_path / "posterior_samples.csv"
    sample.write_bytes(shipped.read_bytes())
    draws = dataclasses.replace(choose_draws(seed=3, draws=2, runs=2), sample_path=str(sample))
    for used in (["tongren:public_order_2020_vs_2019", "guiyang:criminal_cases_2013"], []):
        diagnostics = {"diagnostics": {"figures_used": used}}
        (tmp_path / "manifest.json").write_text(json.dumps(diagnostics), encoding="utf-8")
        assert draws.figures_fitted() == set(used)
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    assert draws.figures_fitted() is None

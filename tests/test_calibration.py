"""Calibration: an Optuna study that fits bounded parameters, resumes, and writes a
parameters file `safesim run --parameters` accepts."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from safesim.calibration import Calibration, load_config, load_parameters
from safesim.cli import main
from safesim.parameters import MechanismParameters
from safesim.plotting import plot_results
from safesim.scenario import ScenarioError

from .conftest import SCENARIOS


@pytest.fixture
def config_file(tmp_path):
    scenario = yaml.safe_load((SCENARIOS / "small.yaml").read_text(encoding="utf-8"))
    scenario["targets"] = [
        {
            "name": "criminal_2013",
            "metric": "criminal_total",
            "comparison": "year_on_year",
            "window_start": "2013-01-01",
            "window_end": "2013-12-31",
            "report_value": -20.0,
            "unit": "percent_change",
            "source": "a made-up figure for the test",
        }
    ]
    (tmp_path / "city.yaml").write_text(yaml.safe_dump(scenario), encoding="utf-8")
    config = {
        "name": "test",
        "scenarios": [str(tmp_path / "city.yaml")],
        "parameters": ["patrol_deterrence", "guardianship_effect"],
        "replicates": 1,
        "seed": 3,
    }
    path = tmp_path / "calibration.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_loss_scales_misses_by_the_size_of_the_figure():
    fit = pd.DataFrame({"report_value": [-50.0, -10.0], "sim_mean": [-40.0, -5.0]})
    assert Calibration.loss(fit) == pytest.approx(((10 / 25) ** 2 + (5 / 5) ** 2) / 2)


def test_study_resumes_and_writes_bounded_fitted_parameters(tmp_path, config_file):
    calibration = Calibration(load_config(config_file), tmp_path / "out")
    study = calibration.run(trials=2)
    assert len(study.trials) == 2
    # The first trial is the evidence defaults, so the fit can only improve on them.
    assert study.trials[0].params["patrol_deterrence"] == MechanismParameters().patrol_deterrence
    again = Calibration(load_config(config_file), tmp_path / "out").run(trials=3)
    assert len(again.trials) == 3
    paths = calibration.write_results(again)
    fitted = load_parameters(paths["parameters"])
    bounds = MechanismParameters.bounds()
    for name, value in fitted.items():
        assert bounds[name][0] <= value <= bounds[name][1]
    fit = pd.read_csv(paths["fit"])
    assert fit.loc[0, "report_value"] == -20.0
    assert fit["sim_mean"].notna().all()
    assert again.best_value <= again.trials[0].value
    written = plot_results(calibration.out_dir)
    assert [p.name for p in written] == ["calibration_changes.png"]
    assert written[0].read_bytes().startswith(b"\x89PNG")


def test_bad_config_and_parameters_files(tmp_path, config_file):
    bad = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    bad["parameters"] = ["no_such_thing"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ScenarioError, match="unknown mechanism parameter 'no_such_thing'"):
        load_config(path)
    params = tmp_path / "params.yaml"
    params.write_text("patrol_deterrence: 7.0\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["run", str(SCENARIOS / "small.yaml"), "--parameters", str(params)]
    )
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {params}: patrol_deterrence: must be ≤")

"""Calibration: fit the mechanism parameters shared by all cities to the reports' figures.

A calibration config (YAML, validated like scenarios) names the scenarios whose report
figures (targets with ``calibrate: true``) are fitted, the mechanism parameters to fit
(bounds from ``MechanismParameters``, the range the evidence allows), and how each trial
runs (households per city, replicates, seed). Optuna's TPE sampler searches the bounds;
the study lives in an SQLite file, so an interrupted calibration resumes where it stopped.
The loss of a trial is the mean over targets of ``((simulated − reported) / scale)²`` with
``scale`` the larger of 5 points and half the reported change, so a −50 % figure missed by
10 points weighs like a −10 % figure missed by 5.

**Examples**::

    from safesim.calibration import Calibration, load_config
    calibration = Calibration(load_config("calibration/reports.yaml"), "results/calibration")
    calibration.run(trials=40)
    calibration.fit_table()
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import yaml
from pydantic import Field, ValidationError, field_validator

from safesim.outcomes import target_value
from safesim.parameters import MechanismParameters, resolve
from safesim.runner import replicate_seed, run_once
from safesim.scaling import scale_scenario
from safesim.scenario import Scenario, ScenarioError, Strict, _describe, load_scenario

INTEGER_PARAMETERS = {"candidate_homes", "offender_moves_per_day"}


class CalibrationConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    scenarios: list[str] = Field(min_length=1)
    parameters: list[str] = Field(min_length=1)
    households: int | None = Field(default=None, ge=1000)
    replicates: int = Field(default=2, ge=1)
    seed: int = Field(default=0, ge=0)

    @field_validator("parameters")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in MechanismParameters.model_fields:
                raise ValueError(f"unknown mechanism parameter '{name}'")
        return names


def load_config(path: str | Path) -> CalibrationConfig:
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(p, "", "no such file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        config = CalibrationConfig.model_validate(data)
    except yaml.YAMLError as exc:
        raise ScenarioError(p, "", f"malformed YAML: {getattr(exc, 'problem', exc)}") from None
    except ValidationError as exc:
        field, msg = _describe(exc.errors()[0])
        raise ScenarioError(p, field, msg) from None
    for scenario_path in config.scenarios:
        resolved = (p.parent / scenario_path) if not Path(scenario_path).exists() else None
        if resolved is not None and not resolved.exists():
            raise ScenarioError(p, "scenarios", f"no such scenario file '{scenario_path}'")
    return config


def _target_scale(report: float) -> float:
    return max(5.0, abs(report) / 2.0)


class Calibration:
    """An Optuna study over ``config.parameters``, resumable from its SQLite file."""

    def __init__(self, config: CalibrationConfig, out_root: str | Path, base: Path | None = None):
        self.config = config
        self.out_dir = Path(out_root) / config.name
        base = base or Path.cwd()
        self.scenarios: list[Scenario] = []
        for path in config.scenarios:
            scenario = load_scenario(path if Path(path).exists() else base / path)
            if not any(t.calibrate for t in scenario.targets):
                raise ScenarioError(path, "targets", "no target to calibrate against")
            if config.households is not None:
                scenario = scale_scenario(scenario, config.households)
            self.scenarios.append(scenario)
        self.bounds = {name: MechanismParameters.bounds()[name] for name in config.parameters}

    # ------------------------------------------------------------------ study
    def study(self) -> optuna.Study:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sampler = optuna.samplers.TPESampler(seed=self.config.seed)
        study = optuna.create_study(
            study_name=self.config.name,
            storage=f"sqlite:///{self.out_dir / 'study.db'}",
            sampler=sampler,
            direction="minimize",
            load_if_exists=True,
        )
        if study.trials_dataframe().empty:
            guess = MechanismParameters()
            study.enqueue_trial({name: getattr(guess, name) for name in self.bounds})
        return study

    def parameters_of(self, values: dict[str, Any]) -> MechanismParameters:
        typed = {k: (round(v) if k in INTEGER_PARAMETERS else float(v)) for k, v in values.items()}
        return MechanismParameters(**typed)

    def simulate(self, parameters: MechanismParameters) -> pd.DataFrame:
        """Every calibrated target of every scenario: report value and simulated mean."""
        rows = []
        for scenario in self.scenarios:
            params = resolve(scenario, fitted=parameters)
            seeds = [replicate_seed(self.config.seed, r) for r in range(self.config.replicates)]
            dailies = [run_once(scenario, seed, parameters=params) for seed in seeds]
            for target in scenario.targets:
                if not target.calibrate:
                    continue
                values = np.array([target_value(d, target) for d in dailies])
                rows.append(
                    {
                        "scenario": scenario.name,
                        "target": target.name,
                        "metric": target.metric,
                        "unit": target.unit,
                        "report_value": target.report_value,
                        "sim_mean": float(np.nanmean(values)),
                        "sim_min": float(np.nanmin(values)),
                        "sim_max": float(np.nanmax(values)),
                    }
                )
        return pd.DataFrame(rows)

    @staticmethod
    def loss(fit: pd.DataFrame) -> float:
        errors = [
            ((row.sim_mean - row.report_value) / _target_scale(row.report_value)) ** 2
            for row in fit.itertuples()
        ]
        value = float(np.mean(errors))
        return value if math.isfinite(value) else 1e9

    def objective(self, trial: optuna.Trial) -> float:
        values = {}
        for name, (low, high) in self.bounds.items():
            if name in INTEGER_PARAMETERS:
                values[name] = trial.suggest_int(name, int(low), int(high))
            else:
                values[name] = trial.suggest_float(name, low, high)
        return self.loss(self.simulate(self.parameters_of(values)))

    def run(self, trials: int, progress=None) -> optuna.Study:
        """Run trials until the study holds ``trials`` finished ones (resumes)."""
        study = self.study()
        done = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
        if progress is not None:
            progress(done)
        for _ in range(max(0, trials - done)):
            study.optimize(self.objective, n_trials=1)
            if progress is not None:
                progress(1)
        return study

    # ------------------------------------------------------------------ results
    def write_results(self, study: optuna.Study) -> dict[str, Path]:
        from safesim.runner import atomic_write_text, write_csv

        best = self.parameters_of(study.best_params)
        fit = self.simulate(best)
        default_fit = self.simulate(self.parameters_of({}))
        fit["default_sim_mean"] = default_fit["sim_mean"].to_numpy()
        trials = study.trials_dataframe(attrs=("number", "value", "params", "state"))
        paths = {
            "fit": self.out_dir / "fit.csv",
            "trials": self.out_dir / "trials.csv",
            "parameters": self.out_dir / "fitted_parameters.yaml",
        }
        write_csv(fit, paths["fit"])
        write_csv(trials, paths["trials"])
        fitted = {name: getattr(best, name) for name in self.bounds}
        header = (
            f"# Mechanism parameters fitted by `safesim calibrate` ({self.config.name}):\n"
            f"# best loss {study.best_value:.4f} over {len(study.trials)} trials.\n"
            "# Use with `safesim run SCENARIO --parameters THIS_FILE`.\n"
        )
        atomic_write_text(paths["parameters"], header + yaml.safe_dump(fitted, sort_keys=True))
        atomic_write_text(
            self.out_dir / "manifest.json",
            pd.Series(
                {
                    "kind": "calibration",
                    "name": self.config.name,
                    "scenarios": ",".join(s.name for s in self.scenarios),
                    "trials": len(study.trials),
                    "best_loss": study.best_value,
                    "default_loss": self.loss(default_fit),
                }
            ).to_json(indent=2)
            + "\n",
        )
        return paths


def load_parameters(path: str | Path) -> dict[str, float]:
    """A parameters file (as written by calibration): mechanism name → value."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(p, "", "no such file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ScenarioError(p, "", f"malformed YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ScenarioError(p, "", "a parameters file must map parameter names to values")
    for key, value in data.items():
        if key not in MechanismParameters.model_fields:
            raise ScenarioError(p, str(key), "unknown mechanism parameter")
        if not isinstance(value, int | float):
            raise ScenarioError(p, str(key), "must be a number")
    try:
        MechanismParameters(**data)
    except ValidationError as exc:
        field, msg = _describe(exc.errors()[0])
        raise ScenarioError(p, field, msg) from None
    return {k: float(v) for k, v in data.items()}

"""A calibration config: which reports are fitted and predicted, what is fitted, the budget.

Validated like scenarios (unknown keys refused); every problem is one ``ScenarioError``
naming the file and the field. Scenario paths are read relative to the working directory,
else relative to the directory above the config's (the repository root for
``calibration/reports.yaml``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator

from safesim.core.loading import did_you_mean, load_mapping, load_model
from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import ScenarioError, Strict, _describe


class TrendPrior(Strict):
    """Per-city secular trend of recorded crime, % a year: a normal truncated to [low, high]."""

    mean: float
    sd: float = Field(gt=0)
    low: float
    high: float
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> TrendPrior:
        if not self.low < self.mean < self.high:
            raise ValueError("mean: must lie between low and high")
        return self


class Discrepancy(Strict):
    """Model discrepancy sd of a report figure, by unit (percentage points)."""

    percent_change: float = Field(gt=0)
    percent: float = Field(gt=0)
    source: str


class Budget(Strict):
    """How many simulations each stage runs, and at which city size."""

    households: int = Field(ge=1000)
    design: int = Field(ge=4)
    beyond: int = Field(ge=0)
    replicate_pairs: int = Field(ge=2)
    # Pairs (mix and twin) run at each design point on seeds of their own; the emulators
    # fit their mean (``citymodel.CitySimulator``).
    pooled_replicates: int = Field(default=1, ge=1)
    posterior_draws: int = Field(ge=2)
    scaling_households: int | None = Field(default=None, ge=1000)
    scaling_draws: int = Field(default=0, ge=0)
    samples: int = Field(default=20000, ge=500)
    # History matching and the posterior (safesim.experiments.calibration.method).
    waves: int = Field(default=3, ge=1)
    first_wave: int = Field(default=40, ge=8)
    runs_per_wave: int = Field(default=30, ge=4)
    candidates: int = Field(default=20000, ge=500)
    mcmc_steps: int = Field(default=2000, ge=100)
    mcmc_burn: int = Field(default=500, ge=0)
    evidence_draws: int = Field(default=20000, ge=500)
    proof_datasets: int = Field(default=10, ge=0)  # 0: no synthetic proofs

    @model_validator(mode="after")
    def _pairs_within_design(self) -> Budget:
        if self.replicate_pairs > self.design:
            raise ValueError("replicate_pairs: must not exceed design")
        if self.scaling_draws > self.posterior_draws:
            raise ValueError("scaling_draws: must not exceed posterior_draws")
        return self


class Method(Strict):
    """The statistical choices of history matching and the posterior (stated, not fitted)."""

    # An emulator whose leave-one-out Q² is below this has no usable skill and is refused.
    min_q2: float = Field(default=0.5, le=1.0)
    # Vernon et al. 2010: 3 by Pukelsheim's three-sigma rule for unimodal distributions.
    implausibility_cutoff: float = Field(default=3.0, gt=0)
    # A parameter is fitted when a figure moves by this many of its own sds over its range.
    screen_threshold: float = Field(default=0.5, gt=0)
    # log-sd of the delivered dose against the scenario's stated one, per city.
    dose_sd: float = Field(default=0.3, gt=0)
    # Correlation of the discrepancies of two figures of one city.
    discrepancy_correlation: float = Field(default=0.5, ge=0, lt=1)
    # The trend-prior sensitivity run multiplies the trend's sd by this.
    trend_sensitivity_factor: float = Field(default=2.0, gt=1.0)


class CalibrationConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    scenarios: list[str] = Field(min_length=1)
    predict: list[str] = Field(default_factory=list)
    parameters: list[str] = Field(min_length=1)
    effect_parameters: list[str] = Field(default_factory=list)
    ordered: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list
    )
    beyond_factor: float = Field(default=2.5, gt=1.0)
    seed: int = Field(default=0, ge=0)
    trend: TrendPrior
    discrepancy: Discrepancy
    method: Method = Field(default_factory=Method)
    full: Budget
    quick: Budget

    @field_validator("parameters")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in MechanismParameters.model_fields:
                hint = did_you_mean(name, list(MechanismParameters.model_fields))
                raise ValueError(f"unknown mechanism parameter '{name}'{hint}")
        return names

    @model_validator(mode="after")
    def _subsets(self) -> CalibrationConfig:
        both = set(self.scenarios) & set(self.predict)
        if both:
            name = sorted(both)[0]
            raise ValueError(f"predict: '{name}' is also fitted; a held-out city sets nothing")
        for name in self.effect_parameters:
            if name not in self.parameters:
                raise ValueError(f"effect_parameters: '{name}' is not a fitted parameter")
        for pair in self.ordered:
            for name in pair:
                if name not in self.parameters:
                    raise ValueError(f"ordered: '{name}' is not a fitted parameter")
        return self

    def budget(self, quick: bool) -> Budget:
        return self.quick if quick else self.full

    def digest(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def resolve_scenario(config_path: Path, scenario_path: str) -> Path:
    """A scenario path as given, else relative to the directory above the config's."""
    given = Path(scenario_path)
    if given.exists():
        return given
    return config_path.resolve().parent.parent / scenario_path


def load_config(path: str | Path) -> CalibrationConfig:
    p = Path(path)
    config = load_model(p, CalibrationConfig, "a calibration config")
    for key in ("scenarios", "predict"):
        for scenario_path in getattr(config, key):
            if not resolve_scenario(p, scenario_path).is_file():
                raise ScenarioError(p, key, f"no such scenario file '{scenario_path}'")
    return config


def load_parameters(path: str | Path) -> dict[str, float]:
    """A parameters file (as written by calibration): mechanism name → value."""
    p = Path(path)
    data = load_mapping(p, "a parameters file")
    for key, value in data.items():
        if key not in MechanismParameters.model_fields:
            hint = did_you_mean(str(key), list(MechanismParameters.model_fields))
            raise ScenarioError(p, str(key), "unknown mechanism parameter" + hint)
        if not isinstance(value, int | float):
            raise ScenarioError(p, str(key), "must be a number")
    try:
        MechanismParameters(**data)
    except ValidationError as exc:
        field, msg = _describe(exc.errors()[0])
        raise ScenarioError(p, field, msg) from None
    return {k: float(v) for k, v in data.items()}

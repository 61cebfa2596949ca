"""The fitted parameters' space: evidence bounds, prior shapes, and the unit box between.

Each fitted parameter has bounds and a prior from ``MechanismParameters`` (the evidence it
rests on is written beside it in parameters.py). Positions are mapped to a unit
coordinate ``x`` — linear between the bounds, or logarithmic for a log-uniform prior — in
which the design is laid out and the emulator works. ``x > 1`` is beyond the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.stats import qmc

from safesim.core.parameters import MechanismParameters

INTEGER_PARAMETERS = {"candidate_homes", "offender_moves_per_day"}
# A fall in offending of 100 % or more is not a fall; beyond-evidence draws stop short of it.
EFFECT_CEILING = 0.95


@dataclass(frozen=True)
class Prior:
    name: str
    low: float
    high: float
    shape: str
    mean: float | None
    sd: float | None
    source: str
    evidence: str

    @property
    def log(self) -> bool:
        return self.shape == "log_uniform"

    def to_unit(self, value: np.ndarray) -> np.ndarray:
        if self.log:
            return (np.log(value) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def from_unit(self, x: np.ndarray) -> np.ndarray:
        if self.log:
            return np.exp(np.log(self.low) + x * (np.log(self.high) - np.log(self.low)))
        return self.low + x * (self.high - self.low)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Prior quantiles: a uniform number in (0, 1) to a prior draw."""
        if self.shape == "normal":
            assert self.mean is not None and self.sd is not None
            a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
            return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        return self.from_unit(u)

    def describe(self) -> str:
        if self.shape == "normal":
            return f"normal({self.mean:g}, {self.sd:g}) in [{self.low:g}, {self.high:g}]"
        return f"{self.shape.replace('_', '-')} on [{self.low:g}, {self.high:g}]"


class ParameterSpace:
    """The fitted parameters in a fixed order, with their priors."""

    def __init__(self, names: list[str]):
        bounds = MechanismParameters.bounds()
        priors = MechanismParameters.priors()
        evidence = MechanismParameters.evidence()
        self.priors = []
        for name in names:
            meta: dict[str, Any] = priors[name]
            low, high = bounds[name]
            self.priors.append(
                Prior(
                    name=name,
                    low=low,
                    high=high,
                    shape=str(meta["shape"]),
                    mean=meta.get("mean"),
                    sd=meta.get("sd"),
                    source=str(meta.get("source", "")),
                    evidence=evidence[name],
                )
            )
        self.names = list(names)

    def __len__(self) -> int:
        return len(self.names)

    def values(self, x: np.ndarray) -> np.ndarray:
        """Unit coordinates (n × d) to parameter values."""
        return np.column_stack([p.from_unit(x[:, i]) for i, p in enumerate(self.priors)])

    def units(self, values: np.ndarray) -> np.ndarray:
        return np.column_stack([p.to_unit(values[:, i]) for i, p in enumerate(self.priors)])

    def box(self, n: int, seed: int) -> np.ndarray:
        """A Latin hypercube of ``n`` points over the evidence box (unit coordinates)."""
        return qmc.LatinHypercube(d=len(self), seed=np.random.default_rng(seed)).random(n)

    def beyond(self, n: int, seed: int, effects: list[str], factor: float) -> np.ndarray:
        """Unit coordinates with the effect parameters reaching ``factor`` × their upper
        bounds (capped below a 100 % fall); the others inside the evidence."""
        x = self.box(n, seed)
        for i, prior in enumerate(self.priors):
            if prior.name in effects:
                top = min(factor * prior.high, max(EFFECT_CEILING, prior.high))
                x[:, i] = x[:, i] * prior.to_unit(np.array(top))
        return x

    def sample_prior(self, n: int, seed: int, ordered: list[list[str]]) -> np.ndarray:
        """``n`` prior draws (values), quasi-random, keeping the evidence's orderings."""
        u = qmc.LatinHypercube(d=len(self), seed=np.random.default_rng(seed)).random(n)
        values = np.column_stack([p.ppf(u[:, i]) for i, p in enumerate(self.priors)])
        keep = np.ones(n, dtype=bool)
        for first, second in ordered:
            keep &= values[:, self.names.index(first)] <= values[:, self.names.index(second)]
        return values[keep]

    def as_parameters(self, row: np.ndarray) -> dict[str, float]:
        out = {}
        for prior, value in zip(self.priors, row, strict=True):
            out[prior.name] = round(value) if prior.name in INTEGER_PARAMETERS else float(value)
        return out


def mechanism_parameters(values: dict[str, float], overrides: dict[str, float]) -> Any:
    """MechanismParameters with ``values`` set — beyond the evidence bounds when asked to,
    which validation would refuse — and a scenario's own overrides on top."""
    base = MechanismParameters()
    return base.model_copy(update={**values, **overrides})

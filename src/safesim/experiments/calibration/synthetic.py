"""A cheap simulator with the city model's interface, for proving the method.

Two cities, four parameters and five figures, each figure a mix against its same-seed twin:

- ``effect_a`` and ``effect_b`` are effects (falls in offending, ranges from zero);
- ``sensitivity`` scales how much of ``effect_b`` reaches the crime figures;
- ``fear_only`` moves only city *beta*'s survey level: fitted on *alpha* alone it is a
  negative control (nothing there can teach it);
- ``inert`` moves nothing at all: the screen must drop it.

The twin's change is noisy (run noise that the same-seed pairing does not carry into the
effect, but the report does carry), the effect has a little noise of its own.
Synthetic reports are drawn from the same statistical model the method assumes, at known
parameters, trends, doses and discrepancies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from safesim.experiments.calibration.method import Figure, Settings, Space, TrendSpec
from safesim.experiments.calibration.priors import Prior

TWIN_SD = 4.0
EFFECT_NOISE_SD = 0.8
TWIN_LEVEL = 80.0


def _prior(name: str, low: float, high: float, shape: str = "uniform", mean=None, sd=None):
    return Prior(name, low, high, shape, mean, sd, "synthetic", "synthetic")


def synthetic_space() -> Space:
    priors = [
        _prior("effect_a", 0.0, 0.4),
        _prior("effect_b", 0.0, 0.3),
        _prior("sensitivity", 0.0, 1.0, "normal", 0.5, 0.25),
        _prior("fear_only", 0.0, 1.0),
        _prior("inert", 0.0, 1.0),
    ]
    return Space(priors, effects=["effect_a", "effect_b"])


def synthetic_settings(seed: int = 0, **changes) -> Settings:
    base = {
        "trend": TrendSpec(mean=-3.0, sd=3.0, low=-15.0, high=10.0),
        "runs_per_wave": 30,
        "waves": 2,
        "candidates": 8000,
        "steps": 900,
        "burn": 300,
        "walkers": 32,
        "evidence_draws": 8000,
        "seed": seed,
    }
    base.update(changes)
    return Settings(**base)


# (city, figure, unit, lags): the response functions below give each one's effect.
LAYOUT = (
    ("alpha", "crime_change", "percent_change", (1.0,)),
    ("alpha", "property_change", "percent_change", (1.0,)),
    ("beta", "crime_change", "percent_change", (1.0,)),
    ("beta", "violence_change", "percent_change", (1.0,)),
    ("beta", "feel_safe", "percent", None),
)


def effects_of(values: np.ndarray) -> dict[str, np.ndarray]:
    """Noise-free effect of each figure (points) at parameter values (n × 5)."""
    a, b, s, fear = values[:, 0], values[:, 1], values[:, 2], values[:, 3]
    return {
        "alpha:crime_change": -100.0 * (0.8 * a + 0.6 * b * s),
        "alpha:property_change": -100.0 * (1.0 * a),
        "beta:crime_change": -100.0 * (0.5 * a + 0.9 * b * (0.3 + s)),
        "beta:violence_change": -100.0 * (0.2 * a + 1.2 * b),
        "beta:feel_safe": 12.0 * fear - 2.0,
    }


def twin_mean(key: str) -> float:
    return TWIN_LEVEL if key.endswith("feel_safe") else 0.0


class SyntheticSimulator:
    """Effect and twin per figure per run; a run's seed fixes its noise (same seed, same
    numbers)."""

    def __init__(self) -> None:
        self.calls = 0

    def simulate(
        self, label: str, values: np.ndarray, seeds: Sequence[int]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        self.calls += len(seeds)
        clean = effects_of(values)
        effects = {k: np.zeros(len(seeds)) for k in clean}
        twins = {k: np.zeros(len(seeds)) for k in clean}
        for i, seed in enumerate(seeds):
            rng = np.random.default_rng(seed)
            for key in clean:
                twins[key][i] = twin_mean(key) + rng.normal(0.0, TWIN_SD)
                effects[key][i] = clean[key][i] + rng.normal(0.0, EFFECT_NOISE_SD)
        return effects, twins


def synthetic_figures(
    truth: np.ndarray, settings: Settings, rng: np.random.Generator,
    cities: Sequence[str] = ("alpha", "beta"), discrepancy: float = 2.0,
) -> tuple[list[Figure], dict[str, float]]:  # fmt: skip
    """Reports made at known parameters (values), with each city's trend and dose drawn
    from their priors and a discrepancy correlated within the city; and the truths."""
    clean = effects_of(truth[None, :])
    rho = settings.discrepancy_correlation
    figures, known = [], {}
    for city in cities:
        rows = [r for r in LAYOUT if r[0] == city]
        tau = float(settings.trend.draw(1, rng)[0])
        dose = float(np.exp(rng.normal(0.0, settings.dose_sd)))
        known[f"trend_{city}"], known[f"dose_{city}"] = tau, dose
        n = len(rows)
        cov = discrepancy**2 * (rho + (1 - rho) * np.eye(n))
        eps = rng.multivariate_normal(np.zeros(n), cov)
        for (c, name, unit, lags), e in zip(rows, eps, strict=True):
            key = f"{c}:{name}"
            z = (
                twin_mean(key)
                + rng.normal(0.0, TWIN_SD)
                + dose * (clean[key][0] + rng.normal(0.0, EFFECT_NOISE_SD))
            )
            if lags is not None:
                z = 100.0 * ((1 + z / 100.0) * (1 + tau / 100.0) ** lags[0] - 1.0)
            figures.append(Figure(c, name, unit, float(z + e), lags, discrepancy, 1.0))
    return figures, known

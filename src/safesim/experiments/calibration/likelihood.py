"""The likelihood of the reports' figures: model noise, a secular trend per city, discrepancy.

A reported change is read as

    reported = trend(simulated change, τ_city) + e,   e ~ N(0, v_model + δ²)

- ``simulated change`` is the emulated figure of the city with its interventions;
- ``τ_city`` is the city's secular trend of recorded crime in % a year, with its own prior
  (recorded crime in China moved for reasons of its own in these years), applied to every
  recorded count, so a change against a window ``L`` years earlier is multiplied by
  ``(1 + τ)^L`` (against a mean of windows, by the ratio to their mean). The interventions
  are credited only with what the trend leaves;
- ``v_model`` is the emulator's uncertainty, its lack of fit, and the run-to-run noise of
  the model at the city's full size (the report is one realisation of the real city; noise
  in counts shrinks with the city as 1 / households);
- ``δ`` is the model discrepancy of a figure in its unit (config ``discrepancy``).

The trend is integrated out on a grid of ``TREND_POINTS`` values; its posterior given the
parameters comes with it. Levels (sense of security) carry no trend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import logsumexp

from safesim.core.scenario import Scenario, Target
from safesim.experiments.calibration.config import CalibrationConfig, TrendPrior
from safesim.experiments.calibration.emulator import Surface

TREND_POINTS = 121


@dataclass(frozen=True)
class Observed:
    """A report figure used in the likelihood."""

    city: str
    name: str
    metric: str
    unit: str
    report_value: float
    lags: tuple[float, ...] | None  # years back to each reference window; None: a level
    noise_scale: float  # households simulated / households of the real city
    discrepancy: float
    source: str

    @property
    def key(self) -> str:
        return f"{self.city}:{self.name}"


def lags_of(target: Target) -> tuple[float, ...] | None:
    if target.comparison == "level" or target.unit != "percent_change":
        return None
    if target.comparison == "year_on_year":
        return (1.0,)
    if target.comparison == "vs_mean_previous_years":
        return tuple(float(k) for k in range(1, target.years + 1))
    length = (target.window_end - target.window_start).days + 1
    return (length / 365.25,)


def observed_figures(
    scenario: Scenario, full_households: int, config: CalibrationConfig
) -> list[Observed]:
    out = []
    for target in scenario.targets:
        if not target.calibrate:
            continue
        disc = config.discrepancy
        out.append(
            Observed(
                city=scenario.name,
                name=target.name,
                metric=target.metric,
                unit=target.unit,
                report_value=target.report_value,
                lags=lags_of(target),
                noise_scale=scenario.city.households.value / full_households,
                discrepancy=disc.percent_change
                if target.unit == "percent_change"
                else disc.percent,
                source=target.source,
            )
        )
    return out


def trend_ratio(lags: tuple[float, ...], tau: np.ndarray) -> np.ndarray:
    """Factor a trend of ``tau`` % a year puts on (now / reference)."""
    growth = 1.0 + np.asarray(tau, dtype=float) / 100.0
    return 1.0 / np.mean([growth ** (-lag) for lag in lags], axis=0)


def with_trend(change: np.ndarray, lags: tuple[float, ...] | None, tau: np.ndarray) -> np.ndarray:
    if lags is None:
        return change
    return 100.0 * ((1.0 + change / 100.0) * trend_ratio(lags, tau) - 1.0)


class TrendGrid:
    def __init__(self, prior: TrendPrior):
        self.values = np.linspace(prior.low, prior.high, TREND_POINTS)
        a, b = (prior.low - prior.mean) / prior.sd, (prior.high - prior.mean) / prior.sd
        density = stats.truncnorm.pdf(self.values, a, b, loc=prior.mean, scale=prior.sd)
        self.log_prior = np.log(density / density.sum())
        self.prior = prior

    def quantiles(self, q: tuple[float, ...]) -> np.ndarray:
        cdf = np.cumsum(np.exp(self.log_prior))
        return np.interp(q, cdf, self.values)


class Likelihood:
    """Log-likelihood of parameter positions (unit coordinates) for any set of cities."""

    def __init__(self, observed: list[Observed], surfaces: dict[str, Surface], trend: TrendGrid):
        self.observed = observed
        self.surfaces = surfaces
        self.trend = trend

    def model_var(self, figure: Observed, x: np.ndarray) -> np.ndarray:
        s = self.surfaces[figure.key]
        return s.mean_var(x) + s.lack_of_fit_var + s.noise_var * figure.noise_scale

    def city(self, city: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log-likelihood per position, log posterior of the trend grid per position)."""
        tau = self.trend.values
        total = np.zeros((len(x), len(tau)))
        for figure in self.observed:
            if figure.city != city:
                continue
            mu = self.surfaces[figure.key].mean(x)[:, None]
            var = self.model_var(figure, x)[:, None]
            if figure.lags is None:
                mean = np.broadcast_to(mu, total.shape)
                var = var + figure.discrepancy**2
            else:
                ratio = trend_ratio(figure.lags, tau)[None, :]
                mean = 100.0 * ((1.0 + mu / 100.0) * ratio - 1.0)
                var = var * ratio**2 + figure.discrepancy**2
            total += -0.5 * ((figure.report_value - mean) ** 2 / var + np.log(2 * np.pi * var))
        joint = total + self.trend.log_prior[None, :]
        log_l = logsumexp(joint, axis=1)
        return log_l, joint - log_l[:, None]

    def cities(self) -> list[str]:
        return list(dict.fromkeys(f.city for f in self.observed))

    def predictive(
        self,
        figure: Observed,
        x: np.ndarray,
        log_trend: np.ndarray | None,
        rng: np.random.Generator,
        full_scale: bool = True,
    ) -> np.ndarray:
        """One draw of the figure as a report would state it, per position: the trend drawn
        from its posterior (``log_trend`` rows) or, for a city not fitted, its prior."""
        s = self.surfaces[figure.key]
        noise = s.noise_var * (figure.noise_scale if full_scale else 1.0)
        sd = np.sqrt(s.mean_var(x) + s.lack_of_fit_var + noise)
        change = s.mean(x) + rng.normal(0.0, 1.0, len(x)) * sd
        tau = self.draw_trend(len(x), log_trend, rng)
        value = with_trend(change, figure.lags, tau)
        return value + rng.normal(0.0, figure.discrepancy, len(x))

    def draw_trend(
        self, n: int, log_trend: np.ndarray | None, rng: np.random.Generator
    ) -> np.ndarray:
        if log_trend is None:
            p = np.exp(self.trend.log_prior)
            return rng.choice(self.trend.values, size=n, p=p / p.sum())
        cdf = np.cumsum(np.exp(log_trend), axis=1)
        u = rng.random(n)[:, None] * cdf[:, -1:]
        index = np.minimum((cdf < u).sum(axis=1), len(self.trend.values) - 1)
        return self.trend.values[index]


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, v)


def normalised_weights(log_l: np.ndarray) -> tuple[np.ndarray, float]:
    """Importance weights from log-likelihoods and their effective sample size."""
    w = np.exp(log_l - np.max(log_l))
    w /= w.sum()
    return w, float(1.0 / np.sum(w**2))

"""History matching in waves, a screen, and an MCMC posterior on the last wave's emulators.

The method works on any simulator with the ``Simulator`` interface (the city model through
the batch engine, or a cheap synthetic one for the proofs):

1. **Waves** (Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015). Wave 1 is a Latin
   hypercube over the prior box; each figure's effect against its same-seed twin is
   emulated (``gp``) and validated; each wave also reruns ``replicate_pairs`` of its
   points on fresh seeds, which measure each effect's run-to-run noise (the emulator's
   white term is held at or above the lowest variance the pairs allow); parameter sets
   whose implausibility ``max_j |report_j − E[f_j]| / sd_j`` exceeds the cut-off (3) are
   ruled out, and the next wave's runs are laid out inside what is left (the
   not-ruled-out-yet space).
2. **Screen** (SALib Morris on the wave-1 emulators): a parameter is fitted only when some
   accepted figure moves by at least ``screen_threshold`` of its own uncertainty sd over
   the parameter's range; the others stay at their evidence priors and are named.
3. **Posterior** by MCMC (emcee) on the last wave's emulators. A reported figure is read as

       report_j = trend(b_j + d_city · η_j(θ), τ_city) + ε_j

   with ``b_j`` the city's no-intervention change (its twin; mean and spread of the runs,
   the spread restated at the city's size), ``η_j`` the emulated effect, ``d_city`` a
   delivered-dose factor per city (log-normal: the report's dose is not the scenario's),
   ``τ_city`` the city's secular trend, and ε a discrepancy correlated within a city
   (``discrepancy_correlation``). Each effect's prior range starts at zero, and the
   marginal likelihood with the effect at zero against free gives a Bayes factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import emcee
import numpy as np
from scipy import stats
from scipy.special import logsumexp
from scipy.stats import qmc

from safesim.experiments.calibration.emulator import pair_noise_var
from safesim.experiments.calibration.gp import Emulator, fit_emulator
from safesim.experiments.calibration.likelihood import trend_ratio
from safesim.experiments.calibration.priors import Prior

Q90 = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Figure:
    """A reported figure the calibration reads."""

    city: str
    name: str
    unit: str
    report_value: float
    lags: tuple[float, ...] | None  # years back to each reference window; None: a level
    discrepancy: float
    noise_scale: float = 1.0  # households simulated / households of the real city

    @property
    def key(self) -> str:
        return f"{self.city}:{self.name}"


@dataclass(frozen=True)
class TrendSpec:
    mean: float
    sd: float
    low: float
    high: float

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm.logpdf(tau, a, b, loc=self.mean, scale=self.sd)

    def draw(self, size: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm.rvs(a, b, loc=self.mean, scale=self.sd, size=size, random_state=rng)


@dataclass(frozen=True)
class Settings:
    trend: TrendSpec
    min_q2: float = 0.5
    cutoff: float = 3.0
    screen_threshold: float = 0.5
    dose_sd: float = 0.3
    discrepancy_correlation: float = 0.5
    waves: int = 2
    runs_per_wave: int = 30
    # Points of each wave rerun on a fresh seed: their pairs measure the run noise.
    replicate_pairs: int = 2
    candidates: int = 20000
    walkers: int = 32
    steps: int = 1500
    burn: int = 500
    evidence_draws: int = 20000
    trend_sensitivity_factor: float = 2.0
    seed: int = 0
    fit_all: bool = False  # skip the screen (the negative control fits everything)


class Space:
    """The parameters in a fixed order with their priors; effects' ranges start at zero."""

    def __init__(self, priors: Sequence[Prior], effects: Sequence[str] = (), ordered=()):
        self.priors = list(priors)
        self.names = [p.name for p in self.priors]
        self.effects = [e for e in effects if e in self.names]
        self.ordered = [tuple(pair) for pair in ordered]

    def __len__(self) -> int:
        return len(self.priors)

    def values(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([p.from_unit(x[:, i]) for i, p in enumerate(self.priors)])

    def unit_logprior(self, x: np.ndarray, dims: Sequence[int]) -> np.ndarray:
        """Log prior density of unit coordinates ``x`` (columns = ``dims``)."""
        out = np.zeros(len(x))
        inside = np.all((x >= 0.0) & (x <= 1.0), axis=1)
        for column, i in enumerate(dims):
            p = self.priors[i]
            if p.shape == "normal":
                assert p.mean is not None and p.sd is not None
                a, b = (p.low - p.mean) / p.sd, (p.high - p.mean) / p.sd
                v = p.from_unit(np.clip(x[:, column], 0.0, 1.0))
                out += stats.truncnorm.logpdf(v, a, b, loc=p.mean, scale=p.sd)
        for first, second in self.ordered:
            if first in self.names and second in self.names:
                i, j = self.names.index(first), self.names.index(second)
                if i in dims and j in dims:
                    vi = self.priors[i].from_unit(np.clip(x[:, list(dims).index(i)], 0, 1))
                    vj = self.priors[j].from_unit(np.clip(x[:, list(dims).index(j)], 0, 1))
                    inside &= vi <= vj
        return np.where(inside, out, -np.inf)

    def sample_unit(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` prior draws in unit coordinates, keeping the evidence's orderings."""
        rows: list[np.ndarray] = []
        while sum(len(r) for r in rows) < n:
            u = rng.random((2 * n, len(self)))
            values = np.column_stack([p.ppf(u[:, i]) for i, p in enumerate(self.priors)])
            keep = np.ones(len(u), dtype=bool)
            for first, second in self.ordered:
                if first in self.names and second in self.names:
                    keep &= (
                        values[:, self.names.index(first)] <= values[:, self.names.index(second)]
                    )
            x = np.column_stack([p.to_unit(values[:, i]) for i, p in enumerate(self.priors)])
            rows.append(x[keep])
        return np.vstack(rows)[:n]

    def median_unit(self) -> np.ndarray:
        return np.array([float(p.to_unit(p.ppf(np.array(0.5)))) for p in self.priors])


class Simulator(Protocol):
    """Runs parameter sets (values, n × d) on seeds; per figure key, each run's effect
    (mix − same-seed twin) and twin figure."""

    def simulate(
        self, label: str, values: np.ndarray, seeds: Sequence[int]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]: ...


@dataclass
class Wave:
    number: int
    runs: int
    emulators: dict[str, Emulator]
    nroy_fraction: float
    nroy_points: int


@dataclass
class Result:
    space: Space
    figures: list[Figure]
    fitted: list[int]
    screen: dict[str, dict[str, float]]
    waves: list[Wave]
    emulators: dict[str, Emulator]
    used: list[Figure]
    baseline: dict[str, tuple[float, float, float]]
    chain: np.ndarray  # posterior states (n × state)
    cities: list[str]
    diagnostics: dict[str, float] = field(default_factory=dict)
    design_x: np.ndarray | None = None
    design_effects: dict[str, np.ndarray] = field(default_factory=dict)
    design_twins: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def kept(self) -> list[str]:
        return [n for i, n in enumerate(self.space.names) if i not in self.fitted]


class Model:
    """The statistical model of the figures on fixed emulators: log-likelihood, prior,
    predictive, evidence. A state is [θ fitted (unit), τ per city, log d per city]."""

    def __init__(
        self,
        space: Space,
        fitted: list[int],
        figures: list[Figure],
        emulators: dict[str, Emulator],
        baseline: dict[str, tuple[float, float, float]],
        settings: Settings,
        cities: list[str],
    ):
        self.space, self.fitted, self.settings = space, fitted, settings
        self.cities = cities
        self.emulators = emulators
        self.baseline = baseline
        self.figures = [f for f in figures if emulators[f.key].accepted]
        self.by_city = {c: [f for f in self.figures if f.city == c] for c in cities}

    @property
    def dims(self) -> int:
        return len(self.fitted) + 2 * len(self.cities)

    def split(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k, c = len(self.fitted), len(self.cities)
        return state[:, :k], state[:, k : k + c], state[:, k + c : k + 2 * c]

    def city_moments(
        self, city: str, x_fit: np.ndarray, tau: np.ndarray, dose: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean (n × J) and covariance (n × J × J) of the city's figures as reported."""
        figures = self.by_city[city]
        n, jn = len(x_fit), len(figures)
        mean = np.zeros((n, jn))
        var = np.zeros((n, jn))
        for j, f in enumerate(figures):
            mu, s2 = self.emulators[f.key].predict(x_fit)
            b_mean, b_var, b_mean_var = self.baseline[f.key]
            noise = self.emulators[f.key].noise_var
            z = b_mean + dose * mu
            v = b_var * f.noise_scale + b_mean_var + dose**2 * (s2 + noise * f.noise_scale)
            if f.lags is None:
                mean[:, j], var[:, j] = z, v
            else:
                ratio = trend_ratio(f.lags, tau)
                mean[:, j] = 100.0 * ((1.0 + z / 100.0) * ratio - 1.0)
                var[:, j] = v * ratio**2
        delta = np.array([f.discrepancy for f in figures])
        rho = self.settings.discrepancy_correlation
        disc = np.outer(delta, delta) * (rho + (1.0 - rho) * np.eye(jn))
        cov = disc[None, :, :] + var[:, :, None] * np.eye(jn)[None, :, :]
        return mean, cov

    def log_likelihood(self, state: np.ndarray, cities: Sequence[str] | None = None) -> np.ndarray:
        x_fit, tau, log_dose = self.split(state)
        total = np.zeros(len(state))
        for c, city in enumerate(self.cities):
            if (cities is not None and city not in cities) or not self.by_city[city]:
                continue
            mean, cov = self.city_moments(city, x_fit, tau[:, c], np.exp(log_dose[:, c]))
            y = np.array([f.report_value for f in self.by_city[city]])
            chol = np.linalg.cholesky(cov)
            r = np.linalg.solve(chol, (y[None, :] - mean)[:, :, None])[:, :, 0]
            logdet = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1)
            total += -0.5 * (np.sum(r**2, axis=1) + logdet + len(y) * np.log(2 * np.pi))
        return total

    def log_prior(self, state: np.ndarray, trend: TrendSpec | None = None) -> np.ndarray:
        x_fit, tau, log_dose = self.split(state)
        trend = trend or self.settings.trend
        out = self.space.unit_logprior(x_fit, self.fitted)
        out = out + np.sum(trend.logpdf(tau), axis=1)
        out = out + np.sum(stats.norm.logpdf(log_dose, 0.0, self.settings.dose_sd), axis=1)
        return np.where(np.isfinite(out), out, -np.inf)

    def sample_prior(self, n: int, rng: np.random.Generator, trend: TrendSpec | None = None):
        trend = trend or self.settings.trend
        x = self.space.sample_unit(n, rng)[:, self.fitted]
        c = len(self.cities)
        tau = trend.draw((n, c), rng)
        log_dose = rng.normal(0.0, self.settings.dose_sd, (n, c))
        return np.hstack([x, tau, log_dose])

    def predictive(
        self, state: np.ndarray, rng: np.random.Generator, cities: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """One draw of each (accepted) figure as a report would state it, per state."""
        x_fit, tau, log_dose = self.split(state)
        out = {}
        for c, city in enumerate(self.cities):
            if (cities is not None and city not in cities) or not self.by_city[city]:
                continue
            mean, cov = self.city_moments(city, x_fit, tau[:, c], np.exp(log_dose[:, c]))
            chol = np.linalg.cholesky(cov)
            e = rng.standard_normal(mean.shape)[:, :, None]
            draws = mean + (chol @ e)[:, :, 0]
            for j, f in enumerate(self.by_city[city]):
                out[f.key] = draws[:, j]
        return out

    def log_evidence(
        self, prior_states: np.ndarray, cities: Sequence[str] | None = None
    ) -> tuple[float, float]:
        """log marginal likelihood by prior Monte Carlo, and its standard error."""
        ll = self.log_likelihood(prior_states, cities)
        log_z = float(logsumexp(ll) - np.log(len(ll)))
        w = np.exp(ll - np.max(ll))
        se = float(np.std(w) / np.sqrt(len(w)) / np.mean(w))
        return log_z, se

    def sample_posterior(
        self, rng: np.random.Generator, trend: TrendSpec | None = None,
        cities: Sequence[str] | None = None, start: np.ndarray | None = None,
        steps: int | None = None,
    ) -> tuple[np.ndarray, dict[str, float]]:  # fmt: skip
        s = self.settings
        steps = steps or s.steps
        burn = min(s.burn, steps // 2)
        walkers = max(s.walkers, 2 * self.dims + 2)

        def log_prob(states: np.ndarray) -> np.ndarray:
            lp = self.log_prior(states, trend)
            ok = np.isfinite(lp)
            out = np.full(len(states), -np.inf)
            if ok.any():
                out[ok] = lp[ok] + self.log_likelihood(states[ok], cities)
            return out

        # Walkers start at the most likely of many prior draws (inside what the waves
        # kept), spread so the ensemble's stretch move has room.
        pool = start if start is not None else self.sample_prior(4000, rng, trend)
        scores = log_prob(pool)
        order = np.argsort(-scores)
        initial = pool[order[:walkers]]
        if len(initial) < walkers:
            initial = pool[rng.choice(len(pool), walkers)]
        sampler = emcee.EnsembleSampler(
            walkers, self.dims, log_prob, vectorize=True,
            moves=[(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)],
        )  # fmt: skip
        # emcee draws its moves from a RandomState of its own: seed it from ours.
        sampler._random = np.random.RandomState(int(rng.integers(2**31)))
        sampler.run_mcmc(initial, steps, progress=False)
        chain = sampler.get_chain(discard=burn, flat=True)
        try:
            tau_ac = float(np.max(sampler.get_autocorr_time(discard=burn, tol=0)))
        except Exception:  # emcee raises on chains too short to estimate
            tau_ac = float("nan")
        ess = len(chain) / tau_ac if np.isfinite(tau_ac) and tau_ac > 0 else float("nan")
        info = {
            "walkers": walkers,
            "steps": steps,
            "burn": burn,
            "acceptance": float(np.mean(sampler.acceptance_fraction)),
            "autocorrelation_time": tau_ac,
            "effective_sample_size": ess,
        }
        return chain, info


# --------------------------------------------------------------------------- the waves


def baseline_of(twins: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    """Per figure: the twin's mean over the runs, its variance, and the variance of that
    mean (the design estimates the baseline; a second design would estimate it anew)."""
    out = {}
    for key, values in twins.items():
        v = values[np.isfinite(values)]
        if len(v) > 1:
            var = float(np.var(v, ddof=1))
            out[key] = (float(np.mean(v)), var, var / len(v))
        else:
            out[key] = (0.0, 0.0, 0.0)
    return out


def pair_noise(effects: dict[str, np.ndarray], groups: np.ndarray) -> dict[str, tuple[float, int]]:
    """Per figure: run-to-run variance of its effect from the runs sharing a point (a
    design run and its replicates on other seeds), and the number of pairs it rests on."""
    first, second = [], []
    for label in np.unique(groups):
        rows = np.flatnonzero(groups == label)
        first += [rows[0]] * (len(rows) - 1)
        second += list(rows[1:])
    out = {}
    for key, y in effects.items():
        a, b = y[first], y[second]
        pairs = int(np.sum(np.isfinite(a - b)))
        out[key] = (pair_noise_var(a, b) if pairs else float("nan"), pairs)
    return out


def fit_emulators(
    figures: list[Figure], x: np.ndarray, effects: dict[str, np.ndarray], settings: Settings,
    groups: np.ndarray | None = None,
) -> dict[str, Emulator]:  # fmt: skip
    if groups is None:
        groups = np.arange(len(x))
    noise = pair_noise(effects, groups)
    out = {}
    for f in figures:
        var, pairs = noise[f.key]
        out[f.key] = fit_emulator(
            f.key, x, effects[f.key], settings.min_q2, settings.seed,
            noise_var=var, groups=groups, noise_pairs=pairs,
        )  # fmt: skip
    return out


def figure_sd(f: Figure, emulator: Emulator, baseline: tuple[float, float, float]) -> float:
    """What a figure is uncertain by apart from the parameters: twin, noise, discrepancy."""
    return float(
        np.sqrt(baseline[1] * f.noise_scale + emulator.noise_var * f.noise_scale + f.discrepancy**2)
    )


def morris_screen(
    space: Space, figures: list[Figure], emulators: dict[str, Emulator],
    baseline: dict[str, tuple[float, float, float]], seed: int,
) -> dict[str, dict[str, float]]:  # fmt: skip
    """Morris μ* of each accepted figure's emulated effect per parameter, in units of the
    figure's own sd (twin spread at city size, run noise, discrepancy)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": len(space), "names": space.names, "bounds": [[0.0, 1.0]] * len(space)}
    x = morris_sample.sample(problem, N=64, num_levels=4, seed=seed)
    out: dict[str, dict[str, float]] = {}
    for f in figures:
        em = emulators[f.key]
        if not em.accepted:
            continue
        y = em.predict(x)[0]
        result = morris_analyze.analyze(problem, x, y, num_levels=4, seed=seed)
        sd = figure_sd(f, em, baseline[f.key])
        out[f.key] = {n: float(m) / sd for n, m in zip(space.names, result["mu_star"], strict=True)}
    return out


def screened(space: Space, screen: dict[str, dict[str, float]], threshold: float) -> list[int]:
    return [
        i
        for i, name in enumerate(space.names)
        if any(row[name] >= threshold for row in screen.values())
    ]


def implausibility(
    model: Model, x_fit: np.ndarray, rng: np.random.Generator, draws: int = 48
) -> np.ndarray:
    """max over figures of |report − E| / sd, the trend and dose integrated over their priors
    (the same (τ, d) draws for every candidate)."""
    n = len(x_fit)
    worst = np.zeros(n)
    c_count = len(model.cities)
    tau = model.settings.trend.draw((draws, c_count), rng)
    dose = np.exp(rng.normal(0.0, model.settings.dose_sd, (draws, c_count)))
    for c, city in enumerate(model.cities):
        for f in model.by_city[city]:
            mu, s2 = model.emulators[f.key].predict(x_fit)
            b_mean, b_var, b_mean_var = model.baseline[f.key]
            noise = model.emulators[f.key].noise_var
            d = dose[:, c][None, :]
            z = b_mean + d * mu[:, None]
            v = b_var * f.noise_scale + b_mean_var + d**2 * (s2[:, None] + noise * f.noise_scale)
            if f.lags is None:
                m, var = z, v
            else:
                ratio = trend_ratio(f.lags, tau[:, c])[None, :]
                m, var = 100.0 * ((1.0 + z / 100.0) * ratio - 1.0), v * ratio**2
            mean = m.mean(axis=1)
            total = m.var(axis=1) + var.mean(axis=1) + f.discrepancy**2
            worst = np.maximum(worst, np.abs(f.report_value - mean) / np.sqrt(total))
    return worst


def history_match(
    simulator: Simulator, space: Space, figures: list[Figure], settings: Settings,
    runs_first_wave: int | None = None,
) -> Result:  # fmt: skip
    rng = np.random.default_rng(settings.seed)
    cities = list(dict.fromkeys(f.city for f in figures))
    d = len(space)
    candidates = space.sample_unit(settings.candidates, rng)
    nroy = np.ones(len(candidates), dtype=bool)
    x_all = np.zeros((0, d))
    groups = np.zeros(0, dtype=int)  # a label per point: a run and its replicates share one
    effects: dict[str, np.ndarray] = {f.key: np.zeros(0) for f in figures}
    twins: dict[str, np.ndarray] = {f.key: np.zeros(0) for f in figures}
    waves: list[Wave] = []
    fitted = list(range(d))
    screen: dict[str, dict[str, float]] = {}
    emulators: dict[str, Emulator] = {}
    baseline: dict[str, tuple[float, float, float]] = {}
    for w in range(settings.waves):
        n = runs_first_wave if (w == 0 and runs_first_wave) else settings.runs_per_wave
        if w == 0:
            x_new = qmc.LatinHypercube(d=d, seed=rng).random(n)
        else:
            inside = np.flatnonzero(nroy)
            if len(inside) == 0:
                break  # nothing left to run: the waves stop and the outputs say why
            pick = rng.choice(inside, size=n, replace=len(inside) < n)
            x_new = candidates[pick]
        # The first points of the wave (in random order already) again on fresh seeds.
        reps = min(settings.replicate_pairs, n)
        new_groups = len(groups) + np.concatenate([np.arange(n), np.arange(reps)])
        x_new = np.vstack([x_new, x_new[:reps]])
        seeds = [int(s) for s in rng.integers(0, 2**62, size=n + reps)]
        eff, twin = simulator.simulate(f"wave{w + 1}", space.values(x_new), seeds)
        x_all = np.vstack([x_all, x_new])
        groups = np.concatenate([groups, new_groups])
        for f in figures:
            effects[f.key] = np.concatenate([effects[f.key], eff[f.key]])
            twins[f.key] = np.concatenate([twins[f.key], twin[f.key]])
        baseline = baseline_of(twins)
        if w == 0:
            full = fit_emulators(figures, x_all, effects, settings, groups)
            screen = morris_screen(space, figures, full, baseline, settings.seed)
            if not settings.fit_all:
                fitted = screened(space, screen, settings.screen_threshold)
        if not fitted:
            emulators = fit_emulators(figures, x_all[:, :1] * 0.0, effects, settings, groups)
            for em in emulators.values():
                em.accepted, em.reason = False, "no parameter moves any figure detectably"
        else:
            emulators = fit_emulators(figures, x_all[:, fitted], effects, settings, groups)
        model = Model(space, fitted, figures, emulators, baseline, settings, cities)
        if model.figures and fitted:
            imp = implausibility(model, candidates[:, fitted], rng)
            nroy &= imp <= settings.cutoff
        waves.append(Wave(w + 1, len(x_all), emulators, float(nroy.mean()), int(nroy.sum())))
    model = Model(space, fitted, figures, emulators, baseline, settings, cities)
    chain = np.zeros((0, model.dims))
    info: dict[str, float] = {}
    if model.figures and fitted:
        start = None
        if nroy.sum() >= 4 * len(fitted):
            picks = rng.choice(np.flatnonzero(nroy), size=min(4000, int(nroy.sum())))
            prior_rest = model.sample_prior(len(picks), rng)
            start = np.hstack([candidates[picks][:, fitted], prior_rest[:, len(fitted) :]])
        chain, info = model.sample_posterior(rng, start=start)
    else:
        chain = model.sample_prior(4000, rng)
    result = Result(
        space, figures, fitted, screen, waves, emulators, model.figures, baseline, chain,
        cities, info, x_all, effects, twins,
    )  # fmt: skip
    return result


def model_of(result: Result, settings: Settings) -> Model:
    return Model(
        result.space, result.fitted, result.figures, result.emulators, result.baseline,
        settings, result.cities,
    )  # fmt: skip

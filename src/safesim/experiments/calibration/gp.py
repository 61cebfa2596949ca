"""Gaussian-process emulators of the figures' effects, each validated before it is used.

A figure's *effect* is the mix's figure minus its same-seed counterfactual twin's: common
random numbers cancel most of the run noise, so what is left to emulate is what the
parameters do. Each effect is emulated by a Gaussian process (scikit-learn) over the unit
coordinates of the parameters, with an anisotropic squared-exponential kernel and a white
term for what noise the twin does not cancel.

The white term's size is measured, not left to the likelihood alone. With a few dozen runs
in several dimensions a squared-exponential term with short length scales fits run noise
as well as a white term does, and maximum likelihood then drives the white term to its
floor: the emulator interpolates the noise, and its held-out predictions fail. The design
therefore reruns some of its points on fresh seeds (``replicate_pairs`` per wave); half the
mean squared difference of a pair's effects is the run-to-run variance
(``emulator.pair_noise_var``), and the white term may not go below what the pairs rule out:
the one-sided 95 % lower confidence bound of that variance, k·s² / χ²₀.₉₅(k) for k pairs
(a run-to-run difference is normal, so k·s²/σ² is χ² on k degrees of freedom). The fit
chooses the white term above it (run noise, lack of fit, noise that varies over the
space). The bound, not the point estimate, is the floor: a handful of pairs measures the
variance to within a factor of about two, and a floor at a chance high estimate would
override the better-determined estimate the whole design gives.

Validation is exact leave-one-out with the fitted hyperparameters (Rasmussen & Williams
2006, eq. 5.12; Bastos & O'Hagan 2009 for the diagnostics): Q² (1 − held-out squared error
over the spread of the runs), standardised errors and the share of runs inside their 95 %
leave-out intervals. A replicated point is held out with its replicate (leave-group-out),
so no run is predicted from its own parameters' other run. Q² is measured against the
noisy runs themselves: it is the skill at predicting a *new noisy run* at parameters not
run, and even an emulator that knew the noise-free effect exactly would score only about
1 − (run-noise variance / spread of the runs), the ``q2_ceiling`` the outputs report
beside it (read at the fitted white term). The threshold is applied to this Q², so an
effect that the noise swamps cannot pass: an emulator below the skill threshold is
refused, and the figure it stands for leaves the likelihood (the outputs say so). The
threshold is not applied to the skill on the noise-free effect (about Q² / ceiling): a
design's few replicate pairs know the ceiling only as well as they know the noise, to a
factor of about two, and that ratio would accept or refuse on the noise estimate's error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.linalg import cho_solve, solve_triangular
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

#: Normal quantile of a 95 % interval: the coverage of leave-out intervals is read against it.
Z95 = 1.959964


@dataclass
class Validation:
    q2: float
    mean_abs_standardised_error: float
    max_abs_standardised_error: float
    coverage_95: float
    runs: int
    # 1 − the white term's variance / spread of the runs: what predicting the noise-free
    # effect exactly would score on the noisy runs.
    q2_ceiling: float = float("nan")
    noise_pairs: int = 0

    def as_row(self) -> dict[str, float]:
        return {
            "q2": round(self.q2, 4),
            "q2_ceiling": round(self.q2_ceiling, 4),
            "noise_pairs": self.noise_pairs,
            "mean_abs_standardised_error": round(self.mean_abs_standardised_error, 4),
            "max_abs_standardised_error": round(self.max_abs_standardised_error, 4),
            "coverage_95": round(self.coverage_95, 4),
            "runs": self.runs,
        }


@dataclass
class Emulator:
    key: str
    gp: GaussianProcessRegressor | None
    validation: Validation
    accepted: bool
    reason: str
    constant_mean: float = 0.0
    constant_var: float = 0.0
    length_scales: list[float] = field(default_factory=list)
    _inverse_factor: np.ndarray | None = field(default=None, repr=False)

    @property
    def noise_var(self) -> float:
        """Run-to-run variance the twin does not cancel, in the figure's units."""
        if self.gp is None:
            return self.constant_var
        white = self.gp.kernel_.k2.noise_level
        return float(white * self.gp._y_train_std**2)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the emulated effect (the noise-free response) at ``x``."""
        if self.gp is None:
            return np.full(len(x), self.constant_mean), np.full(len(x), self.constant_var)
        gp = self.gp
        if self._inverse_factor is None:
            # L⁻¹ once: the chains call this thousands of times on a fixed emulator.
            self._inverse_factor = solve_triangular(gp.L_, np.eye(len(gp.L_)), lower=True)
        signal = gp.kernel_.k1
        k_star = signal(x, gp.X_train_)
        mean = k_star @ gp.alpha_
        v = k_star @ self._inverse_factor.T
        var = np.maximum(signal.diag(x) - np.sum(v**2, axis=1), 1e-12)
        scale = gp._y_train_std
        return mean * scale + gp._y_train_mean, var * scale**2


#: The white term's floor (normalised units) when no run noise has been measured.
NOISE_FLOOR = 1e-6
NOISE_CEILING = 10.0
#: One-sided confidence of the run-noise variance's lower bound from replicate pairs.
NOISE_CONFIDENCE = 0.95


def noise_lower_bound(noise_var: float, pairs: int) -> float:
    """The variance ``pairs`` replicate pairs with mean variance ``noise_var`` rule out
    below (one-sided ``NOISE_CONFIDENCE``); with no pair count, ``noise_var`` as given."""
    if pairs <= 0:
        return noise_var
    return float(noise_var * pairs / stats.chi2.ppf(NOISE_CONFIDENCE, pairs))


def _kernel(dims: int, noise_floor: float = NOISE_FLOOR) -> ConstantKernel:
    """``noise_floor``: the measured run-noise variance over the runs' variance."""
    floor = max(noise_floor, NOISE_FLOOR)
    ceiling = max(NOISE_CEILING, 10.0 * floor)
    return ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
        length_scale=np.full(dims, 0.5), length_scale_bounds=(0.05, 50.0)
    ) + WhiteKernel(max(0.1, floor), (floor, ceiling))


def leave_one_out(
    gp: GaussianProcessRegressor, y: np.ndarray, groups: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact leave-one-out means and variances of noisy runs, hyperparameters fixed.

    ``groups`` (one label per run) holds out every run of a label together: a point and
    its replicates on other seeds are predicted from the other points only.
    """
    k = gp.kernel_(gp.X_train_)
    chol = np.linalg.cholesky(k + 1e-10 * np.eye(len(k)))
    inverse = cho_solve((chol, True), np.eye(len(k)))
    yn = (y - gp._y_train_mean) / gp._y_train_std
    alpha = inverse @ yn
    diag = np.diag(inverse)
    mean = yn - alpha / diag
    var = 1.0 / diag
    if groups is not None:
        for label in np.unique(groups):
            rows = np.flatnonzero(groups == label)
            if len(rows) < 2:
                continue
            # Held-out block: mean y_I − (K⁻¹)_II⁻¹ (K⁻¹ y)_I, covariance (K⁻¹)_II⁻¹.
            block = np.linalg.inv(inverse[np.ix_(rows, rows)])
            mean[rows] = yn[rows] - block @ alpha[rows]
            var[rows] = np.diag(block)
    return mean * gp._y_train_std + gp._y_train_mean, var * gp._y_train_std**2


def validate(
    y: np.ndarray, loo_mean: np.ndarray, loo_var: np.ndarray,
    noise_var: float = float("nan"), noise_pairs: int = 0,
) -> Validation:  # fmt: skip
    """Q² of held-out noisy runs (skill for a new run; ceiling 1 − noise/spread)."""
    spread = float(np.sum((y - y.mean()) ** 2))
    q2 = 1.0 - float(np.sum((y - loo_mean) ** 2)) / spread if spread > 0 else float("-inf")
    ceiling = 1.0 - noise_var * len(y) / spread if spread > 0 else float("nan")
    z = (y - loo_mean) / np.sqrt(loo_var)
    return Validation(
        q2=q2,
        mean_abs_standardised_error=float(np.mean(np.abs(z))),
        max_abs_standardised_error=float(np.max(np.abs(z))),
        coverage_95=float(np.mean(np.abs(z) <= Z95)),
        runs=len(y),
        q2_ceiling=float(ceiling),
        noise_pairs=noise_pairs,
    )


def fit_emulator(
    key: str, x: np.ndarray, y: np.ndarray, min_q2: float, seed: int = 0,
    noise_var: float | None = None, groups: np.ndarray | None = None, noise_pairs: int = 0,
) -> Emulator:  # fmt: skip
    """A validated emulator of ``y`` over the design ``x``; refused below ``min_q2``.

    ``noise_var``: the run-to-run variance measured on replicate pairs (``noise_pairs`` of
    them); its lower confidence bound is the white term's floor; ``groups`` labels
    replicates of one point, held out together. Runs without the figure (NaN) are left out.
    A refused emulator still predicts (the runs' mean and variance), so a table can show it,
    but it never enters a likelihood.
    """
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    groups = None if groups is None else np.asarray(groups)[ok]
    if len(y) < 5 or float(np.var(y)) == 0.0:
        return Emulator(
            key, None, Validation(float("nan"), float("nan"), float("nan"), float("nan"), len(y)),
            accepted=False, reason="too few runs with the figure, or no spread",
            constant_mean=float(np.mean(y)) if len(y) else float("nan"),
            constant_var=float(np.var(y)) if len(y) else float("nan"),
        )  # fmt: skip
    measured = float(noise_var) if noise_var is not None and np.isfinite(noise_var) else 0.0
    bound = noise_lower_bound(measured, noise_pairs)
    # normalize_y scales by the runs' sd (ddof 0): the floor in the same units.
    floor = bound / float(np.var(y)) if bound > 0 else NOISE_FLOOR
    gp = GaussianProcessRegressor(
        _kernel(x.shape[1], floor), normalize_y=True, n_restarts_optimizer=1, random_state=seed
    )
    with warnings.catch_warnings():
        # A length scale at its bound says the figure ignores that parameter, and the white
        # term at its floor says the runs are no noisier than the pairs measured: expected.
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(x, y)
    loo_mean, loo_var = leave_one_out(gp, y, groups)
    # The ceiling is read at the fitted white term: at or above what the pairs allow.
    fitted_noise = float(gp.kernel_.k2.noise_level * gp._y_train_std**2)
    check = validate(y, loo_mean, loo_var, fitted_noise, noise_pairs)
    accepted = bool(check.q2 >= min_q2)
    reason = (
        f"leave-one-out Q² {check.q2:.2f} ≥ {min_q2:g}"
        if accepted
        else f"no skill: leave-one-out Q² {check.q2:.2f} < {min_q2:g}"
    )
    scales = np.atleast_1d(gp.kernel_.k1.k2.length_scale).astype(float).tolist()
    return Emulator(
        key, gp, check, accepted, reason,
        constant_mean=float(np.mean(y)), constant_var=float(np.var(y)), length_scales=scales,
    )  # fmt: skip

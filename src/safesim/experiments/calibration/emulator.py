"""An emulator of each report figure: a least-squares response surface over the design.

The model is noisy and costs seconds a run, so each figure is emulated by a quadratic
surface in the unit coordinates (without interactions, or linear, when the design is too
small for one), fitted to
runs that each drew fresh random numbers. What the surface does not explain splits into
the model's own run-to-run noise (measured on the design's replicate pairs) and lack of
fit; both enter the likelihood, so an evaluation that was merely lucky is not believed
(the response-surface emulators of history matching: Vernon, Goldstein & Bower 2010;
Andrianakis et al. 2015).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Surfaces from the richest to the plainest; a design fits the first it has at least two
# runs per coefficient for: full quadratic, quadratic without interactions, linear.
FORMS = ("quadratic", "additive", "linear")


def features(x: np.ndarray, form: str) -> np.ndarray:
    columns = [np.ones(len(x)), *x.T]
    d = x.shape[1]
    if form == "quadratic":
        columns += [x[:, i] * x[:, j] for i in range(d) for j in range(i, d)]
    elif form == "additive":
        columns += [x[:, i] ** 2 for i in range(d)]
    return np.column_stack(columns)


@dataclass
class Surface:
    coefficients: np.ndarray
    inverse_gram: np.ndarray
    residual_var: float
    noise_var: float
    form: str

    @property
    def lack_of_fit_var(self) -> float:
        return max(0.0, self.residual_var - self.noise_var)

    def mean(self, x: np.ndarray) -> np.ndarray:
        return features(x, self.form) @ self.coefficients

    def mean_var(self, x: np.ndarray) -> np.ndarray:
        """Variance of the fitted surface at ``x`` (the emulator's own uncertainty)."""
        f = features(x, self.form)
        return self.residual_var * np.einsum("ij,jk,ik->i", f, self.inverse_gram, f)


def fit_surface(x: np.ndarray, y: np.ndarray, noise_var: float) -> Surface:
    """Least squares of ``y`` on the design ``x``; runs with no figure (NaN) are left out."""
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    form = next((f for f in FORMS if len(y) >= 2 * features(x[:1], f).shape[1]), "linear")
    f = features(x, form)
    # A whisper of ridge keeps the Gram matrix invertible when the design is thin.
    gram = f.T @ f + 1e-8 * np.eye(f.shape[1])
    inverse = np.linalg.inv(gram)
    coefficients = inverse @ f.T @ y
    dof = max(1, len(y) - f.shape[1])
    residual_var = float(np.sum((y - f @ coefficients) ** 2) / dof)
    return Surface(coefficients, inverse, max(residual_var, noise_var), noise_var, form)


def pair_noise_var(first: np.ndarray, second: np.ndarray) -> float:
    """Run-to-run variance from pairs of runs at the same parameters on different seeds."""
    d = first - second
    d = d[np.isfinite(d)]
    return float(np.mean(d**2) / 2.0) if d.size else 0.0

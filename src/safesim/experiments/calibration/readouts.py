"""What a calibration result says: posterior rows, the parameter summary, each effect's
Bayes factor against none, and each figure's prior- against posterior-predictive
interval."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from safesim.experiments.calibration.method import Q90, Model, Result, Settings, model_of


def posterior_values(
    result: Result, rng: np.random.Generator, n: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior rows of every parameter (values): fitted from the chain, the rest drawn
    from their priors; and the chain rows used."""
    chain = result.chain
    rows = np.arange(len(chain)) if n is None else rng.choice(len(chain), n, replace=False)
    x = result.space.sample_unit(len(rows), rng)
    k = len(result.fitted)
    if k and len(chain):
        x[:, result.fitted] = chain[rows, :k]
    return result.space.values(x), chain[rows]


def summary_rows(result: Result, rng: np.random.Generator) -> list[dict]:
    prior = result.space.values(result.space.sample_unit(20000, rng))
    post, _ = posterior_values(result, rng)
    out = []
    for i, p in enumerate(result.space.priors):
        pq, q = np.quantile(prior[:, i], Q90), np.quantile(post[:, i], Q90)
        out.append(
            {
                "parameter": p.name,
                "unit": "",
                "prior": p.describe(),
                "prior_p05": pq[0],
                "prior_median": pq[1],
                "prior_p95": pq[2],
                "median": q[1],
                "p05": q[0],
                "p95": q[2],
                "sd_ratio": float(np.std(post[:, i]) / np.std(prior[:, i])),
                "fitted": i in result.fitted,
                "evidence": p.source or p.evidence,
            }
        )
    return out


def effect_bayes_factors(
    result: Result, settings: Settings, rng: np.random.Generator,
    cities: Sequence[str] | None = None,
) -> list[dict]:  # fmt: skip
    """For each effect: log Bayes factor of 'free in its prior range' against 'zero', by
    prior Monte Carlo of both marginal likelihoods (the same draws), and P(effect) at even
    prior odds. An effect the screen dropped is not informed: its factor is 1."""
    model = model_of(result, settings)
    out = []
    if not model.figures or not result.fitted:
        return [
            {"effect": e, "fitted": False, "log_bayes_factor": 0.0, "log_bf_se": 0.0,
             "p_effect": 0.5, "note": "no accepted figure: the reports do not inform it"}
            for e in result.space.effects
        ]  # fmt: skip
    draws = model.sample_prior(settings.evidence_draws, rng)
    log_z1, se1 = model.log_evidence(draws, cities)
    zeroed_all = draws.copy()
    for effect in result.space.effects:
        i = result.space.names.index(effect)
        if i not in result.fitted:
            out.append(
                {"effect": effect, "fitted": False, "log_bayes_factor": 0.0, "log_bf_se": 0.0,
                 "p_effect": 0.5, "note": "screened out: no figure moves with it"}
            )  # fmt: skip
            continue
        if result.space.priors[i].log:
            continue  # a log-uniform range cannot start at zero; no effect has one
        column = result.fitted.index(i)
        zeroed = draws.copy()
        zeroed[:, column] = float(result.space.priors[i].to_unit(np.array(0.0)))
        zeroed_all[:, column] = zeroed[:, column]
        log_z0, se0 = model.log_evidence(zeroed, cities)
        lbf = log_z1 - log_z0
        out.append(
            {"effect": effect, "fitted": True, "log_bayes_factor": lbf,
             "log_bf_se": float(np.hypot(se1, se0)), "p_effect": float(1 / (1 + np.exp(-lbf))),
             "note": "effect in its prior range against none, the others free"}
        )  # fmt: skip
    if any(r["fitted"] for r in out):
        log_z0, se0 = model.log_evidence(zeroed_all, cities)
        lbf = log_z1 - log_z0
        out.append(
            {"effect": "all effects", "fitted": True, "log_bayes_factor": lbf,
             "log_bf_se": float(np.hypot(se1, se0)), "p_effect": float(1 / (1 + np.exp(-lbf))),
             "note": "every fitted effect free against every one at zero"}
        )  # fmt: skip
    return out


def coverage_gain(
    model: Model,
    posterior: np.ndarray,
    rng: np.random.Generator,
    cities: Sequence[str] | None = None,
) -> list[dict]:
    """Each figure's 90 % prior- and posterior-predictive interval, whether the report is
    inside each, and the gain (prior width / posterior width)."""
    prior = model.sample_prior(len(posterior), rng)
    pri = model.predictive(prior, rng, cities)
    post = model.predictive(posterior, rng, cities)
    out = []
    for f in model.figures:
        if f.key not in post:
            continue
        a, b = np.quantile(pri[f.key], Q90), np.quantile(post[f.key], Q90)
        out.append(
            {
                "scenario": f.city,
                "target": f.name,
                "unit": f.unit,
                "report_value": f.report_value,
                "pred_mean": float(np.mean(post[f.key])),
                "pred_p05": b[0],
                "pred_p95": b[2],
                "inside": bool(b[0] <= f.report_value <= b[2]),
                "prior_p05": a[0],
                "prior_p95": a[2],
                "inside_prior": bool(a[0] <= f.report_value <= a[2]),
                "width_gain": float((a[2] - a[0]) / (b[2] - b[0])),
            }
        )
    return out

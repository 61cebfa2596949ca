"""A calibration of the city model by history matching and MCMC, with its proofs.

``safesim calibrate CONFIG`` runs, for the fitted cities, the waves of
``safesim.experiments.calibration.method`` on the city model (each run a mix and its same-seed twin,
through the batch engine's journal), then writes:

- ``emulators.csv``: every figure's emulator per wave, leave-one-out Q², standardised
  errors, 95 % coverage, accepted or refused and why;
- ``screen.csv``: Morris μ* of each figure per parameter in units of the figure's sd, and
  which parameters are fitted (the rest stay at their evidence priors);
- ``waves.csv``: runs and the share of the prior box not ruled out after each wave;
- ``posterior_samples.csv`` (parameter draws, each city's trend, ``weight``),
  ``posterior_summary.csv`` and ``fitted_parameters.yaml``;
- ``effects.csv``: each effect's Bayes factor against no effect and P(effect);
- ``trend_sensitivity.csv``: the posterior under a trend prior ``trend_sensitivity_factor``
  times wider;
- ``targets.csv``: each figure's prior- and posterior-predictive 90 % interval, and the
  gain in width;
- ``leave_one_city_out.csv``: each city predicted from the others alone;
- ``seed_robustness.csv``: a second chain on another seed;
- ``recovery.csv``: the method's proofs on the synthetic simulator (recovery, negative
  control, seed robustness, predictive coverage against the prior's);
- ``predictions.csv``: the prediction cities at posterior draws, each against its twin;
- ``tables.md``, ``plausibility.md`` and ``manifest.json``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from safesim.core.scenario import load_scenario
from safesim.core.streams import run_seed
from safesim.experiments.batch import locked_journal
from safesim.experiments.calibration.citymodel import CitySimulator, _value, execute_paired
from safesim.experiments.calibration.config import CalibrationConfig, resolve_scenario
from safesim.experiments.calibration.likelihood import observed_figures
from safesim.experiments.calibration.method import (
    Q90,
    Figure,
    Result,
    Settings,
    Space,
    TrendSpec,
    history_match,
    model_of,
)
from safesim.experiments.calibration.priors import ParameterSpace
from safesim.experiments.calibration.proofs import (
    negative_control,
    predictive_coverage,
    recovery,
    seed_robustness,
)
from safesim.experiments.calibration.readouts import (
    coverage_gain,
    effect_bayes_factors,
    posterior_values,
    summary_rows,
)
from safesim.experiments.calibration.simulations import model_digest, scenario_at
from safesim.experiments.results import build_manifest, write_result_set

OUTPUT_FILES = (
    "emulators.csv",
    "screen.csv",
    "waves.csv",
    "posterior_samples.csv",
    "posterior_summary.csv",
    "effects.csv",
    "trend_sensitivity.csv",
    "targets.csv",
    "leave_one_city_out.csv",
    "seed_robustness.csv",
    "recovery.csv",
    "predictions.csv",
    "plausibility.md",
    "tables.md",
    "fitted_parameters.yaml",
    "manifest.json",
)
POSTERIOR_ROWS = 1000


def calibration_space(config: CalibrationConfig) -> Space:
    """The fitted parameters' evidence priors, each effect's range widened down to zero."""
    priors = []
    for prior in ParameterSpace(config.parameters).priors:
        if prior.name in config.effect_parameters:
            prior = replace(prior, low=0.0)
        priors.append(prior)
    return Space(priors, config.effect_parameters, config.ordered)


def settings_of(config: CalibrationConfig, quick: bool, seed: int | None = None) -> Settings:
    b, m, t = config.budget(quick), config.method, config.trend
    return Settings(
        trend=TrendSpec(t.mean, t.sd, t.low, t.high),
        min_q2=m.min_q2,
        cutoff=m.implausibility_cutoff,
        screen_threshold=m.screen_threshold,
        dose_sd=m.dose_sd,
        discrepancy_correlation=m.discrepancy_correlation,
        waves=b.waves,
        runs_per_wave=b.runs_per_wave,
        replicate_pairs=b.replicate_pairs,
        candidates=b.candidates,
        steps=b.mcmc_steps,
        burn=b.mcmc_burn,
        evidence_draws=b.evidence_draws,
        trend_sensitivity_factor=m.trend_sensitivity_factor,
        seed=config.seed if seed is None else seed,
    )


#: targets.csv's columns: each report figure's prior and posterior predictive interval, or
#: in ``reason`` why it has none.
TARGET_TABLE_COLUMNS = [
    "scenario", "target", "unit", "report_value", "pred_mean", "pred_p05", "pred_p95",
    "inside", "prior_p05", "prior_p95", "inside_prior", "width_gain", "reason",
]  # fmt: skip

#: leave_one_city_out.csv's columns, written even when no city can be predicted (each row
#: then says why in ``reason``).
LEAVE_ONE_CITY_OUT_COLUMNS = [
    "held_out", "fitted_on", "target", "unit", "report_value", "pred_mean", "pred_p05",
    "pred_median", "pred_p95", "inside", "prior_p05", "prior_p95", "inside_prior",
    "width_gain", "reason",
]  # fmt: skip


class Calibration:
    def __init__(
        self,
        config: CalibrationConfig,
        config_path: str | Path,
        out_dir: str | Path,
        quick: bool = False,
        workers: int = 1,
        dask: str | None = None,
    ):
        self.config = config
        self.config_path = Path(config_path)
        self.out_dir = Path(out_dir)
        self.quick, self.workers, self.dask = quick, workers, dask
        self.budget = config.budget(quick)
        self.settings = settings_of(config, quick)
        self.space = calibration_space(config)
        self.paths = {
            s: str(resolve_scenario(self.config_path, s)) for s in config.scenarios + config.predict
        }
        self.full = {s: load_scenario(p) for s, p in self.paths.items()}
        self.fit_cities = [self.full[s].name for s in config.scenarios]
        self.predict_cities = [self.full[s].name for s in config.predict]
        self.figures: list[Figure] = []
        for s in config.scenarios:
            run = scenario_at(self.paths[s], min(self.budget.households, self.households(s)))
            # The design sees the mean of ``pooled_replicates`` pairs: its run noise, restated
            # at the city's size, is that many times the pooled mean's.
            pooled = self.budget.pooled_replicates
            for o in observed_figures(run, self.households(s), config):
                self.figures.append(
                    Figure(o.city, o.name, o.unit, o.report_value, o.lags, o.discrepancy,
                           min(1.0, o.noise_scale) * pooled)
                )  # fmt: skip

    def households(self, scenario: str) -> int:
        return self.full[scenario].city.households.value

    def identity(self) -> dict[str, Any]:
        return {
            "method": "history-matching",
            "config_sha256": self.config.digest(),
            "quick": self.quick,
            "scenarios_sha256": {self.full[s].name: self.full[s].digest() for s in self.paths},
            "model_sha256": model_digest(),
        }

    def run(self, restart: bool = False, progress: Callable[..., Any] | None = None) -> dict:
        started = time.monotonic()
        # The batch engine runs each task as a mix and its twin (``execute_paired``) on one
        # process, a process pool or Dask, kept up for all the waves and the predictions.
        with locked_journal(
            self.out_dir, self.identity(), restart, self.workers, self.dask, OUTPUT_FILES,
            function=execute_paired,
        ) as (journal, executor):  # fmt: skip
            names = [*self.fit_cities, *self.predict_cities]
            files = [*self.config.scenarios, *self.config.predict]
            paths = {c: self.paths[f] for c, f in zip(names, files, strict=True)}
            simulator = CitySimulator(
                paths, self.budget.households, self.space.names,
                [(f.city, f.name) for f in self.figures], journal, executor,
                self.budget.pooled_replicates,
            )  # fmt: skip
            result = history_match(
                simulator, self.space, self.figures, self.settings, self.budget.first_wave
            )
            tables, diagnostics = self.read_out(result)
            tables["predictions"] = self.predictions(simulator, result)
        return self.write(tables, result, diagnostics, time.monotonic() - started)

    # ------------------------------------------------------------------ read-outs
    def read_out(self, result: Result) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        s = self.settings
        rng = np.random.default_rng(run_seed(self.config.seed, "read-out"))
        model = model_of(result, s)
        tables: dict[str, pd.DataFrame] = {}
        tables["emulators"] = emulator_table(result)
        tables["screen"] = screen_table(result)
        tables["waves"] = pd.DataFrame(
            [{"wave": w.number, "runs_so_far": w.runs, "not_ruled_out_fraction": w.nroy_fraction,
              "accepted_emulators": sum(e.accepted for e in w.emulators.values()),
              "figures": len(w.emulators)} for w in result.waves]
        )  # fmt: skip
        tables["posterior_summary"] = pd.DataFrame(
            summary_rows(result, rng) + self.state_rows(result, model)
        )
        tables["posterior_samples"] = self.samples(result, rng)
        tables["effects"] = pd.DataFrame(effect_bayes_factors(result, s, rng))
        tables["trend_sensitivity"] = self.trend_sensitivity(result, rng)
        predicted = coverage_gain(model, result.chain, rng)
        # Every report figure has its row: one without an emulator of skill says so.
        shown = {f"{row['scenario']}:{row['target']}" for row in predicted}
        predicted += [
            {"scenario": key.split(":", 1)[0], "target": key.split(":", 1)[1],
             "reason": f"not predicted: {em.reason}"}
            for key, em in result.emulators.items() if key not in shown
        ]  # fmt: skip
        tables["targets"] = pd.DataFrame(predicted, columns=TARGET_TABLE_COLUMNS)
        tables["leave_one_city_out"] = self.leave_one_city_out(result, rng)
        tables["seed_robustness"] = self.chain_seed_robustness(result)
        tables["recovery"] = self.proofs()
        refused = [e.key for e in result.emulators.values() if not e.accepted]
        diagnostics = {
            "prior_samples": s.evidence_draws,
            "effective_sample_size": round(float(result.diagnostics.get(
                "effective_sample_size", float("nan"))), 1),
            "mcmc": result.diagnostics,
            "fitted_parameters": [self.space.names[i] for i in result.fitted],
            "kept_at_prior": result.kept,
            "refused_emulators": refused,
            "figures_used": [f.key for f in result.used],
            "design_runs": len(result.design_x) * len(self.fit_cities),
        }  # fmt: skip
        return tables, diagnostics

    def state_rows(self, result: Result, model) -> list[dict]:
        rows = []
        k = len(result.fitted)
        trend = self.settings.trend
        prior = model.sample_prior(20000, np.random.default_rng(0))
        for c, city in enumerate(result.cities):
            for label, column, unit, transform in (
                ("trend", k + c, "% a year", lambda v: v),
                ("dose", k + len(result.cities) + c, "factor", np.exp),
            ):
                post = transform(result.chain[:, column]) if len(result.chain) else np.nan
                pri = transform(prior[:, column])
                pq, q = np.quantile(pri, Q90), np.quantile(post, Q90)
                rows.append(
                    {"parameter": f"{label}_{city}", "unit": unit,
                     "prior": f"normal({trend.mean:g}, {trend.sd:g}) in [{trend.low:g}, "
                     f"{trend.high:g}]" if label == "trend" else
                     f"log-normal(0, {self.settings.dose_sd:g})",
                     "prior_p05": pq[0], "prior_median": pq[1], "prior_p95": pq[2],
                     "median": q[1], "p05": q[0], "p95": q[2],
                     "sd_ratio": float(np.std(post) / np.std(pri)), "fitted": True,
                     "evidence": self.config.trend.source if label == "trend" else
                     "delivered dose against the scenario's stated dose"}
                )  # fmt: skip
        return rows

    def samples(self, result: Result, rng: np.random.Generator) -> pd.DataFrame:
        n = min(POSTERIOR_ROWS, len(result.chain))
        values, chain = posterior_values(result, rng, n)
        frame = pd.DataFrame(values, columns=self.space.names)
        k = len(result.fitted)
        cities = len(result.cities)
        for c, city in enumerate(result.cities):
            frame[f"trend_{city}"] = chain[:, k + c]
        # The delivered-dose factors, as posterior_summary.csv gives them (not log).
        for c, city in enumerate(result.cities):
            frame[f"dose_{city}"] = np.exp(chain[:, k + cities + c])
        # Thinned MCMC draws are equally weighted; the column keeps the weighted-sample
        # format the decision commands read.
        frame["weight"] = 1.0 / len(frame)
        return frame

    def trend_sensitivity(self, result: Result, rng: np.random.Generator) -> pd.DataFrame:
        s = self.settings
        wide = replace(s.trend, sd=s.trend.sd * s.trend_sensitivity_factor)
        model = model_of(result, s)
        if not model.figures or not result.fitted:
            return pd.DataFrame(columns=["parameter"])
        chain, _ = model.sample_posterior(rng, trend=wide, steps=s.steps)
        rows = []
        names = [result.space.names[i] for i in result.fitted]
        names += [f"trend_{c}" for c in result.cities] + [f"dose_{c}" for c in result.cities]
        for j, name in enumerate(names):
            a, b = result.chain[:, j], chain[:, j]
            if j < len(result.fitted):
                p = result.space.priors[result.fitted[j]]
                a, b = p.from_unit(a), p.from_unit(b)
            elif name.startswith("dose_"):
                a, b = np.exp(a), np.exp(b)
            qa, qb = np.quantile(a, Q90), np.quantile(b, Q90)
            rows.append(
                {"parameter": name, "median": qa[1], "p05": qa[0], "p95": qa[2],
                 "wide_trend_median": qb[1], "wide_trend_p05": qb[0], "wide_trend_p95": qb[2],
                 "shift_in_sd": float((qb[1] - qa[1]) / max(np.std(a), 1e-12))}
            )  # fmt: skip
        return pd.DataFrame(rows)

    def leave_one_city_out(self, result: Result, rng: np.random.Generator) -> pd.DataFrame:
        model = model_of(result, self.settings)
        rows = []
        for held in result.cities:
            others = [c for c in result.cities if c != held]
            if not any(model.by_city[c] for c in others) or not model.by_city[held]:
                why = (
                    "not predicted: the held-out city has no figure with an emulator of skill"
                    if not model.by_city[held]
                    else "not predicted: the other cities have no figure with an emulator of skill"
                )
                rows.append({"held_out": held, "fitted_on": "+".join(others), "reason": why})
                continue
            chain, _ = model.sample_posterior(rng, cities=others, steps=self.settings.steps)
            post = model.predictive(chain, rng, cities=[held])
            prior = model.predictive(model.sample_prior(len(chain), rng), rng, cities=[held])
            for f in model.by_city[held]:
                a, b = np.quantile(prior[f.key], Q90), np.quantile(post[f.key], Q90)
                rows.append(
                    {"held_out": held, "fitted_on": "+".join(others), "target": f.name,
                     "unit": f.unit, "report_value": f.report_value,
                     "pred_mean": float(np.mean(post[f.key])),
                     "pred_p05": b[0], "pred_median": b[1], "pred_p95": b[2],
                     "inside": bool(b[0] <= f.report_value <= b[2]),
                     "prior_p05": a[0], "prior_p95": a[2],
                     "inside_prior": bool(a[0] <= f.report_value <= a[2]),
                     "width_gain": float((a[2] - a[0]) / (b[2] - b[0])),
                     "reason": ""}
                )  # fmt: skip
        return pd.DataFrame(rows, columns=LEAVE_ONE_CITY_OUT_COLUMNS)

    def chain_seed_robustness(self, result: Result) -> pd.DataFrame:
        """A second chain on another seed, on the same emulators (MCMC error only; the
        design-seed comparison is the synthetic proof's)."""
        model = model_of(result, self.settings)
        if not model.figures or not result.fitted:
            return pd.DataFrame(columns=["parameter"])
        rng = np.random.default_rng(run_seed(self.config.seed, "second-chain"))
        chain, info = model.sample_posterior(rng, steps=self.settings.steps)
        rows = []
        ess = [result.diagnostics.get("effective_sample_size", np.nan),
               info["effective_sample_size"]]  # fmt: skip
        for j, i in enumerate(result.fitted):
            p = result.space.priors[i]
            a, b = p.from_unit(result.chain[:, j]), p.from_unit(chain[:, j])
            se = np.hypot(
                *[1.2533 * np.std(v) / np.sqrt(e) for v, e in zip((a, b), ess, strict=True)]
            )
            diff = float(np.median(a) - np.median(b))
            rows.append(
                {"parameter": p.name, "median_seed_1": float(np.median(a)),
                 "median_seed_2": float(np.median(b)), "difference": diff,
                 "mc_se": float(se), "difference_in_se": float(abs(diff) / se),
                 "within_3_se": bool(abs(diff) <= 3 * se)}
            )  # fmt: skip
        return pd.DataFrame(rows)

    def proofs(self) -> pd.DataFrame:
        n = self.budget.proof_datasets
        rows: list[dict[str, Any]] = []
        if n == 0:
            return pd.DataFrame(columns=["proof", "measure", "value", "nominal", "n"])
        rec = recovery(n, seed=self.config.seed)
        rows.append({"proof": "recovery", "measure": "share of known values inside 90 % "
                     "posterior intervals", "value": rec["coverage_90"],
                     "nominal": 0.9, "n": rec["checks"]})  # fmt: skip
        for name, ratio in rec["median_sd_ratio"].items():
            rows.append({"proof": "recovery", "measure": f"median posterior/prior sd {name}",
                         "value": ratio, "nominal": float("nan"), "n": n})  # fmt: skip
        neg = negative_control(seed=self.config.seed)
        for name in ("fear_only", "inert", "effect_a"):
            rows.append(
                {
                    "proof": "negative control (alpha only, all fitted)",
                    "measure": f"posterior/prior sd {name}",
                    "value": neg[name]["sd_ratio"],
                    "nominal": float("nan"),
                    "n": 1,
                }
            )
        rows.append({"proof": "negative control", "measure": "screen keeps "
                     + "+".join(neg["screen_keeps"]), "value": len(neg["screen_keeps"]),
                     "nominal": float("nan"), "n": 1})  # fmt: skip
        for row in seed_robustness()["rows"]:
            rows.append(
                {
                    "proof": "seed robustness (two design+chain seeds)",
                    "measure": f"|median difference| / MC se, {row['parameter']}",
                    "value": row["difference_in_se"],
                    "nominal": float("nan"),
                    "n": 2,
                }
            )
        cov = predictive_coverage(max(2, n // 2))
        rows.append(
            {
                "proof": "leave-one-city-out coverage",
                "measure": "posterior-predictive 90 % coverage",
                "value": cov["posterior_coverage_90"],
                "nominal": 0.9,
                "n": len(cov["rows"]),
            }
        )
        rows.append(
            {
                "proof": "leave-one-city-out coverage",
                "measure": "prior-predictive 90 % coverage",
                "value": cov["prior_coverage_90"],
                "nominal": 0.9,
                "n": len(cov["rows"]),
            }
        )
        rows.append({"proof": "leave-one-city-out coverage", "measure": "mean width gain "
                     "(prior / posterior)", "value": cov["mean_width_gain"],
                     "nominal": float("nan"), "n": len(cov["rows"])})  # fmt: skip
        return pd.DataFrame(rows)

    def predictions(self, simulator: CitySimulator, result: Result) -> pd.DataFrame:
        """The prediction cities at posterior draws, each run against its same-seed twin."""
        if not self.predict_cities or not len(result.chain):
            return pd.DataFrame(columns=["scenario", "figure"])
        rng = np.random.default_rng(run_seed(self.config.seed, "predictions"))
        draws = self.budget.posterior_draws
        values, _ = posterior_values(result, rng, min(draws, len(result.chain)))
        seeds = [run_seed(self.config.seed, "prediction", k) for k in range(len(values))]
        records = simulator.run("predict", values, seeds, self.predict_cities)
        rows = []
        for city in self.predict_cities:
            keys = [f"predict-{k}-{city}" for k in range(len(values))]
            names = sorted({n for k in keys for n in records.get(k, {}).get("mix", {})})
            for name in names:
                if not (name.startswith("campaign_") or name.startswith("campaign_year_count_")):
                    continue
                mix = np.array([_value(records, k, "mix", name) for k in keys])
                twin = np.array([_value(records, k, "twin", name) for k in keys])
                if not np.isfinite(mix).any():
                    continue
                q, e = np.nanquantile(mix, Q90), np.nanquantile(mix - twin, Q90)
                rows.append(
                    {"scenario": city, "figure": name, "label": "prediction",
                     "draws": len(keys), "mix_p05": q[0], "mix_median": q[1], "mix_p95": q[2],
                     "effect_vs_twin_p05": e[0], "effect_vs_twin_median": e[1],
                     "effect_vs_twin_p95": e[2]}
                )  # fmt: skip
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ files
    def write(self, tables: dict, result: Result, diagnostics: dict, seconds: float) -> dict:
        from safesim.experiments.calibration.reporting import markdown_tables, plausibility_text

        self.out_dir.mkdir(parents=True, exist_ok=True)
        # role → file name; every file goes through the one result-set writer, the
        # manifest (listing each file's hash) last, so a reader sees the whole set or none.
        names = {name: f"{name}.csv" for name in tables}
        contents: dict[str, Any] = {f"{name}.csv": frame for name, frame in tables.items()}
        names["plausibility"] = "plausibility.md"
        contents["plausibility.md"] = plausibility_text(tables, diagnostics)
        names["tables"] = "tables.md"
        contents["tables.md"] = markdown_tables(tables, diagnostics, self.quick)
        summary = tables["posterior_summary"]
        medians = {
            str(r.parameter): round(float(r.median), 6)
            for r in summary.itertuples()
            if r.parameter in self.space.names
        }
        names["parameters"] = "fitted_parameters.yaml"
        header = (
            f"# Posterior medians of the mechanism parameters (`safesim calibrate`,"
            f" {self.config.name}).\n# posterior_samples.csv holds the uncertainty; "
            "parameters kept at their priors are listed in manifest.json.\n"
        )
        contents["fitted_parameters.yaml"] = header + yaml.safe_dump(medians, sort_keys=True)
        manifest = build_manifest(
            "calibration",
            inputs={"config": self.config_path},
            wall_seconds=seconds,
            name=self.config.name,
            config_sha256=self.config.digest(),
            quick=self.quick,
            seed=self.config.seed,
            method="history matching (GP emulators, implausibility cut-off "
            f"{self.settings.cutoff:g}) then emcee on the last wave's emulators",
            budget=self.budget.model_dump(),
            scenarios={self.full[s].name: self.full[s].digest() for s in self.paths},
            model_sha256=model_digest(),
            fitted_cities=self.fit_cities,
            predicted_cities=self.predict_cities,
            diagnostics=diagnostics,
        )
        names["manifest"] = "manifest.json"
        # The folder is kept: it holds the config and the journal of finished runs.
        written = write_result_set(self.out_dir, contents, manifest, keep_folder=True)
        return {role: written[name] for role, name in names.items()}


def emulator_table(result: Result) -> pd.DataFrame:
    rows = []
    for wave in result.waves:
        for key, em in wave.emulators.items():
            effects = result.design_effects[key][: wave.runs]
            twins = result.design_twins[key][: wave.runs]
            rows.append(
                {"wave": wave.number, "figure": key, **em.validation.as_row(),
                 "accepted": em.accepted, "reason": em.reason,
                 "effect_sd_across_runs": float(np.nanstd(effects)),
                 "effect_noise_sd": float(np.sqrt(em.noise_var)),
                 "twin_sd_across_runs": float(np.nanstd(twins))}
            )  # fmt: skip
    return pd.DataFrame(rows)


def screen_table(result: Result) -> pd.DataFrame:
    rows = []
    for key, row in result.screen.items():
        rows.append({"figure": key, **{n: round(v, 4) for n, v in row.items()}})
    frame = pd.DataFrame(rows)
    fitted = {"figure": "fitted", **{n: (i in result.fitted)
                                     for i, n in enumerate(result.space.names)}}  # fmt: skip
    return pd.concat([frame, pd.DataFrame([fitted])], ignore_index=True)

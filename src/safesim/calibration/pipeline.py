"""A calibration from start to finish: design, emulators, posterior, checks, predictions.

1. **Design**: parameter sets laid out over the evidence box (a Latin hypercube) and some
   beyond it (effects up to ``beyond_factor`` × their bounds, to measure how far a report
   figure is out of reach); each fitted city is run once per set, each run on a fresh
   seed; a few sets are run twice to measure the model's run-to-run noise.
2. **Emulators** of every report figure over the design (``emulator``).
3. **Posterior** by importance sampling: ``samples`` prior draws weighted by the
   likelihood (``likelihood``), the cities' trends integrated out; the same emulators give
   the posterior of any subset of cities, so leaving one city out costs no runs.
4. **Checks**, all on seeds never used in fitting: posterior draws re-run directly (the
   loss re-scored against the posterior-predictive spread: no winner's curse), the design's
   best point re-run (how much a point fit flatters itself), and posterior draws re-run at a
   larger city size (scaling does not move the outcomes beyond their intervals).
5. **Predictions** for the cities whose reports give no crime changes, from those draws.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from safesim.calibration.config import CalibrationConfig, resolve_scenario
from safesim.calibration.emulator import Surface, fit_surface, pair_noise_var
from safesim.calibration.likelihood import (
    Likelihood,
    Observed,
    TrendGrid,
    normalised_weights,
    observed_figures,
    weighted_quantiles,
    with_trend,
)
from safesim.calibration.plausibility import plausibility_report
from safesim.calibration.priors import ParameterSpace
from safesim.calibration.simulations import (
    Task,
    model_digest,
    open_journal,
    run_tasks,
    scenario_at,
)
from safesim.calibration.tables import markdown_tables
from safesim.results import atomic_write_text, build_manifest, dumps, write_csv
from safesim.scenario import Scenario, load_scenario
from safesim.streams import run_seed

Q = (0.05, 0.5, 0.95)
POSTERIOR_ROWS = 1000
PREDICTIVE_REPLICATIONS = 400

OUTPUT_FILES = (
    "design.csv",
    "posterior_samples.csv",
    "posterior_summary.csv",
    "targets.csv",
    "leave_one_city_out.csv",
    "predictions.csv",
    "rescore.csv",
    "scaling.csv",
    "plausibility.md",
    "tables.md",
    "fitted_parameters.yaml",
    "manifest.json",
)


def loss(values: dict[str, float], figures: list[Observed]) -> float:
    """Mean squared miss of the report figures, each in units of its discrepancy sd."""
    misses = [((values[f.key] - f.report_value) / f.discrepancy) ** 2 for f in figures]
    finite = [m for m in misses if np.isfinite(m)]
    return float(np.mean(finite)) if finite else float("nan")


class Calibration:
    def __init__(
        self,
        config: CalibrationConfig,
        config_path: str | Path,
        out_dir: str | Path,
        quick: bool = False,
        workers: int = 1,
    ):
        self.config = config
        self.config_path = Path(config_path)
        self.out_dir = Path(out_dir)
        self.quick = quick
        self.workers = workers
        self.budget = config.budget(quick)
        self.space = ParameterSpace(config.parameters)
        self.paths = {
            **{s: str(resolve_scenario(self.config_path, s)) for s in config.scenarios},
            **{s: str(resolve_scenario(self.config_path, s)) for s in config.predict},
        }
        self.full: dict[str, Scenario] = {p: load_scenario(self.paths[p]) for p in self.paths}
        self.fit_cities = [self.full[p].name for p in config.scenarios]
        self.predict_cities = [self.full[p].name for p in config.predict]
        self.by_name = {self.full[p].name: p for p in self.paths}
        self.city_of = {p: self.full[p].name for p in self.paths}
        self.observed: list[Observed] = []
        for path in config.scenarios:
            run = self.scaled(path, self.budget.households)
            self.observed += observed_figures(run, self.full[path].city.households.value, config)
        self.trend = TrendGrid(config.trend)

    # ------------------------------------------------------------------ helpers
    def scaled(self, path: str, households: int) -> Scenario:
        return scenario_at(self.paths[path], min(households, self.households_of(path)))

    def households_of(self, path: str) -> int:
        return self.full[path].city.households.value

    def identity(self) -> dict[str, Any]:
        """What the journaled runs depend on: a change to any of it refuses the journal."""
        return {
            "config_sha256": self.config.digest(),
            "quick": self.quick,
            "scenarios_sha256": {self.city_of[p]: s.digest() for p, s in self.full.items()},
            "model_sha256": model_digest(),
        }

    def task(self, key: str, path: str, households: int, row: np.ndarray, seed: int) -> Task:
        values = self.space.as_parameters(row)
        return Task(
            key=key,
            scenario_path=self.paths[path],
            households=min(households, self.households_of(path)),
            parameters=tuple(sorted(values.items())),
            seed=seed,
        )

    # ------------------------------------------------------------------ run
    def run(self, restart: bool = False, progress: Callable[..., Any] | None = None) -> dict:
        started = time.monotonic()
        b, seed = self.budget, self.config.seed
        journal = open_journal(self.out_dir, self.identity(), restart)
        design_x = np.vstack(
            [
                self.space.box(b.design, run_seed(seed, "design")),
                self.space.beyond(
                    b.beyond,
                    run_seed(seed, "beyond"),
                    self.config.effect_parameters,
                    self.config.beyond_factor,
                ),
            ]
        )
        design_values = self.space.values(design_x)
        tasks = []
        for i, row in enumerate(design_values):
            for path in self.config.scenarios:
                tasks.append(
                    self.task(
                        f"design-{i}-{self.city_of[path]}",
                        path,
                        b.households,
                        row,
                        run_seed(seed, "design", i),
                    )
                )
        for i in range(b.replicate_pairs):
            for path in self.config.scenarios:
                tasks.append(
                    self.task(
                        f"pair-{i}-{self.city_of[path]}",
                        path,
                        b.households,
                        design_values[i],
                        run_seed(seed, "pair", i),
                    )
                )
        results = run_tasks(tasks, journal, self.workers, "design", progress)
        design = self.design_table(results, design_values, len(design_x))
        # The posterior's emulators see the evidence box only, where they are used; the
        # wider ones, with the beyond-evidence runs, serve only the plausibility verdicts.
        evidence = design["kind"].to_numpy() == "evidence"
        surfaces = self.fit_surfaces(design[evidence], design_x[evidence], results)
        wide = self.fit_surfaces(design, design_x, results) if b.beyond else surfaces
        likelihood = Likelihood(self.observed, surfaces, self.trend)

        prior_values = self.space.sample_prior(
            b.samples, run_seed(seed, "prior"), self.config.ordered
        )
        prior_x = self.space.units(prior_values)
        per_city = {c: likelihood.city(c, prior_x) for c in self.fit_cities}
        weights, ess = normalised_weights(sum(per_city[c][0] for c in self.fit_cities))
        rng = np.random.default_rng(run_seed(seed, "posterior-resample"))
        rows = rng.choice(len(prior_x), size=POSTERIOR_ROWS, p=weights)
        trends = {
            c: likelihood.draw_trend(len(rows), per_city[c][1][rows], rng) for c in self.fit_cities
        }

        # Posterior draws re-run directly on fresh seeds, the design's best point too.
        draws = rows[: b.posterior_draws]
        best = self.best_design_point(design, b.design)
        check_tasks = []
        for k, index in enumerate(draws):
            for path in [*self.config.scenarios, *self.config.predict]:
                # Predictions are the product: run them at the larger size, whose noise
                # is nearer the real city's.
                size = b.households
                if path in self.config.predict:
                    size = max(b.households, b.scaling_households or 0)
                check_tasks.append(
                    self.task(
                        f"posterior-{k}-{self.city_of[path]}",
                        path,
                        size,
                        prior_values[index],
                        run_seed(seed, "posterior", k),
                    )
                )
            if k < b.scaling_draws and b.scaling_households:
                for path in self.config.scenarios:
                    check_tasks.append(
                        self.task(
                            f"scaling-{k}-{self.city_of[path]}",
                            path,
                            b.scaling_households,
                            prior_values[index],
                            run_seed(seed, "posterior", k),
                        )
                    )
        for path in self.config.scenarios:
            check_tasks.append(
                self.task(
                    f"best-{self.city_of[path]}",
                    path,
                    b.households,
                    design_values[best["index"]],
                    run_seed(seed, "best"),
                )
            )
        checks = run_tasks(check_tasks, journal, self.workers, "checks", progress)

        tables = {
            "design": design,
            "posterior_samples": self.posterior_samples(prior_values[rows], trends),
            "posterior_summary": self.posterior_summary(prior_values, weights, trends),
            "targets": self.targets_table(likelihood, prior_x, weights, per_city, rng),
            "leave_one_city_out": self.loco_table(likelihood, prior_x, per_city, rng),
            "predictions": self.predictions_table(checks, len(draws), rng),
        }
        rescore, rescore_summary = self.rescore_table(
            likelihood,
            checks,
            prior_x[draws],
            {c: trends[c][: len(draws)] for c in self.fit_cities},
            best,
            rng,
        )
        tables["rescore"] = rescore
        tables["scaling"] = self.scaling_table(checks, tables["targets"], len(draws))
        report = plausibility_report(self, likelihood, wide, tables, run_seed(seed, "plausibility"))
        diagnostics = {
            "effective_sample_size": round(ess, 1),
            "prior_samples": len(prior_x),
            "design_runs": len(tasks),
            "check_runs": len(check_tasks),
            "emulators": {
                k: {
                    "form": s.form,
                    "noise_sd": round(float(np.sqrt(s.noise_var)), 4),
                    "lack_of_fit_sd": round(float(np.sqrt(s.lack_of_fit_var)), 4),
                }
                for k, s in surfaces.items()
            },
            **rescore_summary,
        }
        return self.write(tables, report, diagnostics, time.monotonic() - started)

    # ------------------------------------------------------------------ stages
    def design_table(self, results: dict, values: np.ndarray, n: int) -> pd.DataFrame:
        b = self.budget
        frame = pd.DataFrame(values, columns=self.space.names)
        frame.insert(0, "kind", ["evidence" if i < b.design else "beyond" for i in range(n)])
        frame.insert(0, "draw", np.arange(n))
        for f in self.observed:
            path = self.by_name[f.city]
            frame[f.key] = [results[f"design-{i}-{self.city_of[path]}"][f.name] for i in range(n)]
        return frame

    def fit_surfaces(
        self, design: pd.DataFrame, x: np.ndarray, results: dict
    ) -> dict[str, Surface]:
        out = {}
        pairs = self.budget.replicate_pairs
        for f in self.observed:
            path = self.by_name[f.city]
            first = design[f.key].to_numpy()[:pairs]
            second = np.array(
                [results[f"pair-{i}-{self.city_of[path]}"][f.name] for i in range(pairs)]
            )
            out[f.key] = fit_surface(x, design[f.key].to_numpy(), pair_noise_var(first, second))
        return out

    def best_design_point(self, design: pd.DataFrame, n: int) -> dict[str, Any]:
        """The design point a point fit would pick: least loss with each city's trend at
        its own best value — fitted to the very noise of those runs."""
        best: dict[str, Any] = {"index": 0, "loss": np.inf, "trends": {}}
        for i in range(n):
            values, trends = {}, {}
            for city in self.fit_cities:
                figures = [f for f in self.observed if f.city == city]
                losses = []
                for tau in self.trend.values:
                    v = {
                        f.key: float(
                            with_trend(np.array(design.loc[i, f.key]), f.lags, np.array(tau))
                        )
                        for f in figures
                    }
                    losses.append(loss(v, figures))
                j = int(np.nanargmin(losses))
                trends[city] = float(self.trend.values[j])
                for f in figures:
                    values[f.key] = float(
                        with_trend(np.array(design.loc[i, f.key]), f.lags, np.array(trends[city]))
                    )
            value = loss(values, self.observed)
            if value < best["loss"]:
                best = {"index": i, "loss": value, "trends": trends}
        return best

    def posterior_samples(self, values: np.ndarray, trends: dict[str, np.ndarray]) -> pd.DataFrame:
        frame = pd.DataFrame(values, columns=self.space.names)
        for city, tau in trends.items():
            frame[f"trend_{city}"] = tau
        return frame

    def posterior_summary(
        self, values: np.ndarray, weights: np.ndarray, trends: dict
    ) -> pd.DataFrame:
        rows = []
        flat = np.full(len(values), 1.0 / len(values))
        for i, prior in enumerate(self.space.priors):
            pq = weighted_quantiles(values[:, i], flat, Q)
            q = weighted_quantiles(values[:, i], weights, Q)
            rows.append(
                {
                    "parameter": prior.name,
                    "unit": "",
                    "prior": prior.describe(),
                    "prior_p05": pq[0],
                    "prior_median": pq[1],
                    "prior_p95": pq[2],
                    "median": q[1],
                    "p05": q[0],
                    "p95": q[2],
                    "evidence": prior.source or prior.evidence,
                }
            )
        tq = self.trend.quantiles(Q)
        for city, tau in trends.items():
            q = np.quantile(tau, Q)
            rows.append(
                {
                    "parameter": f"trend_{city}",
                    "unit": "% a year",
                    "prior": f"normal({self.trend.prior.mean:g}, {self.trend.prior.sd:g}) in "
                    f"[{self.trend.prior.low:g}, {self.trend.prior.high:g}]",
                    "prior_p05": tq[0],
                    "prior_median": tq[1],
                    "prior_p95": tq[2],
                    "median": q[1],
                    "p05": q[0],
                    "p95": q[2],
                    "evidence": self.trend.prior.source,
                }
            )
        return pd.DataFrame(rows)

    def _predictive(self, likelihood, figure, x, log_trend, rng) -> np.ndarray:
        return likelihood.predictive(figure, x, log_trend, rng)

    def targets_table(self, likelihood, x, weights, per_city, rng) -> pd.DataFrame:
        rows_idx = rng.choice(len(x), size=4 * POSTERIOR_ROWS, p=weights)
        out = []
        for f in self.observed:
            draws = likelihood.predictive(f, x[rows_idx], per_city[f.city][1][rows_idx], rng)
            model = likelihood.surfaces[f.key].mean(x[rows_idx])
            out.append(self._row(f, draws, model))
        return pd.DataFrame(out)

    @staticmethod
    def _row(f: Observed, draws: np.ndarray, model: np.ndarray) -> dict[str, Any]:
        q = np.quantile(draws, Q)
        return {
            "scenario": f.city,
            "target": f.name,
            "metric": f.metric,
            "unit": f.unit,
            "report_value": f.report_value,
            "pred_mean": float(np.mean(draws)),
            "pred_p05": q[0],
            "pred_p95": q[2],
            "inside": bool(q[0] <= f.report_value <= q[2]),
            "interventions_mean": float(np.mean(model)),
            "trend_and_rest_mean": float(np.mean(draws) - np.mean(model)),
        }

    def loco_table(self, likelihood, x, per_city, rng) -> pd.DataFrame:
        out = []
        for held in self.fit_cities:
            log_l = sum(per_city[c][0] for c in self.fit_cities if c != held)
            weights, ess = normalised_weights(log_l)
            idx = rng.choice(len(x), size=4 * POSTERIOR_ROWS, p=weights)
            for f in self.observed:
                if f.city != held:
                    continue
                draws = likelihood.predictive(f, x[idx], None, rng)
                row = self._row(f, draws, likelihood.surfaces[f.key].mean(x[idx]))
                row = {
                    "held_out": held,
                    "fitted_on": "+".join(c for c in self.fit_cities if c != held),
                    **row,
                    "ess": round(ess, 1),
                }
                row.pop("scenario")
                out.append(row)
        return pd.DataFrame(out)

    def predictions_table(self, checks: dict, n: int, rng: np.random.Generator) -> pd.DataFrame:
        out = []
        statements = prediction_statements()
        for path in self.config.predict:
            city = self.full[path].name
            records = [checks[f"posterior-{k}-{self.city_of[path]}"] for k in range(n)]
            for name in records[0]:
                if name.startswith("campaign_year_count_") or name.startswith("campaign_"):
                    values = np.array([r[name] for r in records], dtype=float)
                    if not np.isfinite(values).any():
                        continue  # the run does not cover the figure's windows
                    is_change = name.startswith("campaign_year_") and not name.startswith(
                        "campaign_year_count_"
                    )
                    if is_change:
                        tau = likelihood_free_trend(self.trend, len(values), rng)
                        shown = with_trend(values, (1.0,), tau)
                    else:
                        shown = values
                    q = np.nanquantile(shown, Q)
                    statement = statements.get((city, name), ("", float("nan")))
                    out.append(
                        {
                            "scenario": city,
                            "figure": name,
                            "label": "prediction",
                            "unit": "percent_change"
                            if is_change
                            else ("percent" if "security" in name else "count"),
                            "pred_mean": float(np.nanmean(shown)),
                            "pred_p05": q[0],
                            "pred_p95": q[2],
                            "interventions_mean": float(np.nanmean(values)),
                            "report_states": statement[0],
                            "report_value": statement[1],
                        }
                    )
            found = np.array([r["campaign_year_count_disputes_found"] for r in records])
            mediated = np.array([r["campaign_year_count_disputes_mediated"] for r in records])
            if not np.any(found > 0):
                continue  # no grid workers: no dispute is found, there is no share
            share = 100.0 * mediated / np.where(found > 0, found, np.nan)
            q = np.nanquantile(share, Q)
            statement = statements.get(
                (city, "campaign_year_share_disputes_mediated"), ("", float("nan"))
            )
            out.append(
                {
                    "scenario": city,
                    "figure": "campaign_year_share_disputes_mediated",
                    "label": "prediction",
                    "unit": "percent",
                    "pred_mean": float(np.nanmean(share)),
                    "pred_p05": q[0],
                    "pred_p95": q[2],
                    "interventions_mean": float(np.nanmean(share)),
                    "report_states": statement[0],
                    "report_value": statement[1],
                }
            )
        frame = pd.DataFrame(out)
        if not frame.empty:
            frame["inside"] = [
                bool(lo <= v <= hi) if np.isfinite(v) else ""
                for lo, v, hi in zip(
                    frame.pred_p05, frame.report_value, frame.pred_p95, strict=True
                )
            ]
        return frame

    def rescore_table(self, likelihood, checks, x, trends, best, rng) -> tuple[pd.DataFrame, dict]:
        rows = []
        n = len(x)
        predicted = np.zeros((PREDICTIVE_REPLICATIONS, n))
        for k in range(n):
            direct = {}
            for f in self.observed:
                path = self.by_name[f.city]
                direct[f.key] = float(
                    with_trend(
                        np.array(checks[f"posterior-{k}-{self.city_of[path]}"][f.name]),
                        f.lags,
                        np.array(trends[f.city][k]),
                    )
                )
            for r in range(PREDICTIVE_REPLICATIONS):
                values = {}
                for f in self.observed:
                    s = likelihood.surfaces[f.key]
                    sd = np.sqrt(s.mean_var(x[k : k + 1])[0] + s.lack_of_fit_var + s.noise_var)
                    values[f.key] = float(
                        with_trend(
                            np.array(s.mean(x[k : k + 1])[0] + rng.normal() * sd),
                            f.lags,
                            np.array(trends[f.city][k]),
                        )
                    )
                predicted[r, k] = loss(values, self.observed)
            rows.append(
                {
                    "run": f"posterior draw {k}",
                    "seeds": "fresh",
                    "loss": loss(direct, self.observed),
                    "predicted_p05": float(np.quantile(predicted[:, k], 0.05)),
                    "predicted_p95": float(np.quantile(predicted[:, k], 0.95)),
                }
            )
        best_direct = {}
        for f in self.observed:
            path = self.by_name[f.city]
            best_direct[f.key] = float(
                with_trend(
                    np.array(checks[f"best-{self.city_of[path]}"][f.name]),
                    f.lags,
                    np.array(best["trends"][f.city]),
                )
            )
        mean_pred = predicted.mean(axis=1)
        summary = {
            "rescored_mean_loss": float(np.mean([r["loss"] for r in rows])),
            "predictive_mean_loss_p05": float(np.quantile(mean_pred, 0.05)),
            "predictive_mean_loss_p50": float(np.quantile(mean_pred, 0.5)),
            "predictive_mean_loss_p95": float(np.quantile(mean_pred, 0.95)),
            "best_design_point_loss_in_sample": float(best["loss"]),
            "best_design_point_loss_rescored": loss(best_direct, self.observed),
        }
        rows.append(
            {
                "run": "mean of posterior draws",
                "seeds": "fresh",
                "loss": summary["rescored_mean_loss"],
                "predicted_p05": summary["predictive_mean_loss_p05"],
                "predicted_p95": summary["predictive_mean_loss_p95"],
            }
        )
        rows.append(
            {
                "run": f"best design point {best['index']}",
                "seeds": "its own (in sample)",
                "loss": best["loss"],
                "predicted_p05": float("nan"),
                "predicted_p95": float("nan"),
            }
        )
        rows.append(
            {
                "run": f"best design point {best['index']}",
                "seeds": "fresh",
                "loss": summary["best_design_point_loss_rescored"],
                "predicted_p05": float("nan"),
                "predicted_p95": float("nan"),
            }
        )
        return pd.DataFrame(rows), summary

    def scaling_table(self, checks: dict, targets: pd.DataFrame, n: int) -> pd.DataFrame:
        b = self.budget
        m = min(b.scaling_draws, n)
        if not m or not b.scaling_households:
            return pd.DataFrame(columns=["scenario", "target"])
        out = []
        for f in self.observed:
            path = self.by_name[f.city]
            small = np.array(
                [checks[f"posterior-{k}-{self.city_of[path]}"][f.name] for k in range(m)]
            )
            large = np.array(
                [checks[f"scaling-{k}-{self.city_of[path]}"][f.name] for k in range(m)]
            )
            row = targets[(targets.scenario == f.city) & (targets.target == f.name)].iloc[0]
            half = (row.pred_p95 - row.pred_p05) / 2.0
            diff = float(np.nanmean(large) - np.nanmean(small))
            out.append(
                {
                    "scenario": f.city,
                    "target": f.name,
                    "unit": f.unit,
                    "households_design": min(b.households, self.households_of(path)),
                    "households_check": min(b.scaling_households, self.households_of(path)),
                    "mean_design": float(np.nanmean(small)),
                    "mean_check": float(np.nanmean(large)),
                    "difference": diff,
                    "interval_half_width": half,
                    "within": bool(abs(diff) <= half),
                }
            )
        return pd.DataFrame(out)

    # ------------------------------------------------------------------ files
    def write(
        self, tables: dict[str, pd.DataFrame], report: str, diagnostics: dict, seconds: float
    ) -> dict:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in tables.items():
            paths[name] = self.out_dir / f"{name}.csv"
            write_csv(frame, paths[name])
        paths["plausibility"] = self.out_dir / "plausibility.md"
        atomic_write_text(paths["plausibility"], report)
        paths["tables"] = self.out_dir / "tables.md"
        atomic_write_text(paths["tables"], markdown_tables(tables, diagnostics))
        summary = tables["posterior_summary"]
        medians = {
            row.parameter: round(float(row.median), 6)
            for row in summary.itertuples()
            if not row.parameter.startswith("trend_")
        }
        paths["parameters"] = self.out_dir / "fitted_parameters.yaml"
        header = (
            f"# Posterior medians of the mechanism parameters fitted by `safesim calibrate`"
            f" ({self.config.name}).\n# Use with `safesim run SCENARIO --parameters THIS_FILE`;"
            " posterior_samples.csv holds the uncertainty.\n"
        )
        atomic_write_text(paths["parameters"], header + yaml.safe_dump(medians, sort_keys=True))
        manifest = build_manifest(
            "calibration",
            inputs={"config": self.config_path},
            wall_seconds=seconds,
            name=self.config.name,
            config_sha256=self.config.digest(),
            quick=self.quick,
            seed=self.config.seed,
            seed_derivation="run_seed(seed, stage, index): design, pair, posterior, best",
            budget=self.budget.model_dump(),
            scenarios={self.full[p].name: self.full[p].digest() for p in self.paths},
            model_sha256=model_digest(),
            fitted_cities=self.fit_cities,
            predicted_cities=self.predict_cities,
            diagnostics=diagnostics,
        )
        paths["manifest"] = self.out_dir / "manifest.json"
        atomic_write_text(paths["manifest"], dumps(manifest))
        return paths


def likelihood_free_trend(trend: TrendGrid, n: int, rng: np.random.Generator) -> np.ndarray:
    """A city not fitted: its trend from the prior."""
    p = np.exp(trend.log_prior)
    return rng.choice(trend.values, size=n, p=p / p.sum())


def prediction_statements() -> dict[tuple[str, str], tuple[str, float]]:
    """What the prediction cities' reports state, beside the model figure nearest to it.

    A report's figure is the value to compare with only where it counts what the model
    figure counts; where no model figure is like for like, the statement says so and the
    value is NaN."""
    return {
        ("guichi", "campaign_year_count_dispute_violence"): (
            "35 serious violent cases of every kind in 2021, all cleared; no like-for-like "
            "model figure: violent disputes are one kind among them, and the model does "
            "not count serious violent crime of all kinds",
            float("nan"),
        ),
        ("guichi", "campaign_year_count_disputes_found"): (
            "116 petition dispute hazards found in one screening in 2021; no like-for-like "
            "model figure: the model counts the disputes a year of grid visits finds",
            float("nan"),
        ),
        ("guichi", "campaign_year_share_disputes_mediated"): (
            "84 of that screening's 116 resolved by the report's date (72.4 %), against the "
            "model's share of a year's found disputes mediated: a share of the same kind, "
            "not of the same disputes",
            72.41,
        ),
        ("shishou", "campaign_end_sense_of_security"): (
            "sense of security ranked 6th in Hubei in H2 2016, up 14 places (a rank, no level)",
            float("nan"),
        ),
    }

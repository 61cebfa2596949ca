"""tables.md and plausibility.md of a history-matching calibration, from its tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _n(value: Any, digits: int = 3) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "–"
        return f"{value:.{digits}g}"
    return str(value)


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    columns = [c for c in columns if c in frame.columns]
    if frame.empty or not columns:
        return "(none)\n"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame[columns].itertuples(index=False):
        lines.append("| " + " | ".join(_n(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def markdown_tables(tables: dict[str, pd.DataFrame], diag: dict[str, Any], quick: bool) -> str:
    out = ["# Calibration tables\n"]
    if quick:
        out.append(
            "**Quick setting**: small designs, short chains and few proof datasets; these "
            "figures show that the pipeline runs end to end, not what the reports teach.\n"
        )
    fitted = ", ".join(diag["fitted_parameters"]) or "none"
    kept = ", ".join(diag["kept_at_prior"]) or "none"
    refused = ", ".join(diag["refused_emulators"]) or "none"
    if diag["figures_used"]:
        out.append(
            f"Fitted: {fitted}. Kept at their evidence priors (no figure moves with them "
            f"detectably): {kept}. Emulators refused for no skill: {refused}.\n"
        )
    else:
        # The screen ran on the first wave's emulators; with none accepted at the last
        # wave the likelihood is flat, and "fitted" would claim what the data did not do.
        out.append(
            f"No figure's emulator has skill at the last wave, so the reports inform no "
            f"parameter: every posterior is its evidence prior. The first wave's screen "
            f"picked {fitted} to fit and kept {kept} at their priors. Emulators refused for "
            f"no skill: {refused}.\n"
        )
    out.append(nothing_reaches(tables))
    last = tables["emulators"]
    if not last.empty:
        last = last[last.wave == last.wave.max()]
    out += ["## Emulators (last wave, leave-one-out)\n",
            "Q² is the skill at predicting a new noisy run; `q2_ceiling` is what the noise-free "
            "effect itself would score (1 − the white term's share of the spread), the white "
            "term held at or above what the `noise_pairs` replicate pairs allow the run noise to "
            "be (their 95 % lower bound).\n",
            _table(last, [
        "figure", "q2", "q2_ceiling", "mean_abs_standardised_error", "coverage_95", "runs",
        "noise_pairs", "accepted", "effect_sd_across_runs", "effect_noise_sd",
        "twin_sd_across_runs"])]  # fmt: skip
    out += ["## History-matching waves\n", _table(tables["waves"], list(tables["waves"].columns))]
    out += ["## Screen (Morris μ* in units of each figure's sd)\n",
            _table(tables["screen"], list(tables["screen"].columns))]  # fmt: skip
    out += [
        "## Posterior\n",
        _table(
            tables["posterior_summary"],
            ["parameter", "prior_p05", "prior_p95", "median", "p05", "p95", "sd_ratio", "fitted"],
        ),
    ]
    out += [
        "## Effect against no effect\n",
        _table(tables["effects"], ["effect", "log_bayes_factor", "log_bf_se", "p_effect", "note"]),
    ]
    out += [
        "## Trend-prior sensitivity\n",
        _table(
            tables["trend_sensitivity"], ["parameter", "median", "wide_trend_median", "shift_in_sd"]
        ),
    ]
    out += [
        "## Report figures: prior against posterior predictive (90 %)\n",
        _table(
            tables["targets"],
            [
                "scenario",
                "target",
                "report_value",
                "prior_p05",
                "prior_p95",
                "pred_p05",
                "pred_p95",
                "inside",
                "width_gain",
                "reason",
            ],
        ),
    ]
    out += [
        "## Leave one city out\n",
        _table(
            tables["leave_one_city_out"],
            [
                "held_out",
                "target",
                "report_value",
                "pred_p05",
                "pred_p95",
                "inside",
                "inside_prior",
                "width_gain",
                "reason",
            ],
        ),
    ]
    out += [
        "## Seed robustness (second chain)\n",
        _table(
            tables["seed_robustness"],
            ["parameter", "median_seed_1", "median_seed_2", "difference_in_se", "within_3_se"],
        ),
    ]
    out += [
        "## Proofs on the synthetic simulator\n",
        _table(tables["recovery"], ["proof", "measure", "value", "nominal", "n"]),
    ]
    out += [
        "## Predictions\n",
        _table(
            tables["predictions"],
            ["scenario", "figure", "mix_median", "mix_p05", "mix_p95", "effect_vs_twin_median"],
        ),
    ]
    return "\n".join(out)


def nothing_reaches(tables: dict[str, pd.DataFrame]) -> str:
    """A sentence when history matching ruled out every parameter set."""
    waves = tables["waves"]
    if waves.empty or float(waves.not_ruled_out_fraction.iloc[-1]) > 0:
        return ""
    return (
        f"**No parameter set reaches the reports**: after wave {int(waves.wave.iloc[-1])} "
        "every candidate misses at least one used figure by more than the implausibility "
        "cut-off, with each city's trend and dose free in their priors. The posterior below "
        "is the best the model does, conditional on a model that cannot match them all; "
        "read it as that, not as the mechanisms' strengths.\n"
    )


def plausibility_text(tables: dict[str, pd.DataFrame], diag: dict[str, Any]) -> str:
    out = [
        "# What the reports are, and what the model can reach\n",
        "The figures fitted are cities' own accounts of programmes they ran and chose to "
        "report: a city whose campaign showed no fall had less reason to publish, and a "
        "published fall may have been picked from several measures (selection and reporting "
        "bias). Recorded crime also moves with recording practice. The calibration therefore "
        "credits the interventions only with what each city's trend, its no-intervention "
        "twin and a discrepancy correlated within the city leave, starts every effect's "
        "range at zero, and states the Bayes factor of effect against none (effects.csv); "
        "a factor near 1 means the reports cannot tell.\n",
        nothing_reaches(tables),
        "## Each figure\n",
    ]
    emulators = tables["emulators"]
    last = emulators[emulators.wave == emulators.wave.max()] if not emulators.empty else emulators
    targets = None
    if not tables["targets"].empty:
        targets = (
            tables["targets"]
            .assign(figure=tables["targets"].scenario + ":" + tables["targets"].target)
            .set_index("figure")
        )
    for row in last.itertuples():
        if not row.accepted:
            out.append(
                f"- **{row.figure}**: not used. {row.reason}; its effect against the twin "
                f"varies by {row.effect_sd_across_runs:.3g} across {row.runs} runs and the "
                f"emulator's noise term, at least what its {row.noise_pairs} replicate pairs "
                f"allow the run noise to be, is {row.effect_noise_sd:.3g}, so even the "
                f"noise-free effect would score Q² {row.q2_ceiling:.2f}. Held-out runs are not "
                "predicted well enough, from run noise or from too few runs for the parameters "
                "it depends on; more runs, or larger cities, would tell.\n"
            )
            continue
        if targets is None or row.figure not in targets.index:
            continue
        t = targets.loc[row.figure]
        reach = "inside" if t.inside_prior else "outside"
        out.append(
            f"- **{row.figure}** (report {t.report_value:.3g}): {reach} the prior-predictive "
            f"90 % range {t.prior_p05:.3g} to {t.prior_p95:.3g} with effects inside the "
            f"evidence; posterior-predictive {t.pred_p05:.3g} to {t.pred_p95:.3g} "
            f"(width gain {t.width_gain:.2f}×).\n"
        )
    return "\n".join(out)

"""Figures of the folders that weigh choices: ``calibrate``, ``compare``, ``optimize`` and
``sensitivity``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from safesim.reports.figures import OKABE_ITO, plotter, read_csv, save, shared_legend, yuan
from safesim.reports.labels import factor_label, outcome_label, parameter_label, said, tr

# ---------------------------------------------------------------------- calibration
TARGET_COLUMNS = ("target", "unit", "report_value", "pred_mean", "pred_p05", "pred_p95")


def calibration_posterior_figure(
    samples: pd.DataFrame, summary: pd.DataFrame, lang: str = "en"
) -> Figure:
    """Each fitted parameter's posterior (histogram) against its prior's 90 % range."""
    rows = summary.reset_index(drop=True)
    n = len(rows)
    cols = min(4, n)
    nrows = int(np.ceil(n / cols))
    fig = Figure(figsize=(3.2 * cols, 2.4 * nrows + 0.6))
    FigureCanvasAgg(fig)
    for i, row in rows.iterrows():
        ax = fig.add_subplot(nrows, cols, i + 1)
        if row.parameter in samples.columns:
            ax.hist(samples[row.parameter], bins=25, color="tab:blue", alpha=0.7)
        prior, median = (
            said("prior 90 %", "先验90%", lang),
            said("posterior median", "后验中位数", lang),
        )
        ax.axvspan(row.prior_p05, row.prior_p95, color="grey", alpha=0.15, label=prior)
        ax.axvline(row["median"], color="black", lw=1, label=median)
        unit = f" ({row.unit})" if str(row.unit) != "nan" else ""
        ax.set_title(parameter_label(str(row.parameter), lang) + unit, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    fig.axes[0].legend(fontsize=7, loc="upper right")
    fig.suptitle(
        said(
            "Posterior of the mechanism strengths and the cities' trends (grey: prior 90 %)",
            "机制强度与各城市趋势的后验分布（灰色：先验90%区间）",
            lang,
        )
    )
    fig.tight_layout()
    return fig


def calibration_interval_figure(table: pd.DataFrame, title: str, label: str) -> Figure:
    """Report figures (diamonds) against the model's predictive mean and 90 % interval,
    changes and levels on panels of their own."""
    parts = [(u, table[table["unit"] == u]) for u in ("percent_change", "percent")]
    parts = [(u, p.reset_index(drop=True)) for u, p in parts if not p.empty]
    heights = [0.42 * len(p) + 0.9 for _, p in parts]
    fig = Figure(figsize=(9.0, sum(heights) + 0.8))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(parts), 1, squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax, (unit, part) in zip(axes[:, 0], parts, strict=True):
        y = np.arange(len(part))[::-1]
        ax.hlines(y, part["pred_p05"], part["pred_p95"], color="tab:blue", lw=3, alpha=0.5,
                  label=f"{label} 90 %")  # fmt: skip
        ax.scatter(part["pred_mean"], y, color="tab:blue", zorder=3, label=f"{label} mean")
        ax.scatter(part["report_value"], y, marker="D", color="black", zorder=4, label="report")
        city = part["held_out"] if "held_out" in part.columns else part.get("scenario")
        names = [f"{c}: {t}" for c, t in zip(city, part["target"], strict=True)]
        ax.set_yticks(y, names, fontsize=8)
        ax.set_xlabel("percent change" if unit == "percent_change" else "percent", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def predicted_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a calibration table that carry a predictive interval."""
    return table[np.isfinite(pd.to_numeric(table["pred_p05"], errors="coerce"))]


@plotter("calibration", files=("targets.csv",))
def plot_calibration(
    folder: Path, manifest: dict[str, Any], fmt: str, lang: str = "en"
) -> list[Path]:
    written = []
    summary_path, samples_path = folder / "posterior_summary.csv", folder / "posterior_samples.csv"
    if summary_path.exists() and samples_path.exists():
        summary = read_csv(summary_path, ("parameter", "prior_p05", "prior_p95", "median"))
        samples = read_csv(samples_path, ())
        figure = calibration_posterior_figure(samples, summary, lang)
        written.append(save(figure, folder, "calibration_posterior", fmt))
    # A figure or city with no emulator of skill has a reason and no interval: not drawn.
    targets = predicted_rows(read_csv(folder / "targets.csv", ("scenario", *TARGET_COLUMNS)))
    if not targets.empty:
        figure = calibration_interval_figure(
            targets, "Report figures and the posterior-predictive 90 % interval", "posterior"
        )
        written.append(save(figure, folder, "calibration_targets", fmt))
    held_path = folder / "leave_one_city_out.csv"
    held = pd.DataFrame()
    if held_path.exists():
        held = predicted_rows(read_csv(held_path, ("held_out", *TARGET_COLUMNS)))
    if not held.empty:
        figure = calibration_interval_figure(
            held, "Each city predicted from the other two (leave one city out)", "held-out"
        )
        written.append(save(figure, folder, "calibration_held_out", fmt))
    return written


# ---------------------------------------------------------------------- compare
DIFFERENCE_COLUMNS = (
    "scenario",
    "against",
    "outcome",
    "label",
    "unit",
    "difference_mean",
    "difference_p05",
    "difference_p95",
)
DIFFERENCE_UNITS = {
    "cases": "difference in cases (campaign year)",
    "percent": "difference in households feeling safe (percentage points)",
    "percent_change": "difference in year-on-year change (percentage points)",
    "ratio": "difference in the weighted displacement quotient",
    "yuan": "difference in yearly cost (yuan)",
}


def compare_figure(differences: pd.DataFrame, lang: str = "en") -> Figure:
    """Each scenario minus the first, outcome by outcome: mean and 90 % interval of the
    paired differences, one panel (and one scale) per unit, a zero line in each."""
    units = [u for u in DIFFERENCE_UNITS if u in set(differences["unit"])]
    labels_per_unit = {
        u: list(dict.fromkeys(differences.loc[differences["unit"] == u, "label"])) for u in units
    }
    heights = [max(1, len(labels_per_unit[u])) for u in units]
    fig = Figure(figsize=(10, 1.6 + 0.42 * sum(heights) + 0.8 * len(units)), layout="constrained")
    axes = fig.subplots(len(units), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)
    names = list(dict.fromkeys(differences["scenario"]))
    step = 0.7 / max(1, len(names))
    for ax, unit in zip(axes[:, 0], units, strict=True):
        labels = labels_per_unit[unit]
        base = np.arange(len(labels))[::-1].astype(float)
        for n, name in enumerate(names):
            rows = differences[(differences["unit"] == unit) & (differences["scenario"] == name)]
            rows = rows.set_index("label").reindex(labels)
            mean = rows["difference_mean"].astype(float)
            y = base + (len(names) - 1) / 2 * step - n * step
            ax.errorbar(
                mean,
                y,
                xerr=[
                    (mean - rows["difference_p05"].astype(float)).clip(lower=0),
                    (rows["difference_p95"].astype(float) - mean).clip(lower=0),
                ],
                fmt="o",
                color=OKABE_ITO[n % len(OKABE_ITO)],
                capsize=3,
                label=f"{name} − {rows['against'].dropna().iloc[0]}"
                if rows["against"].notna().any()
                else name,
            )
        ax.axvline(0, color="black", linewidth=0.9)
        ax.set_yticks(base, [tr(str(v), lang) for v in labels], fontsize=8)
        if unit == "yuan":
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(yuan))
        ax.set_xlabel(tr(DIFFERENCE_UNITS[unit], lang))
        ax.grid(axis="x", alpha=0.3)
    shared_legend(fig, axes[:, 0])
    fig.suptitle(
        tr("Difference from the first scenario (mean and 90 % interval of paired replicates)", lang)
    )
    return fig


@plotter("compare", files=("differences.csv",))
def plot_compare(folder: Path, manifest: dict[str, Any], fmt: str, lang: str = "en") -> list[Path]:
    """differences: each scenario minus the first, every outcome."""
    differences = read_csv(folder / "differences.csv", DIFFERENCE_COLUMNS)
    return [save(compare_figure(differences, lang=lang), folder, "differences", fmt)]


# ---------------------------------------------------------------------- optimize
TRIAL_COLUMNS = (
    "trial",
    "annual_cost_yuan",
    "crimes_averted",
    "crimes_averted_p05",
    "crimes_averted_p95",
    "security_change_pp",
    "security_change_pp_p05",
    "security_change_pp_p95",
    "on_front",
)


def front_figure(
    trials: pd.DataFrame, budget: float | None, recommended: int | None, lang: str = "en"
) -> Figure:
    """Every mix tried: yearly cost against crimes averted and against the change in felt
    safety, means with 90 % intervals. Mixes on the Pareto front are coloured by their
    change in felt safety (diverging, centred on zero); the others are grey; the
    recommended mix is starred and the budget drawn."""
    fig = Figure(figsize=(12, 5.0), layout="constrained")
    left, right = fig.subplots(1, 2)
    front = trials[trials["on_front"].astype(bool)]
    rest = trials[~trials["on_front"].astype(bool)]
    change = trials["security_change_pp"].astype(float)
    bound = max(float(np.nanmax(np.abs(change))) if len(change) else 0.0, 1e-6)
    norm = matplotlib.colors.Normalize(vmin=-bound, vmax=bound)
    cmap = matplotlib.colormaps["RdBu"]  # blue: more households feel safe
    for ax, (column, label) in zip(
        (left, right),
        (
            ("crimes_averted", "crimes averted (cases, campaign year)"),
            ("security_change_pp", "change in households feeling safe (percentage points)"),
        ),
        strict=True,
    ):
        for part, colour, name in (
            (rest, "lightgray", tr("other mixes tried", lang)),
            (front, None, tr("mixes nothing beats on all three", lang)),
        ):
            if part.empty:
                continue
            mean = part[column].astype(float)
            ax.errorbar(
                part["annual_cost_yuan"].astype(float),
                mean,
                yerr=[
                    (mean - part[f"{column}_p05"].astype(float)).clip(lower=0),
                    (part[f"{column}_p95"].astype(float) - mean).clip(lower=0),
                ],
                fmt="none",
                ecolor=colour or "dimgray",
                alpha=0.6,
                capsize=2,
            )
            ax.scatter(
                part["annual_cost_yuan"].astype(float),
                mean,
                c=colour if colour else cmap(norm(part["security_change_pp"].astype(float))),
                edgecolors="black",
                linewidths=0.4,
                s=40,
                zorder=3,
                label=name,
            )
        if recommended is not None and (trials["trial"] == recommended).any():
            row = trials[trials["trial"] == recommended].iloc[0]
            ax.scatter(
                [row["annual_cost_yuan"]], [row[column]], marker="*", s=260,
                color=OKABE_ITO[1], edgecolors="black", zorder=4, label=tr("recommended mix", lang),
            )  # fmt: skip
        if budget:
            ax.axvline(budget, color="black", linestyle="--", linewidth=1, label=tr("budget", lang))
        ax.axhline(0, color="gray", linewidth=0.8)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(yuan))
        ax.tick_params(axis="x", labelrotation=20)
        ax.set_xlim(left=0)
        ax.set_xlabel(tr("yearly cost of the mix (yuan)", lang))
        ax.set_ylabel(tr(label, lang))
        ax.grid(alpha=0.3)
    fig.colorbar(
        matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap),
        ax=right,
        label=tr("change in households feeling safe (percentage points)", lang),
    )
    shared_legend(fig, (left, right))
    fig.suptitle(tr("Mixes within the budget: crimes averted, cost and felt safety", lang))
    return fig


@plotter("optimize", files=("trials.csv", "front.csv"))
def plot_optimize(folder: Path, manifest: dict[str, Any], fmt: str, lang: str = "en") -> list[Path]:
    """front: every mix tried, the Pareto front and the recommended mix."""
    trials = read_csv(folder / "trials.csv", TRIAL_COLUMNS)
    budget = manifest.get("budget_yuan")
    recommended = manifest.get("recommended_trial")
    figure = front_figure(
        trials,
        float(budget) if budget else None,
        int(recommended) if recommended is not None else None,
        lang=lang,
    )
    return [save(figure, folder, "front", fmt)]


# ---------------------------------------------------------------------- sensitivity
SENSITIVITY_COLUMNS = ("factor", "mu_star", "mu_star_conf")


def sensitivity_figure(table: pd.DataFrame, outcome: str | None, lang: str = "en") -> Figure:
    """Morris μ* (mean absolute effect) with its 95 % bootstrap half-width, largest at
    the top; intervention sizes and mechanism parameters in two colours."""
    shown = table.sort_values("mu_star", kind="mergesort").reset_index(drop=True)
    fig = Figure(figsize=(9, max(3.0, 0.3 * len(shown) + 1.6)), layout="constrained")
    ax = fig.subplots()
    kinds = shown["kind"] if "kind" in shown.columns else pd.Series(["parameter"] * len(shown))
    colours = {"parameter": OKABE_ITO[0], "intervention": OKABE_ITO[5]}
    mu = shown["mu_star"].astype(float).to_numpy()
    conf = shown["mu_star_conf"].astype(float).to_numpy()
    y = np.arange(len(shown))
    for kind, colour in colours.items():
        mask = (kinds == kind).to_numpy()
        if mask.any():
            ax.barh(
                y[mask],
                mu[mask],
                xerr=np.vstack([np.minimum(conf, mu)[mask], conf[mask]]),
                color=colour,
                capsize=2,
                label=said("intervention size", "措施规模", lang)
                if kind == "intervention"
                else said("mechanism parameter", "机制参数", lang),
            )
    ax.set_yticks(y, [factor_label(str(f), lang=lang) for f in shown["factor"]], fontsize=8)
    what = outcome_label(outcome) if outcome else "the outcome"
    ax.set_xlabel(
        said(
            f"mean absolute effect on {what} (Morris μ*, 95 % interval)",
            f"对{tr(what, lang) if outcome else '结果'}的平均绝对效应（Morris μ*，95% 区间）",
            lang,
        )
    )
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(
        said("Which factors matter most (Morris screening)", "哪些因素最重要（Morris 筛选）", lang)
    )
    return fig


@plotter("sensitivity", files=("sensitivity.csv",))
def plot_sensitivity(
    folder: Path, manifest: dict[str, Any], fmt: str, lang: str = "en"
) -> list[Path]:
    """sensitivity_factors: Morris μ* per factor with its interval."""
    table = read_csv(folder / "sensitivity.csv", SENSITIVITY_COLUMNS)
    outcome = manifest.get("outcome")
    figure = sensitivity_figure(table, str(outcome) if outcome else None, lang=lang)
    return [save(figure, folder, "sensitivity_factors", fmt)]

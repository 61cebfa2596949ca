"""Figures of a ``safesim sweep`` folder: dose-response, heat maps and cost per crime
averted."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from safesim.reports.figures import (
    BAND,
    DIVERGING,
    OKABE_ITO,
    SECURITY_AXIS_FLOOR,
    PlotError,
    plotter,
    read_csv,
    save,
    shared_legend,
    yuan,
)
from safesim.reports.labels import COST_PREFIX, axis_label, outcome_label, outcome_unit, tr

# ---------------------------------------------------------------------- sweeps
RUN_BOOKKEEPING = {"point", "replicate", "seed", "status", "error", "wall_seconds", "mix"}
OK_STATUS = "ok"
# The outcomes a dose-response figure shows first when a sweep records many.
KEY_OUTCOMES = (
    "campaign_year_criminal_total",
    "campaign_year_two_robberies_one_theft",
    "campaign_year_public_order",
    "campaign_year_dispute_violence",
    "campaign_end_sense_of_security",
    "weighted_displacement_quotient",
)
MAX_PANELS = 6


def sweep_axes(runs: pd.DataFrame, manifest: dict[str, Any], path: Path) -> list[str]:
    """The varied axes: the manifest's ``axes`` (a mapping of path to values, a list of
    paths, or a list of objects with a ``path``), else runs.csv's dotted column names."""
    declared = manifest.get("axes")
    names: list[str] = []
    if isinstance(declared, dict):
        names = [str(k) for k in declared]
    elif isinstance(declared, list):
        for entry in declared:
            if isinstance(entry, str):
                names.append(entry)
            elif isinstance(entry, dict) and (entry.get("path") or entry.get("name")):
                names.append(str(entry.get("path") or entry.get("name")))
    if not names:
        names = [c for c in runs.columns if "." in c]
    if not names:
        raise PlotError(f"{path}: no varied axis (no dotted column such as interventions.*)")
    missing = [n for n in names if n not in runs.columns]
    if missing:
        raise PlotError(f"{path}: missing column(s): {', '.join(missing)}")
    return names


def sweep_outcomes(runs: pd.DataFrame, axes: list[str]) -> list[str]:
    candidates = [
        c
        for c in runs.columns
        if c not in axes
        and c not in RUN_BOOKKEEPING
        and not c.startswith(COST_PREFIX)
        and pd.api.types.is_numeric_dtype(runs[c])
        and runs[c].notna().any()
    ]
    key = [c for c in KEY_OUTCOMES if c in candidates]
    rest = [c for c in candidates if c not in key]
    return (key + rest)[:MAX_PANELS]


def interval(runs: pd.DataFrame, by: list[str], outcome: str) -> pd.DataFrame:
    """Mean and 90 % interval of ``outcome`` over the replicates of each ``by`` group."""
    grouped = runs.dropna(subset=[outcome]).groupby(by, sort=True)[outcome]
    out = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "low": grouped.quantile(BAND[0]),
            "high": grouped.quantile(BAND[1]),
            "n": grouped.size(),
        }
    )
    return out.reset_index()


def _grid(n: int) -> tuple[int, int]:
    cols = min(3, n)
    return math.ceil(n / cols), cols


def _draw_interval(ax: Any, stats: pd.DataFrame, axis: str, label: str | None) -> None:
    x = stats[axis].astype(float)
    (line,) = ax.plot(x, stats["mean"], marker="o", linewidth=1.4, label=label)
    ax.fill_between(x, stats["low"], stats["high"], color=line.get_color(), alpha=0.2, linewidth=0)


def dose_response_figure(
    runs: pd.DataFrame,
    axis: str,
    others: list[str],
    outcomes: list[str],
    reference: pd.DataFrame | None = None,
) -> Figure:
    """One panel per outcome: mean and 90 % interval against ``axis``; one line per
    combination of the other axes (their average when there are many). ``reference``
    (runs with no axis value: the sweep's no-intervention mix) is drawn as a level."""
    rows, cols = _grid(len(outcomes))
    fig = Figure(figsize=(4.6 * cols, 3.7 * rows + 0.6), layout="constrained")
    panels = fig.subplots(rows, cols, squeeze=False)
    split = bool(others) and runs.groupby(others).ngroups <= 6
    for ax, outcome in zip(panels.ravel(), outcomes, strict=False):
        if split:
            for key, part in runs.groupby(others, sort=True):
                values = key if isinstance(key, tuple) else (key,)
                label = ", ".join(
                    f"{axis_label(o)} {v:g}" for o, v in zip(others, values, strict=True)
                )
                _draw_interval(ax, interval(part, [axis], outcome), axis, label)
        else:
            _draw_interval(ax, interval(runs, [axis], outcome), axis, "mean, 90 % interval")
        if reference is not None and reference[outcome].notna().any():
            level = float(reference[outcome].mean())
            ax.axhline(level, color="black", linestyle=":", linewidth=1, label="no intervention")
        if outcome_unit(outcome) in ("percent_change", "ratio"):
            ax.axhline(0, color="gray", linewidth=0.8)
        if outcome_unit(outcome) == "percent":
            low = min(SECURITY_AXIS_FLOOR, float(np.nanmin(runs[outcome])) - 5.0)
            ax.set_ylim(low, 100.0)
        ax.set_xlabel(axis_label(axis))
        ax.set_ylabel(textwrap.fill(outcome_label(outcome), 38), fontsize=8)
        ax.grid(alpha=0.3)
    for ax in panels.ravel()[len(outcomes) :]:
        ax.set_visible(False)
    shared_legend(fig, panels.ravel()[: len(outcomes)])
    note = " (averaged over the other axes)" if others and not split else ""
    fig.suptitle(f"Dose-response: {axis_label(axis)}{note}; mean and 90 % interval of replicates")
    return fig


def heatmap_figure(runs: pd.DataFrame, axes_pair: list[str], outcomes: list[str]) -> Figure:
    """Mean outcome over the grid of two axes, one panel per outcome, each cell with its
    90 % interval. Changes use one diverging scale centred on zero per quantity (blue:
    crime falls); levels of felt safety one sequential scale."""
    x_axis, y_axis = axes_pair
    rows, cols = _grid(len(outcomes))
    fig = Figure(figsize=(5.2 * cols, 4.4 * rows + 0.6), layout="constrained")
    panels = fig.subplots(rows, cols, squeeze=False)
    tables = {}
    for outcome in outcomes:
        stats = interval(runs, [y_axis, x_axis], outcome)
        tables[outcome] = {
            key: stats.pivot(index=y_axis, columns=x_axis, values=key)
            for key in ("mean", "low", "high")
        }
    limits: dict[str, tuple[float, float]] = {}
    for outcome, table in tables.items():
        unit = outcome_unit(outcome)
        values = table["mean"].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            continue
        lo, hi = limits.get(unit, (np.inf, -np.inf))
        limits[unit] = (min(lo, float(finite.min())), max(hi, float(finite.max())))
    for ax, outcome in zip(panels.ravel(), outcomes, strict=False):
        table = tables[outcome]
        values = table["mean"].to_numpy(dtype=float)
        unit = outcome_unit(outcome)
        lo, hi = limits.get(unit, (-1.0, 1.0))
        if unit == "percent":
            # Felt safety is a level, not a change: sequential, and higher is better.
            image = ax.imshow(
                values, origin="lower", aspect="auto", cmap="cividis", vmin=lo, vmax=hi
            )
        else:
            bound = max(abs(lo), abs(hi), 1e-9)
            image = ax.imshow(
                values,
                origin="lower",
                aspect="auto",
                cmap=DIVERGING,
                vmin=-bound,
                vmax=bound,
            )
        ax.set_xticks(range(values.shape[1]), [f"{v:g}" for v in table["mean"].columns])
        ax.set_yticks(range(values.shape[0]), [f"{v:g}" for v in table["mean"].index])
        low = table["low"].to_numpy(dtype=float)
        high = table["high"].to_numpy(dtype=float)
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(
                    j,
                    i,
                    f"{value:.1f}\n[{low[i, j]:.1f}, {high[i, j]:.1f}]",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black",
                    bbox={"facecolor": "white", "alpha": 0.6, "linewidth": 0, "pad": 1},
                )
        ax.set_xlabel(axis_label(x_axis))
        ax.set_ylabel(axis_label(y_axis))
        ax.set_title(outcome_label(outcome), fontsize=9)
        fig.colorbar(image, ax=ax, label=textwrap.fill(outcome_label(outcome), 38), shrink=0.85)
    for ax in panels.ravel()[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(
        "Replicate mean [90 % interval] over both axes; one colour scale per quantity, "
        "changes centred on zero (blue: fewer crimes)"
    )
    return fig


def cost_figure(summary: pd.DataFrame, axes: list[str], column: str, lang: str = "en") -> Figure:
    """Cost per crime averted against each axis, per mix from summary.csv, in plain yuan
    with the interval that the interval of crimes averted gives. Mixes that avert
    nothing on average are drawn at the top of the panel and labelled, not dropped."""
    fig = Figure(figsize=(5.2 * len(axes), 4.4), layout="constrained")
    panels = fig.subplots(1, len(axes), squeeze=False)
    table = cost_intervals(summary, column)
    finite = table["cost"][np.isfinite(table["cost"])]
    top = float(np.nanmax(table["high"].where(np.isfinite(table["high"]), table["cost"])))
    top = top if np.isfinite(top) and top > 0 else (float(finite.max()) if finite.size else 1.0)
    ceiling = 1.15 * top
    for ax, axis in zip(panels[0], axes, strict=True):
        others = [a for a in axes if a != axis]
        groups = table.groupby(others, sort=True) if others else [((), table)]
        for n, (key, part) in enumerate(groups):
            values = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{axis_label(o)} {v:g}" for o, v in zip(others, values, strict=True))
            part = part.sort_values(axis)
            colour = OKABE_ITO[n % len(OKABE_ITO)]
            ok = part[np.isfinite(part["cost"])]
            x = ok[axis].astype(float)
            low = (ok["cost"] - ok["low"].fillna(ok["cost"])).clip(lower=0)
            high = (ok["high"].fillna(ceiling) - ok["cost"]).clip(lower=0)
            ax.errorbar(
                x, ok["cost"], yerr=[low, high], fmt="o-", color=colour, capsize=3,
                label=label or tr("mean and 90 % interval", lang),
            )  # fmt: skip
            nothing = part[~np.isfinite(part["cost"])]
            if not nothing.empty:
                ax.scatter(
                    nothing[axis].astype(float),
                    np.full(len(nothing), ceiling),
                    marker="x",
                    color=colour,
                    label=tr("averts nothing", lang),
                )
                for xv in nothing[axis].astype(float):
                    ax.annotate(
                        tr("averts nothing", lang), (xv, ceiling), xytext=(0, 5),
                        textcoords="offset points", ha="center", fontsize=7,
                    )  # fmt: skip
        ax.set_ylim(0, ceiling * 1.1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(yuan))
        ax.set_xlabel(axis_label(axis))
        ax.set_ylabel(tr("cost per criminal case averted (yuan)", lang))
        ax.grid(alpha=0.3)
    shared_legend(fig, panels[0])
    fig.suptitle(
        "Cost per crime averted against the reference mix, per mix "
        "(90 % interval from the interval of crimes averted)"
    )
    return fig


def cost_intervals(summary: pd.DataFrame, column: str) -> pd.DataFrame:
    """cost, low, high per mix. Cost is fixed per mix, so cost per crime averted moves
    inversely with crimes averted: its interval is cost × mean / p95 .. cost × mean / p05
    (no upper end when the interval of crimes averted reaches zero)."""
    out = summary.copy()
    cost = pd.to_numeric(out[column], errors="coerce")
    out["cost"] = cost
    if {"crimes_averted_mean", "crimes_averted_p05", "crimes_averted_p95"} <= set(out.columns):
        mean = pd.to_numeric(out["crimes_averted_mean"], errors="coerce")
        p05 = pd.to_numeric(out["crimes_averted_p05"], errors="coerce")
        p95 = pd.to_numeric(out["crimes_averted_p95"], errors="coerce")
        spend = cost * mean
        out["low"] = (spend / p95).where(p95 > 0)
        out["high"] = (spend / p05).where(p05 > 0)
    else:
        out["low"], out["high"] = cost, cost
    return out


def _cost_summary(folder: Path, axes: list[str]) -> tuple[pd.DataFrame, str] | None:
    """summary.csv's mixes with axis values and a cost column, or None."""
    path = folder / "summary.csv"
    if not path.is_file():
        return None
    summary = read_csv(path, axes)
    for column in summary.columns:
        if column.startswith(COST_PREFIX) and not column.endswith(("_p05", "_p95")):
            keep = summary[axes].notna().all(axis=1)
            if keep.any() and "annual_cost_yuan" in summary.columns:
                return summary[keep], column
    return None


@plotter("sweep", files=("runs.csv",))
def plot_sweep(folder: Path, manifest: dict[str, Any], fmt: str, lang: str = "en") -> list[Path]:
    """dose_response_<axis> per axis, heatmap (two axes), cost_per_crime_averted."""
    path = folder / "runs.csv"
    runs = read_csv(path, ("point", "replicate"))
    axes = sweep_axes(runs, manifest, path)
    for axis in axes:
        values = pd.to_numeric(runs[axis], errors="coerce")
        if values.isna().all() or (values.isna() & runs[axis].notna()).any():
            raise PlotError(f"{path}: column {axis} must hold numbers")
        runs[axis] = values
    if "status" in runs.columns:
        runs = runs[runs["status"].astype(str).str.strip().str.lower() == OK_STATUS]
    # The no-intervention mix has no axis values; it is the reference level.
    unvaried = runs[axes].isna().all(axis=1)
    reference, varied = runs[unvaried], runs[~unvaried].dropna(subset=axes)
    if varied.empty:
        raise PlotError(f"{path}: no finished runs with axis values to plot")
    outcomes = sweep_outcomes(varied, axes)
    if not outcomes:
        raise PlotError(f"{path}: no outcome columns with values (such as {KEY_OUTCOMES[0]})")
    written = []
    for axis in axes:
        others = [a for a in axes if a != axis]
        figure = dose_response_figure(varied, axis, others, outcomes, reference)
        stem = "dose_response_" + axis.split(".", 1)[-1].replace(".", "_")
        written.append(save(figure, folder, stem, fmt))
    if len(axes) == 2:
        heat = heatmap_figure(varied, axes, outcomes[:4])
        written.append(save(heat, folder, "heatmap", fmt))
    cost = _cost_summary(folder, axes)
    if cost is not None:
        table, column = cost
        for axis in axes:
            table[axis] = pd.to_numeric(table[axis], errors="coerce")
        written.append(save(cost_figure(table, axes, column, lang=lang), folder, COST_PREFIX, fmt))
    return written

"""Figures of a results folder: ``safesim plot RESULTS_DIR`` draws what the folder holds.

A results folder says what it is in manifest.json's ``kind``; without a manifest, the CSVs
it holds decide. Each kind has one plotter, registered with ``@plotter(kind, files)``, that
reads the folder's CSVs and writes its figures next to them, so a new kind of results
(a calibration, say) needs only a new registered function.

- ``run`` (daily.csv, summary.csv): crime by type and the sense of security over time,
  replicate mean with a 90 % band, the campaign period shaded; and each summary figure's
  simulated mean and 90 % interval beside the report's own value where it gives one.
- ``sweep`` (runs.csv): dose-response curves per varied axis with 90 % intervals computed
  from the runs, a heat map when two axes are varied, and cost per crime averted where
  runs.csv has it.

Figures are drawn on matplotlib's Agg canvas (no display, no global backend change).
Every bad input is a ``PlotError`` whose message names the file.

**Examples**::

    from safesim.plotting import plot_results
    written = plot_results("results/small")          # list of PNG paths
    plot_results("results/patrol-sweep", fmt="svg")
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FORMATS = ("png", "svg")
BAND = (0.05, 0.95)
ROLLING_DAYS = 30

CRIME_TYPES = {
    "burglary_theft": "burglary and theft",
    "robbery": "robbery and snatching",
    "dispute_violence": "violence from disputes",
    "other_criminal": "other criminal cases",
    "public_order": "public-order cases",
}
CAMPAIGN_COLOUR = "tab:green"


class PlotError(ValueError):
    """A results folder or file that cannot be plotted; the message names the file."""


@dataclass(frozen=True)
class Plotter:
    kind: str
    files: tuple[str, ...]  # the CSVs that mark a folder of this kind without a manifest
    draw: Callable[[Path, dict[str, Any], str], list[Path]]


PLOTTERS: dict[str, Plotter] = {}


def plotter(
    kind: str, files: Iterable[str]
) -> Callable[
    [Callable[[Path, dict[str, Any], str], list[Path]]],
    Callable[[Path, dict[str, Any], str], list[Path]],
]:
    """Register ``draw(folder, manifest, fmt) -> written paths`` for results of ``kind``."""

    def register(
        draw: Callable[[Path, dict[str, Any], str], list[Path]],
    ) -> Callable[[Path, dict[str, Any], str], list[Path]]:
        PLOTTERS[kind] = Plotter(kind, tuple(files), draw)
        return draw

    return register


# ---------------------------------------------------------------------- reading
def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PlotError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PlotError(f"{path}: not valid JSON (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise PlotError(f"{path}: expected a JSON object")
    return data


def read_csv(path: Path, required: Iterable[str]) -> pd.DataFrame:
    """Read a results CSV, checking that it has ``required`` columns and some rows."""
    if not path.is_file():
        raise PlotError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise PlotError(f"{path}: empty file") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PlotError(f"{path}: cannot read: {first}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise PlotError(f"{path}: missing column(s): {', '.join(missing)}")
    if frame.empty:
        raise PlotError(f"{path}: no rows")
    return frame


def detect_kind(folder: Path) -> tuple[str, dict[str, Any]]:
    """The kind of results in ``folder`` and its manifest (empty without one)."""
    if not folder.is_dir():
        raise PlotError(f"{folder}: no such folder")
    manifest = read_manifest(folder)
    if manifest is not None:
        kind = manifest.get("kind")
        if kind not in PLOTTERS:
            known = ", ".join(sorted(PLOTTERS))
            raise PlotError(
                f"{folder / 'manifest.json'}: unknown results kind {kind!r} (known: {known})"
            )
        return str(kind), manifest
    for kind, entry in PLOTTERS.items():
        if all((folder / name).is_file() for name in entry.files):
            return kind, {}
    expected = "; ".join(f"{k}: {', '.join(p.files)}" for k, p in PLOTTERS.items())
    raise PlotError(f"{folder}: no safesim results here (no manifest.json; expected {expected})")


def plot_results(folder: str | Path, fmt: str = "png") -> list[Path]:
    """Draw the figures for the results in ``folder``; returns the files written."""
    if fmt not in FORMATS:
        raise PlotError(f"unknown format {fmt!r} (use one of: {', '.join(FORMATS)})")
    path = Path(folder)
    kind, manifest = detect_kind(path)
    return PLOTTERS[kind].draw(path, manifest, fmt)


def save(fig: Figure, folder: Path, stem: str, fmt: str) -> Path:
    path = folder / f"{stem}.{fmt}"
    FigureCanvasAgg(fig)
    # SVG text stays text (searchable, editable) rather than glyph outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(path, format=fmt, dpi=120)
    return path


# ---------------------------------------------------------------------- shared drawing
def mark_campaign(ax: Any, start: pd.Timestamp | None, end: pd.Timestamp) -> None:
    """Shade the campaign period and mark its start."""
    if start is None or pd.isna(start):
        return
    ax.axvspan(start, end, color=CAMPAIGN_COLOUR, alpha=0.08, linewidth=0)
    ax.axvline(start, color=CAMPAIGN_COLOUR, linestyle="--", linewidth=1.2)
    ax.annotate(
        "campaign start",
        xy=(start, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -3),
        textcoords="offset points",
        va="top",
        fontsize=8,
        color=CAMPAIGN_COLOUR,
    )


def concise_dates(ax: Any) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def band(values: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Mean and 90 % band across the columns (replicates) of ``values``, row by row."""
    return (
        values.mean(axis=1),
        values.quantile(BAND[0], axis=1),
        values.quantile(BAND[1], axis=1),
    )


# ---------------------------------------------------------------------- runs
DAILY_REQUIRED = ("replicate", "day", "date", *CRIME_TYPES, "criminal_total", "sense_of_security")
SUMMARY_REQUIRED = ("outcome", "unit", "report_value", "sim_mean", "sim_p05", "sim_p95")
UNIT_LABELS = {
    "percent_change": "change (%)",
    "percent": "share (%)",
    "ratio": "ratio",
}


def _per_replicate(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """day × replicate table of one column."""
    return daily.pivot_table(index="date", columns="replicate", values=column, aggfunc="sum")


def _campaign_start(manifest: dict[str, Any]) -> pd.Timestamp | None:
    value = manifest.get("campaign_start")
    if not value:
        return None
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        return None


def _replicates_label(daily: pd.DataFrame) -> str:
    n = daily["replicate"].nunique()
    return f"mean of {n} replicate{'s' if n != 1 else ''}" + (", 90 % band" if n > 1 else "")


def run_crime_figure(daily: pd.DataFrame, campaign_start: pd.Timestamp | None) -> Figure:
    """Crime by type: cases in the last 30 days, replicate mean and 90 % band."""
    columns = {"criminal_total": "all criminal cases", **CRIME_TYPES}
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    for ax, (column, label) in zip(axes.ravel(), columns.items(), strict=True):
        per_rep = _per_replicate(daily, column)
        rolling = per_rep.rolling(ROLLING_DAYS, min_periods=ROLLING_DAYS).sum()
        mean, low, high = band(rolling)
        dates = pd.to_datetime(rolling.index)
        ax.fill_between(dates, low, high, color="tab:blue", alpha=0.25, linewidth=0)
        ax.plot(dates, mean, color="tab:blue", linewidth=1.4)
        mark_campaign(ax, campaign_start, dates.max())
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(f"cases per {ROLLING_DAYS} days")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    for ax in axes.ravel():
        concise_dates(ax)
    fig.suptitle(f"Crime by type ({ROLLING_DAYS}-day rolling sums; {_replicates_label(daily)})")
    return fig


def run_security_figure(
    daily: pd.DataFrame,
    campaign_start: pd.Timestamp | None,
    summary: pd.DataFrame | None = None,
) -> Figure:
    """The share of households feeling safe: replicate mean, 90 % band, baseline mean, and
    each level the report gives (a sense-of-security row of ``summary`` with a
    report value) drawn over its survey window."""
    per_rep = 100.0 * _per_replicate(daily, "sense_of_security")
    mean, low, high = band(per_rep)
    dates = pd.to_datetime(per_rep.index)
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.fill_between(dates, low, high, color="tab:green", alpha=0.25, linewidth=0)
    ax.plot(dates, mean, color="tab:green", linewidth=1.4, label="households feeling safe")
    if campaign_start is not None and (dates < campaign_start).any():
        before = float(mean[dates < campaign_start].mean())
        ax.axhline(before, color="gray", linestyle=":", label=f"baseline mean {before:.1f} %")
    for start, end, value in _reported_levels(summary):
        ax.plot([start, end], [value, value], color="tab:red", linewidth=3)
        ax.plot(
            [start + (end - start) / 2],
            [value],
            marker="D",
            color="tab:red",
            linestyle="none",
            label=f"report: {value:.2f} % ({start:%b %Y})",
        )
    mark_campaign(ax, campaign_start, dates.max())
    concise_dates(ax)
    ax.set_ylabel("households feeling safe (%)")
    ax.set_xlabel("date")
    ax.set_title(f"Sense of security ({_replicates_label(daily)})")
    ax.legend(loc="lower right", fontsize=9)
    ax.grid(alpha=0.3)
    return fig


def _reported_levels(
    summary: pd.DataFrame | None,
) -> list[tuple[pd.Timestamp, pd.Timestamp, float]]:
    """(window start, window end, value) of each sense-of-security level a report gives."""
    if summary is None or not {"metric", "comparison", "window_start", "window_end"} <= set(
        summary.columns
    ):
        return []
    rows = summary[
        (summary["metric"] == "sense_of_security")
        & (summary["comparison"] == "level")
        & summary["report_value"].astype(float).notna()
    ]
    out = []
    for _, row in rows.iterrows():
        start = pd.to_datetime(row["window_start"], errors="coerce")
        end = pd.to_datetime(row["window_end"], errors="coerce")
        if pd.notna(start) and pd.notna(end):
            out.append((start, end, float(row["report_value"])))
    return out


def run_summary_figure(summary: pd.DataFrame) -> Figure:
    """Each summary figure: simulated mean and 90 % interval, and the report's value."""
    units = [u for u in UNIT_LABELS if u in set(summary["unit"])]
    units += sorted(set(summary["unit"]) - set(units))
    heights = [max(1, int((summary["unit"] == u).sum())) for u in units]
    fig = Figure(figsize=(9, 1.2 + 0.45 * sum(heights) + 0.6 * len(units)), layout="constrained")
    axes = fig.subplots(len(units), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, unit in zip(axes[:, 0], units, strict=True):
        rows = summary[summary["unit"] == unit].reset_index(drop=True)
        y = np.arange(len(rows))[::-1]
        mean = rows["sim_mean"].astype(float)
        low = (mean - rows["sim_p05"].astype(float)).clip(lower=0)
        high = (rows["sim_p95"].astype(float) - mean).clip(lower=0)
        ax.errorbar(
            mean,
            y,
            xerr=[low, high],
            fmt="o",
            color="tab:blue",
            capsize=3,
            label="simulated mean, 90 % interval",
        )
        report = rows["report_value"].astype(float)
        if report.notna().any():
            ax.scatter(report, y, marker="D", color="tab:red", zorder=3, label="report's figure")
        if unit == "percent_change":
            ax.axvline(0, color="gray", linewidth=0.8)
        ax.set_yticks(y, [str(name).replace("_", " ") for name in rows["outcome"]], fontsize=8)
        ax.set_xlabel(UNIT_LABELS.get(unit, unit))
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.08, y=0.15)
    shared_legend(fig, axes[:, 0])
    has_report = summary["report_value"].astype(float).notna().any()
    fig.suptitle(
        "Summary figures: simulated mean and 90 % interval"
        + (" against the report's own" if has_report else " (the scenario gives no report figures)")
    )
    return fig


@plotter("run", files=("daily.csv", "summary.csv"))
def plot_run(folder: Path, manifest: dict[str, Any], fmt: str) -> list[Path]:
    """crime_by_type, sense_of_security and report_figures."""
    daily = read_csv(folder / "daily.csv", DAILY_REQUIRED)
    summary = read_csv(folder / "summary.csv", SUMMARY_REQUIRED)
    campaign_start = _campaign_start(manifest)
    return [
        save(run_crime_figure(daily, campaign_start), folder, "crime_by_type", fmt),
        save(run_security_figure(daily, campaign_start, summary), folder, "sense_of_security", fmt),
        save(run_summary_figure(summary), folder, "report_figures", fmt),
    ]


# ---------------------------------------------------------------------- sweeps
RUN_BOOKKEEPING = {"point", "replicate", "seed", "status", "error", "wall_seconds", "mix"}
OK_STATUS = "ok"
# Cost per crime averted: per run in runs.csv when a sweep writes it there, else per mix
# in summary.csv (as ``safesim sweep`` does, with the paired comparison already made).
COST_PREFIX = "cost_per_crime_averted"
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
AXIS_LABELS = {
    "interventions.patrols.officers": "patrol officers",
    "interventions.patrols.auxiliaries": "patrol auxiliaries",
    "interventions.patrols.dwell_minutes": "patrol stop length (minutes)",
    "interventions.cameras.count": "cameras",
    "interventions.grid_workers.workers": "grid workers",
    "interventions.volunteers.count": "volunteers",
    "interventions.target_hardening.lock_cylinders": "lock cylinders fitted",
    "interventions.target_hardening.alarm_phones": "alarm phones fitted",
}


def axis_label(path: str) -> str:
    if path in AXIS_LABELS:
        return AXIS_LABELS[path]
    parts = path.split(".")
    return " ".join(parts[-2:]).replace("_", " ")


def outcome_label(name: str) -> str:
    """A readable label with the unit, from a summary outcome name."""
    if name.startswith(COST_PREFIX):
        return "cost per crime averted (yuan)"
    if name == "weighted_displacement_quotient":
        return "weighted displacement quotient"
    if name == "campaign_crimes":
        return "crimes in the campaign window (count)"
    text = name.replace("_", " ")
    if "sense_of_security" in name:
        return f"{text} (% feeling safe)"
    return f"{text} (% change)"


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
        ax.set_xlabel(axis_label(axis))
        ax.set_ylabel(outcome_label(outcome), fontsize=9)
        ax.grid(alpha=0.3)
    for ax in panels.ravel()[len(outcomes) :]:
        ax.set_visible(False)
    shared_legend(fig, panels.ravel()[: len(outcomes)])
    note = " (averaged over the other axes)" if others and not split else ""
    fig.suptitle(f"Dose-response: {axis_label(axis)}{note}; mean and 90 % interval of replicates")
    return fig


def shared_legend(fig: Figure, axes: Iterable[Any]) -> None:
    """One legend below the panels, with every label any panel has, once."""
    handles: list[Any] = []
    labels: list[str] = []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if labels:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(5, len(labels)))


def heatmap_figure(runs: pd.DataFrame, axes_pair: list[str], outcomes: list[str]) -> Figure:
    """Mean outcome over the grid of two axes, one panel per outcome."""
    x_axis, y_axis = axes_pair
    rows, cols = _grid(len(outcomes))
    fig = Figure(figsize=(5.0 * cols, 4.2 * rows + 0.6), layout="constrained")
    panels = fig.subplots(rows, cols, squeeze=False)
    for ax, outcome in zip(panels.ravel(), outcomes, strict=False):
        table = interval(runs, [y_axis, x_axis], outcome).pivot(
            index=y_axis, columns=x_axis, values="mean"
        )
        values = table.to_numpy(dtype=float)
        # Green is better: more households feeling safe, fewer crimes.
        cmap = "RdYlGn" if "sense_of_security" in outcome else "RdYlGn_r"
        image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap)
        ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
        ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=8)
        ax.set_xlabel(axis_label(x_axis))
        ax.set_ylabel(axis_label(y_axis))
        fig.colorbar(image, ax=ax, label=outcome_label(outcome), shrink=0.85)
    for ax in panels.ravel()[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle("Replicate mean over both axes")
    return fig


def cost_figure(table: pd.DataFrame, axes: list[str], column: str, per_run: bool) -> Figure:
    """Cost per crime averted against each axis: mean and 90 % interval of the runs, or
    the per-mix figure when only that is given."""
    fig = Figure(figsize=(4.8 * len(axes), 4.0), layout="constrained")
    panels = fig.subplots(1, len(axes), squeeze=False)
    for ax, axis in zip(panels[0], axes, strict=True):
        others = [a for a in axes if a != axis]
        groups = table.groupby(others, sort=True) if others else [((), table)]
        for key, part in groups:
            values = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{axis_label(o)} {v:g}" for o, v in zip(others, values, strict=True))
            _draw_interval(ax, interval(part, [axis], column), axis, label or None)
        if others:
            ax.legend(fontsize=7)
        ax.set_xlabel(axis_label(axis))
        ax.set_ylabel(outcome_label(column))
        ax.grid(alpha=0.3)
    what = "mean and 90 % interval of replicates" if per_run else "per mix, from summary.csv"
    fig.suptitle(f"Cost per crime averted ({what})")
    return fig


def _cost_table(
    folder: Path, runs: pd.DataFrame, axes: list[str]
) -> tuple[pd.DataFrame, str, bool] | None:
    """Where cost per crime averted is given: (table, column, per run?), or None."""
    for column in runs.columns:
        if column.startswith(COST_PREFIX):
            costs = pd.to_numeric(runs[column], errors="coerce")
            if np.isfinite(costs).any():
                return runs.assign(**{column: costs})[np.isfinite(costs)], column, True
    path = folder / "summary.csv"
    if not path.is_file():
        return None
    summary = read_csv(path, axes)
    for column in summary.columns:
        if column.startswith(COST_PREFIX) and not column.endswith(("_p05", "_p95")):
            costs = pd.to_numeric(summary[column], errors="coerce")
            keep = np.isfinite(costs) & summary[axes].notna().all(axis=1)
            if keep.any():
                return summary.assign(**{column: costs})[keep], column, False
    return None


@plotter("sweep", files=("runs.csv",))
def plot_sweep(folder: Path, manifest: dict[str, Any], fmt: str) -> list[Path]:
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
    cost = _cost_table(folder, varied, axes)
    if cost is not None:
        table, column, per_run = cost
        figure = cost_figure(table, axes, column, per_run)
        written.append(save(figure, folder, COST_PREFIX, fmt))
    return written


# ---------------------------------------------------------------------- calibration
TARGET_COLUMNS = ("target", "unit", "report_value", "pred_mean", "pred_p05", "pred_p95")


def calibration_posterior_figure(samples: pd.DataFrame, summary: pd.DataFrame) -> Figure:
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
        ax.axvspan(row.prior_p05, row.prior_p95, color="grey", alpha=0.15, label="prior 90 %")
        ax.axvline(row["median"], color="black", lw=1, label="posterior median")
        ax.set_title(str(row.parameter) + (f" ({row.unit})" if str(row.unit) != "nan" else ""),
                     fontsize=8)  # fmt: skip
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    fig.axes[0].legend(fontsize=7, loc="upper right")
    fig.suptitle("Posterior of the mechanism strengths and the cities' trends (grey: prior 90 %)")
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


@plotter("calibration", files=("targets.csv",))
def plot_calibration(folder: Path, manifest: dict[str, Any], fmt: str) -> list[Path]:
    written = []
    summary_path, samples_path = folder / "posterior_summary.csv", folder / "posterior_samples.csv"
    if summary_path.exists() and samples_path.exists():
        summary = read_csv(summary_path, ("parameter", "prior_p05", "prior_p95", "median"))
        samples = read_csv(samples_path, ())
        figure = calibration_posterior_figure(samples, summary)
        written.append(save(figure, folder, "calibration_posterior", fmt))
    targets = read_csv(folder / "targets.csv", ("scenario", *TARGET_COLUMNS))
    figure = calibration_interval_figure(
        targets, "Report figures and the posterior-predictive 90 % interval", "posterior"
    )
    written.append(save(figure, folder, "calibration_targets", fmt))
    held_path = folder / "leave_one_city_out.csv"
    if held_path.exists():
        held = read_csv(held_path, ("held_out", *TARGET_COLUMNS))
        figure = calibration_interval_figure(
            held, "Each city predicted from the other two (leave one city out)", "held-out"
        )
        written.append(save(figure, folder, "calibration_held_out", fmt))
    return written

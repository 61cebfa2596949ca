"""Figures of a ``safesim run`` folder: crime by type, the sense of security, the report
figures and the effects against the no-intervention twin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from safesim.reports.figures import (
    OKABE_ITO,
    ROLLING_DAYS,
    SECURITY_AXIS_FLOOR,
    band,
    concise_dates,
    mark_campaign,
    plotter,
    read_csv,
    save,
    shared_legend,
    yuan,
)
from safesim.reports.labels import CRIME_TYPES, METRIC_LABELS, UNIT_LABELS, said, summary_label, tr

# ---------------------------------------------------------------------- runs
# The daily columns the run figures draw: each type of case, their total, felt safety.
TOTAL_COLUMN = "criminal_total"
SECURITY_COLUMN = "sense_of_security"
DAILY_REQUIRED = ("replicate", "day", "date", *CRIME_TYPES, TOTAL_COLUMN, SECURITY_COLUMN)
SUMMARY_REQUIRED = ("outcome", "unit", "report_value", "sim_mean", "sim_p05", "sim_p95")


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


def _replicates_label(daily: pd.DataFrame, lang: str = "en") -> str:
    n = daily["replicate"].nunique()
    return said(
        f"mean of {n} replicate{'s' if n != 1 else ''}" + (", 90 % band" if n > 1 else ""),
        f"{n} 次重复运行的均值" + ("与90%区间" if n > 1 else ""),
        lang,
    )


def run_crime_figure(
    daily: pd.DataFrame, campaign_start: pd.Timestamp | None, lang: str = "en"
) -> Figure:
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
        mark_campaign(ax, campaign_start, dates.max(), lang)
        ax.set_title(tr(label, lang), fontsize=10)
        ax.set_ylabel(said(f"cases per {ROLLING_DAYS} days", f"每{ROLLING_DAYS}天案件数", lang))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    for ax in axes.ravel():
        concise_dates(ax, lang)
    replicates = _replicates_label(daily, lang=lang)
    fig.suptitle(
        said(
            f"Crime by type ({ROLLING_DAYS}-day rolling sums; {replicates})",
            f"各类案件（{ROLLING_DAYS}天滚动合计；{replicates}）",
            lang,
        )
    )
    return fig


def run_security_figure(
    daily: pd.DataFrame,
    campaign_start: pd.Timestamp | None,
    summary: pd.DataFrame | None = None,
    lang: str = "en",
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
    ax.plot(
        dates, mean, color="tab:green", linewidth=1.4, label=tr("households feeling safe", lang)
    )
    if campaign_start is not None and (dates < campaign_start).any():
        before = float(mean[dates < campaign_start].mean())
        ax.axhline(
            before,
            color="gray",
            linestyle=":",
            label=said(f"baseline mean {before:.1f} %", f"基线均值 {before:.1f}%", lang),
        )
    for start, end, value in _reported_levels(summary):
        ax.plot([start, end], [value, value], color="tab:red", linewidth=3)
        ax.plot(
            [start + (end - start) / 2],
            [value],
            marker="D",
            color="tab:red",
            linestyle="none",
            label=said(
                f"report: {value:.2f} % ({start:%b %Y})",
                f"报告：{value:.2f}%（{start.year}年{start.month}月）",
                lang,
            ),
        )
    mark_campaign(ax, campaign_start, dates.max(), lang)
    concise_dates(ax, lang)
    ax.set_ylim(min(SECURITY_AXIS_FLOOR, float(np.nanmin(low)) - 5.0), 100.0)
    ax.set_ylabel(tr("households feeling safe (%)", lang))
    ax.set_xlabel(tr("date", lang))
    ax.set_title(
        said(
            f"Sense of security ({_replicates_label(daily, lang=lang)})",
            f"群众安全感（{_replicates_label(daily, lang=lang)}）",
            lang,
        )
    )
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


def run_summary_figure(summary: pd.DataFrame, lang: str = "en") -> Figure:
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
            label=said("simulated mean, 90 % interval", "模拟均值与90%区间", lang),
        )
        report = rows["report_value"].astype(float)
        if report.notna().any():
            ax.scatter(
                report,
                y,
                marker="D",
                color="tab:red",
                zorder=3,
                label=said("report's figure", "报告数字", lang),
            )
        if unit in ("percent_change", "ratio"):
            ax.axvline(0, color="gray", linewidth=0.8)
        if unit == "percent":
            lowest = float(np.nanmin(np.r_[rows["sim_p05"].astype(float), report, 100.0]))
            ax.set_xlim(min(SECURITY_AXIS_FLOOR, lowest - 5.0), 100.0)
        ticks = [summary_label(row, lang) for _, row in rows.iterrows()]
        ax.set_yticks(y, ticks, fontsize=8)
        ax.set_xlabel(tr(UNIT_LABELS.get(unit, unit), lang))
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.08, y=0.15)
    shared_legend(fig, axes[:, 0])
    has_report = summary["report_value"].astype(float).notna().any()
    fig.suptitle(
        said(
            "Summary figures: simulated mean and 90 % interval"
            + (
                " against the report's own"
                if has_report
                else " (the scenario gives no report figures)"
            ),
            "汇总数字：模拟均值与90%区间"
            + ("，与报告数字对照" if has_report else "（情景未给出报告数字）"),
            lang,
        )
    )
    return fig


@plotter("run", files=("daily.csv", "summary.csv"))
def plot_run(folder: Path, manifest: dict[str, Any], fmt: str, lang: str = "en") -> list[Path]:
    """crime_by_type, sense_of_security and report_figures."""
    daily = read_csv(folder / "daily.csv", DAILY_REQUIRED)
    summary = read_csv(folder / "summary.csv", SUMMARY_REQUIRED)
    campaign_start = _campaign_start(manifest)
    written = [
        save(run_crime_figure(daily, campaign_start, lang=lang), folder, "crime_by_type", fmt),
        save(
            run_security_figure(daily, campaign_start, summary, lang=lang),
            folder,
            "sense_of_security",
            fmt,
        ),
        save(run_summary_figure(summary, lang=lang), folder, "report_figures", fmt),
    ]
    if (folder / "effects.csv").is_file():
        effects = read_csv(folder / "effects.csv", RUN_EFFECT_COLUMNS)
        written.append(
            save(effects_figure(run_effects(effects), lang=lang), folder, "effects", fmt)
        )
    return written


# effects.csv of a run (outcomes.effects): each outcome of the mix minus its twin.
RUN_EFFECT_COLUMNS = ("outcome", "unit", "difference", "difference_p05", "difference_p95")


def run_effects(table: pd.DataFrame) -> pd.DataFrame:
    """A run's effects.csv as the effects figure draws it: crimes as crimes averted (the
    twin minus the mix), felt safety as its change in points, cost per crime averted."""
    rows = []
    for row in table.to_dict("records"):
        name = str(row["outcome"])
        note = row.get("note")
        note = note if isinstance(note, str) else ""
        d, lo, hi = (float(row[k]) for k in ("difference", "difference_p05", "difference_p95"))
        if row["unit"] == "cases":
            label = f"{METRIC_LABELS.get(name, CRIME_TYPES.get(name, name))}: crimes averted"
            rows.append((name, label, "cases", -d, -hi, -lo, note))
        elif name == "sense_of_security":
            rows.append(
                (name, "households feeling safe: change", "percentage_points", d, lo, hi, note)
            )
        elif name == "cost_per_crime_averted":
            if not np.isfinite(d):
                note = note or "averts no crime on average"
            rows.append((name, "cost per criminal case averted", "yuan", d, lo, hi, note))
    return pd.DataFrame(rows, columns=[*EFFECT_COLUMNS, "note"])


# ---------------------------------------------------------------------- effects
EFFECT_COLUMNS = ("effect", "label", "unit", "mean", "p05", "p95")


def effects_figure(effects: pd.DataFrame, lang: str = "en") -> Figure:
    """Effects against doing nothing: crimes averted by type, the change in felt safety
    and the cost per crime averted, each mean with its 90 % interval, one panel per unit.
    A cost that cannot be given (the mix averts nothing) is written, not dropped."""
    units = [u for u in ("cases", "percentage_points", "yuan") if u in set(effects["unit"])]
    heights = [max(1, int((effects["unit"] == u).sum())) for u in units]
    fig = Figure(figsize=(9, 1.4 + 0.45 * sum(heights) + 0.7 * len(units)), layout="constrained")
    axes = fig.subplots(len(units), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, unit in zip(axes[:, 0], units, strict=True):
        rows = effects[effects["unit"] == unit].reset_index(drop=True)
        y = np.arange(len(rows))[::-1]
        mean = rows["mean"].astype(float)
        low = rows["p05"].astype(float)
        high = rows["p95"].astype(float)
        ok = np.isfinite(mean)
        top = float(np.nanmax(np.r_[high[ok & np.isfinite(high)], mean[ok], 0.0]))
        ax.errorbar(
            mean[ok],
            y[ok],
            xerr=[
                (mean - low.fillna(mean))[ok].clip(lower=0),
                (high.fillna(top) - mean)[ok].clip(lower=0),
            ],
            fmt="o",
            color=OKABE_ITO[0],
            capsize=3,
            label=tr("mean and 90 % interval", lang),
        )
        for yi, row in zip(y, rows.itertuples(), strict=True):
            note = str(row.note) if isinstance(row.note, str) else ""
            if not np.isfinite(row.mean):
                ax.annotate(
                    note or tr("averts nothing", lang), (0, yi), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8, color="dimgray",
                )  # fmt: skip
            elif not np.isfinite(row.p95) and note:
                ax.annotate(
                    note, (row.mean, yi), xytext=(6, -10), textcoords="offset points",
                    fontsize=7, color="dimgray",
                )  # fmt: skip
        ax.axvline(0, color="gray", linewidth=0.8)
        ax.set_yticks(y, [tr(str(v), lang) for v in rows["label"]], fontsize=8)
        if unit == "yuan":
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(yuan))
            ax.set_xlim(left=0)
        ax.set_xlabel(tr(EFFECT_UNIT_LABELS[unit], lang))
        ax.grid(axis="x", alpha=0.3)
        ax.margins(y=0.2)
    shared_legend(fig, axes[:, 0])
    fig.suptitle(tr("Effects against doing nothing (mean and 90 % interval over replicates)", lang))
    return fig


EFFECT_UNIT_LABELS = {
    "cases": "crimes averted (cases, campaign year)",
    "percentage_points": "change in households feeling safe (percentage points)",
    "yuan": "cost per criminal case averted (yuan)",
}

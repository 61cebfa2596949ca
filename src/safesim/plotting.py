"""Figures of a results folder: ``safesim plot RESULTS_DIR`` draws what the folder holds.

A results folder says what it is in manifest.json's ``kind``, and its files must match the
hashes the manifest lists; a folder without a manifest is refused. Each kind has one
plotter, registered with ``@plotter(kind, files)``, that reads the folder's CSVs and
writes its figures next to them, so a new kind of results (a calibration, say) needs only
a new registered function.

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

import io
import math
import textwrap
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from safesim.errors import SafesimError
from safesim.interventions import BY_NAME, ORDER
from safesim.results import ResultsError, atomic_write_bytes, verify_set
from safesim.results import read_manifest as results_manifest

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
# Okabe & Ito's colour-blind-safe palette, for categories (scenarios, mixes).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
# Diverging maps are centred on zero: blue a fall in crime (or a rise in felt safety), red
# the opposite; RdBu is readable with the common colour-vision deficiencies.
DIVERGING = "RdBu_r"
# Felt safety is drawn from this level up, not from the lowest value plotted, so a few
# points' change looks like a few points.
SECURITY_AXIS_FLOOR = 50.0


class PlotError(SafesimError, ValueError):
    """A results folder or file that cannot be plotted; the message names the file."""


@dataclass(frozen=True)
class Plotter:
    kind: str
    files: tuple[str, ...]  # the CSVs a folder of this kind holds
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
    """``results.read_manifest``, its problems as ``PlotError``."""
    try:
        return results_manifest(folder)
    except ResultsError as exc:
        raise PlotError(str(exc)) from None


def read_csv(path: Path, required: Iterable[str]) -> pd.DataFrame:
    """Read a results CSV, checking that it has ``required`` columns and some rows."""
    if not path.is_file():
        raise PlotError(f"{path}: no such file")
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            if handle.tell() > 0:
                handle.seek(-1, 2)
                if handle.read(1) != b"\n":
                    raise PlotError(f"{path}: cut short (the last line is incomplete)")
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
    if "date" in required:
        parsed = pd.to_datetime(frame["date"].astype(str), format="%Y-%m-%d", errors="coerce")
        if parsed.isna().any():
            row = int(parsed.isna().to_numpy().argmax())
            shown = str(frame["date"].iloc[row])[:40]
            raise PlotError(f"{path}: date: {shown!r} on row {row + 1} is not a date (YYYY-MM-DD)")
    return frame


def detect_kind(folder: Path) -> tuple[str, dict[str, Any]]:
    """The kind of results in ``folder`` and its manifest (empty without one)."""
    if not folder.is_dir():
        raise PlotError(f"{folder}: no such folder")
    manifest = read_manifest(folder)
    if manifest is None:
        # Nothing says the CSVs are one complete set: refused, not guessed from names.
        raise PlotError(
            f"{folder}: no manifest.json, so nothing says its files are one complete "
            "safesim result set; run the command that makes them"
        )
    kind = manifest.get("kind")
    if kind not in PLOTTERS:
        known = ", ".join(sorted(PLOTTERS))
        raise PlotError(
            f"{folder / 'manifest.json'}: unknown results kind {kind!r} (known: {known})"
        )
    try:
        verify_set(folder, manifest)
    except ResultsError as exc:
        raise PlotError(str(exc)) from None
    return str(kind), manifest


def folder_language(manifest: dict[str, Any]) -> str:
    """The language the folder was written in (its manifest's ``lang``), else English."""
    lang = manifest.get("lang")
    return lang if lang in ("en", "zh") else "en"


def plot_results(folder: str | Path, fmt: str = "png", lang: str | None = None) -> list[Path]:
    """Draw the figures for the results in ``folder``; returns the files written.

    ``lang="zh"`` labels the figures in Chinese where a translation is known; it needs a
    CJK font (``cjk_font()``), else a ``PlotError`` says how to install one. Without
    ``lang``, the figures are drawn in the language the folder was written in (so a
    folder written with ``--lang zh`` keeps Chinese figures)."""
    if fmt not in FORMATS:
        raise PlotError(f"unknown format {fmt!r} (use one of: {', '.join(FORMATS)})")
    path = Path(folder)
    kind, manifest = detect_kind(path)
    with language(lang or folder_language(manifest)):
        return PLOTTERS[kind].draw(path, manifest, fmt)


# ---------------------------------------------------------------------- language
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
)
_LANG = {"current": "en"}


def cjk_font() -> str | None:
    """The name of an installed font that draws Chinese, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    return next((n for n in sorted(installed) if "CJK" in n), None)


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Within it, ``tr`` translates labels and matplotlib draws with a CJK font."""
    if lang not in ("en", "zh"):
        raise PlotError(f"unknown language {lang!r} (use en or zh)")
    settings: dict[str, Any] = {}
    if lang == "zh":
        font = cjk_font()
        if font is None:
            raise PlotError(
                "--lang zh: no Chinese (CJK) font is installed; install one "
                "(e.g. apt-get install fonts-noto-cjk) or use --lang en"
            )
        settings = {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"]}
    previous = _LANG["current"]
    _LANG["current"] = lang
    try:
        with matplotlib.rc_context(settings):
            yield
    finally:
        _LANG["current"] = previous


ZH = {
    "all criminal cases": "刑事案件总数",
    "criminal cases": "刑事案件",
    "crime around the treated cells": "周边区域案件",
    "cost per criminal case averted": "每避免一起刑事案件的成本",
    "yearly cost of the mix": "组合年度成本",
    "households feeling safe, end of campaign year": "行动年末群众安全感",
    "households feeling safe, last 30 days of campaign year": "行动年最后30天的群众安全感",
    "weighted displacement quotient (> 0: diffusion)": "周边区域溢出指数（> 0 为效益扩散）",
    "spill-over to the catchment (WDQ; > 0 diffusion, < 0 displacement)": (
        "向周边区域的溢出（> 0 为效益扩散，< 0 为犯罪转移）"
    ),
    "against the same period a year before": "同比",
    "against the mean of the previous years": "与前几年均值相比",
    "against the period before": "与上一时期相比",
    "difference in cases (campaign year)": "案件数之差（行动年）",
    "difference in households feeling safe (percentage points)": "群众安全感之差（百分点）",
    "difference in year-on-year change (percentage points)": "同比变化之差（百分点）",
    "difference in the weighted displacement quotient": "溢出指数之差",
    "difference in yearly cost (yuan)": "年度成本之差（元）",
    "patrol officers": "巡逻民警",
    "patrol auxiliaries": "巡逻辅警",
    "patrol stop length (minutes)": "巡逻停留时间（分钟）",
    "lock cylinders fitted": "安装的防盗锁芯",
    "alarm phones fitted": "安装的报警电话",
    "burglary and theft": "入室盗窃与盗窃",
    "robbery and snatching": "抢劫与抢夺",
    "violence from disputes": "民转刑案件",
    "other criminal cases": "其他刑事案件",
    "public-order cases": "治安案件",
    "calls to police": "报警量",
    "robbery, snatching and theft": "两抢一盗",
    "households feeling safe": "群众安全感",
    "households feeling safe (%)": "群众安全感 (%)",
    "crimes averted (cases, campaign year)": "避免的案件数 (件, 工作年度)",
    "change in households feeling safe (percentage points)": "群众安全感变化 (百分点)",
    "cost per criminal case averted (yuan)": "每避免一起刑事案件的成本 (元)",
    "yearly cost of the mix (yuan)": "组合年度成本 (元)",
    "campaign start": "工作开始",
    "date": "日期",
    "averts nothing": "未能减少案件",
    "recommended mix": "推荐组合",
    "budget": "预算",
    "other mixes tried": "其他试验组合",
    "mixes nothing beats on all three": "没有组合能全面胜过的组合",
    "mean and 90 % interval": "均值与90%区间",
    "Effects against doing nothing (mean and 90 % interval over replicates)": (
        "与不干预相比的效果 (重复运行的均值与90%区间)"
    ),
    "Difference from the first scenario (mean and 90 % interval of paired replicates)": (
        "与第一个情景的差异 (配对重复运行的均值与90%区间)"
    ),
    "Mixes within the budget: crimes averted, cost and felt safety": (
        "预算内的干预组合：避免的案件、成本与安全感"
    ),
    "cases": "件",
    "share (%)": "比例 (%)",
    "change (%)": "变化 (%)",
    "percentage points": "百分点",
    "yuan": "元",
    "ratio": "比值",
    # Each intervention's label, as its own module gives it.
    **{kind.label: kind.label_zh for kind in ORDER},
}


# Endings of composed labels ("violence from disputes, campaign year"), in Chinese.
ZH_ENDINGS = {
    ", campaign year against the year before": "（行动年同比）",
    ", campaign year": "（行动年）",
    ": crimes averted": "：减少的案件",
    ": change": "：变化",
}


def zh_label(text: str) -> str:
    """``text`` in Chinese from ``ZH`` and ``ZH_ENDINGS`` (unchanged when not known)."""
    if text in ZH:
        return ZH[text]
    for ending, zh_ending in ZH_ENDINGS.items():
        if text.endswith(ending) and text.removesuffix(ending) in ZH:
            return ZH[text.removesuffix(ending)] + zh_ending
    return text


def tr(text: str) -> str:
    """``text`` in the current language (unchanged when no translation is known)."""
    if _LANG["current"] == "zh":
        return zh_label(text)
    return text


def yuan(value: float, _pos: object = None) -> str:
    """Plain yuan notation: ¥1,234,567 (not 1.2e6)."""
    if not np.isfinite(value):
        return ""
    return f"−¥{-value:,.0f}" if value < 0 else f"¥{value:,.0f}"


def save(fig: Figure, folder: Path, stem: str, fmt: str) -> Path:
    path = folder / f"{stem}.{fmt}"
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    # SVG text stays text (searchable, editable) rather than glyph outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, dpi=120)
    # Renamed into place: never half a figure, and a symlink planted at the figure's name
    # is replaced, not followed out of the folder.
    atomic_write_bytes(path, buffer.getvalue())
    return path


# ---------------------------------------------------------------------- shared drawing
def mark_campaign(ax: Any, start: pd.Timestamp | None, end: pd.Timestamp) -> None:
    """Shade the campaign period and mark its start."""
    if start is None or pd.isna(start):
        return
    ax.axvspan(start, end, color=CAMPAIGN_COLOUR, alpha=0.08, linewidth=0)
    ax.axvline(start, color=CAMPAIGN_COLOUR, linestyle="--", linewidth=1.2)
    ax.annotate(
        tr("campaign start"),
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
    if _LANG["current"] == "zh":
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(
                locator,
                formats=["%Y年", "%-m月", "%-d日", "%H:%M", "%H:%M", "%S"],
                offset_formats=["", "%Y年", "%Y年%-m月", "%Y年%-m月%-d日", "%Y年%-m月%-d日", ""],
            )
        )
        return
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def said(en: str, zh: str) -> str:
    """``en``, or ``zh`` when the figures are drawn in Chinese (for labels with numbers)."""
    return zh if _LANG["current"] == "zh" else en


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
    return said(
        f"mean of {n} replicate{'s' if n != 1 else ''}" + (", 90 % band" if n > 1 else ""),
        f"{n} 次重复运行的均值" + ("与90%区间" if n > 1 else ""),
    )


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
        ax.set_title(tr(label), fontsize=10)
        ax.set_ylabel(said(f"cases per {ROLLING_DAYS} days", f"每{ROLLING_DAYS}天案件数"))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    for ax in axes.ravel():
        concise_dates(ax)
    fig.suptitle(
        said(
            f"Crime by type ({ROLLING_DAYS}-day rolling sums; {_replicates_label(daily)})",
            f"各类案件（{ROLLING_DAYS}天滚动合计；{_replicates_label(daily)}）",
        )
    )
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
    ax.plot(dates, mean, color="tab:green", linewidth=1.4, label=tr("households feeling safe"))
    if campaign_start is not None and (dates < campaign_start).any():
        before = float(mean[dates < campaign_start].mean())
        ax.axhline(
            before,
            color="gray",
            linestyle=":",
            label=said(f"baseline mean {before:.1f} %", f"基线均值 {before:.1f}%"),
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
            ),
        )
    mark_campaign(ax, campaign_start, dates.max())
    concise_dates(ax)
    ax.set_ylim(min(SECURITY_AXIS_FLOOR, float(np.nanmin(low)) - 5.0), 100.0)
    ax.set_ylabel(tr("households feeling safe (%)"))
    ax.set_xlabel(tr("date"))
    ax.set_title(
        said(
            f"Sense of security ({_replicates_label(daily)})",
            f"群众安全感（{_replicates_label(daily)}）",
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
            label=said("simulated mean, 90 % interval", "模拟均值与90%区间"),
        )
        report = rows["report_value"].astype(float)
        if report.notna().any():
            ax.scatter(
                report,
                y,
                marker="D",
                color="tab:red",
                zorder=3,
                label=said("report's figure", "报告数字"),
            )
        if unit in ("percent_change", "ratio"):
            ax.axvline(0, color="gray", linewidth=0.8)
        if unit == "percent":
            lowest = float(np.nanmin(np.r_[rows["sim_p05"].astype(float), report, 100.0]))
            ax.set_xlim(min(SECURITY_AXIS_FLOOR, lowest - 5.0), 100.0)
        ticks = [summary_label(row, _LANG["current"]) for _, row in rows.iterrows()]
        ax.set_yticks(y, ticks, fontsize=8)
        ax.set_xlabel(tr(UNIT_LABELS.get(unit, unit)))
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
        )
    )
    return fig


METRIC_LABELS = {
    "criminal_total": "criminal cases",
    "two_robberies_one_theft": "robbery, snatching and theft",
    "burglary_theft": "burglary and theft",
    "robbery": "robbery and snatching",
    "dispute_violence": "violence from disputes",
    "public_order": "public-order cases",
    "calls": "calls to police",
    "sense_of_security": "households feeling safe",
    "crimes_catchment": "crime around the treated cells",
}
COMPARISON_WORDS = {
    "year_on_year": "against the same period a year before",
    "vs_mean_previous_years": "against the mean of the previous years",
    "vs_previous_period": "against the period before",
    "level": "level",
}


def period_words(start: object, end: object, lang: str = "en") -> str:
    """'Jan–Oct 2014', '2013', 'Dec 2013' (zh: '2014年1–10月', '2013年', '2013年12月')
    from ISO dates (empty when missing)."""
    a = pd.to_datetime(start, errors="coerce")
    b = pd.to_datetime(end, errors="coerce")
    if pd.isna(a) or pd.isna(b):
        return ""
    if lang == "zh":
        if (a.month, a.day, b.month, b.day) == (1, 1, 12, 31) and a.year == b.year:
            return f"{a.year}年"
        if a.year == b.year:
            months = f"{a.month}" if a.month == b.month else f"{a.month}–{b.month}"
            return f"{a.year}年{months}月"
        return f"{a.year}年{a.month}月至{b.year}年{b.month}月"
    if (a.month, a.day, b.month, b.day) == (1, 1, 12, 31) and a.year == b.year:
        return f"{a.year}"
    if a.year == b.year:
        if a.month == b.month:
            return f"{a:%b %Y}"
        return f"{a:%b}–{b:%b %Y}"
    return f"{a:%b %Y}–{b:%b %Y}"


def summary_label(row: pd.Series, lang: str = "en") -> str:
    """A plain-word label for a summary.csv row: what, when, against what (``lang="zh"``:
    in Chinese, from ``ZH``)."""
    if str(row.get("outcome")) == "weighted_displacement_quotient":
        wdq = "spill-over to the catchment (WDQ; > 0 diffusion, < 0 displacement)"
        return zh_label(wdq) if lang == "zh" else wdq
    metric = row.get("metric")
    if not isinstance(metric, str) or metric not in METRIC_LABELS:
        return str(row["outcome"]).replace("_", " ")
    if lang == "zh":
        when = period_words(row.get("window_start"), row.get("window_end"), "zh")
        how = zh_label(COMPARISON_WORDS.get(str(row.get("comparison")), ""))
        campaign = "行动年" if str(row.get("outcome")).startswith("campaign_") else ""
        what = zh_label(METRIC_LABELS[metric])
        return "，".join(p for p in (f"{campaign}{what}", when, how if how != "level" else "") if p)
    when = period_words(row.get("window_start"), row.get("window_end"))
    how = COMPARISON_WORDS.get(str(row.get("comparison")), "")
    what = METRIC_LABELS[metric]
    if str(row.get("outcome")).startswith("campaign_"):
        what = f"campaign year: {what}"
    return ", ".join(p for p in (what, when, how if how != "level" else "") if p)


@plotter("run", files=("daily.csv", "summary.csv"))
def plot_run(folder: Path, manifest: dict[str, Any], fmt: str) -> list[Path]:
    """crime_by_type, sense_of_security and report_figures."""
    daily = read_csv(folder / "daily.csv", DAILY_REQUIRED)
    summary = read_csv(folder / "summary.csv", SUMMARY_REQUIRED)
    campaign_start = _campaign_start(manifest)
    written = [
        save(run_crime_figure(daily, campaign_start), folder, "crime_by_type", fmt),
        save(run_security_figure(daily, campaign_start, summary), folder, "sense_of_security", fmt),
        save(run_summary_figure(summary), folder, "report_figures", fmt),
    ]
    if (folder / "effects.csv").is_file():
        effects = read_csv(folder / "effects.csv", RUN_EFFECT_COLUMNS)
        written.append(save(effects_figure(run_effects(effects)), folder, "effects", fmt))
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


def axis_label(path: str) -> str:
    """A sweep axis's label: an intervention's field as the intervention names it
    (``Intervention.field_label``), else the path's last two parts."""
    parts = path.split(".")
    kind = BY_NAME.get(parts[1]) if len(parts) == 3 and parts[0] == "interventions" else None
    named = kind.field_label(parts[2]) if kind is not None else None
    if named:
        return named
    return " ".join(parts[-2:]).replace("_", " ")


def outcome_label(name: str) -> str:
    """A readable label with the unit, from a summary outcome name."""
    if name.startswith(COST_PREFIX):
        return "cost per crime averted (yuan)"
    if name == "weighted_displacement_quotient":
        return "weighted displacement quotient"
    if name == "campaign_crimes":
        return "crimes in the campaign window (count)"
    if name == "campaign_end_sense_of_security":
        return "households feeling safe, end of campaign year (%)"
    if name.startswith("campaign_year_") and name.removeprefix("campaign_year_") in METRIC_LABELS:
        what = METRIC_LABELS[name.removeprefix("campaign_year_")]
        return f"{what}, campaign year against the year before (% change)"
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


def outcome_unit(name: str) -> str:
    """The quantity an outcome measures: panels of one quantity share one colour scale."""
    if "sense_of_security" in name:
        return "percent"
    if name == "weighted_displacement_quotient":
        return "ratio"
    if name.startswith(COST_PREFIX):
        return "yuan"
    if name == "campaign_crimes":
        return "cases"
    return "percent_change"


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


def cost_figure(summary: pd.DataFrame, axes: list[str], column: str) -> Figure:
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
                label=label or tr("mean and 90 % interval"),
            )  # fmt: skip
            nothing = part[~np.isfinite(part["cost"])]
            if not nothing.empty:
                ax.scatter(
                    nothing[axis].astype(float),
                    np.full(len(nothing), ceiling),
                    marker="x",
                    color=colour,
                    label=tr("averts nothing"),
                )
                for xv in nothing[axis].astype(float):
                    ax.annotate(
                        tr("averts nothing"), (xv, ceiling), xytext=(0, 5),
                        textcoords="offset points", ha="center", fontsize=7,
                    )  # fmt: skip
        ax.set_ylim(0, ceiling * 1.1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(yuan))
        ax.set_xlabel(axis_label(axis))
        ax.set_ylabel(tr("cost per criminal case averted (yuan)"))
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
    cost = _cost_summary(folder, axes)
    if cost is not None:
        table, column = cost
        for axis in axes:
            table[axis] = pd.to_numeric(table[axis], errors="coerce")
        written.append(save(cost_figure(table, axes, column), folder, COST_PREFIX, fmt))
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


def predicted_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a calibration table that carry a predictive interval."""
    return table[np.isfinite(pd.to_numeric(table["pred_p05"], errors="coerce"))]


@plotter("calibration", files=("targets.csv",))
def plot_calibration(folder: Path, manifest: dict[str, Any], fmt: str) -> list[Path]:
    written = []
    summary_path, samples_path = folder / "posterior_summary.csv", folder / "posterior_samples.csv"
    if summary_path.exists() and samples_path.exists():
        summary = read_csv(summary_path, ("parameter", "prior_p05", "prior_p95", "median"))
        samples = read_csv(samples_path, ())
        figure = calibration_posterior_figure(samples, summary)
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


# ---------------------------------------------------------------------- effects
EFFECT_COLUMNS = ("effect", "label", "unit", "mean", "p05", "p95")


def effects_figure(effects: pd.DataFrame) -> Figure:
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
            label=tr("mean and 90 % interval"),
        )
        for yi, row in zip(y, rows.itertuples(), strict=True):
            note = str(row.note) if isinstance(row.note, str) else ""
            if not np.isfinite(row.mean):
                ax.annotate(
                    note or tr("averts nothing"), (0, yi), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8, color="dimgray",
                )  # fmt: skip
            elif not np.isfinite(row.p95) and note:
                ax.annotate(
                    note, (row.mean, yi), xytext=(6, -10), textcoords="offset points",
                    fontsize=7, color="dimgray",
                )  # fmt: skip
        ax.axvline(0, color="gray", linewidth=0.8)
        ax.set_yticks(y, [tr(str(v)) for v in rows["label"]], fontsize=8)
        if unit == "yuan":
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(yuan))
            ax.set_xlim(left=0)
        ax.set_xlabel(tr(EFFECT_UNIT_LABELS[unit]))
        ax.grid(axis="x", alpha=0.3)
        ax.margins(y=0.2)
    shared_legend(fig, axes[:, 0])
    fig.suptitle(tr("Effects against doing nothing (mean and 90 % interval over replicates)"))
    return fig


EFFECT_UNIT_LABELS = {
    "cases": "crimes averted (cases, campaign year)",
    "percentage_points": "change in households feeling safe (percentage points)",
    "yuan": "cost per criminal case averted (yuan)",
}


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


def compare_figure(differences: pd.DataFrame) -> Figure:
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
        ax.set_yticks(base, [tr(str(v)) for v in labels], fontsize=8)
        if unit == "yuan":
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(yuan))
        ax.set_xlabel(tr(DIFFERENCE_UNITS[unit]))
        ax.grid(axis="x", alpha=0.3)
    shared_legend(fig, axes[:, 0])
    fig.suptitle(
        tr("Difference from the first scenario (mean and 90 % interval of paired replicates)")
    )
    return fig


@plotter("compare", files=("differences.csv",))
def plot_compare(folder: Path, manifest: dict[str, Any], fmt: str) -> list[Path]:
    """differences: each scenario minus the first, every outcome."""
    differences = read_csv(folder / "differences.csv", DIFFERENCE_COLUMNS)
    return [save(compare_figure(differences), folder, "differences", fmt)]


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


def front_figure(trials: pd.DataFrame, budget: float | None, recommended: int | None) -> Figure:
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
            (rest, "lightgray", tr("other mixes tried")),
            (front, None, tr("mixes nothing beats on all three")),
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
                color=OKABE_ITO[1], edgecolors="black", zorder=4, label=tr("recommended mix"),
            )  # fmt: skip
        if budget:
            ax.axvline(budget, color="black", linestyle="--", linewidth=1, label=tr("budget"))
        ax.axhline(0, color="gray", linewidth=0.8)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(yuan))
        ax.tick_params(axis="x", labelrotation=20)
        ax.set_xlim(left=0)
        ax.set_xlabel(tr("yearly cost of the mix (yuan)"))
        ax.set_ylabel(tr(label))
        ax.grid(alpha=0.3)
    fig.colorbar(
        matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap),
        ax=right,
        label=tr("change in households feeling safe (percentage points)"),
    )
    shared_legend(fig, (left, right))
    fig.suptitle(tr("Mixes within the budget: crimes averted, cost and felt safety"))
    return fig


@plotter("optimize", files=("trials.csv", "front.csv"))
def plot_optimize(folder: Path, manifest: dict[str, Any], fmt: str) -> list[Path]:
    """front: every mix tried, the Pareto front and the recommended mix."""
    trials = read_csv(folder / "trials.csv", TRIAL_COLUMNS)
    budget = manifest.get("budget_yuan")
    recommended = manifest.get("recommended_trial")
    figure = front_figure(
        trials,
        float(budget) if budget else None,
        int(recommended) if recommended is not None else None,
    )
    return [save(figure, folder, "front", fmt)]


# ---------------------------------------------------------------------- sensitivity
SENSITIVITY_COLUMNS = ("factor", "mu_star", "mu_star_conf")


def factor_label(name: str) -> str:
    """Plain words for a screened factor: an intervention size or a mechanism parameter."""
    if name.startswith("interventions."):
        return said(f"{axis_label(name)} (number)", f"{tr(axis_label(name))}（数量）")
    return name.replace("_", " ")


def sensitivity_figure(table: pd.DataFrame, outcome: str | None) -> Figure:
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
                label=said("intervention size", "措施规模")
                if kind == "intervention"
                else said("mechanism parameter", "机制参数"),
            )
    ax.set_yticks(y, [factor_label(str(f)) for f in shown["factor"]], fontsize=8)
    what = outcome_label(outcome) if outcome else "the outcome"
    ax.set_xlabel(
        said(
            f"mean absolute effect on {what} (Morris μ*, 95 % interval)",
            f"对{tr(what) if outcome else '结果'}的平均绝对效应（Morris μ*，95% 区间）",
        )
    )
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(
        said("Which factors matter most (Morris screening)", "哪些因素最重要（Morris 筛选）")
    )
    return fig


@plotter("sensitivity", files=("sensitivity.csv",))
def plot_sensitivity(folder: Path, manifest: dict[str, Any], fmt: str) -> list[Path]:
    """sensitivity_factors: Morris μ* per factor with its interval."""
    table = read_csv(folder / "sensitivity.csv", SENSITIVITY_COLUMNS)
    outcome = manifest.get("outcome")
    figure = sensitivity_figure(table, str(outcome) if outcome else None)
    return [save(figure, folder, "sensitivity_factors", fmt)]

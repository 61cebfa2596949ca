"""What every figure shares: the registry of result kinds, reading a results folder,
the CJK font, saving, and the campaign and date marks."""

from __future__ import annotations

import io
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
from safesim.experiments.results import ResultsError, atomic_write_bytes, verify_set
from safesim.experiments.results import read_manifest as results_manifest
from safesim.reports.labels import tr

FORMATS = ("png", "svg")
BAND = (0.05, 0.95)
ROLLING_DAYS = 30


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
    draw: Callable[[Path, dict[str, Any], str, str], list[Path]]


PLOTTERS: dict[str, Plotter] = {}


def plotter(
    kind: str, files: Iterable[str]
) -> Callable[
    [Callable[[Path, dict[str, Any], str, str], list[Path]]],
    Callable[[Path, dict[str, Any], str, str], list[Path]],
]:
    """Register ``draw(folder, manifest, fmt, lang) -> written paths`` for results of
    ``kind``."""

    def register(
        draw: Callable[[Path, dict[str, Any], str, str], list[Path]],
    ) -> Callable[[Path, dict[str, Any], str, str], list[Path]]:
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
    lang = lang or folder_language(manifest)
    with language(lang):
        return PLOTTERS[kind].draw(path, manifest, fmt, lang)


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
    """Within it, matplotlib draws with a CJK font when ``lang`` is ``zh``; the labels are
    translated by the drawing functions, each given ``lang``."""
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
    with matplotlib.rc_context(settings):
        yield


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
def mark_campaign(ax: Any, start: pd.Timestamp | None, end: pd.Timestamp, lang: str = "en") -> None:
    """Shade the campaign period and mark its start."""
    if start is None or pd.isna(start):
        return
    ax.axvspan(start, end, color=CAMPAIGN_COLOUR, alpha=0.08, linewidth=0)
    ax.axvline(start, color=CAMPAIGN_COLOUR, linestyle="--", linewidth=1.2)
    ax.annotate(
        tr("campaign start", lang),
        xy=(start, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -3),
        textcoords="offset points",
        va="top",
        fontsize=8,
        color=CAMPAIGN_COLOUR,
    )


def concise_dates(ax: Any, lang: str = "en") -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    if lang == "zh":
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(
                locator,
                formats=["%Y年", "%-m月", "%-d日", "%H:%M", "%H:%M", "%S"],
                offset_formats=["", "%Y年", "%Y年%-m月", "%Y年%-m月%-d日", "%Y年%-m月%-d日", ""],
            )
        )
        return
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def band(values: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Mean and 90 % band across the columns (replicates) of ``values``, row by row."""
    return (
        values.mean(axis=1),
        values.quantile(BAND[0], axis=1),
        values.quantile(BAND[1], axis=1),
    )


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

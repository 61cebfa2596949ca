"""The browser page: Plotly figures drawn from state held on the server, laid out map first.

Each figure is a ``LivePlot``: ``frame`` gives its traces' kinds and styles once per
model, ``data`` the properties that change with the day. All the page's figures live in
one widget (``FigurePanel``) whose synced state is the whole picture: the figures'
specifications and the newest frame's data. A browser view that connects, reconnects or
is drawn late draws from that state, so no figure stays empty for want of a message it
missed, and plotly.js reaches the page once (the widget's script), not once per figure.

Play is paced by drawing: the next frame is computed only after the server has rendered
the page for the last one and the browser has confirmed it drew it, and never sooner
than ``MIN_FRAME_SECONDS`` after it (``play``). A fixed 10 ms timer outran a busy
machine's renders until the page gave way ("Too many renders triggered").

Shown: the city with the mix (recent crime per cell; the model's units, patrol teams,
grid workers, cameras, drawn from ``model.agents`` by class, each as its class's
``portrayal`` says; active offenders), the difference map (recent crime with the mix
minus without it, same seeds), criminal cases in the last 30 days with and without the
mix and their difference, and the share of households that feel safe with and without.
A replay shows the series only: a run saves no per-cell maps.
"""

from __future__ import annotations

import json
import re
import threading
import time
import traceback
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import solara
import traitlets
from plotly.subplots import make_subplots

from safesim.interventions.base import Portrayal
from safesim.offenders import ACTIVE
from safesim.quantities import LAND_USES
from safesim.viz import (
    LEVERS,
    ROLLING_DAYS,
    ReplayModel,
    VizModel,
    day_line,
    effect_line,
    lever_lines,
    scale_note,
)

MIX_COLOUR = "#c0392b"
TWIN_COLOUR = "#7f8c8d"
DIFF_COLOUR = "#2c3e50"
CAMPAIGN_COLOUR = "#8e44ad"
BASELINE_COLOUR = "#999999"
# Fixed sizes, so nothing moves as the days run. At 1366 × 768 the sidebar leaves about
# 940 px: the map (the largest panel) on the left, the crime chart right of it and the
# difference map and the security chart under that; at 1024 px they stack.
MAP_WIDTH = 470
MAP_HEIGHT = 580
# The map's bottom margin: its colour bar and the legend of its layers.
MAP_BOTTOM = 104
CHART_WIDTH = 470
CHART_HEIGHT = 290
SMALL_MAP_WIDTH = 225
SMALL_CHART_WIDTH = 235
SMALL_HEIGHT = MAP_HEIGHT - CHART_HEIGHT - 6
REPLAY_CHART_WIDTH = 460
REPLAY_CHART_HEIGHT = 420
FONT = {"size": 11}
# Offenders share cells: a fixed jitter per offender keeps their dots apart without flicker.
_JITTER = np.random.default_rng(0).uniform(-0.35, 0.35, size=(2, 100_000))

PAGE_CSS = """
/* Slider values always shown, not only while dragging. */
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%)
  rotate(45deg) !important; font-size: 10px; }
.v-navigation-drawer .v-input__slider { margin-top: 14px; }
.safesim-day-slider { margin-top: 28px; max-width: 930px; }
.safesim-note { font-size: 13px; line-height: 1.4; margin: 0 0 4px 0; }
.safesim-note .safesim-effect { font-weight: 600; }
.safesim-note .safesim-levers-list { color: #555; font-size: 12px; }
.safesim-grid { display: grid; gap: 6px 10px; }
.safesim-grid.safesim-live { grid-template-columns: 470px 225px 235px;
  grid-template-areas: "map crime crime" "map diff security"; }
.safesim-grid.safesim-replay { grid-template-columns: 460px 460px;
  grid-template-areas: "crime security"; }
@media (max-width: 1300px) {
  .safesim-grid.safesim-live { grid-template-columns: 225px 235px;
    grid-template-areas: "map map" "crime crime" "diff security"; }
  .safesim-grid.safesim-replay { grid-template-columns: 460px;
    grid-template-areas: "crime" "security"; }
}
.safesim-grid .safesim-map { grid-area: map; }
.safesim-grid .safesim-crime-chart { grid-area: crime; }
.safesim-grid .safesim-difference-map { grid-area: diff; }
.safesim-grid .safesim-security-chart { grid-area: security; }
.safesim-grid > div { overflow: hidden; }
"""


# ---------------------------------------------------------------------- figures
# In the charts' margins (a legend inside a chart hid its first months), in rows of
# entries of one width, so a chart's plot area never moves.
CHART_LEGEND = {
    "orientation": "h",
    "xref": "container",
    "yref": "container",
    "x": 0.0,
    "font": {"size": 9},
    "entrywidth": 100,
    "entrywidthmode": "pixels",
}


def _layout(height: int, width: int, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "width": width,
        "autosize": False,
        "margin": {"l": 48, "r": 12, "t": 30, "b": 30, "autoexpand": False},
        "font": FONT,
        "template": "plotly_white",
        "uirevision": "keep",  # zoom, hover and layers switched off survive the updates
        **extra,
    }


def cell_names(model: VizModel) -> list[list[str]]:
    """Each cell's place and land use, the part of its hover text that never changes."""
    layout = model.city.layout
    uses = np.asarray(LAND_USES, dtype=object)[layout.land_use]
    names = [
        f"cell ({c % layout.width}, {c // layout.width}): {uses[c].replace('_', ' ')}, "
        f"{int(layout.homes[c])} homes"
        for c in range(layout.cells)
    ]
    return [names[row * layout.width : (row + 1) * layout.width] for row in range(layout.height)]


def recent_crime_unit(model: VizModel) -> str:
    """What a cell's recent-crime number counts: cases there, each weighted down by the
    days since (the model's hot-spot memory)."""
    return f"cases per cell, last ~{model.city.params.hot_spot_window_days:.0f} days"


# The cell fields under the mouse; the units standing in the cell follow (``cell_hover``).
CELL_FIELDS_HOVER = (
    "%{text}<br>recent crime %{z:.2f} cases (without the mix %{customdata[0]:.2f})<br>"
    "patrol presence %{customdata[1]:.2f}; camera coverage %{customdata[2]:.0%}; "
    "volunteer guardianship %{customdata[3]:.2f}"
)
CELL_FIELDS = 4  # customdata columns before the units' counts


def cell_hover(classes: list[type]) -> str:
    """A cell's hover text: its fields, then how many of each class of unit stand in it."""
    counts = [
        f"%{{customdata[{CELL_FIELDS + i}]:.0f}} {unit_style(kind).name}"
        for i, kind in enumerate(classes)
    ]
    here = f"<br>here: {', '.join(counts)}" if counts else ""
    return CELL_FIELDS_HOVER + here + "<extra></extra>"


# ---------------------------------------------------------------------- units on the map
# How a class of unit is drawn: each agent class says so in its ``portrayal``.
UnitStyle = Portrayal
OFFENDER_STYLE = UnitStyle("active offenders", "circle", 3, "#555555")


def unit_style(kind: type) -> UnitStyle:
    """The style of a class of unit (its ``portrayal``); a class without one gets grey
    crosses and a name from its class name ("FootPatrol" → "foot patrol")."""
    style = getattr(kind, "portrayal", None)
    if isinstance(style, Portrayal):
        return style
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", kind.__name__).lower()
    return UnitStyle(words, "x-thin-open", 6, "#616a6b", 0.8)


def unit_classes(city: Any) -> list[type]:
    """The classes of the units the model holds in ``model.agents``, in the order the
    model made them; empty for a model that keeps its units elsewhere."""
    by_type = getattr(city, "agents_by_type", None) or {}
    return [kind for kind, agents in by_type.items() if len(agents)]


def unit_position(agent: Any, width: int) -> tuple[float, float] | None:
    """Where a unit stands, as (column, row) on the map: from a discrete-space cell's
    coordinate, a ``pos``, or a cell number; None for a unit with no place."""
    cell = getattr(agent, "cell", None)
    coordinate = getattr(cell, "coordinate", None)
    if coordinate is not None:
        return float(coordinate[0]), float(coordinate[1])
    pos = getattr(agent, "pos", None)
    if pos is not None:
        return float(pos[0]), float(pos[1])
    for name in ("cell_index", "cell"):
        index = getattr(agent, name, None)
        if isinstance(index, int | np.integer):
            return float(index % width), float(index // width)
    return None


def unit_layers(model: VizModel) -> list[dict[str, Any]]:
    """One layer a class of unit: ``x``, ``y`` and hover text, from ``model.agents``."""
    city = model.city
    width = city.layout.width
    layers = []
    for kind, agents in city.agents_by_type.items():
        if not len(agents):
            continue
        xs, ys, labels = [], [], []
        for agent in agents:
            where = unit_position(agent, width)
            if where is None:
                continue
            xs.append(where[0])
            ys.append(where[1])
            describe = getattr(agent, "describe", None)
            labels.append(
                describe() if callable(describe) else f"{unit_style(kind).name} #{agent.unique_id}"
            )
        layers.append({"x": np.asarray(xs), "y": np.asarray(ys), "text": labels})
    return layers


def _marker_trace(name: str, hover: str, style: UnitStyle) -> go.Scatter:
    return go.Scatter(
        x=[], y=[], mode="markers", name=name, hovertemplate=hover + "<extra></extra>",
        marker=style.marker(), visible=True if style.shown else "legendonly",
    )  # fmt: skip


def _map_axes(fig: go.Figure, width: int, height: int) -> None:
    fig.update_xaxes(visible=False, range=[-0.5, width - 0.5], constrain="domain")
    fig.update_yaxes(visible=False, range=[-0.5, height - 0.5], scaleanchor="x")


def _title(text: str) -> dict[str, Any]:
    return {"text": text, "x": 0.02, "font": {"size": 13}}


class LivePlot:
    """A figure whose traces keep their kind and style while their data change.

    ``frame`` makes the figure with its traces' styles; ``data`` gives, trace by trace,
    the properties that change with the day.
    """

    css_class = ""

    def frame(self, model: Any) -> go.Figure:
        raise NotImplementedError

    def data(self, model: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def figure(self, model: Any) -> go.Figure:
        """The whole figure for ``model`` (frame and data)."""
        fig = self.frame(model)
        apply_data(fig, self.data(model))
        return fig


def apply_data(fig: go.Figure, data: list[dict[str, Any]]) -> None:
    for trace, props in zip(fig.data, data, strict=True):
        trace.update(props)


class CityMap(LivePlot):
    """The city with the mix: recent crime as the cells' colour, a layer of markers per
    class of unit, and active offenders."""

    css_class = "safesim-map"

    def frame(self, model: VizModel) -> go.Figure:
        layout = model.city.layout
        classes = unit_classes(model.city)
        fig = go.Figure(
            go.Heatmap(
                z=np.zeros((layout.height, layout.width)),
                text=cell_names(model),
                hovertemplate=cell_hover(classes),
                colorscale="YlOrRd",
                zmin=0.0,
                # Under the map, in its fixed margin, with the layers' legend below it.
                colorbar={
                    "title": {"text": f"recent crime ({recent_crime_unit(model)})", "side": "top"},
                    "orientation": "h", "thickness": 9, "len": 0.9, "yref": "container",
                    "y": 1.0 - (MAP_HEIGHT - MAP_BOTTOM + 4) / MAP_HEIGHT, "yanchor": "top",
                },
                name="recent crime",
                showlegend=False,
            )
        )  # fmt: skip
        for kind in classes:
            style = unit_style(kind)
            fig.add_trace(_marker_trace(style.name, "%{text}", style))
        fig.add_trace(_marker_trace(OFFENDER_STYLE.name, "active offender", OFFENDER_STYLE))
        fig.update_layout(
            **_layout(
                MAP_HEIGHT,
                MAP_WIDTH,
                title=_title("City with the mix"),
                showlegend=True,
                # Below the map in a fixed margin, so the map never changes size; a click
                # on an entry switches that layer off or on.
                legend={
                    "orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom",
                    "x": 0, "font": {"size": 10}, "entrywidth": 110, "entrywidthmode": "pixels",
                    "title": {"text": "layers (click):", "font": {"size": 9}},
                },
                margin={"l": 4, "r": 4, "t": 30, "b": MAP_BOTTOM, "autoexpand": False},
            )
        )  # fmt: skip
        _map_axes(fig, layout.width, layout.height)
        return fig

    def data(self, model: VizModel) -> list[dict[str, Any]]:
        city = model.city
        layout, fields = city.layout, city.fields
        width, height = layout.width, layout.height
        heat = city.recent_crime.reshape(height, width)
        units = unit_layers(model)
        # How many of each class of unit stand in each cell.
        standing = [
            np.bincount(
                (np.rint(layer["y"]) * width + np.rint(layer["x"])).astype(np.int64),
                minlength=layout.cells,
            )
            for layer in units
        ]
        shape = (height, width)
        cells = np.stack(
            [
                model.twin.recent_crime.reshape(shape),
                fields.patrol_presence.reshape(shape),
                fields.camera_coverage.reshape(shape),
                fields.guardianship.reshape(shape),
                *(count.reshape(shape).astype(float) for count in standing),
            ],
            axis=-1,
        )
        active = np.flatnonzero(city.offenders.status == ACTIVE)
        heatmap = {"z": heat, "zmax": max(1.0, float(heat.max())), "customdata": cells}
        offenders = {
            "x": city.offenders.x[active] + _JITTER[0, active],
            "y": city.offenders.y[active] + _JITTER[1, active],
        }
        return [heatmap, *units, offenders]


class DifferenceMap(LivePlot):
    """Recent crime with the mix minus without it (same seeds), per cell: zero everywhere
    until the campaign starts, then blue where the mix prevents crime."""

    css_class = "safesim-difference-map"

    def frame(self, model: VizModel) -> go.Figure:
        layout = model.city.layout
        fig = go.Figure(
            go.Heatmap(
                z=np.zeros((layout.height, layout.width)),
                hovertemplate=(
                    "with the mix %{customdata[0]:.2f}, without %{customdata[1]:.2f}: "
                    "%{z:+.2f} cases<extra></extra>"
                ),
                colorscale="RdBu_r",
                zmid=0.0,
                colorbar={
                    "title": {"text": "cases<br>per cell", "side": "top"},
                    "thickness": 8,
                    "x": 1.0,
                    "xanchor": "left",
                    "xpad": 4,
                },
                name="difference",
            )
        )
        fig.update_layout(
            **_layout(
                SMALL_HEIGHT,
                SMALL_MAP_WIDTH,
                title=_title("Recent crime: mix − without"),
                margin={"l": 4, "r": 56, "t": 28, "b": 4, "autoexpand": False},
            )
        )
        _map_axes(fig, layout.width, layout.height)
        return fig

    def data(self, model: VizModel) -> list[dict[str, Any]]:
        city, twin = model.city, model.twin
        width, height = city.layout.width, city.layout.height
        mix, without = city.recent_crime, twin.recent_crime
        diff = mix - without
        limit = max(0.5, float(np.abs(diff).max()))
        shape = (height, width)
        return [
            {
                "z": diff.reshape(shape),
                "zmin": -limit,
                "zmax": limit,
                "customdata": np.stack([mix.reshape(shape), without.reshape(shape)], axis=-1),
            }
        ]


def _calendar_range(model: VizModel | ReplayModel) -> list[str]:
    return [model.date_of(0).isoformat(), model.date_of(model.days - 1).isoformat()]


def _campaign_shape(model: VizModel | ReplayModel, yref: str = "paper") -> dict[str, Any]:
    return {
        "type": "rect",
        "xref": "x",
        "yref": yref,
        "x0": model.date_of(model.campaign_day).isoformat(),
        "x1": model.date_of(model.days - 1).isoformat(),
        "y0": 0,
        "y1": 1,
        "fillcolor": CAMPAIGN_COLOUR,
        "opacity": 0.07,
        "line": {"width": 0},
        "layer": "below",
    }


def _campaign_key(name: str = "campaign in force") -> go.Scatter:
    """A legend entry for the campaign shading (shapes have none of their own)."""
    return go.Scatter(
        x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
        marker={"symbol": "square", "size": 11, "color": CAMPAIGN_COLOUR, "opacity": 0.25},
    )  # fmt: skip


def rolling_cases(daily: pd.DataFrame | None) -> np.ndarray:
    """Criminal cases in the last ``ROLLING_DAYS`` days, day by day."""
    if daily is None or not len(daily):
        return np.zeros(0)
    return daily["criminal_total"].rolling(ROLLING_DAYS, min_periods=1).sum().to_numpy()


def calendar_dates(model: VizModel | ReplayModel) -> list[str]:
    return [model.date_of(day).isoformat() for day in range(model.days)]


def padded(values: np.ndarray, days: int) -> np.ndarray:
    """``values`` followed by gaps up to ``days``: the dates are sent once, with the
    figure, and each update sends only numbers."""
    out = np.full(days, np.nan)
    out[: values.size] = values
    return out


def _line(name: str, model: VizModel | ReplayModel, **line: Any) -> go.Scatter:
    return go.Scatter(
        x=calendar_dates(model), y=np.full(model.days, np.nan), mode="lines", name=name,
        line=line,
    )  # fmt: skip


def _chart_size(model: VizModel | ReplayModel, width: int, height: int) -> tuple[int, int]:
    if isinstance(model, ReplayModel):
        return REPLAY_CHART_WIDTH, REPLAY_CHART_HEIGHT
    return width, height


class CrimeChart(LivePlot):
    """Criminal cases in the last 30 days with and without the mix (top) and the
    difference (bottom), over the days shown so far."""

    css_class = "safesim-crime-chart"

    def frame(self, model: VizModel | ReplayModel) -> go.Figure:
        fig = make_subplots(
            rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.07
        )
        fig.add_trace(_line("with the mix", model, color=MIX_COLOUR), row=1, col=1)
        if model.twin_daily() is not None:
            fig.add_trace(
                _line("without (same seeds)", model, color=TWIN_COLOUR, dash="dash"), row=1, col=1
            )
            difference = _line("with − without", model, color=DIFF_COLOUR, width=1.5)
            difference.update(fill="tozeroy", fillcolor="rgba(44, 62, 80, 0.12)")
            fig.add_trace(difference, row=2, col=1)
        fig.add_trace(_campaign_key(), row=1, col=1)
        width, height = _chart_size(model, CHART_WIDTH, CHART_HEIGHT)
        fig.update_layout(
            **_layout(
                height,
                width,
                # The title at the very top, its legend's two rows under it.
                title={
                    **_title(f"Criminal cases in the last {ROLLING_DAYS} days"),
                    "yref": "container",
                    "y": 1.0 - 6 / height,
                    "yanchor": "top",
                },
                # Two rows of entries under the title, above the plot.
                legend={**CHART_LEGEND, "y": 1.0 - 26 / height, "yanchor": "top"},
                margin={"l": 48, "r": 12, "t": 64, "b": 24, "autoexpand": False},
                shapes=[_campaign_shape(model, "y domain"), _campaign_shape(model, "y2 domain")],
                hovermode="x unified",
            )
        )
        fig.update_xaxes(range=_calendar_range(model), type="date")
        fig.update_yaxes(
            rangemode="tozero", title={"text": "cases", "font": {"size": 10}}, row=1, col=1
        )
        fig.update_yaxes(title={"text": "mix − without", "font": {"size": 9}}, row=2, col=1)
        return fig

    def data(self, model: VizModel | ReplayModel) -> list[dict[str, Any]]:
        mix, twin = model.daily(), model.twin_daily()
        with_mix = rolling_cases(mix)
        data = [{"y": padded(with_mix, model.days)}]
        if twin is not None:
            without = rolling_cases(twin)
            data += [
                {"y": padded(without, model.days)},
                {"y": padded(with_mix - without, model.days)},
            ]
        return [*data, {}]


class SecurityChart(LivePlot):
    """The share of households that feel safe with and without the mix, and the
    scenario's surveyed baseline."""

    css_class = "safesim-security-chart"

    def frame(self, model: VizModel | ReplayModel) -> go.Figure:
        # Short names: two legend entries a row fit the panel's width.
        fig = go.Figure(_line("with the mix", model, color="#1e8449"))
        if model.twin_daily() is not None:
            fig.add_trace(_line("without it", model, color=TWIN_COLOUR, dash="dash"))
        baseline = 100.0 * model.baseline_security
        if np.isfinite(baseline):
            fig.add_trace(
                go.Scatter(
                    x=_calendar_range(model), y=[baseline, baseline], mode="lines",
                    name="survey baseline", hoverinfo="skip",
                    line={"color": BASELINE_COLOUR, "width": 1, "dash": "dot"},
                )
            )  # fmt: skip
        fig.add_trace(_campaign_key("campaign"))
        width, height = _chart_size(model, SMALL_CHART_WIDTH, SMALL_HEIGHT)
        fig.update_layout(
            **_layout(
                height,
                width,
                title=_title("Households feeling safe"),
                legend={
                    **CHART_LEGEND,
                    "y": 0.0,
                    "yanchor": "bottom",
                    "entrywidth": 0.5,
                    "entrywidthmode": "fraction",
                },
                shapes=[_campaign_shape(model)],
                hovermode="x unified",
                margin={"l": 40, "r": 8, "t": 28, "b": 64, "autoexpand": False},
            )
        )
        fig.update_xaxes(range=_calendar_range(model), type="date", dtick="M12", tickformat="%Y")
        fig.update_yaxes(title={"text": "% of households", "font": {"size": 10}})
        return fig

    def data(self, model: VizModel | ReplayModel) -> list[dict[str, Any]]:
        mix, twin = model.daily(), model.twin_daily()
        data = [{"y": padded(100.0 * mix["sense_of_security"].to_numpy(), model.days)}]
        if twin is not None:
            data.append({"y": padded(100.0 * twin["sense_of_security"].to_numpy(), model.days)})
        keys = 2 if np.isfinite(model.baseline_security) else 1
        return data + [{}] * keys


def sync_figure(widget: go.FigureWidget, plot: LivePlot, model: Any) -> None:
    """Make ``widget`` show ``plot`` for ``model`` at once (tests and scripts)."""
    figure = plot.figure(model)
    if widget.data:
        widget.data = []
    widget.add_traces(figure.data)
    widget.layout = figure.layout


# ---------------------------------------------------------------------- the figure panel
def plain(value: Any) -> Any:
    """``value`` as JSON the browser parses: arrays as (rounded) lists, NaN as null, and a
    series' trailing gaps left off (plotly draws the days there are)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind != "f":
            return value.tolist()
        if value.ndim == 1:
            known = np.flatnonzero(~np.isnan(value))
            value = value[: known[-1] + 1] if known.size else value[:0]
        rounded = np.round(value, 4)
        if np.isnan(rounded).any():
            return np.where(np.isnan(rounded), None, rounded).tolist()
        return rounded.tolist()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def figure_spec(plot: LivePlot, model: Any) -> dict[str, Any]:
    """A figure as the panel sends it: its box's class, traces and layout (plain JSON)."""
    figure = json.loads(plot.figure(model).to_json())
    return {"css": plot.css_class, "data": figure["data"], "layout": figure["layout"]}


PANEL_SCRIPT = """
function merged(spec, updates) {
  const data = structuredClone(spec.data);
  (updates || []).forEach((props, i) => { if (data[i]) Object.assign(data[i], props); });
  // plotly.js leaves a trace without points out of the legend: a layer empty today
  // keeps its entry (and the legend its size) with one point that is not drawn.
  for (const trace of data) {
    if (Array.isArray(trace.y) && trace.y.length === 0) {
      trace.x = Array.isArray(trace.x) && trace.x.length ? trace.x.slice(0, 1) : [null];
      trace.y = [null];
    }
  }
  return data;
}
function render({ model, el }) {
  const Plotly = globalThis.Plotly;
  const grid = document.createElement("div");
  el.appendChild(grid);
  const boxes = {};
  let drawing = false, again = false;
  async function draw() {
    if (drawing) { again = true; return; }
    drawing = true;
    try {
      do {
        again = false;
        const specs = model.get("specs") || {};
        const frame = model.get("frame") || {};
        grid.className = "safesim-grid " + model.get("grid_class");
        for (const name of Object.keys(boxes)) {
          if (!(name in specs)) { Plotly.purge(boxes[name].plot); boxes[name].box.remove();
            delete boxes[name]; }
        }
        for (const [name, spec] of Object.entries(specs)) {
          let entry = boxes[name];
          if (!entry) {
            const box = document.createElement("div");
            box.className = spec.css;
            const plot = document.createElement("div");
            box.appendChild(plot);
            grid.appendChild(box);
            entry = boxes[name] = { box, plot };
          }
          const updates = frame.spec_id === model.get("spec_id") ? frame.updates : null;
          await Plotly.react(entry.plot, merged(spec, (updates || {})[name]),
            structuredClone(spec.layout), { displaylogo: false, responsive: false });
        }
        model.send({ drawn: frame.id || 0 });
      } while (again);
    } catch (error) {
      console.error("safesim figures:", error);
      model.send({ failed: String(error), drawn: (model.get("frame") || {}).id || 0 });
    } finally {
      drawing = false;
    }
  }
  model.on("change:frame", draw);
  model.on("change:specs", draw);
  draw();
  return () => { for (const entry of Object.values(boxes)) Plotly.purge(entry.plot); };
}
export default { render };
"""


@cache
def panel_script() -> str:
    """plotly.js (it sets ``globalThis.Plotly``) and the panel's module, as one ES module:
    the page loads plotly.js once, whatever the number of figures."""
    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return bundle.read_text() + "\n" + PANEL_SCRIPT


class FigurePanel(anywidget.AnyWidget):
    """The page's figures in one widget whose synced state is all a browser needs to
    draw them: ``specs`` (each figure's traces and layout, for the model shown) and
    ``frame`` (the newest day's data). The browser confirms each frame it drew."""

    _esm = panel_script()
    specs = traitlets.Dict().tag(sync=True)
    spec_id = traitlets.Int(0).tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)
    grid_class = traitlets.Unicode("").tag(sync=True)

    def __init__(self, plots: tuple[LivePlot, ...], grid_class: str, **kwargs: Any) -> None:
        super().__init__(grid_class=grid_class, **kwargs)
        self.plots = plots
        self.model: Any = None
        self.frame_id = 0
        self.drawn_id = 0
        self.failure = ""
        self._send_lock = threading.Lock()
        self._drawn = threading.Condition()
        self.on_msg(self._message)

    def _message(self, widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict) or "drawn" not in content:
            return
        with self._drawn:
            self.failure = str(content.get("failed", ""))
            self.drawn_id = max(self.drawn_id, int(content["drawn"]))
            self._drawn.notify_all()

    def load(self, model: Any) -> int:
        """Show ``model``: every figure's spec and data."""
        with model.lock:
            specs = {plot.css_class: figure_spec(plot, model) for plot in self.plots}
        with self._send_lock:
            self.model = model
            self.frame_id += 1
            with self.hold_sync():
                self.spec_id += 1
                self.specs = specs
                self.frame = {"id": self.frame_id, "spec_id": self.spec_id, "updates": {}}
            return self.frame_id

    def show(self, model: Any) -> int:
        """Send the day's data of ``model`` (all of it again for a model not shown yet, or
        when a figure gained a layer); the frame's id, which ``wait_drawn`` waits for."""
        if model is not self.model:
            return self.load(model)
        with model.lock:
            updates = {plot.css_class: plain(plot.data(model)) for plot in self.plots}
        if any(len(updates[name]) != len(spec["data"]) for name, spec in self.specs.items()):
            return self.load(model)
        with self._send_lock:
            self.frame_id += 1
            self.frame = {"id": self.frame_id, "spec_id": self.spec_id, "updates": updates}
            return self.frame_id

    def wait_drawn(self, frame_id: int, timeout: float) -> bool:
        """Whether the browser drew frame ``frame_id`` (or a later one) within ``timeout``."""
        with self._drawn:
            return self._drawn.wait_for(lambda: self.drawn_id >= frame_id, timeout)


# ---------------------------------------------------------------------- notes
def difference_attributes(model: VizModel | ReplayModel) -> dict[str, str]:
    """What the page states about the mix against its twin, as data attributes of the
    note, so a test (or a script) reads the numbers rather than parsing the figures:
    the day shown, criminal cases to date with and without the mix, and the largest
    per-cell gap in recent crime (the live view only)."""
    mix, twin = model.daily(), model.twin_daily()
    attributes = {
        "data-day": str(model.day),
        "data-campaign-day": str(model.campaign_day),
        "data-cases-mix": f"{float(mix['criminal_total'].sum()):.6g}",
    }
    if twin is not None:
        attributes["data-cases-twin"] = f"{float(twin['criminal_total'].sum()):.6g}"
        gap = np.abs(mix["criminal_total"].to_numpy() - twin["criminal_total"].to_numpy())
        attributes["data-days-differing"] = str(int(np.count_nonzero(gap)))
    if isinstance(model, VizModel):
        gap = np.abs(model.city.recent_crime - model.twin.recent_crime)
        attributes["data-map-difference"] = f"{float(gap.max()):.6g}"
    return attributes


def today_line(model: VizModel) -> str:
    """What the map's markers count on the day shown."""
    city = model.city
    active = int(np.count_nonzero(city.offenders.status == ACTIVE))
    counts = [
        f"{len(city.agents_by_type[kind]):,} {unit_style(kind).name}" for kind in unit_classes(city)
    ]
    return f"On the map: {', '.join([*counts, f'{active} active offenders'])}"


@dataclass
class PlayRate:
    """Days shown per second since Play was last pressed (the note states it)."""

    started: float = 0.0
    first_day: int = 0
    days_per_second: float | None = None

    def start(self, day: int) -> None:
        self.started, self.first_day, self.days_per_second = time.monotonic(), day, None

    def update(self, day: int) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed > 0.5:
            self.days_per_second = (day - self.first_day) / elapsed


def _note(model: VizModel | ReplayModel, lines: list[str], extra: str = "") -> None:
    with model.lock:
        if isinstance(model, VizModel):
            lines = [today_line(model), *lines]
        effect = effect_line(model)
        attributes = difference_attributes(model)
        day = day_line(model)
    levers = "<br>".join([lines[0], "; ".join(lines[1:])]) if len(lines) > 1 else lines[0]
    solara.HTML(
        attributes=attributes,
        tag="div",
        unsafe_innerHTML=(
            f"<div><b>{day}</b>{extra}</div>"
            f"<div class='safesim-effect'>{effect}</div>"
            f"<div class='safesim-levers-list'>{levers}</div>"
        ),
        classes=["safesim-note", "safesim-levers"],
    )


def speed_text(rate: PlayRate, days_per_frame: int, playing: bool) -> str:
    if playing and rate.days_per_second is not None:
        return f"; playing at {rate.days_per_second:.1f} days a second"
    if rate.days_per_second is not None:
        return f"; last Play: {rate.days_per_second:.1f} days a second"
    return f"; {days_per_frame} days a frame"


# ---------------------------------------------------------------------- play
# A frame is computed no sooner than this after the last one started, and only once the
# browser drew the last one: Play then runs as fast as the page is drawn, at most ten
# frames a second, and a busy machine slows it instead of piling up renders.
MIN_FRAME_SECONDS = 0.1
# A browser that confirms no frame for this long has gone (a closed tab): Play pauses.
DRAWN_TIMEOUT_SECONDS = 30.0
DEFAULT_DAYS_PER_FRAME = 3


def advance(model: VizModel | ReplayModel, days: int) -> None:
    """Move ``model`` on ``days`` days (a replay seeks, a live model steps)."""
    if isinstance(model, ReplayModel):
        model.seek(model.day + days)
        return
    for _ in range(days):
        if not model.running:
            break
        model.step()


def play(
    model: VizModel | ReplayModel,
    panel: FigurePanel,
    days_per_frame: Any,
    keep_playing: Any,
    rendered: Any,
    rate: PlayRate,
) -> str | None:
    """Play ``model`` frame by frame until it ends or ``keep_playing()`` says stop; each
    frame waits for ``rendered(frame_id)`` (the server's page and the browser's drawing
    of the last frame). Returns why it stopped early, or None."""
    while keep_playing() and model.running:
        started = time.monotonic()
        advance(model, max(1, int(days_per_frame())))
        rate.update(model.day)
        frame_id = panel.show(model)
        if not rendered(frame_id):
            return "the browser stopped drawing the figures: Play paused"
        time.sleep(max(0.0, MIN_FRAME_SECONDS - (time.monotonic() - started)))
    return None


# ---------------------------------------------------------------------- the page
def lever_inputs(model: VizModel) -> dict[str, Any]:
    """The values the sidebar's fields start from: the model's levers and seed."""
    inputs: dict[str, Any] = {
        name: value for name, value in model.levers.items() if value is not None
    }
    inputs["rng"] = str(model.seed)
    return inputs


def pending_changes(model: VizModel, inputs: dict[str, Any]) -> list[str]:
    """The fields whose values differ from the model shown (they apply on Reset)."""
    current = lever_inputs(model)
    changed = []
    for name, value in inputs.items():
        if str(value).strip() != str(current.get(name, "")).strip():
            label = LEVERS.get(name, "seed").lower()
            changed.append(f"{label} {value}")
    return changed


def build_model(scenario_path: str, inputs: dict[str, Any]) -> VizModel:
    """A new live model from the sidebar's values (raises for one that cannot be used)."""
    return VizModel(scenario_path=scenario_path, **inputs)


@solara.component
def Controls(
    model: Any,
    panel: FigurePanel,
    tick: solara.Reactive[int],
    on_reset: Any,
    message: solara.Reactive[str | None],
    rate: PlayRate,
    days_per_frame: solara.Reactive[int],
    playing: solara.Reactive[bool],
) -> None:
    """Reset, Play/Pause and Step, the days a frame, and what went wrong."""
    rendered_tick = solara.use_memo(lambda: {"tick": 0, "event": threading.Condition()}, [])

    def rendered(frame_id: int) -> bool:
        # The server's render of the new day, then the browser's drawing of its figures.
        tick.value += 1
        target = tick.value
        with rendered_tick["event"]:
            rendered_tick["event"].wait_for(lambda: rendered_tick["tick"] >= target, 10.0)
        return panel.wait_drawn(frame_id, DRAWN_TIMEOUT_SECONDS)

    def run(cancel: threading.Event) -> None:
        if not playing.value:
            return
        try:
            stopped = play(
                model,
                panel,
                lambda: days_per_frame.value,
                lambda: playing.value and not cancel.is_set(),
                rendered,
                rate,
            )
        except Exception as exc:  # a failed day is said on the page, the page stays
            traceback.print_exc()
            stopped = f"error in step: {exc}"
        if stopped:
            message.value = stopped
        playing.value = False
        tick.value += 1

    solara.use_thread(run, dependencies=[playing.value, model], intrusive_cancel=False)

    def mark_rendered() -> None:
        with rendered_tick["event"]:
            rendered_tick["tick"] = tick.value
            rendered_tick["event"].notify_all()

    solara.use_effect(mark_rendered, [tick.value])

    def step() -> None:
        try:
            with model.lock:
                advance(model, days_per_frame.value)
            panel.show(model)
        except Exception as exc:
            traceback.print_exc()
            message.value = f"error in step: {exc}"
        tick.value += 1

    def play_pause() -> None:
        if not playing.value:
            message.value = None
            rate.start(model.day)
        playing.value = not playing.value

    def reset() -> None:
        playing.value = False
        on_reset()

    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=reset)
        solara.Button(
            label="❚❚" if playing.value else "▶",
            color="primary",
            on_click=play_pause,
            disabled=not model.running,
        )
        solara.Button(
            label="Step",
            color="primary",
            on_click=step,
            disabled=playing.value or not model.running,
        )
    solara.SliderInt("Days per frame", value=days_per_frame, min=1, max=30, thumb_label="always")
    if message.value:
        solara.Error(message.value, classes=["safesim-message"])


def _page_styles(name: str) -> None:
    solara.Title(f"safesim — {name}")
    solara.Style(PAGE_CSS)
    with solara.AppBar():
        solara.AppBarTitle(f"safesim — {name}")


@solara.component
def LivePage(scenario_path: str) -> None:
    """The live page: controls and levers in the sidebar; the note, the map and the
    other figures beside them."""
    model = solara.use_reactive(solara.use_memo(lambda: VizModel(scenario_path), []))
    panel = solara.use_memo(lambda: FigurePanel(LIVE_PLOTS, "safesim-live"), [])
    tick = solara.use_reactive(0)
    message = solara.use_reactive(None)
    inputs = solara.use_reactive(lever_inputs(model.value))
    days_per_frame = solara.use_reactive(DEFAULT_DAYS_PER_FRAME)
    rate = solara.use_memo(PlayRate, [])
    playing = solara.use_reactive(False)
    shown = model.value

    solara.use_effect(lambda: panel.load(shown) and None, [shown])

    def reset() -> None:
        try:
            new = build_model(scenario_path, inputs.value)
        except Exception as exc:  # any value that cannot be used: said, controls kept
            message.value = f"Not applied, the city shown is unchanged: {exc}"
            return
        message.value = None
        rate.days_per_second = None
        model.value = new

    def set_input(name: str, value: Any) -> None:
        inputs.value = {**inputs.value, name: value}

    _page_styles(shown.name)
    with solara.Sidebar():
        with solara.Card("Controls"):
            Controls(shown, panel, tick, reset, message, rate, days_per_frame, playing)
        with solara.Card("Interventions and seed"):
            for name, label in LEVERS.items():
                value = shown.levers[name]
                if value is None:
                    continue
                solara.SliderInt(
                    label, value=int(inputs.value.get(name, value)), min=0,
                    max=max(10, 3 * value), thumb_label="always",
                    on_value=lambda v, name=name: set_input(name, v),
                )  # fmt: skip
            seed_text = str(inputs.value.get("rng", ""))
            seed_problem = _seed_problem(seed_text)
            solara.InputText(
                "Random seed",
                value=seed_text,
                on_value=lambda v: set_input("rng", v),
                error=bool(seed_problem),
                message=seed_problem,
            )
            changes = pending_changes(shown, inputs.value)
            if changes:
                solara.Info(
                    f"Changed: {', '.join(changes)}. They apply on Reset; the city shown "
                    "keeps its values until then.",
                    classes=["safesim-pending"],
                )
    tick.value  # noqa: B018 - the note is drawn again each frame
    with solara.Column(classes=["safesim-page"], gap="4px"):
        _note(
            shown,
            [scale_note(shown), *lever_lines(shown)],
            f"; seed {shown.seed}{speed_text(rate, days_per_frame.value, playing.value)}",
        )
        solara.Div(children=[panel])


def _seed_problem(text: str) -> str | None:
    from safesim.viz import parse_seed

    try:
        parse_seed(text, 0)
    except ValueError as exc:
        return f"{exc}; Reset would keep the city shown"
    return None


@solara.component
def ReplayPage(results_dir: str) -> None:
    """A saved run: Play, Step and a day slider to scrub, and the two charts up to the
    day shown."""
    model = solara.use_memo(lambda: ReplayModel(results_dir), [])
    panel = solara.use_memo(lambda: FigurePanel(REPLAY_PLOTS, "safesim-replay"), [])
    tick = solara.use_reactive(0)
    message = solara.use_reactive(None)
    days_per_frame = solara.use_reactive(DEFAULT_DAYS_PER_FRAME)
    rate = solara.use_memo(PlayRate, [])
    playing = solara.use_reactive(False)

    solara.use_effect(lambda: panel.load(model) and None, [])

    def rewind() -> None:
        model.seek(0)
        panel.show(model)
        tick.value += 1

    def seek(day: int) -> None:
        model.seek(day)
        panel.show(model)
        tick.value += 1

    _page_styles(f"replay of {model.name}")
    with solara.Sidebar(), solara.Card("Controls"):
        Controls(model, panel, tick, rewind, message, rate, days_per_frame, playing)
    tick.value  # noqa: B018 - the note and the slider follow each frame
    with solara.Column(classes=["safesim-page"], gap="4px"):
        _note(
            model,
            [
                f"{model.name}: replay of {model.results_dir} "
                f"(mean of {model.replicates} replicate(s); a run saves no per-cell maps, "
                "so the city is not shown)"
            ],
            speed_text(rate, days_per_frame.value, playing.value),
        )
        with solara.Div(classes=["safesim-day-slider"]):
            solara.SliderInt(
                "Day shown", value=model.day, min=0, max=model.days, on_value=seek,
                thumb_label="always",
            )  # fmt: skip
        solara.Div(children=[panel])


LIVE_PLOTS: tuple[LivePlot, ...] = (CityMap(), CrimeChart(), DifferenceMap(), SecurityChart())
REPLAY_PLOTS: tuple[LivePlot, ...] = (CrimeChart(), SecurityChart())

"""The browser page: Plotly figures that update in place, laid out for a laptop screen.

Each figure is a Plotly ``FigureWidget`` made once per page; after a step only the
traces' data that changed (a 22 × 22 grid, a few hundred markers, the new days of each
line) go over the websocket and plotly.js restyles the chart, instead of matplotlib
drawing and the browser decoding a new PNG per figure per day. That is what takes a
day from about 1.7 s to a few tens of milliseconds (README, "In the browser").

Shown: the city with the mix (recent crime per cell, patrol teams' stops, the cells grid
workers call on, cameras, active offenders; every cell and marker says what it is on
hover), the difference map (recent crime with the mix minus without it, same seeds),
criminal cases in the last 30 days with and without the mix and their difference, and
the share of households that feel safe with and without. A replay shows the series only:
a run saves no per-cell maps.

The style sheet also hides what SolaraViz shows that means nothing to an analyst (the
single "Page 0" tab, the "Use Threads" box) and keeps slider values always visible.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import solara
from mesa.visualization.utils import force_update, update_counter
from plotly.subplots import make_subplots

from safesim.offenders import ACTIVE
from safesim.quantities import LAND_USES
from safesim.viz import (
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
# Fixed sizes: plotly sizes a figure from its box once, before the page's grid has laid
# the boxes out, so "autosize" came out too wide for a laptop. The two maps (290 px)
# sit side by side and so do the two charts (450 px) at 1366 px with the sidebar; at
# 1024 px the maps still share a row and the charts stack below.
FIGURE_WIDTH = 450
MAP_WIDTH = 290
MAP_HEIGHT = 300
# Maps and charts together fit under the note in a 1366 × 768 window.
CHART_HEIGHT = 262
FONT = {"size": 11}
# Offenders share cells: a fixed jitter per offender keeps their dots apart without flicker.
_JITTER = np.random.default_rng(0).uniform(-0.35, 0.35, size=(2, 100_000))

PAGE_CSS = """
/* One page of figures: Mesa's tab bar for it ("Page 0") says nothing. */
.v-tabs { display: none !important; }
/* "Use Threads" is an implementation switch, not an analyst's choice. */
.v-navigation-drawer .v-input--checkbox { display: none !important; }
/* Slider values always shown, not only while dragging. */
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%)
  rotate(45deg) !important; font-size: 10px; }
.v-navigation-drawer .v-input__slider { margin-top: 14px; }
/* Mesa lays components on a draggable grid of fixed-height cells, which clips and
   overlaps at laptop sizes: let our single component flow at its own height. */
.vue-grid-layout { height: auto !important; }
.vue-grid-item { position: static !important; transform: none !important;
  width: 100% !important; height: auto !important; touch-action: auto !important; }
.vue-grid-item > .vue-resizable-handle { display: none !important; }
.safesim-day-slider { margin-top: 28px; }
.safesim-note { font-size: 13px; line-height: 1.45; margin: 0 0 6px 0; }
.safesim-note .safesim-effect { font-weight: 600; }
.safesim-note .safesim-levers-list { color: #555; }
.safesim-grid { display: flex; flex-wrap: wrap; gap: 6px 10px; width: 100%; }
.safesim-grid > div { width: 450px; overflow: hidden; }
.safesim-grid > .safesim-map, .safesim-grid > .safesim-difference-map { width: 290px; }
"""


# ---------------------------------------------------------------------- figures
# Inside the plot's top left, where mix and twin still run together: below the chart a
# legend falls off a 768-px screen.
CHART_LEGEND = {
    "orientation": "v",
    "x": 0.01,
    "y": 0.99,
    "xanchor": "left",
    "yanchor": "top",
    "bgcolor": "rgba(255, 255, 255, 0.75)",
    "font": {"size": 10},
}


def _layout(height: int, width: int = FIGURE_WIDTH, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "width": width,
        "autosize": False,
        "margin": {"l": 48, "r": 12, "t": 34, "b": 40},
        "font": FONT,
        "template": "plotly_white",
        "uirevision": "keep",  # zoom and hover survive the updates
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


# Numbers go to the browser as customdata arrays and are formatted there: a typed array
# is cheap to send, a list of 484 new strings a day is not.
CELL_HOVER = (
    "%{text}<br>recent crime %{z:.2f} (without the mix %{customdata[0]:.2f})<br>"
    "patrol presence %{customdata[1]:.2f}; cameras %{customdata[2]:.0f} "
    "(coverage %{customdata[3]:.0%}); volunteer guardianship %{customdata[4]:.2f}"
    "<extra></extra>"
)


def _camera_counts(city: Any) -> np.ndarray:
    for intervention in city.interventions:
        per_cell = getattr(intervention, "per_cell", None)
        if intervention.name == "cameras" and per_cell is not None:
            return per_cell
    return np.zeros(city.layout.cells)


def grid_visits_today(model: VizModel) -> np.ndarray:
    """Households each cell's grid workers call on on the day last run."""
    city = model.city
    workers = city.grid_workers
    if workers is None or model.day == 0:
        return np.zeros(city.layout.cells)
    homes = np.arange(city.households.n)
    visited = workers.visited(homes, city.households, model.day - 1)
    return np.bincount(city.households.cell[visited], minlength=city.layout.cells).astype(float)


def _marker_trace(name: str, hover: str, **marker: Any) -> go.Scatter:
    return go.Scatter(
        x=[], y=[], mode="markers", name=name, hovertemplate=hover + "<extra></extra>",
        marker=marker,
    )  # fmt: skip


def _map_axes(fig: go.Figure, width: int, height: int) -> None:
    fig.update_xaxes(visible=False, range=[-0.5, width - 0.5], constrain="domain")
    fig.update_yaxes(visible=False, range=[-0.5, height - 0.5], scaleanchor="x")


def _title(text: str) -> dict[str, Any]:
    return {"text": text, "x": 0.02, "font": {"size": 13}}


class LivePlot:
    """A figure whose traces keep their kind and style while their data change.

    ``frame`` makes the figure with its traces' styles; ``data`` gives, trace by trace,
    the properties that change with the day. The page builds the frame once and then
    sends only ``data``, which keeps an update to a few milliseconds of Python.
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
    """The city with the mix: recent crime as the cells' colour, and markers for patrol
    teams' stops, grid workers' calls, cameras and active offenders."""

    css_class = "safesim-map"

    def frame(self, model: VizModel) -> go.Figure:
        layout = model.city.layout
        fig = go.Figure(
            go.Heatmap(
                z=np.zeros((layout.height, layout.width)),
                text=cell_names(model),
                hovertemplate=CELL_HOVER,
                colorscale="YlOrRd",
                zmin=0.0,
                colorbar={"title": {"text": "recent<br>crime", "side": "top"}, "thickness": 10},
                name="recent crime",
                showlegend=False,
            )
        )
        fig.add_trace(
            _marker_trace(
                "patrol stops",
                "patrol team on a hot-spot stop; presence %{customdata:.2f}",
                symbol="circle",
                size=9,
                color="#2471a3",
                line={"color": "white", "width": 1},
            )
        )
        # Open and small: grid workers call on most home cells every day, and filled
        # markers there would hide the crime under them.
        fig.add_trace(
            _marker_trace(
                "grid workers' calls",
                "grid workers calling on %{customdata:.0f} households",
                symbol="diamond-open",
                size=5,
                color="#1e8449",
                opacity=0.6,
            )
        )
        fig.add_trace(
            _marker_trace(
                "cameras",
                "%{customdata[0]:.0f} camera(s); coverage %{customdata[1]:.0%}",
                symbol="triangle-up",
                size=6,
                color="black",
                opacity=0.55,
            )
        )
        fig.add_trace(_marker_trace("active offenders", "active offender", size=3, color="#555"))
        fig.update_layout(
            **_layout(
                MAP_HEIGHT,
                MAP_WIDTH,
                title=_title("City with the mix"),
                # Two columns of legend entries: one a row would take a third of the map.
                legend={
                    "orientation": "h",
                    "y": -0.02,
                    "x": 0,
                    "font": {"size": 10},
                    "entrywidth": 135,
                    "entrywidthmode": "pixels",
                },
                margin={"l": 8, "r": 8, "t": 30, "b": 8},
            )
        )
        _map_axes(fig, layout.width, layout.height)
        return fig

    def data(self, model: VizModel) -> list[dict[str, Any]]:
        city = model.city
        layout, fields = city.layout, city.fields
        width, height = layout.width, layout.height
        heat = city.recent_crime.reshape(height, width)
        patrolled = np.flatnonzero(fields.patrol_visits > 0)
        visits = grid_visits_today(model)
        called = np.flatnonzero(visits > 0)
        cameras = _camera_counts(city)
        placed = np.flatnonzero(cameras > 0)
        active = np.flatnonzero(city.offenders.status == ACTIVE)
        shape = (height, width)
        cells = np.stack(
            [
                model.twin.recent_crime.reshape(shape),
                fields.patrol_presence.reshape(shape),
                cameras.reshape(shape),
                fields.camera_coverage.reshape(shape),
                fields.guardianship.reshape(shape),
            ],
            axis=-1,
        )
        return [
            {"z": heat, "zmax": max(1.0, float(heat.max())), "customdata": cells},
            {
                "x": patrolled % width,
                "y": patrolled // width,
                "customdata": fields.patrol_presence[patrolled],
            },
            {
                "x": called % width,
                "y": called // width,
                "customdata": visits[called],
            },
            {
                "x": placed % width,
                "y": placed // width,
                "customdata": np.stack([cameras[placed], fields.camera_coverage[placed]], -1),
            },
            {
                "x": city.offenders.x[active] + _JITTER[0, active],
                "y": city.offenders.y[active] + _JITTER[1, active],
            },
        ]


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
                    "%{z:+.2f}<extra></extra>"
                ),
                colorscale="RdBu_r",
                zmid=0.0,
                colorbar={"title": {"text": "mix −<br>without", "side": "top"}, "thickness": 10},
                name="difference",
            )
        )
        fig.update_layout(
            **_layout(
                MAP_HEIGHT,
                MAP_WIDTH,
                title=_title("Recent crime: mix − without it"),
                margin={"l": 8, "r": 8, "t": 30, "b": 8},
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
        fig.update_layout(
            **_layout(
                CHART_HEIGHT,
                title=_title(f"Criminal cases in the last {ROLLING_DAYS} days"),
                legend=CHART_LEGEND,
                shapes=[_campaign_shape(model, "y domain"), _campaign_shape(model, "y2 domain")],
                hovermode="x unified",
            )
        )
        fig.update_xaxes(range=_calendar_range(model), type="date")
        fig.update_yaxes(rangemode="tozero", row=1, col=1)
        fig.update_yaxes(title={"text": "difference", "font": {"size": 10}}, row=2, col=1)
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
        return data


class SecurityChart(LivePlot):
    """The share of households that feel safe with and without the mix."""

    css_class = "safesim-security-chart"

    def frame(self, model: VizModel | ReplayModel) -> go.Figure:
        fig = go.Figure(_line("with the mix", model, color="#1e8449"))
        if model.twin_daily() is not None:
            fig.add_trace(_line("without (same seeds)", model, color=TWIN_COLOUR, dash="dash"))
        shapes = [_campaign_shape(model)]
        baseline = 100.0 * model.baseline_security
        if np.isfinite(baseline):
            shapes.append(
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": baseline,
                    "y1": baseline,
                    "line": {"color": "#999", "width": 1, "dash": "dot"},
                }
            )
        fig.update_layout(
            **_layout(
                CHART_HEIGHT,
                title=_title("Households feeling safe (%)"),
                legend=CHART_LEGEND,
                shapes=shapes,
                hovermode="x unified",
            )
        )
        fig.update_xaxes(range=_calendar_range(model), type="date")
        return fig

    def data(self, model: VizModel | ReplayModel) -> list[dict[str, Any]]:
        mix, twin = model.daily(), model.twin_daily()
        data = [{"y": padded(100.0 * mix["sense_of_security"].to_numpy(), model.days)}]
        if twin is not None:
            data.append({"y": padded(100.0 * twin["sense_of_security"].to_numpy(), model.days)})
        return data


# ---------------------------------------------------------------------- live figures
# How long a figure waits for the browser to confirm an update before sending the next
# anyway (a page reloaded mid-update never confirms it).
ACK_TIMEOUT_SECONDS = 2.0


class PageFigure(go.FigureWidget):
    """A figure widget that leaves the browser's computed defaults in the browser.

    After each update plotly.js sends back every default it filled in, and
    FigureWidget merges them into its Python copy; that costs time per update and fails
    on NumPy arrays (plotly's ``_remove_overlapping_props`` asks an array for its truth).
    The page never reads them back, so the handlers do nothing; FigureFeed still sees
    the messages, which confirm each update.
    """

    def _handler_js2py_traceDeltas(self, change: dict[str, Any]) -> None:
        return None

    def _handler_js2py_layoutDelta(self, change: dict[str, Any]) -> None:
        return None


class FigureFeed:
    """One browser figure and what it has been sent: drops frames the browser has no
    time for.

    plotly.js confirms every update (the widget's trace deltas carry the edit's id).
    While an update is unconfirmed a newer frame is only remembered, and sent when the
    confirmation comes: a slow or busy browser then shows fewer frames of the newest days
    instead of a queue of old ones that grows while Play runs (the page froze that way).
    """

    def __init__(self) -> None:
        self.widget = PageFigure()
        self.lock = threading.Lock()
        self.model: Any = None
        self.plot: LivePlot | None = None
        self.pending = False
        self.confirmed = 0
        self.sent_at = 0.0
        self.widget.observe(self._confirmed, names="_js2py_traceDeltas")

    def _confirmed(self, change: dict[str, Any]) -> None:
        message = change.get("new")
        if not message:
            return
        with self.lock:
            self.confirmed = max(self.confirmed, int(message.get("trace_edit_id", 0)))
            resend = self.pending
        if resend and self.plot is not None:
            self.show(self.plot, self.model)

    def _busy(self) -> bool:
        waiting = self.confirmed < self.widget._last_trace_edit_id
        return waiting and time.monotonic() - self.sent_at < ACK_TIMEOUT_SECONDS

    def show(self, plot: LivePlot, model: Any) -> None:
        """Send ``plot`` for ``model``: the whole figure for a new model, else its data
        (or remember to, if the browser is still busy with the last update)."""
        with self.lock:
            new_model = model is not self.model
            if not new_model and self._busy():
                self.pending = True
                return
            self.pending = False
            self.model, self.plot = model, plot
            with model.lock:
                figure = plot.figure(model) if new_model else None
                data = plot.data(model) if figure is None else None
            widget = self.widget
            self.sent_at = time.monotonic()
            if figure is not None:
                # Legend names stay fixed (counts are in the note above): a legend
                # redrawn every day is a large share of the browser's work per update.
                if widget.data:
                    widget.data = []
                widget.add_traces(figure.data)
                widget.layout = figure.layout
                return
            with widget.batch_update():
                apply_data(widget, data)


def sync_figure(widget: go.FigureWidget, plot: LivePlot, model: Any) -> None:
    """Make ``widget`` show ``plot`` for ``model`` at once (tests and scripts)."""
    figure = plot.figure(model)
    if widget.data:
        widget.data = []
    widget.add_traces(figure.data)
    widget.layout = figure.layout


@solara.component
def LiveFigure(plot: LivePlot, model: Any, counter: int) -> None:
    """A Plotly figure widget made once per page and updated after every step."""
    # Passed as a child, not through solara.display, which would print the figure's
    # text form (tens of milliseconds) on every render.
    feed = solara.use_memo(FigureFeed, [])
    solara.Div(classes=[plot.css_class], children=[feed.widget])

    def update() -> None:
        feed.show(plot, model)

    solara.use_effect(update, [model, counter])


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
    stops = int(np.count_nonzero(city.fields.patrol_visits > 0))
    calls = int(grid_visits_today(model).sum())
    cameras = int(_camera_counts(city).sum())
    active = int(np.count_nonzero(city.offenders.status == ACTIVE))
    return (
        f"On the map today: {stops} patrol stops, {calls:,} grid workers' calls, "
        f"{cameras} cameras, {active} active offenders"
    )


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


@solara.component
def Dashboard(model: VizModel) -> None:
    """The live page: note, the two maps and the two charts."""
    counter = update_counter.get()
    with solara.Column(classes=["safesim-page"], gap="4px"):
        solara.Style(PAGE_CSS)
        _note(model, [scale_note(model), *lever_lines(model)], f"; seed {model.seed}")
        with solara.Div(classes=["safesim-grid"]):
            for plot in LIVE_PLOTS:
                LiveFigure(plot, model, counter)


@solara.component
def ReplayDashboard(model: ReplayModel) -> None:
    """A saved run: a day slider to scrub, and the two charts up to that day."""
    counter = update_counter.get()

    def seek(day: int) -> None:
        model.seek(day)
        force_update()

    with solara.Column(classes=["safesim-page"], gap="4px"):
        solara.Style(PAGE_CSS)
        _note(
            model,
            [
                f"{model.name}: replay of {model.results_dir} "
                f"(mean of {model.replicates} replicate(s); a run saves no per-cell maps, "
                "so the city is not shown)"
            ],
        )
        with solara.Div(classes=["safesim-day-slider"]):
            solara.SliderInt(
                "Day shown", value=model.day, min=0, max=model.days, on_value=seek,
                thumb_label="always",
            )  # fmt: skip
        with solara.Div(classes=["safesim-grid"]):
            for plot in REPLAY_PLOTS:
                LiveFigure(plot, model, counter)


LIVE_PLOTS: tuple[LivePlot, ...] = (CityMap(), DifferenceMap(), CrimeChart(), SecurityChart())
REPLAY_PLOTS: tuple[LivePlot, ...] = (CrimeChart(), SecurityChart())
COMPONENTS = [Dashboard]
REPLAY_COMPONENTS = [ReplayDashboard]

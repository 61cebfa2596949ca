"""The browser view's charts (criminal cases and the sense of security, with and without
the mix, campaign marked) and the panel that updates a Plotly figure in place."""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import traitlets
from plotly.subplots import make_subplots

from safesim.ui.viz import (
    ROLLING_DAYS,
    ReplayModel,
    VizModel,
)
from safesim.ui.viz_maps import (
    BASELINE_COLOUR,
    CAMPAIGN_COLOUR,
    CHART_HEIGHT,
    CHART_LEGEND,
    CHART_WIDTH,
    DIFF_COLOUR,
    MIX_COLOUR,
    REPLAY_CHART_HEIGHT,
    REPLAY_CHART_WIDTH,
    SMALL_CHART_WIDTH,
    SMALL_HEIGHT,
    TWIN_COLOUR,
    LivePlot,
    _layout,
    _title,
)


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

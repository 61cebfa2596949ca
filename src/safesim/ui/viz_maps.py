"""The browser view's maps: the city with the mix (cells, the intervention units and
offenders, each described on hover) and the difference against the no-intervention twin,
with the page's colours, sizes and style."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import plotly.graph_objects as go

from safesim.core.interventions.base import Portrayal
from safesim.core.offenders import ACTIVE
from safesim.core.quantities import LAND_USES
from safesim.ui.viz import (
    VizModel,
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

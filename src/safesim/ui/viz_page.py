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

The maps are in ``safesim.ui.viz_maps``, the charts and the figure panel in
``safesim.ui.viz_charts``; this module holds the notes, the play loop and the pages.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np
import solara

from safesim.core.offenders import ACTIVE
from safesim.ui.viz import (
    LEVERS,
    ReplayModel,
    VizModel,
    day_line,
    effect_line,
    lever_lines,
    scale_note,
)
from safesim.ui.viz_charts import CrimeChart, FigurePanel, SecurityChart

# The figures' pieces, for the tests and the browser checks that import them from here.
from safesim.ui.viz_charts import figure_spec as figure_spec
from safesim.ui.viz_charts import plain as plain
from safesim.ui.viz_charts import rolling_cases as rolling_cases
from safesim.ui.viz_charts import sync_figure as sync_figure
from safesim.ui.viz_maps import PAGE_CSS, CityMap, DifferenceMap, LivePlot, unit_classes, unit_style


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
    from safesim.ui.viz import parse_seed

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

"""The browser view of a scenario: a scaled-down model whose levers are keyword arguments,
and the components SolaraViz shows beside Mesa's controls.

``VizModel`` runs a ``SafetyModel`` built from a scenario file, shrunk to
``VIZ_HOUSEHOLDS`` households so a day takes milliseconds. Offenders and every
intervention count shrink by the same factor, so the doses per household that the
mechanisms respond to are the scenario's. Its keyword arguments (the sizes of the
interventions and the seed) are what the page's sliders set; SolaraViz rebuilds the model
with them on Reset.

The components draw with matplotlib: the city map (recent crime as a heat layer, hot
spots, patrolled cells, cameras, active offenders), crime by type and the sense of
security over the days run so far with the campaign start marked, and a note of the
scale and the intervention sizes in force.

**Examples**::

    from safesim.viz import VizModel, map_figure
    model = VizModel("scenarios/guiyang.yaml", officers=60, rng=3)
    for _ in range(30):
        model.step()
    map_figure(model.city).savefig("map.png")

Serve it with ``safesim viz scenarios/guiyang.yaml``.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from safesim.model import SafetyModel
from safesim.offenders import ACTIVE
from safesim.plotting import CRIME_TYPES, concise_dates, mark_campaign
from safesim.scaling import scale_scenario
from safesim.scenario import Calendar, Scenario, load_scenario

SCENARIO_ENV = "SAFESIM_VIZ_SCENARIO"
DEFAULT_SCENARIO = "scenarios/small.yaml"
# Large enough for hot spots to form on a grid of a few hundred cells, small enough that
# a day takes a few milliseconds and the map redraws at play speed.
VIZ_HOUSEHOLDS = 20_000
# Cells with the most recent crime that the map outlines as hot spots.
HOT_SPOT_SHARE = 0.05
ROLLING_DAYS = 30

HARDENING_DEVICES = (
    "lock_cylinders",
    "alarm_phones",
    "anti_climb_spikes",
    "home_cameras",
    "secured_parking",
)
# The sliders: VizModel keyword → label on the page.
LEVERS = {
    "officers": "Patrol officers",
    "cameras": "Cameras",
    "grid_workers": "Grid workers",
    "volunteers": "Volunteers",
    "hardening_devices": "Target-hardening devices",
}
LEVER_PATHS = {
    "officers": "interventions.patrols.officers",
    "cameras": "interventions.cameras.count",
    "grid_workers": "interventions.grid_workers.workers",
    "volunteers": "interventions.volunteers.count",
}


def count_at(scenario: Scenario, path: str) -> int | None:
    """The count at a dotted path (a provenance-carrying value gives its ``value``), or None
    where the scenario leaves it out."""
    node: Any = scenario
    for key in path.split("."):
        node = getattr(node, key, None)
        if node is None:
            return None
    return int(node.value if hasattr(node, "value") else node)


def default_scenario_path() -> str:
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


def shrink_scenario(scenario: Scenario, households: int) -> Scenario:
    """The scenario shrunk to ``households`` (unchanged if it is no larger), keeping its
    doses per household (``safesim.scaling``)."""
    if scenario.city.households.value <= households:
        return scenario
    return scale_scenario(scenario, households)


def lever_values(scenario: Scenario) -> dict[str, int | None]:
    """Each lever's size in the scenario; None where it has no such intervention."""
    values: dict[str, int | None] = {
        name: count_at(scenario, path) for name, path in LEVER_PATHS.items()
    }
    if scenario.interventions.target_hardening is None:
        values["hardening_devices"] = None
    else:
        values["hardening_devices"] = sum(_device_counts(scenario).values())
    return values


def _device_counts(scenario: Scenario) -> dict[str, int]:
    counts = {
        device: count_at(scenario, f"interventions.target_hardening.{device}")
        for device in HARDENING_DEVICES
    }
    return {device: count for device, count in counts.items() if count is not None}


def set_levers(scenario: Scenario, levers: dict[str, int | None]) -> Scenario:
    """A copy with the given lever sizes (None keeps the scenario's).

    Auxiliaries keep their ratio to officers, and target-hardening devices keep the
    scenario's mix (all locks where it names none). Raises ``ValueError`` for a lever
    whose intervention the scenario does not have.
    """
    now = lever_values(scenario)
    changes: dict[str, Any] = {}
    for name, value in levers.items():
        if value is None:
            continue
        value = int(value)
        if value < 0:
            raise ValueError(f"{LEVERS[name].lower()}: must be ≥ 0, got {value}")
        if now[name] is None:
            raise ValueError(f"scenario {scenario.name} has no {LEVERS[name].lower()} to set")
        if name == "hardening_devices":
            changes.update(_split_devices(scenario, value))
            continue
        changes[LEVER_PATHS[name]] = value
        auxiliaries = count_at(scenario, "interventions.patrols.auxiliaries")
        officers = now["officers"]
        if name == "officers" and auxiliaries is not None and officers:
            changes["interventions.patrols.auxiliaries"] = round(value * auxiliaries / officers)
    return scenario.with_values(changes) if changes else scenario


def _split_devices(scenario: Scenario, total: int) -> dict[str, int]:
    devices = _device_counts(scenario)
    prefix = "interventions.target_hardening."
    current = sum(devices.values())
    if current == 0:
        return {f"{prefix}lock_cylinders": total}
    names = list(devices)
    shares = [round(total * devices[d] / current) for d in names[:-1]]
    # The last device takes the rounding remainder so the total is exact.
    shares.append(max(0, total - sum(shares)))
    return {f"{prefix}{d}": n for d, n in zip(names, shares, strict=True)}


def parse_seed(value: int | str | None, default: int) -> int:
    """The seed from the page's text box: blank means the scenario's own."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        seed = int(str(value).strip())
    except ValueError:
        raise ValueError(f"the seed must be a whole number ≥ 0, got {value!r}") from None
    if seed < 0:
        raise ValueError(f"the seed must be a whole number ≥ 0, got {value!r}")
    return seed


class VizModel(mesa.Model):
    """The model SolaraViz drives: a scenario file, shrunk, with slider levers.

    It holds the city model (``city``, a ``SafetyModel``) and ``step()`` runs it one day;
    ``spec`` is the scenario as run (shrunk, levers set).

    Args:
        scenario_path: scenario file (default: ``$SAFESIM_VIZ_SCENARIO`` or
            ``scenarios/small.yaml``).
        rng: run seed (an int or its text; blank: the scenario's seed).
        officers: patrol officers after scaling (auxiliaries keep the scenario's ratio).
        cameras: public cameras after scaling.
        grid_workers: grid workers after scaling.
        volunteers: volunteers after scaling.
        hardening_devices: target-hardening devices after scaling, in the scenario's mix.
        households: households of the shrunk city (a smaller scenario is not enlarged).

    A lever left at None keeps the (scaled) scenario's size.
    """

    def __init__(
        self,
        scenario_path: str | None = None,
        rng: int | str | None = None,
        officers: int | None = None,
        cameras: int | None = None,
        grid_workers: int | None = None,
        volunteers: int | None = None,
        hardening_devices: int | None = None,
        households: int = VIZ_HOUSEHOLDS,
    ):
        path = scenario_path or default_scenario_path()
        full = load_scenario(path)
        scaled = shrink_scenario(full, households)
        spec = set_levers(
            scaled,
            {
                "officers": officers,
                "cameras": cameras,
                "grid_workers": grid_workers,
                "volunteers": volunteers,
                "hardening_devices": hardening_devices,
            },
        )
        seed = parse_seed(rng, spec.seed)
        super().__init__(rng=seed)
        self.seed = seed
        self.spec = spec
        self.scenario_path = str(path)
        self.full_households = full.city.households.value
        self.levers = lever_values(spec)
        self.city = SafetyModel(spec, seed=seed)
        self.running = self.city.running

    def step(self) -> None:
        # Play may ask for one more step after the last day: the run is over, not an error.
        if self.city.running:
            self.city.step()
        self.running = self.city.running

    @property
    def day(self) -> int:
        return self.city.day

    @property
    def days(self) -> int:
        return self.city.days

    @property
    def campaign_day(self) -> int:
        return self.city.campaign_day

    @property
    def calendar(self) -> Calendar:
        return self.city.calendar

    def date_of(self, day: int) -> date:
        return self.calendar.start + timedelta(days=day)

    def daily(self) -> pd.DataFrame:
        """The days run so far."""
        return self.city.record.frame(self.day)


def model_params(model: VizModel) -> dict[str, Any]:
    """SolaraViz ``model_params``: the scenario fixed, a slider per lever the scenario
    has (from 0 to three times its size), and the seed."""
    params: dict[str, Any] = {"scenario_path": model.scenario_path}
    for name, label in LEVERS.items():
        value = model.levers[name]
        if value is None:
            continue
        # Step 1: a coarser step would snap the scenario's own size to a round number.
        params[name] = {
            "type": "SliderInt",
            "value": value,
            "min": 0,
            "max": max(10, 3 * value),
            "step": 1,
            "label": label,
        }
    params["rng"] = {"type": "InputText", "value": str(model.seed), "label": "Random seed"}
    return params


# ---------------------------------------------------------------------- figures
def scale_note(model: VizModel) -> str:
    """One line saying how the shown city relates to the scenario."""
    households = model.spec.city.households.value
    name = model.spec.name
    if model.full_households <= households:
        return f"{households:,} households (scenario {name} at full scale)"
    factor = model.full_households / households
    return (
        f"{households:,} households (scenario {name}'s {model.full_households:,} scaled "
        f"1 : {factor:.1f}; offenders and interventions scaled alike)"
    )


def levers_note(model: VizModel) -> str:
    """Markdown: day, date, campaign start and the intervention sizes in force."""
    day = model.day
    lines = [
        f"**{model.spec.name}**: {scale_note(model)}",
        "",
        f"Day {day} of {model.days} ({model.date_of(day).isoformat()}); campaign starts "
        f"{model.calendar.campaign_start.value.isoformat()} (day {model.campaign_day}); "
        f"seed {model.seed}",
        "",
    ]
    auxiliaries = count_at(model.spec, "interventions.patrols.auxiliaries")
    for name, label in LEVERS.items():
        value = model.levers[name]
        if value is None:
            lines.append(f"- {label}: none in this scenario")
        elif name == "officers" and auxiliaries:
            lines.append(f"- {label}: {value:,} (+{auxiliaries:,} auxiliaries)")
        else:
            lines.append(f"- {label}: {value:,}")
    return "\n".join(lines)


def hot_spots(model: SafetyModel) -> np.ndarray:
    """Cells in the top ``HOT_SPOT_SHARE`` by recent crime (only cells with some)."""
    recent = model.recent_crime
    n = max(1, round(HOT_SPOT_SHARE * recent.size))
    top = np.argsort(-recent, kind="stable")[:n]
    return top[recent[top] > 0]


def map_figure(model: SafetyModel) -> Figure:
    """The city: recent crime per cell as a heat layer, hot spots outlined, today's
    patrolled cells, camera cells, and active offenders as dots."""
    layout, fields = model.layout, model.fields
    fig = Figure(figsize=(6.4, 4.3), layout="constrained")
    ax = fig.subplots()
    heat = model.recent_crime.reshape(layout.height, layout.width)
    image = ax.imshow(
        heat,
        cmap="YlOrRd",
        origin="lower",
        vmin=0.0,
        vmax=max(1.0, float(heat.max())),
        interpolation="nearest",
    )
    fig.colorbar(image, ax=ax, shrink=0.8, label="recent crimes per cell", location="left")

    spots = hot_spots(model)
    x, y = layout.xy(spots)
    ax.scatter(x, y, marker="s", s=90, facecolors="none", edgecolors="darkred", linewidths=1.6)
    patrolled = np.flatnonzero(fields.patrol_visits > 0)
    x, y = layout.xy(patrolled)
    ax.scatter(x, y, marker="o", s=28, color="tab:blue", edgecolors="white", linewidths=0.5)
    cameras = np.flatnonzero(fields.camera_coverage > 0)
    x, y = layout.xy(cameras)
    ax.scatter(x, y, marker="^", s=10, color="black", alpha=0.6)
    offenders = model.offenders
    active = offenders.status == ACTIVE
    # Offenders share cells: a fixed jitter per offender keeps dots apart without flicker.
    jitter = np.random.default_rng(0).uniform(-0.35, 0.35, size=(2, offenders.x.size))
    ax.scatter(
        offenders.x[active] + jitter[0, active],
        offenders.y[active] + jitter[1, active],
        s=5,
        color="dimgray",
    )

    guardianship = float(fields.guardianship.mean()) if fields.guardianship.size else 0.0
    day = getattr(model, "day", 0)
    ax.set_title(f"Day {day}; volunteer guardianship {guardianship:.2f} city-wide", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, layout.width - 0.5)
    ax.set_ylim(-0.5, layout.height - 0.5)
    handles = [
        ax.scatter([], [], marker="s", s=60, facecolors="none", edgecolors="darkred"),
        ax.scatter([], [], marker="o", s=28, color="tab:blue"),
        ax.scatter([], [], marker="^", s=14, color="black", alpha=0.6),
        ax.scatter([], [], s=8, color="dimgray"),
    ]
    labels = [
        f"hot spot\n(top {HOT_SPOT_SHARE:.0%} of cells)",
        f"patrolled today\n({patrolled.size} cells)",
        f"camera cells\n({cameras.size})",
        f"active offenders\n({int(active.sum())})",
    ]
    fig.legend(handles, labels, loc="outside right center", fontsize=8)
    return fig


def _dates(model: VizModel, daily: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(daily["date"])


def _frame_calendar(ax: Any, model: VizModel) -> None:
    start = pd.Timestamp(model.calendar.start)
    end = pd.Timestamp(model.calendar.start + timedelta(days=model.days - 1))
    ax.set_xlim(start, end)
    mark_campaign(ax, pd.Timestamp(model.calendar.campaign_start.value), end)
    concise_dates(ax)
    ax.grid(alpha=0.3)


def crime_figure(model: VizModel) -> Figure:
    """Crime by type: cases in the last 30 days, over the days run so far."""
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.subplots()
    daily = model.daily()
    if len(daily):
        dates = _dates(model, daily)
        for column, label in CRIME_TYPES.items():
            rolling = daily[column].rolling(ROLLING_DAYS, min_periods=1).sum()
            ax.plot(dates, rolling, label=label, linewidth=1.4)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3)
    else:
        ax.text(0.5, 0.5, "press Step or ▶ to run", transform=ax.transAxes, ha="center")
    _frame_calendar(ax, model)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"cases in the last {ROLLING_DAYS} days")
    ax.set_title("Crime by type", fontsize=10)
    return fig


def security_figure(model: VizModel) -> Figure:
    """The share of households that feel safe, day by day, against the baseline."""
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    daily = model.daily()
    baseline = 100.0 * model.spec.city.baseline.sense_of_security.value
    ax.axhline(baseline, color="gray", linestyle="--", linewidth=1, label="scenario baseline")
    low, high = baseline - 2.0, baseline + 6.0
    if len(daily):
        share = 100.0 * daily["sense_of_security"]
        ax.plot(_dates(model, daily), share, color="tab:green", label="households feeling safe")
        low, high = min(low, share.min() - 0.5), max(high, share.max() + 0.5)
    # A fixed range around the baseline, widened only when needed, keeps the live chart still.
    ax.set_ylim(low, high)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    _frame_calendar(ax, model)
    ax.set_ylabel("households feeling safe (%)")
    ax.set_title("Sense of security", fontsize=10)
    return fig


# ---------------------------------------------------------------------- components
# Each component reads Mesa's update counter so it redraws after every step, and carries a
# CSS class so tests (and users' style sheets) can find it.
@solara.component
def CityMap(model: VizModel) -> None:
    update_counter.get()
    with solara.Column(classes=["safesim-map"]):
        solara.FigureMatplotlib(map_figure(model.city), format="png")


@solara.component
def CrimeChart(model: VizModel) -> None:
    update_counter.get()
    with solara.Column(classes=["safesim-crime-chart"]):
        solara.FigureMatplotlib(crime_figure(model), format="png")


@solara.component
def SecurityChart(model: VizModel) -> None:
    update_counter.get()
    with solara.Column(classes=["safesim-security-chart"]):
        solara.FigureMatplotlib(security_figure(model), format="png")


@solara.component
def LeversInForce(model: VizModel) -> None:
    update_counter.get()
    with solara.Column(classes=["safesim-levers"]):
        solara.Markdown(levers_note(model))


COMPONENTS = [CityMap, CrimeChart, SecurityChart, LeversInForce]


def scenario_file(path: str | Path) -> str:
    """An absolute path, so the server finds the scenario whatever its working folder."""
    return str(Path(path).resolve())

"""The browser view of a scenario: a scaled-down model whose levers are keyword arguments,
its no-intervention twin, and a replay of a finished run.

``VizModel`` runs a ``SafetyModel`` built from a scenario file, shrunk to
``VIZ_HOUSEHOLDS`` households so a day takes about a millisecond. Offenders and every
intervention count shrink by the same factor, so the doses per household that the
mechanisms respond to are the scenario's. Its keyword arguments (the sizes of the
interventions and the seed) are what the page's sliders set; SolaraViz rebuilds the model
with them on Reset. Beside it runs the counterfactual twin (``SafetyModel.
counterfactual_twin``): the same seeds with no intervention, identical to the mix until
the campaign starts, so every difference the page shows after that is the mix's doing.

``ReplayModel`` steps through a results folder written by ``safesim run`` instead of
simulating: Play and the day slider move through the days it saved.

The page itself (Plotly figures that update in place) is in ``safesim.ui.viz_page``.

**Examples**::

    from safesim.ui.viz import VizModel
    model = VizModel("scenarios/guiyang.yaml", officers=60, rng=3)
    for _ in range(30):
        model.step()
    model.daily(), model.twin_daily()

Serve it with ``safesim viz scenarios/guiyang.yaml`` or replay a run with
``safesim viz results/small``.
"""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from safesim.core.interventions import ORDER, Intervention
from safesim.core.model import SafetyModel
from safesim.core.scenario import Calendar, Scenario, load_scenario
from safesim.core.shipped import resolve_scenario
from safesim.errors import SafesimError
from safesim.experiments.results import ResultsError, read_manifest, verify_set
from safesim.experiments.scaling import scale_scenario

SCENARIO_ENV = "SAFESIM_VIZ_SCENARIO"
RESULTS_ENV = "SAFESIM_VIZ_RESULTS"
HOUSEHOLDS_ENV = "SAFESIM_VIZ_HOUSEHOLDS"
DEFAULT_SCENARIO = "scenarios/small.yaml"
# Large enough for hot spots to form on a grid of a few hundred cells, small enough that
# a day (of the mix and of its twin) takes a few milliseconds.
VIZ_HOUSEHOLDS = 20_000
ROLLING_DAYS = 30

# The sliders, from the interventions that declare one: VizModel keyword → label.
LEVER_KINDS: dict[str, type[Intervention]] = {kind.lever: kind for kind in ORDER if kind.lever}
LEVERS: dict[str, str] = {name: kind.lever_label for name, kind in LEVER_KINDS.items()}


def default_scenario_path() -> str:
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


def parse_households(value: str | int | None) -> int | None:
    """Households of the city shown: a whole number > 0, "full" (None: the scenario's own
    size) or blank (``VIZ_HOUSEHOLDS``)."""
    if value is None or not str(value).strip():
        return VIZ_HOUSEHOLDS
    text = str(value).strip().lower()
    if text == "full":
        return None
    try:
        households = int(text)
    except ValueError:
        raise ValueError(
            f"households must be a whole number > 0 or 'full', got {value!r}"
        ) from None
    if households <= 0:
        raise ValueError(f"households must be a whole number > 0 or 'full', got {value!r}")
    return households


def default_households() -> int | None:
    """The city size ``safesim viz --households`` asked for (None: full size)."""
    return parse_households(os.environ.get(HOUSEHOLDS_ENV))


def shrink_scenario(scenario: Scenario, households: int | None) -> Scenario:
    """The scenario shrunk to ``households`` (unchanged if it is no larger, or for None),
    keeping its doses per household (``safesim.experiments.scaling``)."""
    if households is None or scenario.city.households.value <= households:
        return scenario
    return scale_scenario(scenario, households)


def lever_values(scenario: Scenario) -> dict[str, int | None]:
    """Each lever's size in the scenario; None where it has no such intervention."""
    values: dict[str, int | None] = {}
    for name, kind in LEVER_KINDS.items():
        spec = getattr(scenario.interventions, kind.name)
        values[name] = None if spec is None else kind.lever_size(spec)
    return values


def set_levers(scenario: Scenario, levers: dict[str, int | None]) -> Scenario:
    """A copy with the given lever sizes (None keeps the scenario's); each intervention
    says which of its fields a size sets (``Intervention.lever_changes``). Raises
    ``ValueError`` for an unknown lever or one whose intervention the scenario lacks.
    """
    changes: dict[str, Any] = {}
    for name, value in levers.items():
        if value is None:
            continue
        kind = LEVER_KINDS.get(name)
        if kind is None:
            raise ValueError(f"no slider named {name!r} (sliders: {', '.join(LEVERS)})")
        value = int(value)
        if value < 0:
            raise ValueError(f"{LEVERS[name].lower()}: must be ≥ 0, got {value}")
        spec = getattr(scenario.interventions, kind.name)
        if spec is None:
            raise ValueError(f"scenario {scenario.name} has no {LEVERS[name].lower()} to set")
        prefix = f"interventions.{kind.name}."
        changes.update({prefix + key: n for key, n in kind.lever_changes(spec, value).items()})
    return scenario.with_values(changes) if changes else scenario


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
    """The model SolaraViz drives: a scenario file, shrunk, with slider levers, and its
    no-intervention twin stepped alongside.

    It holds the city model (``city``, a ``SafetyModel``) and its counterfactual twin
    (``twin``); ``step()`` runs both one day. ``spec`` is the scenario as run (shrunk,
    levers set).

    Args:
        scenario_path: scenario file (default: ``$SAFESIM_VIZ_SCENARIO`` or
            ``scenarios/small.yaml``, found among the shipped scenarios from any folder).
        rng: run seed (an int or its text; blank: the scenario's seed).
        households: households of the shrunk city (a smaller scenario is not enlarged);
            default ``$SAFESIM_VIZ_HOUSEHOLDS`` or ``VIZ_HOUSEHOLDS``; "full" or 0 for the
            scenario's own size.

        **levers: a size after scaling per slider, by the keyword its intervention
            declares (``Intervention.lever``: officers, cameras, grid_workers,
            volunteers, hardening_devices); each intervention says which of its fields
            the size sets (patrols keep auxiliaries in ratio, target hardening keeps its
            mix of devices). A lever left out or at None keeps the (scaled) scenario's.
    """

    def __init__(
        self,
        scenario_path: str | None = None,
        rng: int | str | None = None,
        households: int | str | None = None,
        **levers: int | None,
    ):
        path = resolve_scenario(scenario_path or default_scenario_path())
        full = load_scenario(path)
        if households is None:
            size = default_households()
        elif households == 0:
            size = None
        else:
            size = parse_households(households)
        scaled = shrink_scenario(full, size)
        spec = set_levers(scaled, levers)
        seed = parse_seed(rng, spec.seed)
        super().__init__(rng=seed)
        self.seed = seed
        self.spec = spec
        self.scenario_path = str(path)
        self.full_households = full.city.households.value
        self.levers = lever_values(spec)
        self.city = SafetyModel(spec, seed=seed)
        # Forked at day 0 so the pair shares the burn-in and every random stream (common
        # random numbers); a mix that starts in the burn-in gets a twin of its own.
        self.twin = self.city.counterfactual_twin() or SafetyModel(spec.counterfactual(), seed=seed)
        self._frames: dict[str, tuple[int, pd.DataFrame]] = {}
        # Play steps in a thread of its own while the page may render from another: the
        # page holds this lock while it reads, so it never sees the mix a day ahead.
        self.lock = threading.RLock()
        self.running = self.city.running

    def step(self) -> None:
        # Play may ask for one more step after the last day: the run is over, not an error.
        with self.lock:
            if self.city.running:
                self.city.step()
                self.twin.step()
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

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def baseline_security(self) -> float:
        return float(self.spec.city.baseline.sense_of_security.value)

    def date_of(self, day: int) -> date:
        return self.calendar.start + timedelta(days=day)

    def daily(self) -> pd.DataFrame:
        """The mix's days run so far."""
        return self._frame("mix", self.city)

    def twin_daily(self) -> pd.DataFrame:
        """The twin's days run so far (as many as the mix's)."""
        return self._frame("twin", self.twin)

    def _frame(self, which: str, model: SafetyModel) -> pd.DataFrame:
        # Every figure and note of a frame reads these tables: build each once a day.
        cached = self._frames.get(which)
        if cached is None or cached[0] != model.day:
            cached = (model.day, model.record.frame(model.day))
            self._frames[which] = cached
        return cached[1]


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


# ---------------------------------------------------------------------- replay
class ReplayError(SafesimError, ValueError):
    """A folder that cannot be replayed; one line naming it and what is missing."""


def _mean_by_day(daily: pd.DataFrame) -> pd.DataFrame:
    """The replicate mean of each numeric column, one row per day, dates kept."""
    numeric = daily.drop(columns=["replicate", "date"], errors="ignore")
    mean = numeric.groupby("day", sort=True).mean().reset_index()
    dates = daily.groupby("day", sort=True)["date"].first().to_numpy()
    mean.insert(1, "date", dates)
    return mean


def _iso_day(value: Any, where: str) -> date:
    """A ``YYYY-MM-DD`` date from a results file, or a ``ReplayError`` naming ``where``."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ReplayError(f"{where}: {str(value)[:40]!r} is not a date (YYYY-MM-DD)")


class ReplayModel(mesa.Model):
    """A finished run replayed: each step shows one more of the days it saved.

    Reads ``daily.csv`` (and, when the run had its counterfactual twin,
    ``daily_twin.csv``) from a folder ``safesim run`` wrote, averages the replicates day
    by day, and ``step()`` or ``seek()`` moves through them without simulating.
    A run saves no per-cell maps, so the replay shows the daily series, not the city.

    Args:
        results_dir: the run's folder (default: ``$SAFESIM_VIZ_RESULTS``).
    """

    def __init__(self, results_dir: str | None = None):
        super().__init__(rng=0)
        folder = Path(results_dir or os.environ.get(RESULTS_ENV, ""))
        self.results_dir = str(folder)
        daily_path = folder / "daily.csv"
        if not daily_path.is_file():
            raise ReplayError(f"{folder}: no daily.csv here (write one with safesim run)")
        manifest_path = folder / "manifest.json"
        try:
            # The set is checked as `safesim plot` checks it: a daily.csv cut short or
            # from another run is refused, not replayed.
            manifest = read_manifest(folder)
            if manifest is None:
                raise ResultsError(
                    f"{folder}: no manifest.json, so nothing says its files are one complete "
                    "safesim result set; run the command that makes them"
                )
            verify_set(folder, manifest)
        except ResultsError as exc:
            raise ReplayError(str(exc)) from None
        try:
            mix = pd.read_csv(daily_path)
            twin_path = folder / "daily_twin.csv"
            twin = pd.read_csv(twin_path) if twin_path.is_file() else None
        except (OSError, ValueError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ReplayError(f"{folder}: cannot read its daily tables ({first})") from None
        for table, label in ((mix, "daily.csv"), (twin, "daily_twin.csv")):
            if table is not None and not {"day", "date", "criminal_total"} <= set(table):
                raise ReplayError(f"{folder / label}: not a safesim daily table")
            if table is not None and table.empty:
                raise ReplayError(f"{folder / label}: no rows")
        self.replicates = int(mix["replicate"].nunique()) if "replicate" in mix else 1
        try:
            self._mix = _mean_by_day(mix)
            self._twin = _mean_by_day(twin) if twin is not None else None
        except (TypeError, ValueError) as exc:
            raise ReplayError(f"{daily_path}: not a safesim daily table ({exc})") from None
        self.days = len(self._mix)
        self.name = str(manifest.get("scenario") or folder.name)
        start = _iso_day(self._mix["date"].iloc[0], f"{daily_path}: date")
        campaign = manifest.get("campaign_start")
        campaign_start = (
            _iso_day(campaign, f"{manifest_path}: campaign_start") if campaign else None
        )
        self.start = start
        self.campaign_day = (campaign_start - start).days if campaign_start else self.days
        self.campaign_start = campaign_start
        self.baseline_security = float(manifest.get("baseline_sense_of_security") or np.nan)
        self.day = 0
        self.lock = threading.RLock()
        self.running = self.days > 0

    def step(self) -> None:
        self.seek(self.day + 1)

    def seek(self, day: int) -> None:
        """Show the days up to ``day`` (clipped to the run's)."""
        with self.lock:
            self.day = int(min(max(day, 0), self.days))
            self.running = self.day < self.days

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def daily(self) -> pd.DataFrame:
        return self._mix.iloc[: self.day]

    def twin_daily(self) -> pd.DataFrame | None:
        return None if self._twin is None else self._twin.iloc[: self.day]


# ---------------------------------------------------------------------- notes
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


def day_line(model: VizModel | ReplayModel) -> str:
    """Which day is shown, its date and where the campaign starts."""
    day = model.day
    campaign = model.date_of(model.campaign_day).isoformat()
    return (
        f"Day {day} of {model.days} ({model.date_of(max(day - 1, 0)).isoformat()}); "
        f"campaign starts {campaign} (day {model.campaign_day})"
    )


def lever_lines(model: VizModel) -> list[str]:
    """The intervention sizes in force, one line each."""
    lines = []
    for name, kind in LEVER_KINDS.items():
        value = model.levers[name]
        if value is None:
            lines.append(f"{kind.lever_label}: none in this scenario")
        else:
            spec = getattr(model.spec.interventions, kind.name)
            lines.append(f"{kind.lever_label}: {value:,}{kind.lever_note(spec)}")
    return lines


def effect_line(model: VizModel | ReplayModel) -> str:
    """Criminal cases since the campaign start with the mix and without it."""
    mix, twin = model.daily(), model.twin_daily()
    if twin is None:
        return "No counterfactual in this run (it was run with --no-counterfactual)."
    if model.day <= model.campaign_day:
        return "Before the campaign the mix and its no-intervention twin are the same city."
    since = slice(model.campaign_day, model.day)
    with_mix = float(mix["criminal_total"].iloc[since].sum())
    without = float(twin["criminal_total"].iloc[since].sum())
    change = f" ({100.0 * (with_mix - without) / without:+.1f} %)" if without else ""
    return (
        f"Since the campaign start: {with_mix:,.0f} criminal cases with the mix, "
        f"{without:,.0f} without it{change}."
    )


def levers_note(model: VizModel) -> str:
    """Plain text: the scenario, the day, the seed and the intervention sizes in force."""
    lines = [
        f"{model.spec.name}: {scale_note(model)}",
        f"{day_line(model)}; seed {model.seed}",
        effect_line(model),
        *lever_lines(model),
    ]
    return "\n".join(lines)


def scenario_file(path: str | Path) -> str:
    """An absolute path, so the server finds the scenario whatever its working folder."""
    return str(resolve_scenario(path).resolve())

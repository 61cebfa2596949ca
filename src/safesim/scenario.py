"""Scenario files: a city, its baseline, an intervention mix and the report's figures.

A scenario is data. It is written in YAML, validated by the pydantic models below with
unknown keys forbidden, and every number in it says where it comes from: ``source:`` (the
report file and the figure's own words) or ``assumption:`` (why the value was chosen where
the reports are silent).

**Examples**::

    from safesim.scenario import load_scenario
    scenario = load_scenario("scenarios/guiyang.yaml")
    smaller = scenario.with_values({"city.households": 20_000})
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from safesim.loading import EARLIEST, LATEST, InputError, describe_error, load_mapping
from safesim.parameters import MechanismParameters

T = TypeVar("T")

NonNegativeInt = Annotated[int, Field(ge=0, le=100_000_000)]
NonNegativeFloat = Annotated[float, Field(ge=0.0, le=1e9)]
PositiveInt = Annotated[int, Field(ge=1, le=100_000_000)]
Days = Annotated[int, Field(ge=0, le=3650)]


def _iso_date(value: Any) -> Any:
    # A quoted ISO date ('2013-01-01') is still a date; anything else is left to the
    # strict check ("13/01/2013" and 20130101 are refused).
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid date") from None
    if isinstance(value, date) and not EARLIEST <= value <= LATEST:
        raise ValueError(f"{value} lies outside {EARLIEST}..{LATEST}")
    return value


Day = Annotated[date, BeforeValidator(_iso_date)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


#: Every problem with a scenario (or any input file) is one of these, naming file and field.
ScenarioError = InputError

#: Limits that keep a scenario within what one machine can run (see ``safesim.limits``
#: for the memory and time estimate checked before a run).
MAX_COUNT = 100_000_000
MAX_RATE = 1e9
MAX_CALENDAR_DAYS = 20 * 366
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Quantity(Strict, Generic[T]):
    """A number (or date) with its provenance: exactly one of ``source`` or ``assumption``."""

    value: T
    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _has_provenance(self) -> Quantity[T]:
        if bool(self.source) == bool(self.assumption):
            raise ValueError("give exactly one of 'source:' (report and words) or 'assumption:'")
        return self


Count = Quantity[NonNegativeInt]
Rate = Quantity[NonNegativeFloat]
Fraction = Quantity[Share]
When = Quantity[Day]


class Calendar(Strict):
    """Simulated days run from ``start`` to ``end`` inclusive, after an unrecorded burn-in."""

    start: Day
    end: Day
    campaign_start: When
    burn_in_days: Days = 180

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if self.end < self.start:
            raise ValueError("end: must not be before start")
        if self.days > MAX_CALENDAR_DAYS:
            raise ValueError(
                f"end: the calendar spans {self.days:,} days (at most {MAX_CALENDAR_DAYS:,})"
            )
        if not self.start <= self.campaign_start.value <= self.end:
            raise ValueError("campaign_start: must lie between start and end")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def day_of(self, when: date) -> int:
        return (when - self.start).days


class LandUse(Strict):
    """Shares of city cells by use; residential and village cells hold the households."""

    residential: Share
    commercial: Share
    street: Share
    school: Share
    car_park: Share
    village: Share
    assumption: str

    @model_validator(mode="after")
    def _sums_to_one(self) -> LandUse:
        total = sum(self.shares().values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1 (they sum to {total:.4f})")
        if self.residential + self.village <= 0:
            raise ValueError("residential + village must be > 0: households need homes")
        return self

    def shares(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in LAND_USES}


LAND_USES = ("residential", "commercial", "street", "school", "car_park", "village")


#: A yearly rate per 1,000 households: ten events per household a year is far beyond any
#: report, and the event draws grow with the rate.
BaselineRate = Quantity[Annotated[float, Field(ge=0.0, le=10_000.0)]]


class Baseline(Strict):
    """No-intervention rates per 1,000 households per year, and the baseline felt safety."""

    two_robberies_one_theft: BaselineRate
    other_criminal: BaselineRate
    disputes: BaselineRate
    public_order: BaselineRate
    sense_of_security: Fraction


class City(Strict):
    households: Count
    households_per_cell: Quantity[PositiveInt]
    land_use: LandUse
    offenders: Count
    baseline: Baseline

    @field_validator("households")
    @classmethod
    def _some_households(cls, v: Count) -> Count:
        if v.value < 1:
            raise ValueError("must be ≥ 1")
        return v

    @model_validator(mode="after")
    def _offenders_fit(self) -> City:
        if self.offenders.value > self.households.value:
            raise ValueError("offenders: more offenders than households")
        return self


class Delivery(Strict):
    """When an intervention is delivered: from ``start`` (default: the campaign start),
    reaching full strength linearly over ``ramp_days``, until ``end`` (default: never)."""

    start: Day | None = None
    ramp_days: Days = 60
    end: Day | None = None
    unit_cost_yuan: Rate | None = None


class GridWorkersSpec(Delivery):
    workers: Count
    grids: Count
    households_per_grid: Quantity[PositiveInt]
    visits_per_worker_per_day: Rate


class PatrolsSpec(Delivery):
    officers: Count
    auxiliaries: Count | None = None
    team_size: Quantity[PositiveInt]
    dwell_minutes: Rate
    allocation: Literal["hot_spots", "random"] = "hot_spots"


class CamerasSpec(Delivery):
    count: Count
    placement: Literal["hot_spots", "land_use", "random"] = "land_use"


class TargetHardeningSpec(Delivery):
    lock_cylinders: Count | None = None
    alarm_phones: Count | None = None
    anti_climb_spikes: Count | None = None
    home_cameras: Count | None = None
    secured_parking: Count | None = None
    allocation: Literal["random", "high_risk"] = "random"


class VolunteersSpec(Delivery):
    count: Count
    ten_household_units: Count | None = None
    unit_size: Quantity[PositiveInt] | None = None


class Interventions(Strict):
    grid_workers: GridWorkersSpec | None = None
    patrols: PatrolsSpec | None = None
    cameras: CamerasSpec | None = None
    target_hardening: TargetHardeningSpec | None = None
    volunteers: VolunteersSpec | None = None


Metric = Literal[
    "criminal_total",
    "two_robberies_one_theft",
    "burglary_theft",
    "robbery",
    "dispute_violence",
    "public_order",
    "calls",
    "sense_of_security",
]


class Target(Strict):
    """A figure the report gives, and how to compute it from a run.

    ``comparison`` says what the report compares against: ``year_on_year`` (同比: the same
    window a year earlier), ``vs_mean_previous_years`` (the mean of the same window in the
    ``years`` previous years), ``vs_previous_period`` (环比: the window of equal length
    just before) or ``level`` (a level such as the share of households that feel safe).
    """

    name: str
    metric: Metric
    comparison: Literal["year_on_year", "vs_mean_previous_years", "vs_previous_period", "level"]
    window_start: Day
    window_end: Day
    years: PositiveInt = 1
    area: Literal["city", "treated"] = "city"
    report_value: float
    unit: Literal["percent_change", "percent"]
    source: str
    calibrate: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Target:
        if self.window_end < self.window_start:
            raise ValueError("window_end: must not be before window_start")
        return self


class Note(Strict):
    """A report figure the scenario does not use, and why (keeps the trace complete)."""

    figure: str
    source: str
    reason: str


class Scenario(Strict):
    name: str = Field(pattern=NAME_PATTERN)
    description: str
    seed: NonNegativeInt = 0
    calendar: Calendar
    city: City
    interventions: Interventions = Interventions()
    targets: list[Target] = []
    parameters: dict[str, float] = {}
    not_modelled: list[Note] = []

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, v: dict[str, float]) -> dict[str, float]:
        known = MechanismParameters.model_fields
        for key in v:
            if key not in known:
                raise ValueError(f"unknown mechanism parameter '{key}'")
        MechanismParameters(**v)
        return v

    @model_validator(mode="after")
    def _dates_in_calendar(self) -> Scenario:
        cal = self.calendar
        for kind, spec in self.interventions:
            if spec is None:
                continue
            for attr in ("start", "end"):
                when = getattr(spec, attr)
                if when is not None and not cal.start <= when <= cal.end:
                    raise ValueError(
                        f"interventions.{kind}.{attr}: {when} lies outside the calendar "
                        f"{cal.start}..{cal.end}"
                    )
            if spec.start and spec.end and spec.end < spec.start:
                raise ValueError(f"interventions.{kind}.start: {spec.start} is after its end")
        return self

    def mechanism_parameters(self) -> MechanismParameters:
        return MechanismParameters(**self.parameters)

    def digest(self) -> str:
        """A stable hash of the scenario's content, for manifests and run seeds."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def counterfactual(self) -> Scenario:
        """The same city, calendar, seed and parameters with no intervention in force.

        Run with the same replicate seeds it is the mix's counterfactual twin: every random
        process draws from its own stream, so the two differ by the mix, not by noise.
        """
        return self.model_copy(update={"interventions": Interventions()})

    def with_values(self, changes: dict[str, Any]) -> Scenario:
        """A copy with dotted paths set (a ``Quantity`` takes the value as its ``value``).

        Raises ``ScenarioError`` naming the path when it does not exist or the value is bad.
        """
        data = self.model_dump(mode="python")
        for path, value in changes.items():
            set_path(data, path, value)
        return validate_scenario(data, None)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in scenario data; a provenance-carrying leaf takes ``value``."""
    keys = path.split(".")
    node: Any = data
    for i, key in enumerate(keys[:-1]):
        if isinstance(node, dict) and key == "parameters" and i == 0:
            node = node.setdefault("parameters", {})
            continue
        if not isinstance(node, dict) or key not in node or node[key] is None:
            raise ScenarioError(None, path, "no such field in the scenario")
        node = node[key]
    leaf = keys[-1]
    if not isinstance(node, dict):
        raise ScenarioError(None, path, "no such field in the scenario")
    if keys[0] == "parameters" and len(keys) == 2:
        if leaf not in MechanismParameters.model_fields:
            raise ScenarioError(None, path, "unknown mechanism parameter")
        node[leaf] = value
        return
    if leaf not in node or (node[leaf] is None and leaf not in _OPTIONAL_LEAVES):
        raise ScenarioError(None, path, "no such field in the scenario")
    current = node[leaf]
    if isinstance(current, dict) and "value" in current:
        current["value"] = value
    elif current is None:
        node[leaf] = {"value": value, "assumption": "set by a sweep or override"}
    else:
        node[leaf] = value


_OPTIONAL_LEAVES = {
    "auxiliaries",
    "lock_cylinders",
    "alarm_phones",
    "anti_climb_spikes",
    "home_cameras",
    "secured_parking",
    "ten_household_units",
}


_describe = describe_error


def validate_scenario(data: Any, path: str | Path | None) -> Scenario:
    """Validate scenario data strictly (no "12" for 12); one ``ScenarioError`` on failure."""
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario must be a YAML mapping of keys to values")
    try:
        return Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        field, msg = describe_error(errors[0])
        raise ScenarioError(path, field, msg) from None
    except RecursionError:
        raise ScenarioError(path, "", "nested too deeply") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every problem is a ``ScenarioError``."""
    return validate_scenario(load_mapping(path, "a scenario"), path)

"""Scenario files: a city, its baseline, an intervention mix and the report's figures.

A scenario is data. It is written in YAML, validated by the pydantic models below with
unknown keys forbidden, and every number in it says where it comes from: ``source:`` (the
report file and the figure's own words) or ``assumption:`` (why the value was chosen where
the reports are silent).

**Examples**::

    from safesim.core.scenario import load_scenario
    scenario = load_scenario("scenarios/guiyang.yaml")
    smaller = scenario.with_values({"city.households": 20_000})
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from safesim.core.interventions import INTERVENTION_SPECS, Interventions
from safesim.core.loading import (
    InputError,
    describe_error,
    did_you_mean,
    first_error,
    load_mapping,
)
from safesim.core.outcomes import METRICS
from safesim.core.parameters import MechanismParameters
from safesim.core.quantities import (
    LAND_USES,
    Calendar,
    Count,
    Day,
    Delivery,
    Fraction,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    Quantity,
    Rate,
    Seed,
    Share,
    Strict,
    When,
)
from safesim.core.sources import SOURCES, SourceReport, cited_reports, unknown_citations

__all__ = [
    "LAND_USES",
    "Calendar",
    "Count",
    "Delivery",
    "Fraction",
    "Interventions",
    "NonNegativeFloat",
    "NonNegativeInt",
    "PositiveInt",
    "Quantity",
    "Rate",
    "Scenario",
    "ScenarioError",
    "Share",
    "Strict",
    "When",
    "load_scenario",
    "validate_scenario",
]


#: Every problem with a scenario (or any input file) is one of these, naming file and field.
ScenarioError = InputError

#: A name that becomes a results folder: it cannot leave ``--out`` ('..'), hide, or grow
#: past what file systems allow.
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$"


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


# What a target can count: the outcomes the registry marks as report metrics.
Metric = Literal[METRICS]  # type: ignore[valid-type]


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
    seed: Seed = 0
    calendar: Calendar
    city: City
    interventions: Interventions = Field(default_factory=Interventions)  # type: ignore[valid-type]
    targets: list[Target] = Field(default_factory=list)
    parameters: dict[str, float] = Field(default_factory=dict)
    not_modelled: list[Note] = Field(default_factory=list)

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, v: dict[str, float]) -> dict[str, float]:
        known = MechanismParameters.model_fields
        for key in v:
            if key not in known:
                hint = did_you_mean(key, list(known))
                raise ValueError(f"unknown mechanism parameter '{key}'{hint}")
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

    @model_validator(mode="after")
    def _sources_resolve(self) -> Scenario:
        for where, text in _source_strings(self.model_dump(mode="python")):
            missing = unknown_citations(text)
            if missing:
                raise ValueError(
                    f"{where}: cites {missing[0]}, which is not in the sources table "
                    "(safesim.core.sources); cite a report by its key there"
                )
        return self

    def sources(self) -> list[SourceReport]:
        """The reports the scenario's ``source:`` strings cite, in table order."""
        keys = {
            key for _, text in _source_strings(self.model_dump(mode="python"))
            for key in cited_reports(text)
        }  # fmt: skip
        return [report for key, report in SOURCES.items() if key in keys]

    def mechanism_parameters(self) -> MechanismParameters:
        from safesim.core.parameters import resolve

        return resolve(self)

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


def _source_strings(data: Any, where: str = "") -> list[tuple[str, str]]:
    """(dotted path, text) of every ``source`` string in scenario data."""
    out: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{where}.{key}" if where else str(key)
            if key == "source" and isinstance(value, str):
                out.append((path, value))
            else:
                out.extend(_source_strings(value, path))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(_source_strings(value, f"{where}.{i}"))
    return out


def _closest(key: str, node: Any) -> str:
    """A "did you mean" for ``key`` among the keys the scenario data has here."""
    if not isinstance(node, dict):
        return ""
    return did_you_mean(key, [str(k) for k, v in node.items() if v is not None])


def at_path(node: Any, path: str) -> Any:
    """The value at dotted ``path`` (``interventions.patrols.officers``) in scenario data
    (nested dicts) or in a ``Scenario`` (attributes); None where a step is missing or None.

    The one walker of dotted paths: ``set_path``, the scaling of a city, the browser
    view's levers and the optimiser's counts all read paths with it."""
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else getattr(node, key, None)
        if node is None:
            return None
    return node


def count_at(scenario: Scenario, path: str) -> int | None:
    """The count at a dotted path (a provenance-carrying value gives its ``value``), or None
    where the scenario leaves it out."""
    node = at_path(scenario, path)
    if node is None:
        return None
    return int(node.value if hasattr(node, "value") else node)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in scenario data; a provenance-carrying leaf takes ``value``."""
    keys = path.split(".")
    node: Any = data
    for i, key in enumerate(keys[:-1]):
        if isinstance(node, dict) and key == "parameters" and i == 0:
            node = node.setdefault("parameters", {})
            continue
        child = at_path(node, key) if isinstance(node, dict) else None
        if child is None:
            raise ScenarioError(None, path, "no such field in the scenario" + _closest(key, node))
        node = child
    leaf = keys[-1]
    if not isinstance(node, dict):
        raise ScenarioError(None, path, "no such field in the scenario")
    if keys[0] == "parameters" and len(keys) == 2:
        if leaf not in MechanismParameters.model_fields:
            suggestion = did_you_mean(leaf, list(MechanismParameters.model_fields))
            raise ScenarioError(None, path, "unknown mechanism parameter" + suggestion)
        node[leaf] = value
        return
    if leaf not in node or (node[leaf] is None and leaf not in _OPTIONAL_LEAVES):
        raise ScenarioError(None, path, "no such field in the scenario" + _closest(leaf, node))
    current = node[leaf]
    if isinstance(current, dict) and "value" in current:
        current["value"] = value
    elif current is None:
        node[leaf] = {"value": value, "assumption": "set by a sweep or override"}
    else:
        node[leaf] = value


# Counts an intervention may leave out (``None``) that a sweep or override may still set.
_OPTIONAL_LEAVES = {
    name
    for spec in INTERVENTION_SPECS.values()
    for name, field in spec.model_fields.items()
    if not field.is_required() and field.default is None and name not in Delivery.model_fields
}


_describe = describe_error


def validate_scenario(data: Any, path: str | Path | None) -> Scenario:
    """Validate scenario data strictly (no "12" for 12); one ``ScenarioError`` on failure."""
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario must be a YAML mapping of keys to values")
    try:
        return Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        field, msg = first_error(exc, Scenario)
        raise ScenarioError(path, field, msg) from None
    except RecursionError:
        raise ScenarioError(path, "", "nested too deeply") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every problem is a ``ScenarioError``."""
    return validate_scenario(load_mapping(path, "a scenario"), path)

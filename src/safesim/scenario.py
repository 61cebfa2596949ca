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
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from safesim.interventions import INTERVENTION_SPECS, Interventions
from safesim.parameters import MechanismParameters
from safesim.quantities import (
    LAND_USES,
    Calendar,
    Count,
    Delivery,
    Fraction,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    Quantity,
    Rate,
    Share,
    Strict,
    When,
)
from safesim.sources import SOURCES, SourceReport, cited_files, unknown_files

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


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the file and the field."""

    def __init__(self, path: str | Path | None, field: str, message: str):
        self.path = str(path) if path is not None else "<scenario>"
        self.field = field
        self.message = message
        where = f"{self.path}: {field}" if field else self.path
        super().__init__(f"{where}: {message}")


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


class Baseline(Strict):
    """No-intervention rates per 1,000 households per year, and the baseline felt safety."""

    two_robberies_one_theft: Rate
    other_criminal: Rate
    disputes: Rate
    public_order: Rate
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
    window_start: date
    window_end: date
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
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str
    seed: NonNegativeInt = 0
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

    @model_validator(mode="after")
    def _sources_resolve(self) -> Scenario:
        for where, text in _source_strings(self.model_dump(mode="python")):
            missing = unknown_files(text)
            if missing:
                raise ValueError(
                    f"{where}: cites {missing[0]}, which is not in the sources table "
                    "(safesim.sources)"
                )
        return self

    def sources(self) -> list[SourceReport]:
        """The reports the scenario's ``source:`` strings cite, in table order."""
        files = {
            f for _, text in _source_strings(self.model_dump(mode="python"))
            for f in cited_files(text)
        }  # fmt: skip
        return [report for name, report in SOURCES.items() if name in files]

    def mechanism_parameters(self) -> MechanismParameters:
        from safesim.parameters import resolve

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


# Counts an intervention may leave out (``None``) that a sweep or override may still set.
_OPTIONAL_LEAVES = {
    name
    for spec in INTERVENTION_SPECS.values()
    for name, field in spec.model_fields.items()
    if not field.is_required() and field.default is None and name not in Delivery.model_fields
}


def _describe(err: dict[str, Any]) -> tuple[str, str]:
    loc = [str(p) for p in err.get("loc", ()) if not str(p).startswith("function-")]
    # Generic Quantity[...] adds its value slot and type name to the location: hide both.
    loc = [p for p in loc if "[" not in p]
    if loc and loc[-1] == "value":
        loc = loc[:-1]
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    msg = err.get("msg", "invalid")
    if kind == "greater_than_equal":
        msg = f"must be ≥ {ctx.get('ge')}"
    elif kind == "less_than_equal":
        msg = f"must be ≤ {ctx.get('le')}"
    elif kind == "extra_forbidden":
        msg = "unknown key"
    elif kind == "missing":
        msg = "missing (required)"
    elif kind.startswith("value_error"):
        msg = msg.removeprefix("Value error, ")
        # A model-level check may name a sub-field itself ("end: must ...").
        head, sep, rest = msg.partition(": ")
        if sep and " " not in head and head.replace(".", "").replace("_", "").isalnum():
            loc = [*loc, head] if not head.startswith("interventions.") else head.split(".")
            msg = rest
    return ".".join(loc), msg


def validate_scenario(data: Any, path: str | Path | None) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario must be a YAML mapping of keys to values")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        field, msg = _describe(exc.errors()[0])
        raise ScenarioError(path, field, msg) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every problem is a ``ScenarioError``."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError(p, "", "no such file")
    if not p.is_file():
        raise ScenarioError(p, "", "not a file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(p, "", f"cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ScenarioError(p, where, f"malformed YAML: {problem}") from None
    return validate_scenario(data, p)

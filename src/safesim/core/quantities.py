"""The building blocks of scenario files: numbers with provenance, the calendar, land uses
and the delivery every intervention shares.

Every number in a scenario says where it comes from: ``source:`` (the report file and the
figure's own words) or ``assumption:`` (why the value was chosen where the reports are
silent). Intervention specs (``safesim.core.interventions``) and the scenario schema
(``safesim.core.scenario``) are built from these.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from safesim.core.loading import EARLIEST, LATEST

T = TypeVar("T")

#: Counts and rates are capped so that a scenario stays within what one machine can run
#: (``safesim.experiments.limits`` estimates memory and time before a run).
MAX_COUNT = 100_000_000
MAX_RATE = 1e9
MAX_CALENDAR_DAYS = 20 * 366

#: Seeds are capped like counts, wherever they are given (scenario, sweep file, --seed).
MAX_SEED = MAX_COUNT

NonNegativeInt = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
NonNegativeFloat = Annotated[float, Field(ge=0.0, le=MAX_RATE)]
PositiveInt = Annotated[int, Field(ge=1, le=MAX_COUNT)]
Days = Annotated[int, Field(ge=0, le=3650)]


def _iso_date(value: Any) -> Any:
    # A quoted ISO date ('2013-01-01') is still a date; anything else is left to the
    # strict check ("13/01/2013" and 20130101 are refused).
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid date") from None
    if isinstance(value, datetime):
        # A timestamp (2012-01-01T12:00:00) is a datetime, a subclass of date that cannot
        # be compared with one: the calendar counts whole days only.
        raise ValueError(f"'{value.isoformat()}' is a date and time: give a date (YYYY-MM-DD)")
    if isinstance(value, date) and not EARLIEST <= value <= LATEST:
        raise ValueError(f"{value} lies outside {EARLIEST}..{LATEST}")
    return value


Day = Annotated[date, BeforeValidator(_iso_date)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


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


LAND_USES = ("residential", "commercial", "street", "school", "car_park", "village")


class Delivery(Strict):
    """When an intervention is delivered: from ``start`` (default: the campaign start),
    reaching full strength linearly over ``ramp_days``, until ``end`` (default: never)."""

    start: Day | None = None
    ramp_days: Days = 60
    end: Day | None = None
    unit_cost_yuan: Rate | None = None

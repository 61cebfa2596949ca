"""The building blocks of scenario files: numbers with provenance, the calendar, land uses
and the delivery every intervention shares.

Every number in a scenario says where it comes from: ``source:`` (the report file and the
figure's own words) or ``assumption:`` (why the value was chosen where the reports are
silent). Intervention specs (``safesim.interventions``) and the scenario schema
(``safesim.scenario``) are built from these.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

T = TypeVar("T")

NonNegativeInt = Annotated[int, Field(ge=0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]
PositiveInt = Annotated[int, Field(ge=1)]
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
When = Quantity[date]


class Calendar(Strict):
    """Simulated days run from ``start`` to ``end`` inclusive, after an unrecorded burn-in."""

    start: date
    end: date
    campaign_start: When
    burn_in_days: NonNegativeInt = 180

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if self.end < self.start:
            raise ValueError("end: must not be before start")
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

    start: date | None = None
    ramp_days: NonNegativeInt = 60
    end: date | None = None
    unit_cost_yuan: Rate | None = None

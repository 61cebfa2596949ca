"""What every intervention shares: when it is delivered, separate from what it does.

As in Starsim, delivery (start day, linear ramp-up to full strength, optional end) is one
mechanism used by every intervention; each subclass says only what it does at a given
strength. The model calls ``bind`` once before the burn-in and ``apply`` every day, in
the fixed order of ``safesim.interventions.ORDER``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from safesim.quantities import Calendar, Delivery

if TYPE_CHECKING:
    from safesim.model import SafetyModel


class Intervention:
    """One kind of intervention. A subclass declares everything the rest of safesim needs
    to know about it: ``name`` (its key under ``interventions:`` in a scenario),
    ``spec_class`` (the pydantic model of that entry, whose ``scaled`` class variable names
    the counts that grow with the city), and its mechanism in ``bind``/``apply``. Adding
    one means writing its module, listing it in ``safesim.interventions.ORDER``, adding
    its strengths to ``parameters.py`` and describing it in docs/odd.md."""

    name: ClassVar[str] = "intervention"
    spec_class: ClassVar[type[Delivery]] = Delivery

    def __init__(self, spec: Delivery, calendar: Calendar):
        self.spec = spec
        self.start_day = calendar.day_of(spec.start or calendar.campaign_start.value)
        self.end_day = calendar.day_of(spec.end) if spec.end else None
        self.ramp_days = spec.ramp_days

    def strength(self, day: int) -> float:
        """0 before the start and after the end; rises linearly to 1 over the ramp."""
        if day < self.start_day or (self.end_day is not None and day > self.end_day):
            return 0.0
        if self.ramp_days == 0:
            return 1.0
        return min(1.0, (day - self.start_day + 1) / self.ramp_days)

    def bind(self, model: SafetyModel) -> None:
        """Prepare state that does not change during the run (called once)."""

    def apply(self, model: SafetyModel, day: int) -> None:
        raise NotImplementedError

    def treated_cells(self, model: SafetyModel) -> np.ndarray | None:
        """Cells this intervention targets, if it is place-based; None if city-wide."""
        return None

    def units(self) -> float:
        """How much of it is bought, in the unit its ``unit_cost_yuan`` prices."""
        raise NotImplementedError

    def annual_cost(self) -> float | None:
        cost = self.spec.unit_cost_yuan
        return None if cost is None else cost.value * self.units()

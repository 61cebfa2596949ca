"""Volunteers (红袖标) and ten-household units (十联户): guardianship and collective efficacy."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from safesim.fields import Channels
from safesim.interventions.base import Intervention
from safesim.quantities import Calendar, Count, Delivery, PositiveInt, Quantity

if TYPE_CHECKING:
    from safesim.model import SafetyModel


class VolunteersSpec(Delivery):
    """Scenario entry ``interventions.volunteers``."""

    scaled: ClassVar[tuple[str, ...]] = ("count", "ten_household_units")

    count: Count
    ten_household_units: Count | None = None
    unit_size: Quantity[PositiveInt] | None = None


class Volunteers(Intervention):
    """Street guardianship by volunteers and mutual watch in ten-household units.

    Mechanism: volunteers spread over the city in proportion to homes; at a density of
    ``d`` per 100 households a cell's guardianship is ``1 − exp(−d / volunteers_per_100_
    households_half)``. Guardianship lowers offending by up to ``guardianship_effect``
    (capable guardians, routine activity theory) and raises felt safety. Households in
    ten-household units have disputes escalate less (``collective_efficacy_effect``) and
    pass them to mediators (``unit_report_per_day``).

    Evidence: Bennett, Holloway & Farrington 2008 (neighbourhood watch, 18 evaluations:
    OR 1.19–1.36, −16 % to −26 %); Sampson, Raudenbush & Earls 1997 (collective efficacy
    lowers violence); Cohen & Felson 1979 (capable guardians).
    """

    name = "volunteers"
    spec_class = VolunteersSpec
    order = 50
    label = "volunteers"
    label_zh = "志愿者"
    unit = "volunteer"
    evidence = "Bennett, Holloway & Farrington 2008; Sampson et al. 1997; Cohen & Felson 1979"
    channels = ("offending_cut", "movement_cut", "guardianship", "unit_watch")
    lever = "volunteers"
    lever_label = "Volunteers"
    lever_field = "count"

    def __init__(self, spec: VolunteersSpec, calendar: Calendar):
        super().__init__(spec, calendar)
        self.spec: VolunteersSpec = spec

    def members(self) -> int:
        units = self.spec.ten_household_units
        size = self.spec.unit_size
        if units is None or size is None:
            return 0
        return units.value * size.value

    def bind(self, model: SafetyModel) -> None:
        households = model.households
        n = min(households.n, self.members())
        chosen = model.streams["unit_membership"].permutation(households.n)[:n]
        households.unit_member[:] = False
        households.unit_member[chosen] = True

    def apply(self, model: SafetyModel, day: int) -> Channels:
        s = self.strength(day)
        density = 100.0 * self.spec.count.value * s / model.households.n
        g = 1.0 - np.exp(-density / model.params.volunteers_per_100_households_half)
        guardianship = np.full(model.layout.cells, g)
        cut = model.params.guardianship_effect * guardianship
        return Channels(offending_cut=cut, movement_cut=cut, guardianship=guardianship)

    def unit_strength(self, day: int) -> float:
        return self.strength(day)

    def units(self) -> float:
        return float(self.spec.count.value)

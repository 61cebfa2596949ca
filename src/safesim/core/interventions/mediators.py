"""People's mediators (人民调解员): settling the disputes that others find."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from safesim.core.interventions.base import Intervention
from safesim.core.quantities import Calendar, Count, Delivery

if TYPE_CHECKING:
    from safesim.core.model import SafetyModel


class MediatorsSpec(Delivery):
    """Scenario entry ``interventions.mediators``."""

    scaled: ClassVar[tuple[str, ...]] = ("count",)

    count: Count


class Mediators(Intervention):
    """People's mediation: trained mediators take on the disputes grid workers' sweeps and
    ten-household units find, and settle more of them than the finder alone would.

    Mechanism: mediators are spread over the city in proportion to homes; at a density of
    ``d`` per 1,000 households a found dispute reaches one with probability ``reach = 1 −
    exp(−d / mediators_per_1000_households_half)``. A dispute a mediator takes on has
    ``mediator_unsettled_cut`` less chance of staying unsettled than with the finder
    alone (``mediation_success``): the chance it is settled is ``1 − (1 −
    mediation_success)(1 − mediator_unsettled_cut × reach)``. Mediators find no disputes
    themselves: finding stays with grid workers and units, so without them mediators do
    nothing. A settled dispute never turns violent (民转刑) nor into a fight.

    Evidence: no controlled evaluation of Chinese people's mediation on violent dispute
    outcomes was found (evidence.md). The reports give counts only: Tongren 14,889
    mediators and > 6,000 disputes settled by police–community meetings since 2020 (a
    count with no denominator); Suizhou's volunteer mediation room > 600 disputes and a
    > 98 % mediation success (an outcome, held by validation, never used to set a
    strength). Both strengths are assumptions with wide priors.
    """

    name = "mediators"
    spec_class = MediatorsSpec
    order = 15
    label = "mediators"
    label_zh = "人民调解员"
    unit = "mediator"
    evidence = "Tongren 2020 and Suizhou 2015 reports (counts only): an assumption"
    channels = ("settles_disputes",)
    targets = "dispute_violence"
    thin_evidence = True

    def __init__(self, spec: MediatorsSpec, calendar: Calendar):
        super().__init__(spec, calendar)
        self.spec: MediatorsSpec = spec
        self.reach = 0.0
        self.unsettled_cut = 0.0

    def bind(self, model: SafetyModel) -> None:
        density = 1000.0 * self.spec.count.value / model.households.n
        p = model.params
        self.reach = float(1.0 - np.exp(-density / p.mediators_per_1000_households_half))
        self.unsettled_cut = p.mediator_unsettled_cut

    def apply(self, model: SafetyModel, day: int) -> None:
        return None

    def settle_chance(self, day: int, finder_chance: float) -> float:
        taken_on = self.unsettled_cut * self.reach * self.strength(day)
        if taken_on == 0.0:
            return finder_chance
        return 1.0 - (1.0 - finder_chance) * (1.0 - taken_on)

    def units(self) -> float:
        return float(self.spec.count.value)

"""Volunteers (红袖标) and ten-household units (十联户): guardianship and collective efficacy."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from safesim.core.fields import Channels
from safesim.core.interventions.base import Intervention
from safesim.core.parameters import MechanismParameters
from safesim.core.quantities import Calendar, Count, Delivery, PositiveInt, Quantity

if TYPE_CHECKING:
    from safesim.core.model import SafetyModel


class VolunteersSpec(Delivery):
    """Scenario entry ``interventions.volunteers``."""

    scaled: ClassVar[tuple[str, ...]] = ("count", "ten_household_units")

    count: Count
    ten_household_units: Count | None = None
    unit_size: Quantity[PositiveInt] | None = None


class Volunteers(Intervention):
    """Red-armband volunteers (红袖标) on posts at the busiest places, and mutual watch in
    ten-household units.

    Mechanism: of the volunteers enrolled, ``volunteer_on_duty_share`` are on duty on a
    day (times the ramp's strength), in teams of ``volunteer_team_size``, one team to a
    post. Posts are the busiest cells, those of highest static attractiveness (commercial
    streets, transit squares, car parks and the busier residential blocks first): the
    public places (社会面) the volunteers are enrolled to watch. When there are more teams
    than cells, the spare teams join the posts, so every post has ``on duty / posts``
    volunteers. A post's guardianship is ``1 − exp(−volunteers there /
    volunteers_per_cell_half)``; it lowers offending there by up to
    ``guardianship_effect`` (capable guardians, routine activity theory), makes offenders
    walk on past it, thins street disorder and raises felt safety there. Cells with no
    post get nothing. Households in ten-household units have disputes escalate less
    (``collective_efficacy_effect``) and pass them to mediators (``unit_report_per_day``).

    Evidence: Bennett, Holloway & Farrington 2008 (neighbourhood watch, 18 evaluations:
    OR 1.19–1.36, −16 % to −26 % in the areas watched) for the effect at saturation;
    Sampson, Raudenbush & Earls 1997 (collective efficacy lowers violence); Cohen & Felson
    1979 (capable guardians). The share on duty, team size and dose per post are
    assumptions: the reports give volunteer counts only.
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
        # Cells busiest first (fixed by the layout), and the posts manned on the day last run.
        self._busiest: np.ndarray | None = None
        self.posts = np.zeros(0, dtype=np.int64)
        # The last channels made and the posts and dose per post they were made for.
        self._channels: Channels | None = None
        self._manned: tuple[int, float] = (0, 0.0)

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

    def on_duty(self, strength: float, params: MechanismParameters) -> float:
        """Volunteers on a post on a day at ``strength``."""
        return self.spec.count.value * params.volunteer_on_duty_share * strength

    def _posts(self, model: SafetyModel, strength: float) -> tuple[np.ndarray, float]:
        """The cells manned at ``strength`` and the volunteers on duty at each."""
        if self._busiest is None:
            self._busiest = np.argsort(-model.layout.static_attractiveness, kind="stable")
        on_duty = self.on_duty(strength, model.params)
        teams = int(on_duty / model.params.volunteer_team_size)
        n_posts = min(model.layout.cells, teams)
        if n_posts == 0:
            return np.zeros(0, dtype=np.int64), 0.0
        return self._busiest[:n_posts], on_duty / n_posts

    def apply(self, model: SafetyModel, day: int) -> Channels | None:
        s = self.strength(day)
        posts, per_post = self._posts(model, s) if s > 0 else (self.posts[:0], 0.0)
        self.posts = posts
        if posts.size == 0:
            return None
        # Posts are the busiest cells, so the same posts with the same volunteers on duty
        # (every day once the ramp is over) give the same channels as the day before.
        if self._channels is None or self._manned != (posts.size, per_post):
            guardianship = np.zeros(model.layout.cells)
            guardianship[posts] = 1.0 - np.exp(-per_post / model.params.volunteers_per_cell_half)
            cut = model.params.guardianship_effect * guardianship
            self._channels = Channels(
                offending_cut=cut, movement_cut=cut, guardianship=guardianship
            )
            self._manned = (posts.size, per_post)
        return self._channels

    def treated_cells(self, model: SafetyModel) -> np.ndarray:
        mask = np.zeros(model.layout.cells, dtype=bool)
        mask[self._posts(model, 1.0)[0]] = True
        return mask

    def treated_today(self, model: SafetyModel) -> np.ndarray:
        mask = np.zeros(model.layout.cells, dtype=bool)
        mask[self.posts] = True
        return mask

    def unit_strength(self, day: int) -> float:
        return self.strength(day)

    def units(self) -> float:
        return float(self.spec.count.value)

"""Neighbour and family disputes, and their turning violent when nobody mediates (民转刑).

Disputes arise in households at a constant rate. A live dispute runs three competing
hazards: it turns into a violent criminal case, it gives a public-order case (a fight),
or it fades. Ten-household-unit membership lowers the escalation hazard (collective
efficacy, Sampson et al. 1997) and may pass the dispute to a mediator; a grid worker's
sweep visit may find it. A found dispute is settled with the mediation success rate. The
structure follows Epstein's (2002) grievance-and-action template: mediation removes the
grievance before it becomes action.

Only live disputes are stored (a few thousand in a large city), and every random number a
dispute will need is drawn when it arises, so that interventions change outcomes but not
the random numbers (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from safesim.core.households import Households
from safesim.core.parameters import MechanismParameters
from safesim.core.streams import Streams


@dataclass
class DisputeReport:
    new: int
    violent_homes: np.ndarray
    fight_homes: np.ndarray
    mediated: int
    found: int


class Disputes:
    def __init__(self, rate_per_household_day: float, streams: Streams):
        self.rate = rate_per_household_day
        self.streams = streams
        self.home = np.zeros(0, dtype=np.int64)
        self.hazard = np.zeros((0, 4))  # cumulative escalation, fight, fade, unit report
        self.threshold = np.zeros((0, 4))
        self.u_detect = np.zeros(0)
        self.u_mediate = np.zeros(0)
        self.tried = np.zeros(0, dtype=bool)

    @property
    def live(self) -> int:
        return int(self.home.size)

    def arise(self, households: Households) -> int:
        rng = self.streams["disputes"]
        n = int(rng.poisson(self.rate * households.n))
        homes = rng.integers(0, households.n, size=n)
        self.home = np.concatenate([self.home, homes])
        self.hazard = np.concatenate([self.hazard, np.zeros((n, 4))])
        self.threshold = np.concatenate([self.threshold, rng.exponential(1.0, (n, 4))])
        self.u_detect = np.concatenate([self.u_detect, rng.random(n)])
        self.u_mediate = np.concatenate([self.u_mediate, rng.random(n)])
        self.tried = np.concatenate([self.tried, np.zeros(n, dtype=bool)])
        return n

    def step(
        self,
        day: int,
        households: Households,
        params: MechanismParameters,
        visits: Callable[[np.ndarray], np.ndarray],
        unit_strength: float,
        settle_chance: float | None = None,
    ) -> DisputeReport:
        """Advance live disputes by one day. ``visits(homes)`` says which homes a grid
        worker calls on today; ``unit_strength`` is how far ten-household units are built;
        ``settle_chance`` is the chance a found dispute is settled (default: the finder's
        own, ``mediation_success``)."""
        if settle_chance is None:
            settle_chance = params.mediation_success
        new = self.arise(households)
        visited = visits(self.home)
        member = households.unit_member[self.home] * unit_strength
        self.hazard[:, 0] += params.dispute_escalation_per_day * (
            1.0 - params.collective_efficacy_effect * member
        )
        self.hazard[:, 1] += params.dispute_fight_per_day
        self.hazard[:, 2] += params.dispute_fade_per_day
        self.hazard[:, 3] += params.unit_report_per_day * member

        found = (~self.tried) & (
            (visited & (self.u_detect < params.grid_visit_detection))
            | (self.hazard[:, 3] >= self.threshold[:, 3])
        )
        settled = found & (self.u_mediate < settle_chance)
        self.tried |= found
        crossed = self.hazard[:, :3] >= self.threshold[:, :3]
        # The first hazard to cross decides; ties go to the more serious outcome.
        violent = ~settled & crossed[:, 0]
        fight = ~settled & ~violent & crossed[:, 1]
        ended = settled | violent | fight | crossed[:, 2]

        report = DisputeReport(
            new=new,
            violent_homes=self.home[violent],
            fight_homes=self.home[fight],
            mediated=int(np.count_nonzero(settled)),
            found=int(np.count_nonzero(found)),
        )
        keep = ~ended
        self.home = self.home[keep]
        self.hazard = self.hazard[keep]
        self.threshold = self.threshold[keep]
        self.u_detect = self.u_detect[keep]
        self.u_mediate = self.u_mediate[keep]
        self.tried = self.tried[keep]
        return report

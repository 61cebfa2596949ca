"""Motivated offenders: array-backed agents that move, choose, offend and are arrested.

An offender walks over the city's attractiveness field (Short et al. 2008): each move goes
to one of the 9 cells of its Moore neighbourhood (staying included) with probability
proportional to attractiveness times how little guardianship there is, so guarded places
are avoided (displacement). At the day's last cell it offends with probability
``1 - exp(-kappa * A * m)`` (A attractiveness, m the guardianship multiplier). What it
commits follows the place (routine activity theory: robbery where people pass, burglary
where people live). A burglar sizes up ``candidate_homes`` homes and picks one in
proportion to how suitable its visible security makes it look, or goes back to one of the
cell's recent victims with the chance Luce weights of ``1 + repeat_victim_weight ·
exp(−t / decay)`` (each victim's own: event dependence) against each other home give it
(repeat victimisation, Farrell & Pease 1993); hardening may foil the attempt (Tseloni et
al. 2017). Each offence risks arrest; the arrested are incapacitated for a sentence.

The pool turns over as in Short et al. 2008's constant replenishment Γ: new offenders
arrive at a constant rate ``pool × desistance`` and every offender, at large or in jail,
ends the career at the desistance rate. With no arrests the pool is all at large; arrests
hold part of it in jail for as long as the sentence runs, so at equilibrium the active
share is ``1 / (1 + λ S / (1 + d S))`` (λ arrests per active offender-day, S the mean
sentence, d the desistance rate): incapacitation lasts as long as the sentence says.

Every draw is made for every slot of the offender array, whether used or not, so random
numbers stay aligned between a mix and its baseline (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from safesim.core.city import RESIDENTIAL, VILLAGE, CityLayout, robbery_share
from safesim.core.fields import camera_setting_ratios
from safesim.core.households import Households
from safesim.core.parameters import MechanismParameters
from safesim.core.streams import Streams

ABSENT, ACTIVE, JAILED = 0, 1, 2
_DX = np.array([0, -1, 0, 1, -1, 1, -1, 0, 1])
_DY = np.array([0, -1, -1, -1, 0, 0, 1, 1, 1])


@dataclass
class OffenceReport:
    """What offenders did on one day (cells of successful crimes by type, arrests)."""

    burglary_cells: np.ndarray
    theft_cells: np.ndarray
    robbery_cells: np.ndarray
    burglary_homes: np.ndarray
    foiled: int
    arrests: int
    camera_arrests: float
    attempts: int
    excess_arrest_risk: float  # summed over attempts: arrest probability above the base


class Offenders:
    def __init__(
        self,
        layout: CityLayout,
        pool: int,
        params: MechanismParameters,
        streams: Streams,
    ):
        self.layout = layout
        self.params = params
        self.streams = streams
        self.pool = pool
        self.desistance = params.offender_desistance_per_year / 365.0
        self.robbery_share = robbery_share(params)
        self._camera_setting = params.camera_deterrence * camera_setting_ratios(params)
        self.inflow = pool * self.desistance
        capacity = max(16, 2 * pool + 64)
        self.capacity = capacity
        self.x = np.zeros(capacity, dtype=np.int32)
        self.y = np.zeros(capacity, dtype=np.int32)
        self.status = np.zeros(capacity, dtype=np.int8)
        self.release_day = np.zeros(capacity, dtype=np.int32)
        self.kappa = 0.0
        # Each active offender's attractiveness x guardianship at today's cell: the
        # offending propensity the burn-in fits ``kappa`` to.
        self.propensity = np.zeros(0)
        self._arrival_cdf = np.cumsum(layout.static_attractiveness)
        self._arrival_cdf /= self._arrival_cdf[-1]
        # The day's movement weights framed by a border of zeros, reused every day: the
        # border is never written, so it stays zero.
        self._framed = np.zeros((layout.height + 2, layout.width + 2))
        # The 9 moves (staying first) as offsets in that framed field.
        self._offsets = (_DY * (layout.width + 2) + _DX).astype(np.int64)
        self._place(np.arange(pool), streams["offender_arrival"])
        self.status[:pool] = ACTIVE

    def equilibrium_jailed(self, attempts_per_day: float, arrest_probability: float) -> float:
        """Expected offenders in jail at equilibrium: arrests a day times the time a
        sentence keeps one there (sentence S, cut short by desistance d): λA·S/(1 + dS)."""
        sentence = self.params.sentence_mean_days
        return attempts_per_day * arrest_probability * sentence / (1.0 + self.desistance * sentence)

    def start_in_equilibrium(
        self, attempts_per_day: float, arrest_probability: float, day: int
    ) -> None:
        """Put the equilibrium share of the pool in jail, each with an exponential
        remaining sentence (the memoryless sentence of ``offend``), and the rest at large,
        so the pool is stationary from here. Whoever was in jail is released first."""
        self.status[self.status == JAILED] = ACTIVE
        in_pool = np.flatnonzero(self.status == ACTIVE)
        jailed = round(self.equilibrium_jailed(attempts_per_day, arrest_probability))
        jailed = min(jailed, max(0, in_pool.size - 1))
        rng = self.streams["offender_initial_jail"]
        chosen = rng.permutation(in_pool)[:jailed]
        remaining = rng.exponential(self.params.sentence_mean_days, chosen.size)
        self.status[chosen] = JAILED
        self.release_day[chosen] = day + 1 + remaining.astype(np.int32)

    @property
    def active(self) -> int:
        return int(np.count_nonzero(self.status == ACTIVE))

    @property
    def jailed(self) -> int:
        return int(np.count_nonzero(self.status == JAILED))

    def _place(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        cells = np.searchsorted(self._arrival_cdf, rng.random(slots.size), side="right")
        cells = np.minimum(cells, self.layout.cells - 1)
        self.x[slots], self.y[slots] = self.layout.xy(cells)

    def cells(self) -> np.ndarray:
        return self.y * self.layout.width + self.x

    def turnover(self, day: int) -> None:
        """Release those whose sentence ended, let some desist, bring in new offenders."""
        self.status[(self.status == JAILED) & (self.release_day <= day)] = ACTIVE
        desist = self.streams["offender_desistance"].random(self.capacity)
        # Careers end in jail too: a sentence is time out of a career, not added to it.
        self.status[(self.status != ABSENT) & (desist < self.desistance)] = ABSENT
        arrivals = self.streams["offender_arrival"].poisson(self.inflow)
        free = np.flatnonzero(self.status == ABSENT)[:arrivals]
        # Positions are drawn for every arrival so the stream advances the same in any mix.
        cells = np.searchsorted(
            self._arrival_cdf, self.streams["offender_arrival"].random(arrivals), side="right"
        )
        cells = np.minimum(cells, self.layout.cells - 1)[: free.size]
        self.x[free], self.y[free] = self.layout.xy(cells)
        self.status[free] = ACTIVE

    def move(self, attractiveness: np.ndarray, multiplier: np.ndarray) -> None:
        w, h = self.layout.width, self.layout.height
        # The weight field framed by a border of zeros: a step off the map weighs nothing,
        # and the 9 neighbours of any cell are fixed offsets, with no bounds checks.
        framed = self._framed
        np.multiply(attractiveness.reshape(h, w), multiplier.reshape(h, w), out=framed[1:-1, 1:-1])
        weight_field = framed.ravel()
        rng = self.streams["offender_movement"]
        # Only active offenders walk (status does not change during the walk), but a draw
        # is made for every slot so the stream stays aligned (common random numbers).
        walkers = np.flatnonzero(self.status == ACTIVE)
        # Each walker's cell in the framed field, followed step by step; the offsets of
        # the 9 neighbours are added to it, and x and y are read back after the walk.
        here = (self.y[walkers].astype(np.int64) + 1) * (w + 2) + (self.x[walkers] + 1)
        offsets = self._offsets
        n = walkers.size
        near = np.empty((offsets.size, n), dtype=np.int64)
        cum = np.empty((offsets.size, n))
        below = np.empty((offsets.size, n), dtype=bool)
        for _ in range(self.params.offender_moves_per_day):
            u = rng.random(self.capacity)[walkers]
            np.add(offsets[:, None], here[None, :], out=near)
            # Every index is on the framed field, so clipping changes none (and spares
            # the copy a checked ``take`` into ``out`` makes).
            np.take(weight_field, near, out=cum, mode="clip")
            # One row per neighbour, summed row by row: the same additions in the same
            # order as a cumulative sum along each offender's 9 weights, several times
            # faster than np.cumsum over a short axis.
            for j in range(1, cum.shape[0]):
                np.add(cum[j - 1], cum[j], out=cum[j])
            u *= cum[-1]
            np.less(cum, u, out=below)
            pick = below.sum(axis=0, dtype=np.uint8)
            np.minimum(pick, 8, out=pick)
            here += offsets[pick]
        self.y[walkers] = here // (w + 2) - 1
        self.x[walkers] = here % (w + 2) - 1

    def offend(
        self,
        day: int,
        attractiveness: np.ndarray,
        multiplier: np.ndarray,
        arrest_probability: np.ndarray,
        place_protection: np.ndarray,
        camera_coverage: np.ndarray,
        households: Households,
        base_arrest_probability: float,
    ) -> OffenceReport:
        p = self.params
        layout = self.layout
        streams = self.streams
        cap = self.capacity
        u_offend = streams["offending"].random(cap)
        u_type = streams["crime_type"].random(cap)
        u_success = streams["target_success"].random(cap)
        u_homes = streams["victim_choice"].random((cap, p.candidate_homes + 1))
        u_return = streams["repeat_return"].random(cap)
        u_arrest = streams["arrest"].random(cap)
        sentences = streams["sentence"].exponential(p.sentence_mean_days, cap)

        # Every slot drew above; only active offenders are looked at, and from the
        # offence on only the few who offend today (in slot order).
        active = np.flatnonzero(self.status == ACTIVE)
        here = self.y[active] * layout.width + self.x[active]
        # What each would commit follows the place; cameras deter property crime more
        # than robbery, so the choice of crime comes before the decision to offend.
        land_here = layout.land_use[here]
        would_rob = u_type[active] < self.robbery_share[land_here]
        # 1 - camera_cut(...) as camera_cut computes it, the setting's deterrence per land
        # use looked up once (cameras deter robbery a camera_violence_ratio share as much).
        cameras = self._camera_setting[land_here]
        cameras *= camera_coverage[here]
        np.multiply(cameras, p.camera_violence_ratio, out=cameras, where=would_rob)
        np.minimum(cameras, p.camera_max_deterrence, out=cameras)
        np.subtract(1.0, cameras, out=cameras)
        propensity = attractiveness[here]
        propensity *= multiplier[here]
        propensity *= cameras
        self.propensity = propensity
        chance = np.multiply(-self.kappa, propensity)
        np.exp(chance, out=chance)
        np.subtract(1.0, chance, out=chance)
        offends = u_offend[active] < chance
        offender = active[offends]
        cell = here[offends]
        land = land_here[offends]
        robbery = would_rob[offends]
        at_home = ((land == RESIDENTIAL) | (land == VILLAGE)) & (layout.homes[cell] > 0)
        burglary = ~robbery & at_home
        place_theft = ~robbery & ~at_home

        b = np.flatnonzero(burglary)
        burglar = offender[b]
        homes_here = layout.homes[cell[b]]
        candidates = layout.cell_start[cell[b]][:, None] + (
            u_homes[burglar, :-1] * homes_here[:, None]
        ).astype(np.int64)
        score = 1.0 - p.protection_visibility * households.protection[candidates]
        # Luce choice: a home is picked in proportion to how suitable it looks, since
        # burglars judge security and past success imperfectly.
        cum = np.cumsum(score, axis=1)
        pick = (cum < (u_homes[burglar, -1] * cum[:, -1])[:, None]).sum(axis=1)
        chosen = candidates[np.arange(b.size), np.minimum(pick, p.candidate_homes - 1)]
        # Repeat victimisation (the boost account: the burglar, or one who heard of the
        # haul, goes back). Returning with chance S / (n + S) makes each recent victim,
        # of weight 1 + a, as likely a target as Luce choice over all n homes of the cell
        # would make it, which a sample of a few candidates cannot.
        returns, victim = households.repeat_return(cell[b], homes_here, day, p, u_return[burglar])
        chosen = np.where(returns, victim, chosen)
        burgled = u_success[burglar] >= households.protection[chosen]
        burglary_homes = chosen[burgled]
        households.record_victimisation(burglary_homes, day)

        pt = np.flatnonzero(place_theft)
        stolen = u_success[offender[pt]] >= place_protection[cell[pt]]
        foiled = int(np.count_nonzero(~burgled) + np.count_nonzero(~stolen))

        risk = arrest_probability[cell]
        arrested = u_arrest[offender] < risk
        jailed = offender[arrested]
        jail_cells = cell[arrested]
        self.status[jailed] = JAILED
        self.release_day[jailed] = day + 1 + sentences[jailed].astype(np.int32)
        # Arrests a camera made possible: its share of the arrest probability.
        cam = p.camera_detection * camera_coverage[jail_cells]
        camera_arrests = float(np.sum(cam / np.maximum(arrest_probability[jail_cells], 1e-9)))

        return OffenceReport(
            burglary_cells=cell[b][burgled],
            theft_cells=cell[pt][stolen],
            robbery_cells=cell[robbery],
            burglary_homes=burglary_homes,
            foiled=foiled,
            arrests=int(jailed.size),
            camera_arrests=camera_arrests,
            attempts=int(offender.size),
            excess_arrest_risk=float(np.sum(risk - base_arrest_probability)),
        )


def fit_offending_rate(propensity: np.ndarray, days: int, offences_per_day: float) -> float:
    """The ``kappa`` at which offenders with these daily propensities (pooled over
    ``days``) offend ``offences_per_day`` times a day on average:
    sum(1 - exp(-kappa a)) / days = target, by Newton's method from the linear guess (the
    left side is concave in kappa, so the iterates rise monotonically to the root)."""
    total = float(propensity.sum())
    if total <= 0.0 or offences_per_day <= 0.0:
        return 0.0
    kappa = offences_per_day * days / total
    for _ in range(30):
        decay = np.exp(-kappa * propensity)
        gap = float(np.sum(1.0 - decay)) / days - offences_per_day
        slope = float(np.sum(propensity * decay)) / days
        if slope <= 0.0 or abs(gap) <= 1e-9 * offences_per_day:
            break
        kappa -= gap / slope
    return kappa

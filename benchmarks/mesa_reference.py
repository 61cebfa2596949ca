"""The household core of safesim written the usual Mesa way, as a speed reference.

One ``mesa`` agent per household on an ``OrthogonalMooreGrid``, stepped each day by
``model.agents.shuffle_do("step")``. Each household, each day:

1. faces the burglary pressure of its cell (expected attempts per home per day, from the
   cell's attractiveness and its recent crime) weighted by how suitable it looks: its own
   visible protection and its repeat-victimisation weight (Farrell & Pease 1993);
2. is burgled with ``1 - exp(-pressure * suitability)``, the attempt failing with its
   protection, and updates its victimisation history;
3. updates its perceived safety from its own victimisation (fear fading over months),
   and from the crime and disorder rates around its cell, which it takes in gradually.

The model then spreads street disorder, folds the day's crime and disorder into monthly
3 × 3-block rates per cell and records the share of households that feel safe.

This is the same core victimisation and perceived-safety update safesim makes for every
household every day (safesim does more besides: offenders walking the city, disputes,
interventions), and the mechanism parameters are safesim's own. It is written for
clarity in Mesa's idiom, not for speed: it is what safesim's array design is measured
against. Not part of the package.
"""

from __future__ import annotations

import math

import mesa
from mesa.discrete_space import Cell, FixedAgent, OrthogonalMooreGrid

from safesim.core.parameters import MechanismParameters

NEVER = -(10**6)
MONTH_DAYS = 30.0
PER_HOUSEHOLD_DAY = 1.0 / (1000.0 * 365.0)


class Block:
    """What a household sees of its cell: burglary pressure, today's events, local rates.

    Kept beside the grid cell because Mesa 3.5's cells take no new attributes."""

    def __init__(self, cell: Cell, attractiveness: float, climate: float):
        self.cell = cell
        self.attractiveness = attractiveness
        self.recent_crime = 0.0
        self.crimes_today = 0
        self.disorder_today = 0
        self.crime_rate = 0.0
        self.disorder_rate = 0.0
        self.climate_target = climate
        self.pressure = 0.0
        self.per_100 = 0.0
        self.around: list[Block] = []


class Household(FixedAgent):
    """A household: where it lives, how well it is protected, its victimisation history
    and how safe it feels."""

    def __init__(
        self, model: MesaReferenceModel, cell: Cell, protection: float, disposition: float
    ):
        super().__init__(model)
        self.cell = cell
        self.block: Block = model.blocks[cell.coordinate]
        self.protection = protection
        self.disposition = disposition
        self.last_victimised = NEVER
        self.victimisations = 0
        self.climate = model.intercept
        self.feels_safe = 0.0

    def step(self) -> None:
        model = self.model
        p = model.params
        block = self.block
        since = model.day - self.last_victimised
        repeat = 1.0 + p.repeat_victim_weight * math.exp(-since / p.repeat_victim_decay_days)
        suitability = (1.0 - p.protection_visibility * self.protection) * repeat
        chance = 1.0 - math.exp(-block.pressure * suitability)
        if self.random.random() < chance and self.random.random() >= self.protection:
            self.last_victimised = model.day
            self.victimisations += 1
            since = 0
            block.crimes_today += 1
        fear = p.fear_own_victimisation * math.exp(-since / p.fear_memory_days)
        self.climate += (block.climate_target - self.climate) / p.safety_adaptation_days
        self.feels_safe = 1.0 / (1.0 + math.exp(-(self.climate + self.disposition - fear)))


class MesaReferenceModel(mesa.Model):
    """A city of ``households`` households, ``households_per_cell`` to a cell.

    Args:
        households: number of household agents.
        seed: random seed (``rng=``, the same streams on Mesa 3.3 and 3.5).
        households_per_cell: homes per grid cell (safesim's scenarios use 60).
        hardened_share: share of homes with a lock (protection ``1 - 1 / lock_protection_factor``).
        burglary_per_1000: burglaries per 1,000 households a year at the mean cell.
        disorder_per_1000: street disorder per 1,000 households a year.
        intercept: felt-safety logit of a quiet neighbourhood.
    """

    def __init__(
        self,
        households: int = 10_000,
        seed: int = 1,
        households_per_cell: int = 60,
        hardened_share: float = 0.1,
        burglary_per_1000: float = 6.0,
        disorder_per_1000: float = 15.0,
        intercept: float = 2.5,
    ):
        super().__init__(rng=seed)
        self.params = MechanismParameters()
        self.day = 0
        self.intercept = intercept
        self.disorder_per_day = disorder_per_1000 * households * PER_HOUSEHOLD_DAY
        side = max(1, math.ceil(math.sqrt(households / households_per_cell)))
        self.grid = OrthogonalMooreGrid((side, side), torus=False, random=self.random)
        cells = list(self.grid.all_cells)
        self.blocks = {
            cell.coordinate: Block(cell, self.random.lognormvariate(0.0, 0.5), intercept)
            for cell in cells
        }
        self.base_pressure = burglary_per_1000 * PER_HOUSEHOLD_DAY
        p = self.params
        for i in range(households):
            cell = cells[i % len(cells)]
            protection = (
                1.0 - 1.0 / p.lock_protection_factor
                if self.random.random() < hardened_share
                else 0.0
            )
            disposition = self.random.gauss(0.0, p.safety_spread)
            Household(self, cell, protection, disposition)
        for block in self.blocks.values():
            block.around = [self.blocks[n.coordinate] for n in block.cell.neighborhood]
            homes_around = len(block.cell.agents) + sum(len(n.cell.agents) for n in block.around)
            block.per_100 = 100.0 / max(homes_around, 1)
        self.block_list = list(self.blocks.values())
        self.share_safe = 0.0

    def step(self) -> None:
        p = self.params
        # Places where crime happened lately draw more burglars (Short et al. 2008).
        for block in self.block_list:
            block.pressure = (
                self.base_pressure
                * block.attractiveness
                * (1.0 + p.attractiveness_boost * block.recent_crime)
            )
            block.crimes_today = 0
            block.disorder_today = 0
        self.agents.shuffle_do("step")
        for _ in range(int(self.rng.poisson(self.disorder_per_day))):
            self.random.choice(self.block_list).disorder_today += 1
        decay = 1.0 - 1.0 / MONTH_DAYS
        for block in self.block_list:
            crimes = block.crimes_today + sum(n.crimes_today for n in block.around)
            disorder = block.disorder_today + sum(n.disorder_today for n in block.around)
            block.crime_rate = block.crime_rate * decay + crimes * block.per_100
            block.disorder_rate = block.disorder_rate * decay + disorder * block.per_100
            block.climate_target = (
                self.intercept
                - p.fear_local_crime * block.crime_rate
                - p.fear_disorder * block.disorder_rate
            )
            block.recent_crime = (
                block.recent_crime * (1.0 - p.attractiveness_decay) + block.crimes_today
            )
        self.share_safe = self.agents.agg("feels_safe", sum) / len(self.agents)
        self.day += 1

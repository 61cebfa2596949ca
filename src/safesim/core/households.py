"""Households: every per-household state is a NumPy array, never one object per home.

State kept per household (index ``h``, homes sorted by cell):
``cell`` (where it lives), ``devices`` (bit mask of fitted target hardening: lock, alarm
phone, anti-climb, home camera), ``protection`` (chance a burglary attempt fails, derived
from ``devices``), ``unit_member`` (in a ten-household unit), ``grid_covered`` and
``visit_phase`` (whether a grid worker serves it and when in the sweep cycle they call),
``last_victimised`` / ``victimisations`` (victimisation history), ``cell_recent_victims``
(per cell: its ``RECENT_VICTIMS`` most recent victims, newest first, each carrying its own
decaying boost: the homes a returning burglar goes back to) and ``disposition`` (the
household's own leaning to feel safe, one of a few quantile classes).
"""

from __future__ import annotations

import numpy as np

from safesim.core.city import CityLayout
from safesim.core.parameters import MechanismParameters

LOCK, ALARM, ANTI_CLIMB, HOME_CAMERA = 1, 2, 4, 8
DEVICE_BITS = {
    "lock_cylinders": LOCK,
    "alarm_phones": ALARM,
    "anti_climb_spikes": ANTI_CLIMB,
    "home_cameras": HOME_CAMERA,
}
NEVER = -(10**6)
DISPOSITION_CLASSES = 9
# Victims a block remembers, each with its own boost. With the boost's e-folding of
# days to weeks, a block's ninth most recent victim has almost always worn off: only hot
# spots see eight burglaries of one block within a few weeks.
RECENT_VICTIMS = 8


def protection_table(params: MechanismParameters) -> np.ndarray:
    """Protection of each of the 16 device combinations: the chance a burglary attempt
    fails, ``1 − 1 / Π factor``, from the devices' protection factors (risk without
    security over risk with it, Tseloni et al. 2017). A factor below 1 (an alarm alone)
    gives a negative protection: the home looks the more tempting to a burglar."""
    factor = {
        LOCK: params.lock_protection_factor,
        ALARM: params.alarm_protection_factor,
        ANTI_CLIMB: params.anti_climb_protection_factor,
        HOME_CAMERA: params.home_camera_protection_factor,
    }
    table = np.ones(16)
    for mask in range(16):
        for bit, f in factor.items():
            if mask & bit:
                table[mask] *= f
    return (1.0 - 1.0 / table).astype(np.float32)


class Households:
    def __init__(self, layout: CityLayout, params: MechanismParameters, rng: np.random.Generator):
        n = layout.households
        self.n = n
        self.cell = layout.household_cell
        self.devices = np.zeros(n, dtype=np.uint8)
        self.protection = np.zeros(n, dtype=np.float32)
        self.unit_member = np.zeros(n, dtype=bool)
        self.grid_covered = np.zeros(n, dtype=bool)
        self.visit_phase = np.zeros(n, dtype=np.float32)
        self.last_victimised = np.full(n, NEVER, dtype=np.int32)
        self.victimisations = np.zeros(n, dtype=np.int16)
        self.cell_recent_victims = np.full((layout.cells, RECENT_VICTIMS), -1, dtype=np.int64)
        self.disposition = rng.integers(0, DISPOSITION_CLASSES, size=n, dtype=np.int8)
        self._table = protection_table(params)

    def clear_programmes(self) -> None:
        """Forget what programmes set up (grid coverage, visit rounds, unit membership),
        as in a city where none was ever set up."""
        self.grid_covered = np.zeros(self.n, dtype=bool)
        self.visit_phase = np.zeros(self.n, dtype=np.float32)
        self.unit_member = np.zeros(self.n, dtype=bool)

    def fit(self, homes: np.ndarray, device: int) -> int:
        """Fit ``device`` to ``homes``; returns how many did not have one already."""
        if homes.size == 0:
            return 0
        new = int(np.count_nonzero((self.devices[homes] & device) == 0))
        self.devices[homes] |= np.uint8(device)
        self.protection[homes] = self._table[self.devices[homes]]
        return new

    def record_victimisation(self, homes: np.ndarray, day: int) -> None:
        if len(homes) == 0:
            return
        self.last_victimised[homes] = day
        np.add.at(self.victimisations, homes, 1)
        remaining = np.asarray(homes, dtype=np.int64)
        # One victim per cell per round, in the day's order, so a block with two victims
        # today remembers both, the later one first.
        while remaining.size:
            cells = self.cell[remaining]
            first = np.unique(cells, return_index=True)[1]
            self._remember(cells[first].astype(np.int64), remaining[first])
            remaining = np.delete(remaining, first)

    def _remember(self, cells: np.ndarray, victims: np.ndarray) -> None:
        """Put ``victims`` first in their cells' lists (one victim per cell), dropping an
        older entry of the same home and the cell's oldest victim when the list is full."""
        rows = self.cell_recent_victims[cells]
        rows[rows == victims[:, None]] = -1
        # Empty slots to the end, the rest in their order (newest first).
        order = np.argsort(rows < 0, axis=1, kind="stable")
        rows = np.take_along_axis(rows, order, axis=1)
        self.cell_recent_victims[cells] = np.concatenate([victims[:, None], rows[:, :-1]], axis=1)

    def repeat_boosts(
        self, cells: np.ndarray, day: int, params: MechanismParameters
    ) -> tuple[np.ndarray, np.ndarray]:
        """The recent victims of each of ``cells`` (``len(cells) × RECENT_VICTIMS``, −1 for
        an empty slot) and each one's own extra Luce weight against any other home there,
        ``repeat_victim_weight · exp(−days since / decay)`` times the share of it the
        home's visible protection leaves: event dependence, a boost that is the home's
        and wears off, apart from the place's lasting risk (Short et al. 2009; Polvi et
        al. 1991; Farrell & Pease 1993)."""
        victims = self.cell_recent_victims[cells]
        known = victims >= 0
        home = np.where(known, victims, 0)
        since = (day - self.last_victimised[home]).astype(np.float64)
        weight = (
            params.repeat_victim_weight
            * np.exp(-since / params.repeat_victim_decay_days)
            * (1.0 - params.protection_visibility * self.protection[home])
        )
        return victims, np.where(known, np.maximum(weight, 0.0), 0.0)

    def repeat_return(
        self,
        cells: np.ndarray,
        homes_here: np.ndarray,
        day: int,
        params: MechanismParameters,
        u: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For a burglary in each of ``cells`` (``homes_here`` homes each), whether the
        burglar goes back to a recent victim and which (−1 where none): back with chance
        ``S / (n + S)``, ``S`` the cell's total boost, to a victim in proportion to its
        own boost, so that with the sampled candidates otherwise every home gets the
        chance ``(1 + a) / (n + S)`` Luce choice over the whole cell would give it. One
        uniform draw ``u`` per burglary decides both (below the chance, ``u / chance`` is
        again uniform)."""
        victims, weight = self.repeat_boosts(cells, day, params)
        total = weight.sum(axis=1)
        chance = total / (homes_here + total)
        returns = u < chance
        pick = np.divide(u, chance, out=np.zeros_like(chance), where=chance > 0)
        cum = np.cumsum(weight, axis=1)
        slot = np.minimum((cum <= (pick * total)[:, None]).sum(axis=1), RECENT_VICTIMS - 1)
        victim = victims[np.arange(cells.size), slot]
        return returns, np.where(total > 0, victim, -1)

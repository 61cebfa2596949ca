"""Households: every per-household state is a NumPy array, never one object per home.

State kept per household (index ``h``, homes sorted by cell):
``cell`` (where it lives), ``devices`` (bit mask of fitted target hardening: lock, alarm
phone, anti-climb, home camera), ``protection`` (chance a burglary attempt fails, derived
from ``devices``), ``unit_member`` (in a ten-household unit), ``grid_covered`` and
``visit_phase`` (whether a grid worker serves it and when in the sweep cycle they call),
``last_victimised`` / ``victimisations`` (victimisation history), ``cell_last_victim``
(per cell: its most recent victim, the home a returning burglar goes back to) and ``disposition``
(the household's own leaning to feel safe, one of a few quantile classes).
"""

from __future__ import annotations

import numpy as np

from safesim.city import CityLayout
from safesim.parameters import MechanismParameters

LOCK, ALARM, ANTI_CLIMB, HOME_CAMERA = 1, 2, 4, 8
DEVICE_BITS = {
    "lock_cylinders": LOCK,
    "alarm_phones": ALARM,
    "anti_climb_spikes": ANTI_CLIMB,
    "home_cameras": HOME_CAMERA,
}
NEVER = -(10**6)
DISPOSITION_CLASSES = 9


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
        self.cell_last_victim = np.full(layout.cells, -1, dtype=np.int64)
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
        self.last_victimised[homes] = day
        np.add.at(self.victimisations, homes, 1)
        if homes.size:
            # The last of a day's victims in each cell, chosen explicitly: a fancy
            # assignment with repeated cells does not promise which value wins.
            last = homes.size - 1 - np.unique(self.cell[homes][::-1], return_index=True)[1]
            self.cell_last_victim[self.cell[homes[last]]] = homes[last]

    def repeat_pull(
        self, cells: np.ndarray, day: int, params: MechanismParameters
    ) -> tuple[np.ndarray, np.ndarray]:
        """The most recent victim of each of ``cells`` and its extra Luce weight against
        any other home there, ``repeat_victim_weight · exp(−days since / decay)`` times
        the share of it the home's visible protection leaves (Farrell & Pease 1993;
        Polvi et al. 1991). Cells never burgled give victim −1 and weight 0."""
        victim = self.cell_last_victim[cells]
        known = victim >= 0
        home = np.where(known, victim, 0)
        since = (day - self.last_victimised[home]).astype(np.float64)
        weight = (
            params.repeat_victim_weight
            * np.exp(-since / params.repeat_victim_decay_days)
            * (1.0 - params.protection_visibility * self.protection[home])
        )
        return victim, np.where(known, np.maximum(weight, 0.0), 0.0)

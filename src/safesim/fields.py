"""Cell fields that interventions write each day and offenders and households read.

Each intervention adds its own layer (camera coverage, patrol presence, volunteer
guardianship, secured parking); ``combine`` turns them into the two things offenders
face at a cell: how much less they offend there, and how likely an offence ends in arrest.
"""

from __future__ import annotations

import numpy as np

from safesim.city import CAMERA_SETTING_RATIO, CityLayout, neighbour_sum
from safesim.parameters import MechanismParameters


class CellFields:
    def __init__(self, layout: CityLayout):
        n = layout.cells
        self.layout = layout
        self.camera_coverage = np.zeros(n)
        self.patrol_presence = np.zeros(n)
        self.patrol_visits = np.zeros(n)
        self.guardianship = np.zeros(n)
        self.place_protection = np.zeros(n)
        self.offending_multiplier = np.ones(n)
        self.arrest_probability = np.zeros(n)
        self._neighbours = neighbour_sum(np.ones(n), layout.width, layout.height)
        # Today's felt patrol, fixed from ``combine`` until the next ``reset`` (the model
        # reads it several times a day; each computation is a pass over the whole grid).
        self._felt: tuple[MechanismParameters, np.ndarray] | None = None

    def reset(self) -> None:
        """Interventions rewrite their layers every day; start from no intervention."""
        n = self.layout.cells
        self.camera_coverage = np.zeros(n)
        self.patrol_presence = np.zeros(n)
        self.patrol_visits = np.zeros(n)
        self.guardianship = np.zeros(n)
        self.place_protection = np.zeros(n)
        self._felt = None

    def felt_patrol(self, params: MechanismParameters) -> np.ndarray:
        """Patrol presence plus the share that diffuses to neighbouring cells."""
        if self._felt is not None and self._felt[0] is params:
            return self._felt[1]
        p = self.patrol_presence
        if not p.any():
            return p
        around = neighbour_sum(p, self.layout.width, self.layout.height) / self._neighbours
        return np.minimum(1.0, p + params.patrol_diffusion * around)

    def combine(self, params: MechanismParameters, general_deterrence: float) -> None:
        ratio = CAMERA_SETTING_RATIO[self.layout.land_use]
        camera = np.clip(params.camera_deterrence * ratio * self.camera_coverage, 0.0, 0.9)
        self._felt = None
        patrol = self.felt_patrol(params)
        self._felt = (params, patrol)
        self.offending_multiplier = (
            (1.0 - camera)
            * (1.0 - params.patrol_deterrence * patrol)
            * (1.0 - params.guardianship_effect * self.guardianship)
            * general_deterrence
        )
        stays_free = (
            (1.0 - params.base_arrest_probability)
            * (1.0 - params.camera_detection * self.camera_coverage)
            * (1.0 - params.patrol_arrest_boost * patrol)
        )
        self.arrest_probability = 1.0 - stays_free

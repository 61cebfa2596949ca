"""Cell fields that interventions write each day and offenders and households read.

Each intervention adds its own layer (camera coverage, patrol presence, volunteer
guardianship, secured parking); ``combine`` turns them into what offenders face at a
cell: how much less they offend there (cameras apart, since their effect depends on the
crime: ``camera_cut``), how much less they walk there, and how likely an offence ends in
arrest.
"""

from __future__ import annotations

import numpy as np

from safesim.city import CityLayout, neighbour_sum
from safesim.parameters import MechanismParameters


def camera_setting_ratios(params: MechanismParameters) -> np.ndarray:
    """Camera effect by land use (``LAND_USES`` order) relative to all settings."""
    residential = params.camera_residential_ratio
    # Schools count as "other settings": the overall effect, ratio 1 by definition.
    return np.array(
        [
            residential,
            params.camera_city_centre_ratio,
            params.camera_transit_ratio,
            1.0,
            params.camera_car_park_ratio,
            residential,
        ]
    )


def camera_cut(
    params: MechanismParameters,
    land_use: np.ndarray,
    coverage: np.ndarray,
    robbery: np.ndarray | bool = False,
) -> np.ndarray:
    """Fall in offending that camera ``coverage`` brings at cells of ``land_use``: the
    property-crime effect for its setting, a ``camera_violence_ratio`` share of it for
    robbery (Welsh & Farrington 2009; Piza et al. 2019)."""
    cut = params.camera_deterrence * camera_setting_ratios(params)[land_use] * coverage
    cut = np.where(robbery, params.camera_violence_ratio * cut, cut)
    return np.minimum(cut, params.camera_max_deterrence)


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
        self.movement_multiplier = np.ones(n)
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
        self._felt = None
        patrol = self.felt_patrol(params)
        self._felt = (params, patrol)
        self.offending_multiplier = (
            (1.0 - params.patrol_deterrence * patrol)
            * (1.0 - params.guardianship_effect * self.guardianship)
            * general_deterrence
        )
        # Offenders walk away from guardians, from patrols only as far as
        # ``patrol_avoidance`` says (they cannot foresee unpredictable visits), and not from
        # cameras: the CCTV reviews find effects specific to property crime and little
        # displacement, so a camera acts where an offender decides (Offenders.offend).
        # General deterrence is city-wide and leaves the choice of the next cell alone.
        self.movement_multiplier = (
            1.0 - params.patrol_avoidance * params.patrol_deterrence * patrol
        ) * (1.0 - params.guardianship_effect * self.guardianship)
        stays_free = (
            (1.0 - params.base_arrest_probability)
            * (1.0 - params.camera_detection * self.camera_coverage)
            * (1.0 - params.patrol_arrest_boost * patrol)
        )
        self.arrest_probability = 1.0 - stays_free

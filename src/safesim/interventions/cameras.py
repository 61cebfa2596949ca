"""Cameras (高清探头, 天网/雪亮): deterrence where they look, and detection that leads to arrest."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from safesim.interventions.base import Intervention
from safesim.quantities import LAND_USES, Calendar, Count, Delivery, NonNegativeFloat, Strict

if TYPE_CHECKING:
    from safesim.model import SafetyModel


class CameraPlacementWeights(Strict):
    """Relative chance a camera placed by land use goes to a cell of each use."""

    residential: NonNegativeFloat = 1.0
    commercial: NonNegativeFloat = 3.0
    street: NonNegativeFloat = 3.0
    school: NonNegativeFloat = 2.0
    car_park: NonNegativeFloat = 4.0
    village: NonNegativeFloat = 0.5
    assumption: str = (
        "car parks, commercial streets and transit squares before homes, as the reports "
        "list their camera points"
    )


class CamerasSpec(Delivery):
    """Scenario entry ``interventions.cameras``."""

    scaled: ClassVar[tuple[str, ...]] = ("count",)

    count: Count
    placement: Literal["hot_spots", "land_use", "random"] = "land_use"
    land_use_weights: CameraPlacementWeights = CameraPlacementWeights()


class Cameras(Intervention):
    """Public CCTV: installed over the ramp at cells chosen by land use, hot spot or chance.

    Mechanism: a cell's coverage is ``1 − exp(−cameras / cameras_per_cell_half_cover)``.
    Coverage lowers property crime (burglary, theft) by ``camera_deterrence`` times the
    ratio for the cell's setting (``camera_car_park_ratio``, ``camera_city_centre_ratio``,
    ``camera_transit_ratio``, ``camera_residential_ratio``), capped at
    ``camera_max_deterrence``, and robbery by only ``camera_violence_ratio`` of that; it
    raises the chance an offence there ends in arrest by ``camera_detection``. Cameras
    placed by ``land_use`` go to cells in proportion to the spec's ``land_use_weights``.

    Evidence: Welsh & Farrington 2009 (41 studies: −16 % overall, car parks −51 %, city
    centres −7 % n.s., public transport −23 % n.s.); Piza et al. 2019 (≈ −13 %, largest in
    car parks and residential areas, property not violent crime). Tongren credits its video
    cloud with 2,100 solved cases.
    """

    name = "cameras"
    spec_class = CamerasSpec

    def __init__(self, spec: CamerasSpec, calendar: Calendar):
        super().__init__(spec, calendar)
        self.spec: CamerasSpec = spec
        self.per_cell: np.ndarray | None = None

    def _place(self, model: SafetyModel) -> np.ndarray:
        layout = model.layout
        if self.spec.placement == "land_use":
            by_use = self.spec.land_use_weights
            weights = np.array([getattr(by_use, use) for use in LAND_USES])[layout.land_use]
        elif self.spec.placement == "hot_spots":
            weights = model.recent_crime + 1e-3 * layout.static_attractiveness
        else:
            weights = np.ones(layout.cells)
        rng = model.streams["camera_placement"]
        return rng.multinomial(self.spec.count.value, weights / weights.sum()).astype(float)

    def apply(self, model: SafetyModel, day: int) -> None:
        s = self.strength(day)
        if s == 0.0:
            model.fields.camera_coverage = np.zeros(model.layout.cells)
            return
        if self.per_cell is None:
            self.per_cell = self._place(model)
        half = model.params.cameras_per_cell_half_cover
        model.fields.camera_coverage = 1.0 - np.exp(-self.per_cell * s / half)

    def treated_cells(self, model: SafetyModel) -> np.ndarray:
        if self.per_cell is None:
            self.per_cell = self._place(model)
        return self.per_cell > 0

    def units(self) -> float:
        return float(self.spec.count.value)

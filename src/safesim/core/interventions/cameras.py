"""Cameras (高清探头, 天网/雪亮): deterrence where they look, and detection that leads to arrest."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from mesa.discrete_space import FixedAgent

from safesim.core.fields import Channels
from safesim.core.interventions.base import Intervention, Portrayal
from safesim.core.quantities import LAND_USES, Calendar, Count, Delivery, NonNegativeFloat, Strict

if TYPE_CHECKING:
    from safesim.core.model import SafetyModel


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


class Camera(FixedAgent):
    """One public camera, fixed at the cell it was installed in (``cell_index``)."""

    portrayal: ClassVar[Portrayal] = Portrayal(
        "cameras", "triangle-up", 6, "black", 0.55, name_zh="摄像头"
    )

    def __init__(self, model: SafetyModel, cell_index: int):
        super().__init__(model)
        self.cell_index = cell_index

    def describe(self) -> str:
        """What the map says when a user points at the camera."""
        return f"camera #{self.unique_id}"


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
    order = 30
    label = "cameras"
    label_zh = "摄像头"
    unit = "camera"
    evidence = "Welsh & Farrington 2009; Piza et al. 2019"
    channels = ("arrest_boost", "camera_coverage")
    lever = "cameras"
    lever_label = "Cameras"
    lever_field = "count"

    def __init__(self, spec: CamerasSpec, calendar: Calendar):
        super().__init__(spec, calendar)
        self.spec: CamerasSpec = spec
        self.per_cell: np.ndarray | None = None
        self.camera_agents: list[Camera] = []
        # Coverage and arrest boost at the strength they were last computed for: they
        # change only while the installation ramps up.
        self._strength: float | None = None
        self._coverage: np.ndarray | None = None
        self._arrest_boost: np.ndarray | None = None
        self._fitted = np.zeros(0, dtype=np.int64)  # the cells with a camera
        self._installed = False

    def _placed(self, model: SafetyModel) -> np.ndarray:
        """Cameras per cell, drawn where they are first needed (their treated cells or
        their installation, whichever comes first) and kept."""
        if self.per_cell is None:
            self.per_cell = self._place(model)
        return self.per_cell

    def _install(self, model: SafetyModel) -> None:
        """Put one ``Camera`` agent at each placed camera; coverage is counted from the
        agents' cells. A counterfactual twin asks only for the treated cells, so it
        places the cameras without making agents of them."""
        counts = self._placed(model)
        at = np.repeat(np.arange(counts.size), counts.astype(np.int64))
        cells = model.cell_of(at)
        self.camera_agents = []
        for index, cell in zip(at.tolist(), cells, strict=True):
            camera = Camera(model, index)
            camera.cell = cell
            self.camera_agents.append(camera)
        installed = np.array([camera.cell_index for camera in self.camera_agents], dtype=np.int64)
        self.per_cell = np.bincount(installed, minlength=model.layout.cells).astype(float)
        self._installed = True

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

    def apply(self, model: SafetyModel, day: int) -> Channels | None:
        s = self.strength(day)
        if s == 0.0:
            return None
        if not self._installed:
            self._install(model)
        if s != self._strength or self._coverage is None or self._arrest_boost is None:
            # 1 - exp(-cameras × s / half), by the same operations (negation is exact), at
            # the cells with a camera: elsewhere it is 1 - exp(-0) = 0.
            if self._coverage is None or self._arrest_boost is None:
                self._coverage = np.zeros(self.per_cell.size)
                self._arrest_boost = np.zeros(self.per_cell.size)
                self._fitted = np.flatnonzero(self.per_cell)
            at = self._fitted
            coverage = self.per_cell[at] * s
            coverage /= model.params.cameras_per_cell_half_cover
            np.negative(coverage, out=coverage)
            np.exp(coverage, out=coverage)
            np.subtract(1.0, coverage, out=coverage)
            self._coverage[at] = coverage
            self._arrest_boost[at] = model.params.camera_detection * coverage
            self._strength = s
        return Channels(arrest_boost=self._arrest_boost, camera_coverage=self._coverage)

    def treated_cells(self, model: SafetyModel) -> np.ndarray:
        return self._placed(model) > 0

    def treated_today(self, model: SafetyModel) -> np.ndarray:
        return model.fields.camera_coverage > 0

    def units(self) -> float:
        return float(self.spec.count.value)

"""Cell fields: what interventions write each day and offenders and households read.

The fields live in the PropertyLayers of the model's Mesa grid (``CellLayers``), one
layer a field. Interventions do not write fields of their own: each returns its
``Channels`` for the day (a cut in offending, a cut in movement, a boost to the chance
of arrest, protection of a place, felt presence of patrols or guardians, camera
coverage), and ``CellFields.combine`` folds every intervention's channels, in the fixed
order of ``safesim.core.interventions.ORDER``, into what offenders face at a cell: how much
less they offend there (cameras apart, since their effect depends on the crime:
``camera_cut``), how much less they walk there, and how likely an offence ends in arrest.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from safesim.core.city import CityLayout
from safesim.core.parameters import MechanismParameters


class CellLayers:
    """Per-cell arrays held as PropertyLayers of a Mesa grid, read and written flat.

    safesim numbers cells ``y * width + x``; a Mesa grid's layer is indexed ``[x, y]``,
    which is that numbering read in Fortran order. A read (``layers[name]``) returns a
    fresh flat copy and every write copies into the layer's current array; the day's own
    code reads through ``view`` (read-only, no copy) and updates through ``storage`` (the
    layer's memory, in place). Nobody holds a layer's array across calls (Mesa 3.3's
    ``modify_cells`` replaces it, 3.5 edits it in place).

    A counterfactual twin shares its original's grid (building a grid costs seconds)
    but not its fields: ``detached()`` gives layers that keep copies in arrays of their
    own, so the two runs never write each other's fields.
    """

    def __init__(self, grid: Any, width: int, height: int):
        self.grid = grid
        self.width, self.height = width, height
        self._layers: dict[str, Any] = {}
        self._own: dict[str, np.ndarray] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._own if self._own is not None else self._layers)

    def add(self, name: str, values: np.ndarray | float, dtype: type = float) -> None:
        """A new layer holding ``values`` (a flat array or one value for every cell)."""
        flat = np.broadcast_to(np.asarray(values, dtype=dtype), (self.width * self.height,))
        if self._own is not None:
            self._own[name] = flat.copy()
            return
        # A default of the dtype's own type: Mesa 3.3 warns and 3.5 raises on a mismatch.
        layer = self.grid.create_property_layer(name, default_value=dtype(0), dtype=dtype)
        layer = layer if layer is not None else getattr(self.grid, name)
        # In Fortran order the flat numbering is the array's own memory order, so reads and
        # writes are plain copies. Mesa has no public way to choose the order (3.3 keeps it
        # in ``_mesa_data``); any order stays correct, only slower.
        if isinstance(getattr(layer, "_mesa_data", None), np.ndarray):
            layer._mesa_data = np.asfortranarray(layer._mesa_data)
        self._layers[name] = layer
        self[name] = flat

    def __getitem__(self, name: str) -> np.ndarray:
        if self._own is not None:
            return self._own[name].copy()
        data = self._layers[name].data
        flat = data.ravel(order="F")
        # A view of the layer (Fortran order) is copied; a C-ordered one is a copy already.
        return flat.copy() if np.may_share_memory(flat, data) else flat

    def __setitem__(self, name: str, values: np.ndarray | float) -> None:
        flat = self.storage(name)
        if flat is not None:
            flat[...] = values
            return
        data = self._layers[name].data
        if np.ndim(values) == 0:
            data[...] = values
        else:
            data[...] = np.reshape(values, (self.height, self.width)).T

    def storage(self, name: str) -> np.ndarray | None:
        """The layer's own memory as a flat array in the cell numbering, writable in place;
        None when the layer's order has no such view (write it with ``[]`` then). Like a
        read, it is not kept across calls."""
        if self._own is not None:
            return self._own[name]
        data = self._layers[name].data
        return data.ravel(order="F") if data.flags.f_contiguous else None

    def view(self, name: str) -> np.ndarray:
        """The layer's values, flat and read-only, without a copy where the layer's order
        allows: for reading at once, not for keeping (the next write changes it)."""
        flat = self.storage(name)
        if flat is None:
            return self[name]
        flat = flat.view()
        flat.flags.writeable = False
        return flat

    def detached(self) -> CellLayers:
        """The same fields with today's values, in arrays of their own (for a twin)."""
        twin = CellLayers(self.grid, self.width, self.height)
        twin._own = {name: self[name] for name in self.names}
        return twin


@dataclass
class Channels:
    """What one intervention does at each cell today; None where it does nothing.

    ``offending_cut`` and ``movement_cut`` are shares by which offending and the choice
    to walk into a cell fall; ``arrest_boost`` the share of offences that would go free
    that now end in arrest; ``protection`` the chance an offence against a place fails;
    ``felt_presence`` the patrols residents see; ``guardianship`` the watch residents
    keep; ``camera_coverage`` the cameras' coverage, whose effect on offending depends
    on the crime and the setting (``camera_cut``, applied where an offender decides).
    """

    offending_cut: np.ndarray | None = None
    movement_cut: np.ndarray | None = None
    arrest_boost: np.ndarray | None = None
    protection: np.ndarray | None = None
    felt_presence: np.ndarray | None = None
    guardianship: np.ndarray | None = None
    camera_coverage: np.ndarray | None = None


CHANNELS: tuple[str, ...] = tuple(f.name for f in fields(Channels))


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


# Layers the interventions' channels and ``combine`` rewrite every day, with their value
# when no intervention acts.
DAILY_LAYERS: dict[str, float] = {
    "camera_coverage": 0.0,
    "patrol_presence": 0.0,
    "patrol_visits": 0.0,
    "felt_patrol": 0.0,
    "guardianship": 0.0,
    "place_protection": 0.0,
    "street_multiplier": 1.0,
    "offending_multiplier": 1.0,
    "movement_multiplier": 1.0,
    "arrest_probability": 0.0,
}


# Layers no channel writes: where patrol teams went, kept for maps and spill-over.
RECORD_LAYERS = ("patrol_presence", "patrol_visits")


class CellFields:
    """Today's fields at every cell, read by offenders, disorder and residents.

    Each field is a layer of ``layers`` (``patrol_presence`` and ``patrol_visits`` are
    written by the patrols as a record of where teams went, for maps and spill-over);
    the attributes below read the layer, so they are fresh copies.
    """

    def __init__(self, layout: CityLayout, layers: CellLayers):
        self.layout = layout
        self.layers = layers
        for name, value in DAILY_LAYERS.items():
            layers.add(name, value)
        # Where ``combine`` computes a field whose layer has no flat view of its own, and
        # the factor of a product: reused every day.
        self._spare: dict[str, np.ndarray] = {}
        self._factor = np.empty(layout.cells)

    def __getattr__(self, name: str) -> np.ndarray:
        if name in DAILY_LAYERS:
            return self.__dict__["layers"][name]
        raise AttributeError(name)

    def read(self, name: str) -> np.ndarray:
        """Today's field ``name``, flat and read-only, without a copy: for reading at once
        (the next day's ``combine`` rewrites it)."""
        return self.layers.view(name)

    def reset(self) -> None:
        """Start the day from no intervention (``combine`` rewrites the other layers)."""
        for name in RECORD_LAYERS:
            self.layers[name] = DAILY_LAYERS[name]

    def felt_patrol(self, params: MechanismParameters | None = None) -> np.ndarray:
        """The patrol presence residents and offenders feel today (diffusion included)."""
        return self.layers["felt_patrol"]

    def _out(self, name: str) -> np.ndarray:
        """Where ``combine`` computes layer ``name``: the layer itself where it can."""
        flat = self.layers.storage(name)
        if flat is None:
            flat = self._spare.setdefault(name, np.empty(self.layout.cells))
        return flat

    def _store(self, name: str, values: np.ndarray | float) -> None:
        """Layer ``name`` holds ``values``: a single value, or the array ``_out`` gave
        (already the layer, unless it was a spare)."""
        if not isinstance(values, np.ndarray) or values is self._spare.get(name):
            self.layers[name] = values

    def combine(
        self,
        params: MechanismParameters,
        general_deterrence: float,
        channels: list[Channels],
    ) -> None:
        """Fold the interventions' channels (in ``ORDER``) into what offenders face.

        A channel only one intervention writes is taken as it is (the products and sums
        below give it exactly), and a channel none writes is its no-intervention value.
        Each field is computed in its own layer (no array of the city's size is made):
        the same operations, in the same order, as the plain products and sums."""
        street = movement = stays_free = None
        felt = guardianship = protection = coverage = None
        factor = self._factor
        for c in channels:
            if c.offending_cut is not None:
                street = self._times(street, "street_multiplier", c.offending_cut)
            if c.movement_cut is not None:
                movement = self._times(movement, "movement_multiplier", c.movement_cut)
            if c.arrest_boost is not None:
                np.subtract(1.0, c.arrest_boost, out=factor)
                if stays_free is None:
                    stays_free = self._out("arrest_probability")
                    np.multiply(1.0 - params.base_arrest_probability, factor, out=stays_free)
                else:
                    stays_free *= factor
            if c.protection is not None:
                if protection is None:
                    protection = self._out("place_protection")
                    protection[...] = c.protection
                else:
                    np.maximum(protection, c.protection, out=protection)
            if c.felt_presence is not None:
                felt = self._capped_sum(felt, "felt_patrol", c.felt_presence)
            if c.guardianship is not None:
                guardianship = self._capped_sum(guardianship, "guardianship", c.guardianship)
            if c.camera_coverage is not None:
                coverage = self._capped_sum(coverage, "camera_coverage", c.camera_coverage)
        self._store("street_multiplier", 1.0 if street is None else street)
        if street is None:
            self._store("offending_multiplier", general_deterrence)
        else:
            offending = self._out("offending_multiplier")
            np.multiply(street, general_deterrence, out=offending)
            self._store("offending_multiplier", offending)
        self._store("movement_multiplier", 1.0 if movement is None else movement)
        if stays_free is None:
            self._store("arrest_probability", 1.0 - (1.0 - params.base_arrest_probability))
        else:
            np.subtract(1.0, stays_free, out=stays_free)
            self._store("arrest_probability", stays_free)
        self._store("felt_patrol", 0.0 if felt is None else felt)
        self._store("guardianship", 0.0 if guardianship is None else guardianship)
        self._store("place_protection", 0.0 if protection is None else protection)
        self._store("camera_coverage", 0.0 if coverage is None else coverage)

    def _times(self, product: np.ndarray | None, name: str, cut: np.ndarray) -> np.ndarray:
        """``product × (1 − cut)``, or ``1 − cut`` for the first, in layer ``name``."""
        if product is None:
            product = self._out(name)
            np.subtract(1.0, cut, out=product)
        else:
            np.subtract(1.0, cut, out=self._factor)
            product *= self._factor
        return product

    def _capped_sum(self, total: np.ndarray | None, name: str, part: np.ndarray) -> np.ndarray:
        """``min(1, total + part)``, or ``min(1, part)`` for the first, in layer ``name``."""
        if total is None:
            total = self._out(name)
            np.minimum(1.0, part, out=total)
        else:
            np.add(total, part, out=total)
            np.minimum(1.0, total, out=total)
        return total

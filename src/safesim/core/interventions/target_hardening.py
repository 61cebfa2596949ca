"""Target hardening: locks, alarm phones, anti-climb spikes, home cameras, secured parking."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from safesim.core.city import CAR_PARK, COMMERCIAL, STREET
from safesim.core.fields import Channels
from safesim.core.households import DEVICE_BITS
from safesim.core.interventions.base import Intervention
from safesim.core.quantities import Calendar, Count, Delivery

if TYPE_CHECKING:
    from safesim.core.model import SafetyModel


class TargetHardeningSpec(Delivery):
    """Scenario entry ``interventions.target_hardening``."""

    scaled: ClassVar[tuple[str, ...]] = (*DEVICE_BITS, "secured_parking")

    lock_cylinders: Count | None = None
    alarm_phones: Count | None = None
    anti_climb_spikes: Count | None = None
    home_cameras: Count | None = None
    secured_parking: Count | None = None
    allocation: Literal["random", "high_risk"] = "random"


class TargetHardening(Intervention):
    """Devices fitted to homes over the ramp, and parking places secured.

    Mechanism: each fitted device raises the home's ``protection``, the chance that a
    burglary attempt on it fails (``1 − Π(1 − p_device)`` over its devices); burglars who
    size up several homes pass hardened ones by, so some crime is displaced to unprotected
    neighbours. Devices go to random homes or, with ``allocation: high_risk``, to homes in
    the cells with most recent crime. One anti-climb installation protects
    ``homes_per_anti_climb`` homes. Each secured parking installation (lot, shed, point,
    ground lock) protects one car-park (else commercial or street) cell's vehicles with
    ``secured_parking_protection``.

    Evidence: Tseloni et al. 2017 (Security Journal: door double locks and external lights
    the best single devices, combinations ≥ 20× protection, alarms alone little or none;
    Crime Science: the burglary drop came from security, only forced entries fell);
    Welsh & Farrington 2009 (car parks −51 %); Bowers et al. 2004 (alley-gating ≈ −37 %,
    diffusion to nearby homes).
    """

    name = "target_hardening"
    spec_class = TargetHardeningSpec
    order = 20
    label = "target hardening"
    label_zh = "技防设施"
    unit = "device or parking installation"
    evidence = "Tseloni et al. 2017; Welsh & Farrington 2009; Bowers et al. 2004"
    channels = ("protection",)
    lever = "hardening_devices"
    lever_label = "Target-hardening devices"
    field_labels: ClassVar[dict[str, str]] = {
        "lock_cylinders": "lock cylinders fitted",
        "alarm_phones": "alarm phones fitted",
    }

    @staticmethod
    def device_counts(spec: TargetHardeningSpec) -> dict[str, int]:
        """The devices and secured-parking installations the scenario fits, by field."""
        counts = {device: getattr(spec, device) for device in spec.scaled}
        return {device: int(count.value) for device, count in counts.items() if count is not None}

    @classmethod
    def lever_size(cls, spec: TargetHardeningSpec) -> int:
        return sum(cls.device_counts(spec).values())

    @classmethod
    def lever_changes(cls, spec: TargetHardeningSpec, size: int) -> dict[str, int]:
        # The scenario's mix of devices kept (all locks where it names none).
        devices = cls.device_counts(spec)
        current = sum(devices.values())
        if current == 0:
            return {"lock_cylinders": size}
        names = list(devices)
        shares = [round(size * devices[d] / current) for d in names[:-1]]
        # The last device takes the rounding remainder so the total is exact.
        shares.append(max(0, size - sum(shares)))
        return dict(zip(names, shares, strict=True))

    def __init__(self, spec: TargetHardeningSpec, calendar: Calendar):
        super().__init__(spec, calendar)
        self.spec: TargetHardeningSpec = spec
        self.fitted: dict[str, int] = dict.fromkeys(DEVICE_BITS, 0)
        self.parking_cells: np.ndarray | None = None
        self._protection: np.ndarray | None = None
        self._protected = 0

    def _homes_wanted(self, device: str, model: SafetyModel) -> int:
        qty = getattr(self.spec, device)
        if qty is None:
            return 0
        if device == "anti_climb_spikes":
            return round(qty.value * model.params.homes_per_anti_climb)
        return int(qty.value)

    def _choose_homes(self, model: SafetyModel, device: str, n: int) -> np.ndarray:
        rng = model.streams[f"hardening_{device}"]
        households = model.households
        if self.spec.allocation == "random" or not model.layers.view("recent_crime").any():
            return rng.integers(0, households.n, size=n)
        layout = model.layout
        weights = (model.recent_crime + 1e-9) * (layout.homes > 0)
        cells = rng.choice(layout.cells, size=n, p=weights / weights.sum())
        offsets = (rng.random(n) * layout.homes[cells]).astype(np.int64)
        return layout.cell_start[cells] + offsets

    def apply(self, model: SafetyModel, day: int) -> Channels | None:
        s = self.strength(day)
        if s == 0.0:
            return None
        for device, bit in DEVICE_BITS.items():
            due = int(self._homes_wanted(device, model) * s) - self.fitted[device]
            if due > 0:
                model.households.fit(self._choose_homes(model, device, due), bit)
                self.fitted[device] += due
        if self.spec.secured_parking is not None:
            if self.parking_cells is None:
                land = model.layout.land_use
                order = np.concatenate(
                    [np.flatnonzero(land == kind) for kind in (CAR_PARK, COMMERCIAL, STREET)]
                )
                self.parking_cells = order[: self.spec.secured_parking.value]
            n = int(self.parking_cells.size * s)
            # The same protection every day once the installations are all in.
            if self._protection is None or n != self._protected:
                protection = np.zeros(model.layout.cells)
                protection[self.parking_cells[:n]] = model.params.secured_parking_protection
                self._protection, self._protected = protection, n
            return Channels(protection=self._protection)
        return None

    def treated_homes(self, model: SafetyModel) -> np.ndarray:
        return model.households.devices

    def units(self) -> float:
        return float(
            sum(getattr(self.spec, d).value for d in DEVICE_BITS if getattr(self.spec, d))
            + (self.spec.secured_parking.value if self.spec.secured_parking else 0)
        )

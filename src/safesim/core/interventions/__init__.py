"""The kinds of intervention, one module each, applied in their ``order`` every day.

``ORDER`` is the registry, found from the modules of this package: every subclass of
``Intervention`` defined in one of them is registered. The scenario schema
(``Interventions``), the counts that scale with the city (``safesim.experiments.scaling``), the
optional fields a sweep may set, costs and labels are all built from it, so a new
intervention is its module here, its strengths in ``parameters.py`` and its section in
docs/odd.md.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

from pydantic import create_model

from safesim.core.interventions.base import Intervention, contract_gaps
from safesim.core.interventions.cameras import Cameras
from safesim.core.interventions.grid_workers import GridWorkers
from safesim.core.interventions.patrols import Patrols
from safesim.core.interventions.target_hardening import TargetHardening
from safesim.core.interventions.volunteers import Volunteers
from safesim.core.quantities import Delivery, Strict

if TYPE_CHECKING:
    from safesim.core.scenario import Scenario


def _discover() -> tuple[type[Intervention], ...]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    found: list[type[Intervention]] = []
    pending = list(Intervention.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith(f"{__name__}.") and cls.name:
            found.append(cls)
    return tuple(sorted(found, key=lambda cls: (cls.order, cls.name)))


ORDER: tuple[type[Intervention], ...] = _discover()
BY_NAME: dict[str, type[Intervention]] = {cls.name: cls for cls in ORDER}

INTERVENTION_SPECS: dict[str, type[Delivery]] = {cls.name: cls.spec_class for cls in ORDER}

_fields: dict[str, Any] = {name: (spec | None, None) for name, spec in INTERVENTION_SPECS.items()}
Interventions: type[Strict] = create_model(  # type: ignore[call-overload]
    "Interventions",
    __base__=Strict,
    __doc__="The scenario's ``interventions:`` entry: one optional spec per kind.",
    __module__=__name__,
    **_fields,
)


def scaled_counts() -> tuple[str, ...]:
    """Dotted paths of every intervention count that grows with the city."""
    return tuple(
        f"interventions.{name}.{count}"
        for name, spec in INTERVENTION_SPECS.items()
        for count in getattr(spec, "scaled", ())
    )


def delivered(scenario: Scenario) -> list[Intervention]:
    """The scenario's interventions, unbound, in ``ORDER``."""
    out = []
    for cls in ORDER:
        spec = getattr(scenario.interventions, cls.name)
        if spec is not None:
            out.append(cls(spec, scenario.calendar))
    return out


def annual_cost(scenario: Scenario) -> float | None:
    """Yearly cost of the scenario's priced interventions (None when none is priced)."""
    costs = [iv.annual_cost() for iv in delivered(scenario)]
    priced = [c for c in costs if c is not None]
    return sum(priced, 0.0) if priced else None


def priced_interventions(scenario: Scenario) -> list[str]:
    return [iv.name for iv in delivered(scenario) if iv.spec.unit_cost_yuan is not None]


def labels(language: str = "en") -> dict[str, str]:
    """Each intervention's label by name, in English or (``"zh"``) Chinese."""
    return {cls.name: cls.label_zh if language == "zh" else cls.label for cls in ORDER}


__all__ = [
    "BY_NAME",
    "INTERVENTION_SPECS",
    "ORDER",
    "Cameras",
    "GridWorkers",
    "Intervention",
    "Interventions",
    "Patrols",
    "TargetHardening",
    "Volunteers",
    "annual_cost",
    "contract_gaps",
    "delivered",
    "labels",
    "priced_interventions",
    "scaled_counts",
]

"""The kinds of intervention, one module each, applied in the order of ``ORDER`` every day.

``ORDER`` is the registry: the scenario schema (``Interventions``), the counts that scale
with the city (``safesim.scaling``) and the optional fields a sweep may set are all built
from it, so a new intervention is one module here, one line in ``ORDER``, its strengths in
``parameters.py`` and its description in docs/odd.md.
"""

from __future__ import annotations

from typing import Any

from pydantic import create_model

from safesim.interventions.base import Intervention
from safesim.interventions.cameras import Cameras
from safesim.interventions.grid_workers import GridWorkers
from safesim.interventions.patrols import Patrols
from safesim.interventions.target_hardening import TargetHardening
from safesim.interventions.volunteers import Volunteers
from safesim.quantities import Delivery, Strict

ORDER: tuple[type[Intervention], ...] = (
    GridWorkers,
    TargetHardening,
    Cameras,
    Patrols,
    Volunteers,
)

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


__all__ = [
    "INTERVENTION_SPECS",
    "ORDER",
    "Cameras",
    "GridWorkers",
    "Intervention",
    "Interventions",
    "Patrols",
    "TargetHardening",
    "Volunteers",
    "scaled_counts",
]

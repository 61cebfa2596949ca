"""The five kinds of intervention, one class each, applied in this order every day."""

from safesim.interventions.base import Intervention
from safesim.interventions.cameras import Cameras
from safesim.interventions.grid_workers import GridWorkers
from safesim.interventions.patrols import Patrols
from safesim.interventions.target_hardening import TargetHardening
from safesim.interventions.volunteers import Volunteers

ORDER: tuple[type[Intervention], ...] = (
    GridWorkers,
    TargetHardening,
    Cameras,
    Patrols,
    Volunteers,
)

__all__ = [
    "ORDER",
    "Cameras",
    "GridWorkers",
    "Intervention",
    "Patrols",
    "TargetHardening",
    "Volunteers",
]

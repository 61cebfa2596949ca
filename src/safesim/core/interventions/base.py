"""What every intervention shares: when it is delivered, separate from what it does.

As in Starsim, delivery (start day, linear ramp-up to full strength, optional end) is one
mechanism used by every intervention; each subclass says only what it does at a given
strength. The model calls ``bind`` once before the burn-in and ``apply`` every day, in
the fixed order of ``safesim.core.interventions.ORDER``; ``apply`` returns the day's
``Channels`` (safesim.core.fields), which ``CellFields.combine`` folds together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from safesim.core.fields import CHANNELS, Channels
from safesim.core.quantities import Calendar, Delivery

if TYPE_CHECKING:
    from safesim.core.households import Households
    from safesim.core.model import SafetyModel

# What an intervention may do to disputes rather than to cells: find live disputes on
# visits, settle found ones, or build ten-household units whose members watch and report.
DISPUTE_CHANNELS: tuple[str, ...] = ("finds_disputes", "settles_disputes", "unit_watch")
ALL_CHANNELS: tuple[str, ...] = (*CHANNELS, *DISPUTE_CHANNELS)

# What an intervention's evaluations count unless it says otherwise (``targets``):
# offender crime in the cells it treats (``treated_today``).
OFFENDER_CRIME = "offender_crime"

# Class attributes every registered intervention must give (checked by
# ``contract_gaps`` and the contract test).
CONTRACT: tuple[str, ...] = (
    "name",
    "spec_class",
    "order",
    "label",
    "label_zh",
    "unit",
    "evidence",
    "channels",
)


@dataclass(frozen=True)
class Portrayal:
    """How the browser view's map draws one class of unit (a class attribute
    ``portrayal`` of the agent class): its legend name in English and Chinese, marker
    symbol, size and colour; ``shown`` False starts the layer switched off."""

    name: str
    symbol: str
    size: int
    color: str
    opacity: float = 1.0
    outline: str | None = None
    shown: bool = True
    name_zh: str = ""

    def marker(self) -> dict[str, Any]:
        marker: dict[str, Any] = {
            "symbol": self.symbol, "size": self.size, "color": self.color,
            "opacity": self.opacity,
        }  # fmt: skip
        if self.outline:
            marker["line"] = {"color": self.outline, "width": 1}
        return marker


class Intervention:
    """One kind of intervention, owning its whole contract.

    A subclass declares ``name`` (its key under ``interventions:`` in a scenario),
    ``spec_class`` (the pydantic model of that entry, whose ``scaled`` class variable
    names the counts that grow with the city), ``order`` (its place in the day), its
    ``label`` and ``label_zh`` for tables and plots, the ``unit`` its ``unit_cost_yuan``
    prices (``units()`` counts them), the ``evidence`` its strengths rest on, and the
    ``channels`` (``ALL_CHANNELS``) its ``apply`` writes, and optionally the browser
    view's slider (``lever``, ``lever_label``, ``lever_field``), the outcome its
    evaluations measure (``targets``, with ``home_share`` for one that serves some homes
    only), whether its evidence is thin (``thin_evidence``) and its fields' labels on
    plots (``field_labels``); its agent classes say how the map draws them
    (``portrayal``). Adding one is its module in this package (found by
    ``safesim.core.interventions``), its strengths in ``parameters.py`` and its section in
    docs/odd.md.
    """

    name: ClassVar[str] = ""
    spec_class: ClassVar[type[Delivery]] = Delivery
    order: ClassVar[int] = 0
    label: ClassVar[str] = ""
    label_zh: ClassVar[str] = ""
    unit: ClassVar[str] = ""
    evidence: ClassVar[str] = ""
    channels: ClassVar[tuple[str, ...]] = ()
    # The browser view's slider for this kind: the keyword the view's model takes and the
    # slider's label. None: the view offers no slider for it.
    lever: ClassVar[str | None] = None
    lever_label: ClassVar[str] = ""
    # The count in the scenario entry the slider shows and sets, for a slider of one count;
    # an intervention whose slider moves several overrides the two methods below.
    lever_field: ClassVar[str] = ""
    # The outcome its evaluations measure: offender crime in the cells it treats
    # (``OFFENDER_CRIME``), or a column of the daily record, counted among the homes it
    # reaches (``home_share``).
    targets: ClassVar[str] = OFFENDER_CRIME
    # True when no controlled evaluation of its effect exists: a brief on a mix with it
    # says its effect rests on thin evidence.
    thin_evidence: ClassVar[bool] = False
    # Plot and brief labels of its scenario entry's fields (a sweep's axes), beside the
    # slider's field, which its ``lever_label`` names.
    field_labels: ClassVar[dict[str, str]] = {}

    @classmethod
    def field_label(cls, field: str) -> str | None:
        """The label of ``field`` of its scenario entry; None where it gives none."""
        if field in cls.field_labels:
            return cls.field_labels[field]
        if cls.lever_label and field == cls.lever_field:
            return cls.lever_label[0].lower() + cls.lever_label[1:]
        return None

    @classmethod
    def home_share(cls, spec: Delivery, households: int) -> float:
        """The share of the city's ``households`` that ``spec`` reaches (all, unless it
        serves only some homes)."""
        return 1.0

    @classmethod
    def home_note(cls, spec: Delivery, households: int, with_it: int, without: int) -> str:
        """What a validation note says of its ``targets`` count among the homes it reaches:
        ``with_it`` with it and ``without`` in the twin."""
        outcome = cls.targets.replace("_", " ")
        share = 100 * cls.home_share(spec, households)
        return (
            f"{with_it} {outcome} with {cls.label}, {without} without; it reaches "
            f"{share:.0f} % of homes"
        )

    @classmethod
    def lever_size(cls, spec: Delivery) -> int:
        """The slider's value for ``spec``."""
        if not cls.lever_field:
            raise NotImplementedError(f"{cls.__name__} declares a lever but not its size")
        return int(getattr(spec, cls.lever_field).value)

    @classmethod
    def lever_changes(cls, spec: Delivery, size: int) -> dict[str, int]:
        """The fields of ``spec`` (names within its scenario entry) that set the slider to
        ``size``."""
        if not cls.lever_field:
            raise NotImplementedError(f"{cls.__name__} declares a lever but not how to set it")
        return {cls.lever_field: size}

    @classmethod
    def lever_note(cls, spec: Delivery) -> str:
        """What the page adds after the slider's size (empty for most)."""
        return ""

    def __init__(self, spec: Delivery, calendar: Calendar):
        self.spec = spec
        self.start_day = calendar.day_of(spec.start or calendar.campaign_start.value)
        self.end_day = calendar.day_of(spec.end) if spec.end else None
        self.ramp_days = spec.ramp_days

    def strength(self, day: int) -> float:
        """0 before the start and after the end; rises linearly to 1 over the ramp."""
        if day < self.start_day or (self.end_day is not None and day > self.end_day):
            return 0.0
        if self.ramp_days == 0:
            return 1.0
        return min(1.0, (day - self.start_day + 1) / self.ramp_days)

    def bind(self, model: SafetyModel) -> None:
        """Prepare state that does not change during the run (called once)."""

    def apply(self, model: SafetyModel, day: int) -> Channels | None:
        """Act for ``day``: the cell channels it writes (None when it writes none)."""
        raise NotImplementedError

    def treated_cells(self, model: SafetyModel) -> np.ndarray | None:
        """Cells this intervention targets over the campaign, if place-based; None if
        city-wide."""
        return None

    def treated_today(self, model: SafetyModel) -> np.ndarray | None:
        """Cells it treated on the day last run, as its evaluations count them; None if
        the whole city is treated alike."""
        return None

    def treated_homes(self, model: SafetyModel) -> np.ndarray | None:
        """Per home, the treatment it carries (as evaluations compare homes by it); None
        if it treats places, not homes."""
        return None

    # Dispute channels: only those listed in ``channels`` are asked.
    def finds(self, homes: np.ndarray, households: Households, day: int) -> np.ndarray:
        """Which of ``homes`` it calls on today (``finds_disputes``)."""
        return np.zeros(homes.size, dtype=bool)

    def settle_chance(self, day: int, finder_chance: float) -> float:
        """Chance a found dispute is settled, given the finder's own (``settles_disputes``)."""
        return finder_chance

    def unit_strength(self, day: int) -> float:
        """How far ten-household units are built (``unit_watch``)."""
        return 0.0

    def units(self) -> float:
        """How much of it is bought, in its ``unit``, which ``unit_cost_yuan`` prices."""
        raise NotImplementedError

    def annual_cost(self) -> float | None:
        cost = self.spec.unit_cost_yuan
        return None if cost is None else cost.value * self.units()


def contract_gaps(cls: type[Intervention]) -> list[str]:
    """What ``cls`` lacks of the intervention contract (empty when it is complete)."""
    gaps = [attr for attr in CONTRACT if not getattr(cls, attr, None)]
    if cls.spec_class is Delivery:
        gaps.append("spec_class (its own scenario entry)")
    unknown = set(cls.channels) - set(ALL_CHANNELS)
    if unknown:
        gaps.append(f"channels {sorted(unknown)} (not in ALL_CHANNELS)")
    for method in ("apply", "units"):
        if getattr(cls, method) is getattr(Intervention, method):
            gaps.append(method)
    if "finds_disputes" in cls.channels and cls.finds is Intervention.finds:
        gaps.append("finds")
    if "settles_disputes" in cls.channels and cls.settle_chance is Intervention.settle_chance:
        gaps.append("settle_chance")
    if "unit_watch" in cls.channels and cls.unit_strength is Intervention.unit_strength:
        gaps.append("unit_strength")
    if "Evidence" not in (cls.__doc__ or ""):
        gaps.append("docstring with its Evidence")
    return gaps

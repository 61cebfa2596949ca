"""What a day leaves behind before it is remembered and recorded, and what a run counts in
the treated cells and their catchment for the spill-over measures."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from safesim.core.disputes import DisputeReport
from safesim.core.offenders import OffenceReport


@dataclass
class DayEvents:
    """What happened on one day, before it is remembered and recorded."""

    offences: OffenceReport
    disputes: DisputeReport
    disorder_cells: np.ndarray  # street disorder and public fights, one entry per case
    violent_cells: np.ndarray  # disputes turned violent
    other_criminal: int
    crime_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    offender_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Offender crime by cell, sparse: the cells with any (sorted) and how many (floats).
    crime_places: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    crime_counts: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class AreaCounts:
    """Per cell over a run, for spill-over measures: the treated cells and their catchment
    (fixed when the campaign starts), the place-based dose delivered in the campaign
    (cell-days at full strength) and offender crime before and during it."""

    treated: np.ndarray
    catchment: np.ndarray
    dose: np.ndarray
    crime_before: np.ndarray
    crime_during: np.ndarray
    days_before: int
    days_during: int

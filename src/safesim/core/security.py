"""Sense of security: the survey-style share of households that feel safe (群众安全感).

Each household feels safe with probability ``sigmoid(L_c + u_h - fear_h)``: ``L_c`` is its
neighbourhood's climate (local crime and, more strongly, local disorder lower it; visible
foot patrols and volunteers raise it — Hinkle & Weisburd 2008, Innes & Fielding 2002,
Gill et al. 2014), which households take in gradually. Local crime and disorder enter
relative to the city's own levels at the end of the burn-in, so ``fear_local_crime`` and
``fear_disorder`` are the logit a neighbourhood at the city's typical levels loses against
one with none: removing all crime and disorder raises the climate by their sum. ``u_h``
is the household's own disposition (one of a few quantile classes of a normal spread);
``fear_h`` is the fear left by its own victimisation, fading over months.

The city-wide share is computed exactly from cell climates and class counts, corrected
only for the few recently victimised homes, so a day costs O(cells), not O(households).
Its sigmoids over cells x classes are taken as ``1 / (1 + e^-L_c e^-u_k)``: one
exponential per cell instead of one per cell and class, the same value to rounding.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, ndtri

from safesim.core.city import CityLayout, neighbour_sum
from safesim.core.households import DISPOSITION_CLASSES, NEVER, Households
from safesim.core.parameters import MechanismParameters

MONTH_DAYS = 30.0
_DX = np.array([-1, 0, 1, -1, 0, 1, -1, 0, 1])
_DY = np.array([-1, -1, -1, 0, 0, 0, 1, 1, 1])


class SenseOfSecurity:
    def __init__(self, layout: CityLayout, households: Households, params: MechanismParameters):
        self.layout = layout
        self.params = params
        quantiles = (np.arange(DISPOSITION_CLASSES) + 0.5) / DISPOSITION_CLASSES
        # The normal quantiles (``ndtri`` is what ``scipy.stats.norm.ppf`` computes, without
        # importing scipy.stats, which costs a run half a second or more to load).
        self.disposition_values = ndtri(quantiles) * params.safety_spread
        self._disposition_odds = np.exp(-self.disposition_values)
        class_counts = np.zeros((layout.cells, DISPOSITION_CLASSES))
        np.add.at(class_counts, (households.cell, households.disposition), 1.0)
        self._occupied = np.flatnonzero(layout.homes > 0)
        homes_around = layout.homes + neighbour_sum(
            layout.homes.astype(float), layout.width, layout.height
        )
        self._per_100 = 100.0 / np.maximum(homes_around, 1.0)
        self.crime_rate = np.zeros(layout.cells)  # crimes / 100 homes / month, 3x3 block
        self.disorder_rate = np.zeros(layout.cells)
        self.intercept = 0.0
        # The city's typical local rates (household-weighted), averaged over the second
        # half of the burn-in (a one-day snapshot of a monthly rate is too noisy) and
        # fixed when the no-intervention city settles; the fear terms are relative to them.
        self.crime_reference = 1.0
        self.disorder_reference = 1.0
        self._typical: list[tuple[float, float]] | None = []
        self._home_weights = layout.homes[self._occupied] / layout.homes[self._occupied].sum()
        self.climate = np.zeros(layout.cells)
        # Homes victimised within the fear's memory, sorted and each once, and the homes
        # noted since the last survey (merged in then, not re-sorted every day).
        self._recent_victims = np.zeros(0, dtype=np.int64)
        self._noted: list[np.ndarray] = []
        # Each recent victim's cell and disposition value, in the victims' order: a home's
        # never change, so they are looked up once, when it joins the list.
        self._victim_cell = np.zeros(0, dtype=households.cell.dtype)
        self._victim_disposition = np.zeros(0)
        # Households never move: the class counts of occupied cells are fixed, and the
        # daily city-wide share reuses one buffer rather than allocating cells x classes.
        # Both are held class by class (classes x occupied cells), so that each operation
        # runs along the long axis.
        self._occupied_counts = np.ascontiguousarray(class_counts[self._occupied].T)
        self._households = float(self._occupied_counts.sum())
        self._share_buffer = np.empty_like(self._occupied_counts)
        self._climate_odds = np.empty(self._occupied.size)
        self._target = np.empty(layout.cells)
        self._term = np.empty(layout.cells)

    @property
    def class_counts(self) -> np.ndarray:
        """Households by cell and disposition class (cells x classes)."""
        counts = np.zeros((self.layout.cells, DISPOSITION_CLASSES))
        counts[self._occupied] = self._occupied_counts.T
        return counts

    def _target_climate(
        self,
        patrol_visibility: np.ndarray,
        guardianship: np.ndarray,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """intercept - crime term - disorder term + patrols + guardians, each cell, into
        ``out`` (a new array if None) with the same operations in the same order."""
        p = self.params
        target = np.empty(self.layout.cells) if out is None else out
        term = self._term
        np.multiply(p.fear_local_crime, self.crime_rate, out=target)
        np.divide(target, self.crime_reference, out=target)
        np.subtract(self.intercept, target, out=target)
        np.multiply(p.fear_disorder, self.disorder_rate, out=term)
        np.divide(term, self.disorder_reference, out=term)
        target -= term
        np.multiply(p.safety_patrol_visibility, patrol_visibility, out=term)
        target += term
        np.multiply(p.safety_guardianship, guardianship, out=term)
        target += term
        return target

    def observe(self, crime_cells: np.ndarray, disorder_cells: np.ndarray) -> None:
        """Fold today's crimes and disorder into monthly local rates (3x3 blocks)."""
        decay = 1.0 / MONTH_DAYS
        for rate, cells in ((self.crime_rate, crime_cells), (self.disorder_rate, disorder_cells)):
            rate *= 1.0 - decay
            if cells.size:
                # A day's few cases touch only the 3 x 3 blocks around them: count the
                # cases in each touched block rather than filter the whole city.
                block, cases = np.unique(self._blocks_around(cells), return_counts=True)
                rate[block] += cases * self._per_100[block]
        if self._typical is not None:
            occupied, weights = self._occupied, self._home_weights
            self._typical.append(
                (
                    # Not ``@``: a threaded BLAS dot of this size can take
                    # milliseconds on a busy machine, the sum of products microseconds.
                    float(np.sum(self.crime_rate[occupied] * weights)),
                    float(np.sum(self.disorder_rate[occupied] * weights)),
                )
            )

    def _blocks_around(self, cells: np.ndarray) -> np.ndarray:
        """Every on-map cell of the 3 x 3 block around each of ``cells``, with repeats."""
        w, h = self.layout.width, self.layout.height
        x = (cells % w)[:, None] + _DX[None, :]
        y = (cells // w)[:, None] + _DY[None, :]
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        return (y * w + x)[inside]

    def adapt(self, patrol_visibility: np.ndarray, guardianship: np.ndarray) -> None:
        gap = self._target_climate(patrol_visibility, guardianship, out=self._target)
        gap -= self.climate
        gap /= self.params.safety_adaptation_days
        self.climate += gap

    def settle(self, share: float, patrol_visibility: np.ndarray, guardianship: np.ndarray):
        """Set the intercept so that the current city feels as safe as ``share`` (burn-in)."""
        history = self._typical or [(1.0, 1.0)]
        self._typical = None
        typical = np.mean(history[len(history) // 2 :], axis=0)
        self.crime_reference = float(typical[0]) if typical[0] > 0 else 1.0
        self.disorder_reference = float(typical[1]) if typical[1] > 0 else 1.0
        self.intercept = 0.0
        base = self._target_climate(patrol_visibility, guardianship)
        lo, hi = -20.0, 20.0
        for _ in range(60):
            mid = (lo + hi) / 2
            self.climate = base + mid
            if self._share_without_fear() / self._households < share:
                lo = mid
            else:
                hi = mid
        self.intercept = (lo + hi) / 2
        self.climate = base + self.intercept

    def note_victims(self, homes: np.ndarray) -> None:
        if homes.size:
            self._noted.append(homes)

    def _merge_noted(self, households: Households) -> np.ndarray:
        """The recent victims with the homes noted since, sorted, each once (their cells
        and disposition values kept beside them)."""
        victims = self._recent_victims
        if not self._noted:
            return victims
        noted = np.unique(np.concatenate(self._noted))
        self._noted = []
        if victims.size == 0:
            fresh, at = noted, np.zeros(noted.size, dtype=np.int64)
        else:
            at = np.searchsorted(victims, noted)
            new = victims[np.minimum(at, victims.size - 1)] != noted
            fresh, at = noted[new], at[new]
        # What ``np.insert(old, at, fresh)`` gives, for the three arrays at once: the
        # fresh homes' places in the merged list are found once.
        size = victims.size + fresh.size
        placed = at + np.arange(fresh.size)
        old = np.ones(size, dtype=bool)
        old[placed] = False
        merged = []
        for before, added in (
            (victims, fresh),
            (self._victim_cell, households.cell[fresh]),
            (self._victim_disposition, self.disposition_values[households.disposition[fresh]]),
        ):
            out = np.empty(size, dtype=before.dtype)
            out[placed] = added
            out[old] = before
            merged.append(out)
        merged_victims, self._victim_cell, self._victim_disposition = merged
        return merged_victims

    def _share_without_fear(self) -> float:
        # sigmoid(L + u) = 1 / (1 + e^-L e^-u): a very low climate makes e^-L infinite
        # and the share 0, its limit.
        odds = self._climate_odds
        np.take(self.climate, self._occupied, out=odds)
        np.negative(odds, out=odds)
        with np.errstate(over="ignore"):
            np.exp(odds, out=odds)
        probs = self._share_buffer
        np.multiply(self._disposition_odds[:, None], odds[None, :], out=probs)
        probs += 1.0
        np.divide(self._occupied_counts, probs, out=probs)
        return float(np.sum(probs))

    def share(self, day: int, households: Households) -> float:
        """Expected share of households that would tell a survey they feel safe."""
        p = self.params
        total = self._share_without_fear()
        victims = self._merge_noted(households)
        if victims.size:
            last = households.last_victimised[victims]
            since = day - last
            alive = (since < 5 * p.fear_memory_days) & (last > NEVER)
            if not alive.all():
                victims, since = victims[alive], since[alive]
                self._victim_cell = self._victim_cell[alive]
                self._victim_disposition = self._victim_disposition[alive]
            self._recent_victims = victims
            base = self.climate[self._victim_cell] + self._victim_disposition
            fear = p.fear_own_victimisation * np.exp(-since / p.fear_memory_days)
            total -= float(np.sum(expit(base) - expit(base - fear)))
        return total / households.n

    def perceived_safety(self, day: int, households: Households) -> np.ndarray:
        """Each household's probability of feeling safe (for maps and surveys)."""
        p = self.params
        since = (day - households.last_victimised).astype(float)
        fear = p.fear_own_victimisation * np.exp(-since / p.fear_memory_days)
        base = self.climate[households.cell] + self.disposition_values[households.disposition]
        return expit(base - fear)

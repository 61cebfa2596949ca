"""Crime patterns of the no-intervention city: repeat victimisation and its timing, the Knox
table of near repeats with Monte-Carlo significance, and concentration beside random spread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from safesim.core.model import SafetyModel
from safesim.core.scenario import Scenario
from safesim.reports.validation.rules import (
    CELL_METRES,
    ProtocolError,
)
from safesim.reports.validation.runs import (
    offender_cells,
)

REPEAT_WINDOWS = {"first month": (1, 30), "sixth month": (151, 180)}
# Repeat timing: of a home's repeats within a month, the share within a week.
REPEAT_TIMING_WINDOWS = {"week": (1, 7), "month": (1, 30)}
CONCENTRATION_SHARE = 0.5
RANDOM_SPREAD_DRAWS = 20


# ---------------------------------------------------------------------- pattern statistics
def _pairs_by_gap(
    place: np.ndarray,
    days: np.ndarray,
    homes: np.ndarray,
    other_homes: bool,
    windows: dict[str, tuple[int, int]] = REPEAT_WINDOWS,
    last_start: int | None = None,
) -> dict[str, int]:
    """Pairs of burglaries at the same ``place`` (a home, or a block) counted by the
    window their gap falls in; with ``other_homes`` only pairs of two different homes;
    with ``last_start`` only pairs whose first burglary is on or before that day."""
    order = np.lexsort((days, place))
    p, d, h = place[order], days[order], homes[order]
    observed = dict.fromkeys(windows, 0)
    lag = 1
    while lag < p.size:
        same = p[lag:] == p[:-lag]
        if not same.any():
            break
        if other_homes:
            same &= h[lag:] != h[:-lag]
        if last_start is not None:
            same &= d[:-lag] <= last_start
        gap = d[lag:] - d[:-lag]
        for window, (first, last) in windows.items():
            observed[window] += int(np.count_nonzero(same & (gap >= first) & (gap <= last)))
        lag += 1
    return observed


def _exposure(days: np.ndarray, span: int, first: int, last: int) -> np.ndarray:
    """Days of each window after each burglary that fall inside the run."""
    return np.clip(span - 1 - days - first + 1, 0, last - first + 1)


def repeat_victimisation(
    homes: np.ndarray, days: np.ndarray, households: int, span: int
) -> dict[str, tuple[float, float]]:
    """For each window after a burglary, (repeat burglaries of the same home observed,
    expected at the city's rate over the home-days each window had in the run)."""
    rate = homes.size / (households * span)
    observed = _pairs_by_gap(homes, days, homes, other_homes=False)
    return {
        window: (float(observed[window]), float(rate * _exposure(days, span, *bounds).sum()))
        for window, bounds in REPEAT_WINDOWS.items()
    }


def repeat_timing(homes: np.ndarray, days: np.ndarray, span: int) -> dict[str, int]:
    """A home's repeats within a week and within a month of a burglary, counting only
    burglaries with a whole month of the run after them (so the end of the run does not
    cut the month short and favour the week)."""
    last = max(REPEAT_TIMING_WINDOWS["month"])
    return _pairs_by_gap(
        homes, days, homes, False, REPEAT_TIMING_WINDOWS, last_start=span - 1 - last
    )


def same_block_burglaries(
    homes: np.ndarray,
    cells: np.ndarray,
    days: np.ndarray,
    homes_per_cell: np.ndarray,
    households: int,
    span: int,
) -> dict[str, tuple[float, float]]:
    """For each window after a burglary, (burglaries of the other homes of the same block
    observed, expected at the city's rate): the place's lasting risk, which a home's own
    repeats share, as against the boost that is the home's alone."""
    rate = homes.size / (households * span)
    observed = _pairs_by_gap(cells, days, homes, other_homes=True)
    neighbours = homes_per_cell[cells] - 1
    return {
        window: (
            float(observed[window]),
            float(rate * (_exposure(days, span, *bounds) * neighbours).sum()),
        )
        for window, bounds in REPEAT_WINDOWS.items()
    }


def block_ratio(per_rep: dict[str, list[float]], window: str) -> float:
    expected = sum(per_rep[f"block {window} exp"])
    return sum(per_rep[f"block {window} obs"]) / expected if expected > 0 else float("nan")


def _band_lookup(bands: Sequence[Sequence[float]], top: int) -> np.ndarray:
    """Band index of every whole number 0..top (−1 in no band); bands are closed at
    both ends for the first and open below for the rest, so none shares an edge."""
    values = np.arange(top + 1)
    index = np.full(top + 1, -1, dtype=np.int64)
    for b, (lo, hi) in enumerate(bands):
        inside = (values <= hi) & ((values >= lo) if b == 0 else (values > lo))
        index[inside & (index < 0)] = b
    return index


def knox_table(
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    homes: np.ndarray,
    distance_bands_m: Sequence[Sequence[float]],
    time_bands_days: Sequence[Sequence[int]],
    permutations: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Knox table: pairs of burglaries of different homes by distance band × time band
    (observed, ``D × T``), and the same table with the days shuffled among the events,
    once per permutation (``permutations × D × T``): what no space-time interaction
    gives with the same places and the same days (Johnson et al. 2007's Monte-Carlo)."""
    d_bands, t_bands = len(distance_bands_m), len(time_bands_days)
    observed = np.zeros((d_bands, t_bands), dtype=np.int64)
    shuffled = np.zeros((permutations, d_bands, t_bands), dtype=np.int64)
    if homes.size < 2:
        return observed, shuffled
    reach = max(hi for _, hi in distance_bands_m)
    tree = cKDTree(np.column_stack([x, y]).astype(float) * CELL_METRES)
    pairs = tree.query_pairs(reach, output_type="ndarray")
    if pairs.size == 0:
        return observed, shuffled
    # Tens of millions of pairs at Guiyang's size: the narrowest integers that hold them.
    pairs = pairs.astype(np.int32)
    i, j = pairs[:, 0], pairs[:, 1]
    metres = np.rint(np.hypot(x[i] - x[j], y[i] - y[j]) * CELL_METRES).astype(np.int64)
    d_band = _band_lookup(distance_bands_m, int(reach))[metres].astype(np.int32)
    keep = (d_band >= 0) & (homes[i] != homes[j])
    i, j, d_band = i[keep], j[keep], d_band[keep]
    t_lookup = _band_lookup(time_bands_days, int(days.max() - days.min()) + 1)

    def table(on: np.ndarray) -> np.ndarray:
        t_band = t_lookup[np.abs(on[i] - on[j])]
        cell = d_band * t_bands + t_band
        return np.bincount(cell[t_band >= 0], minlength=d_bands * t_bands).reshape(d_bands, t_bands)

    observed = table(days)
    for k in range(permutations):
        shuffled[k] = table(rng.permutation(days))
    return observed, shuffled


def monte_carlo_p(observed: float, shuffled: np.ndarray) -> float:
    """One-sided Monte-Carlo p-value of ``observed`` against its permutation draws."""
    return float((1 + np.count_nonzero(shuffled >= observed)) / (1 + shuffled.size))


def places_holding(counts: np.ndarray, share: float) -> float:
    """Smallest share of places that together hold ``share`` of the events."""
    ordered = np.sort(counts)[::-1]
    total = ordered.sum()
    if total == 0:
        return 0.0
    needed = int(np.searchsorted(np.cumsum(ordered), share * total) + 1)
    return needed / counts.size


def random_spread_holding(
    events: int, places: int, share: float, rng: np.random.Generator
) -> float:
    """What ``places_holding`` gives for ``events`` thrown uniformly over ``places``:
    with sparse counts this is far below 50 % (Levin et al. 2017), so a share of places
    is read against it, not against 50 %."""
    if events == 0:
        return 0.0
    draws = rng.multinomial(events, np.full(places, 1.0 / places), size=RANDOM_SPREAD_DRAWS)
    return float(np.mean([places_holding(d, share) for d in draws]))


def top_share(counts: np.ndarray, places: float) -> float:
    """Share of the events in the top ``places`` share of places."""
    ordered = np.sort(counts)[::-1]
    k = max(1, round(places * counts.size))
    return float(ordered[:k].sum() / max(ordered.sum(), 1))


@dataclass(frozen=True)
class PatternTask:
    """One replicate of the no-intervention city's crime patterns."""

    city: dict[str, Any]
    seed: int
    distance_bands_m: tuple[tuple[float, float], ...]
    time_bands_days: tuple[tuple[int, int], ...]
    permutations: int

    def __call__(self) -> dict[str, Any]:
        model = SafetyModel(Scenario.model_validate(self.city), seed=self.seed)
        model.event_log = []
        model.run()
        log = model.event_log
        span = len(log)
        homes = np.concatenate([e.burglary_homes for e in log]).astype(np.int64)
        days = np.concatenate(
            [np.full(e.burglary_homes.size, d, dtype=np.int64) for d, e in enumerate(log)]
        )
        out: dict[str, Any] = {}
        for window, (obs, exp) in repeat_victimisation(
            homes, days, model.households.n, span
        ).items():
            out[f"repeat {window} obs"], out[f"repeat {window} exp"] = obs, exp
        cells = model.households.cell[homes].astype(np.int64)
        for window, (obs, exp) in same_block_burglaries(
            homes, cells, days, model.layout.homes, model.households.n, span
        ).items():
            out[f"block {window} obs"], out[f"block {window} exp"] = obs, exp
        for window, count in repeat_timing(homes, days, span).items():
            out[f"repeats within a {window}"] = count
        x, y = model.layout.xy(cells)
        rng = np.random.default_rng(self.seed)
        out["knox observed"], out["knox shuffled"] = knox_table(
            x, y, days, homes, self.distance_bands_m, self.time_bands_days, self.permutations, rng
        )
        crime = np.bincount(
            np.concatenate([offender_cells(e)["offender"] for e in log]),
            minlength=model.layout.cells,
        )
        out["concentration"] = 100.0 * places_holding(crime, CONCENTRATION_SHARE)
        out["random spread"] = 100.0 * random_spread_holding(
            int(crime.sum()), crime.size, CONCENTRATION_SHARE, rng
        )
        out["crimes per cell"] = float(crime.mean())
        out["top5"] = 100.0 * top_share(crime, 0.05)
        return out


@dataclass
class KnoxSummary:
    """The Knox table pooled over replicates: observed pairs (replicates × D × T) and
    their permutation draws (replicates × permutations × D × T)."""

    distance_bands_m: tuple[tuple[float, float], ...]
    time_bands_days: tuple[tuple[int, int], ...]
    observed: np.ndarray
    shuffled: np.ndarray

    @property
    def permutations(self) -> int:
        return int(self.shuffled.shape[1]) if self.shuffled.ndim == 4 else 0

    def select(
        self, d_range: tuple[float, float], t_range: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The bands lying within ``d_range`` metres and ``t_range`` days."""
        d = np.array([lo >= d_range[0] and hi <= d_range[1] for lo, hi in self.distance_bands_m])
        t = np.array([lo >= t_range[0] and hi <= t_range[1] for lo, hi in self.time_bands_days])
        if not d.any() or not t.any():
            raise ProtocolError(f"no Knox band within {d_range} m × {t_range} days")
        return d, t

    def cells(self, d: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per replicate: observed pairs in the selected bands and their permutation mean."""
        observed = self.observed[:, d][:, :, t].sum(axis=(1, 2)).astype(float)
        expected = self.shuffled[:, :, d][:, :, :, t].sum(axis=(2, 3)).mean(axis=1)
        return observed, expected

    def p_value(self, d: np.ndarray, t: np.ndarray) -> float:
        """Monte-Carlo p over replicates: the k-th permutation of every replicate summed
        is one draw of the pooled count under no space-time interaction."""
        observed = self.observed[:, d][:, :, t].sum()
        draws = self.shuffled[:, :, d][:, :, :, t].sum(axis=(0, 2, 3))
        return monte_carlo_p(float(observed), draws)

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """Pooled Knox ratio and Monte-Carlo p per band (D × T)."""
        observed = self.observed.sum(axis=0)
        draws = self.shuffled.sum(axis=0)  # permutations × D × T
        expected = draws.mean(axis=0)
        ratio = np.divide(
            observed, expected, out=np.full(observed.shape, np.nan), where=expected > 0
        )
        p = (1 + (draws >= observed[None]).sum(axis=0)) / (1 + draws.shape[0])
        return ratio, p

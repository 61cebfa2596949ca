"""Stylised facts: the model's figures beside the literature's, judged by a fixed protocol.

Every fact, how it is measured and the range the literature gives for it are listed in
the validation protocol (``validation_protocol.yaml``, shipped with the package), which is
fixed before any parameter is set and changes only with a new cited source. This module
holds no range: it measures, and :func:`verdict` applies the protocol's rules.

- **intervention effects**: each intervention alone, at the doses the shipped scenarios
  use (scenarios/small.yaml: Guiyang's doses per household), in the place it treats,
  against its counterfactual twin on the same seed (common random numbers);
- **crime patterns** of the no-intervention city: repeat victimisation and its timing, a
  Knox table of near repeats by distance band × time band with Monte-Carlo significance,
  concentration of crime in few places beside what random spread of the same count gives;
- **dynamics**: decay once patrols stop, spill-over into the surrounding cells (diffusion
  or displacement), stationarity of the no-intervention city over several years;
- **out of sample**: Guichi's 2021 dispute and violent-case counts.

Ratios are pooled over replicates (total in the mix over total in the twin, or observed
over expected) with a 90 % interval from resampling replicates; per-replicate figures
(shares, counts) give their mean and the 5th–95th percentiles across replicates. Every
draw is seeded, so the same settings give the same file, with any number of workers.

**Examples**::

    from safesim.validation import load_protocol, settings_for, run_validation, render
    protocol = load_protocol()
    settings = settings_for(protocol, "quick")
    facts = run_validation(settings, protocol)
    text = render(facts, settings, protocol)
"""

from __future__ import annotations

import copy
import multiprocessing
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import ndimage
from scipy.spatial import cKDTree

from safesim.errors import SafesimError
from safesim.interventions import BY_NAME, Intervention
from safesim.interventions.base import OFFENDER_CRIME
from safesim.model import SafetyModel
from safesim.offenders import OffenceReport
from safesim.runner import replicate_seed
from safesim.scaling import scale_scenario
from safesim.scenario import Interventions, Scenario, load_scenario
from safesim.shipped import resolve_scenario

CELL_METRES = 100.0  # a cell is a block of about 100 m × 100 m (scenarios' households_per_cell)
BOOTSTRAP_DRAWS = 2000
REPEAT_WINDOWS = {"first month": (1, 30), "sixth month": (151, 180)}
# Repeat timing: of a home's repeats within a month, the share within a week.
REPEAT_TIMING_WINDOWS = {"week": (1, 7), "month": (1, 30)}
CONCENTRATION_SHARE = 0.5
RANDOM_SPREAD_DRAWS = 20
DECAY_DELIVERY_DAYS = 182
DECAY_WINDOW_DAYS = 90
DECAY_RECENT_DAYS = 30  # the cells patrolled in the last month of delivery
PROTOCOL_FILE = "validation_protocol.yaml"
INSIDE, OUTSIDE, OVERLAPS, UNDETERMINED = "inside", "outside", "overlaps", "undetermined"
NO_RANGE, TOO_FEW_EVENTS = "no published range", "too few events"
VERDICTS = (INSIDE, OUTSIDE, OVERLAPS, UNDETERMINED, NO_RANGE, TOO_FEW_EVENTS)


# ---------------------------------------------------------------------- the protocol
class ProtocolError(SafesimError, ValueError):
    """The protocol file is missing a fact or a setting the validation needs."""


def load_protocol(path: str | Path | None = None) -> dict[str, Any]:
    """The validation protocol: ``path``, or the one shipped with the package."""
    if path is None:
        text = resources.files("safesim").joinpath(PROTOCOL_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    protocol = yaml.safe_load(text)
    if not isinstance(protocol, dict) or not isinstance(protocol.get("facts"), dict):
        raise ProtocolError(f"{path or PROTOCOL_FILE}: no 'facts' table")
    return protocol


@dataclass(frozen=True)
class Settings:
    """How large and how long the validation runs are (the protocol's ``settings``)."""

    name: str
    seed: int
    replicates: int
    households: int  # city for the intervention effects, spill-over and decay
    pattern_households: int  # city for repeat, near-repeat and concentration figures
    stationarity_households: int
    stationarity_years: int
    guichi_households: int
    stationarity_replicate_factor: int = 1
    grid_households: int = 830_400  # city for grid workers' violent disputes (rare events)
    scenario: str = "scenarios/small.yaml"
    guichi: str = "scenarios/guichi.yaml"
    stationarity: str = "scenarios/guiyang.yaml"
    workers: int = 1


def settings_for(protocol: dict[str, Any], name: str, **overrides: Any) -> Settings:
    """The protocol's settings called ``name`` ("full" or "quick")."""
    try:
        values = dict(protocol["settings"][name])
    except KeyError:
        raise ProtocolError(f"the protocol has no settings called {name!r}") from None
    scenarios = protocol.get("scenarios", {})
    settings = Settings(
        name=name,
        scenario=scenarios.get("interventions", Settings.scenario),
        guichi=scenarios.get("guichi", Settings.guichi),
        stationarity=scenarios.get("stationarity", Settings.stationarity),
        **values,
    )
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Fact:
    """One stylised fact: what the literature says and what the model does.

    ``low``/``high`` bound the literature's range (either may be open); ``point`` is the
    literature's figure for a point fact, ``alternative`` the figure that would mean the
    opposite. ``p_value`` and ``alpha`` add a Monte-Carlo significance test.
    """

    group: str
    name: str
    literature: str
    source: str
    unit: str
    value: float
    interval: tuple[float, float]
    replicates: int
    low: float | None = None
    high: float | None = None
    point: float | None = None
    alternative: float | None = None
    alpha: float | None = None
    p_value: float | None = None
    minimum_replicates: int = 1
    note: str = ""
    measurable: bool = True  # False when the runs held no events to measure it on
    key: str = ""

    @property
    def verdict(self) -> str:
        return verdict(self)


def verdict(fact: Fact) -> str:
    """The protocol's rule: "inside" only when the model's interval lies within the
    literature's range (with its significance, where one is asked for), or, for a point
    fact, when the literature's point lies inside the model's interval."""
    if not fact.measurable:
        return TOO_FEW_EVENTS
    if fact.point is None and fact.low is None and fact.high is None:
        return NO_RANGE
    if fact.replicates < fact.minimum_replicates:
        return UNDETERMINED
    lo, hi = fact.interval
    if fact.point is not None:
        if not lo <= fact.point <= hi:
            return OUTSIDE
        if fact.alternative is not None and lo <= fact.alternative <= hi:
            return UNDETERMINED
        return INSIDE
    low = -np.inf if fact.low is None else fact.low
    high = np.inf if fact.high is None else fact.high
    if hi < low or lo > high:
        return OUTSIDE
    if low <= lo and hi <= high:
        if fact.alpha is not None and (fact.p_value is None or fact.p_value > fact.alpha):
            return OVERLAPS
        return INSIDE
    if lo < low and hi > high:
        return UNDETERMINED
    return OVERLAPS


# ---------------------------------------------------------------------- estimators
def pooled_ratio(
    num: Iterable[float], den: Iterable[float], seed: int
) -> tuple[float, tuple[float, float]]:
    """sum(num) / sum(den) and its 90 % interval from resampling replicates."""
    n, d = np.asarray(list(num), dtype=float), np.asarray(list(den), dtype=float)
    if d.sum() <= 0:
        raise ValueError("no events to compare against")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n.size, size=(BOOTSTRAP_DRAWS, n.size))
    den = d[picks].sum(axis=1)
    # A resample with no event to compare against has no ratio: it is unbounded above.
    draws = np.full(BOOTSTRAP_DRAWS, np.inf)
    np.divide(n[picks].sum(axis=1), den, out=draws, where=den > 0)
    # Interpolating towards an unbounded draw gives no number; take the draw itself.
    method = "linear" if np.isfinite(draws).all() else "higher"
    low, high = np.quantile(draws, [0.05, 0.95], method=method)
    return float(n.sum() / d.sum()), (float(low), float(high))


def resampled(
    table: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray], seed: int
) -> tuple[float, tuple[float, float]]:
    """``statistic`` of the column sums of ``table`` (replicates × columns) and its 90 %
    interval from resampling replicates; ``statistic`` maps sums (… × columns) to values."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, table.shape[0], size=(BOOTSTRAP_DRAWS, table.shape[0]))
    draws = statistic(table[picks].sum(axis=1))
    low, high = np.nanquantile(draws, [0.05, 0.95])
    return float(statistic(table.sum(axis=0)[None, :])[0]), (float(low), float(high))


def spread(values: Iterable[float]) -> tuple[float, tuple[float, float]]:
    """Mean and 5th–95th percentiles across replicates."""
    v = np.asarray(list(values), dtype=float)
    return float(v.mean()), (float(np.quantile(v, 0.05)), float(np.quantile(v, 0.95)))


def as_change(ratio: float, interval: tuple[float, float]) -> tuple[float, tuple[float, float]]:
    """A mix/twin ratio as a percentage change."""
    return 100.0 * (ratio - 1.0), (100.0 * (interval[0] - 1.0), 100.0 * (interval[1] - 1.0))


# ---------------------------------------------------------------------- scenarios
def only(scenario: Scenario, intervention: str) -> Scenario:
    """The scenario with one intervention of its mix and no other."""
    spec = getattr(scenario.interventions, intervention)
    return scenario.model_copy(update={"interventions": Interventions(**{intervention: spec})})


def campaign_only(scenario: Scenario, households: int) -> Scenario:
    """Scaled to ``households`` with the same doses per household, its calendar starting
    on the campaign start (the burn-in brings the city to equilibrium before it)."""
    start = scenario.calendar.campaign_start.value
    scaled = scale_scenario(scenario, households)
    return scaled.with_values({"calendar.start": start})


def shipped_or_local(path: str) -> Scenario:
    """A scenario by the protocol's path, from the working folder or the package."""
    return load_scenario(resolve_scenario(path))


# ---------------------------------------------------------------------- paired runs
Counts = dict[str, list[int]]


def _pair() -> list[int]:
    return [0, 0]


def offender_cells(report: OffenceReport) -> dict[str, np.ndarray]:
    cells = {
        "burglary": report.burglary_cells.astype(np.int64),
        "theft": report.theft_cells.astype(np.int64),
        "robbery": report.robbery_cells.astype(np.int64),
    }
    cells["property"] = np.concatenate([cells["burglary"], cells["theft"]])
    cells["offender"] = np.concatenate([cells["property"], cells["robbery"]])
    return cells


def count_in(counts: Counts, key: str, side: int, cells: np.ndarray, mask: np.ndarray) -> None:
    counts[key][side] += int(np.count_nonzero(mask[cells]))


def ring(mask: np.ndarray, model: SafetyModel) -> np.ndarray:
    """Cells within ``catchment_cells`` of ``mask`` and not in it (the catchment)."""
    grid = mask.reshape(model.layout.height, model.layout.width)
    cells = model.params.catchment_cells
    return ndimage.binary_dilation(grid, iterations=cells).ravel() & ~mask


def treated_today(model: SafetyModel, intervention: str) -> np.ndarray:
    """The cells ``intervention`` says it treated on the day last run
    (``Intervention.treated_today``); the whole city where it treats every place alike."""
    delivered = next(iv for iv in model.interventions if iv.name == intervention)
    cells = delivered.treated_today(model)
    return np.ones(model.layout.cells, dtype=bool) if cells is None else cells


@dataclass
class AreaObserver:
    """Crime by type in the cells ``intervention`` treated today, their catchment and the
    rest, both runs."""

    intervention: str
    from_day: int

    def __call__(
        self, day: int, mix: SafetyModel, mine: OffenceReport, theirs: OffenceReport, c: Counts
    ) -> None:
        if day < self.from_day:
            return
        treated = treated_today(mix, self.intervention)
        catchment = ring(treated, mix)
        control = ~(treated | catchment)
        for side, report in enumerate((mine, theirs)):
            cells = offender_cells(report)
            for kind, where in cells.items():
                count_in(c, f"treated_{kind}", side, where, treated)
            count_in(c, "catchment_offender", side, cells["offender"], catchment)
            count_in(c, "control_offender", side, cells["offender"], control)


@dataclass
class DecayObserver:
    """Crime in the cells ``intervention`` treated in the last month before ``stop``,
    fixed once it ends, over the ``DECAY_WINDOW_DAYS`` before and after the stop."""

    intervention: str
    stop: int
    recent: np.ndarray | None = None

    def __call__(
        self, day: int, mix: SafetyModel, mine: OffenceReport, theirs: OffenceReport, c: Counts
    ) -> None:
        if self.stop - DECAY_RECENT_DAYS < day <= self.stop:
            seen = treated_today(mix, self.intervention)
            self.recent = seen if self.recent is None else self.recent | seen
        if self.recent is None:
            return
        if self.stop - DECAY_WINDOW_DAYS < day <= self.stop:
            window = "during"
        elif self.stop < day <= self.stop + DECAY_WINDOW_DAYS:
            window = "after"
        else:
            return
        for side, report in enumerate((mine, theirs)):
            count_in(c, window, side, offender_cells(report)["offender"], self.recent)


@dataclass
class NoObserver:
    def __call__(self, *args: Any) -> None:
        return None


Observer = AreaObserver | DecayObserver | NoObserver


def run_pair(
    scenario: Scenario, seed: int, observe: Observer, days: int | None = None
) -> tuple[Counts, SafetyModel, SafetyModel]:
    """Step the mix and its counterfactual twin side by side on one seed, calling
    ``observe(day, mix, mix_report, twin_report, counts)`` after each day."""
    mix = SafetyModel(scenario, seed=seed, days=days)
    twin = mix.counterfactual_twin() or SafetyModel(scenario.counterfactual(), seed=seed, days=days)
    mix.event_log, twin.event_log = [], []
    counts: Counts = defaultdict(_pair)
    while mix.running:
        day = mix.day
        mix.step()
        twin.step()
        observe(day, mix, mix.event_log[-1], twin.event_log[-1], counts)
    return counts, mix, twin


def plain(scenario: Scenario) -> dict[str, Any]:
    """A scenario as plain data, which pickles to a worker process (the model itself
    does not); every task rebuilds it the same way with one worker or many."""
    return scenario.model_dump(mode="json")


@dataclass(frozen=True)
class PairTask:
    """One replicate of a mix and its twin: the observer's counts, and the sums of
    ``columns`` of the daily record from ``from_day`` on, for the mix and the twin."""

    scenario: dict[str, Any]
    seed: int
    observe: Observer
    days: int | None = None
    columns: tuple[str, ...] = ()
    from_day: int = 0

    def __call__(self) -> Counts:
        scenario = Scenario.model_validate(self.scenario)
        counts, mix, twin = run_pair(scenario, self.seed, copy.deepcopy(self.observe), self.days)
        out = {key: list(value) for key, value in counts.items()}
        frames = (mix.record.frame(), twin.record.frame())
        for column in self.columns:
            out[column] = [int(f[column].iloc[self.from_day :].sum()) for f in frames]
        return out


def full_strength_day(scenario: Scenario, intervention: str, days: int) -> int:
    """The first measured day: full strength, or half way through if the ramp is longer."""
    spec = getattr(scenario.interventions, intervention)
    start = scenario.calendar.day_of(spec.start or scenario.calendar.campaign_start.value)
    return min(start + spec.ramp_days, start + (days - start) // 2)


def _call(task: Callable[[], Any]) -> Any:
    return task()


def run_tasks(
    tasks: Sequence[Callable[[], Any]],
    labels: Sequence[str],
    workers: int,
    progress: Callable[[str], None],
) -> list[Any]:
    """Each task's result, in order; on ``workers`` spawned processes when more than one
    (every task carries its own seed, so the results do not depend on the workers)."""
    if workers <= 1 or len(tasks) <= 1:
        results = []
        for task, label in zip(tasks, labels, strict=True):
            progress(label)
            results.append(task())
        return results
    results: list[Any] = [None] * len(tasks)
    with ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)), mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        futures = {pool.submit(_call, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            progress(f"{labels[i]}: done")
    return results


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


@dataclass(frozen=True)
class StationarityTask:
    city: dict[str, Any]
    seed: int
    days: int
    columns: tuple[str, ...]

    def __call__(self) -> dict[str, list[float]]:
        model = SafetyModel(Scenario.model_validate(self.city), seed=self.seed, days=self.days)
        model.run()
        frame = model.record.frame()
        return {
            c: [float(frame[c].iloc[:365].sum()), float(frame[c].iloc[-365:].sum())]
            for c in self.columns
        }


@dataclass(frozen=True)
class GuichiTask:
    city: dict[str, Any]
    seed: int
    start: int
    scale: float

    def __call__(self) -> dict[str, float]:
        model = SafetyModel(Scenario.model_validate(self.city), seed=self.seed)
        model.run()
        year = model.record.frame().iloc[self.start : self.start + 365]
        return {
            c: self.scale * float(year[c].sum())
            for c in ("dispute_violence", "disputes_found", "disputes_mediated")
        }


# ---------------------------------------------------------------------- measurements
STATIONARY_COLUMNS = {
    "two_robberies_one_theft": "offender crime (两抢一盗)",
    "criminal_total": "criminal cases",
    "offenders_active": "active offenders",
    "offenders_jailed": "offenders in jail",
}


class Validation:
    """Runs every fact of the protocol for one ``Settings``; ``progress(label)`` is told
    what runs next."""

    def __init__(
        self,
        settings: Settings,
        protocol: dict[str, Any] | None = None,
        progress: Callable[[str], None] | None = None,
    ):
        self.settings = settings
        self.protocol = load_protocol() if protocol is None else protocol
        self.progress = progress or (lambda label: None)
        self.base = shipped_or_local(settings.scenario)
        self.city = campaign_only(self.base, settings.households)
        self.seeds = [replicate_seed(settings.seed, r) for r in range(settings.replicates)]
        self.minimum = int(self.protocol.get("minimum_replicates", 1))
        self._boot = 0

    def boot_seed(self) -> int:
        self._boot += 1
        return self.settings.seed + self._boot

    def fact(
        self,
        key: str,
        estimate: tuple[float, tuple[float, float]],
        replicates: int | None = None,
        name_values: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Fact:
        """The protocol's fact ``key`` with the model's ``estimate``."""
        try:
            spec = self.protocol["facts"][key]
        except KeyError:
            raise ProtocolError(f"the protocol has no fact {key!r}") from None
        bounds = spec.get("range")
        low, high = (None, None) if bounds is None else bounds
        value, interval = estimate
        return Fact(
            group=spec["group"],
            name=spec["name"].format(**(name_values or {})),
            literature=spec["literature"],
            source=spec["source"],
            unit=spec["unit"],
            value=value,
            interval=interval,
            replicates=len(self.seeds) if replicates is None else replicates,
            low=low,
            high=high,
            point=spec.get("point"),
            alternative=spec.get("alternative"),
            alpha=spec.get("alpha"),
            minimum_replicates=self.minimum,
            key=key,
            **kw,
        )

    def paired(self, tasks: list[PairTask], label: str) -> list[Counts]:
        labels = [f"{label} (replicate {r + 1}/{len(tasks)})" for r in range(len(tasks))]
        return run_tasks(tasks, labels, self.settings.workers, self.progress)

    def pair_tasks(self, scenario: Scenario, observe: Observer, **kw: Any) -> list[PairTask]:
        data = plain(scenario)
        return [PairTask(data, seed, observe, **kw) for seed in self.seeds]

    def change(self, runs: list[Counts], key: str) -> tuple[float, tuple[float, float]]:
        ratio, interval = pooled_ratio(
            (c[key][0] for c in runs), (c[key][1] for c in runs), self.boot_seed()
        )
        return as_change(ratio, interval)

    # -- interventions ----------------------------------------------------------------
    def area_effect(self, kind: type[Intervention]) -> list[Counts]:
        scenario = only(self.city, kind.name)
        start = full_strength_day(scenario, kind.name, self.city.calendar.days)
        observe = AreaObserver(kind.name, start)
        return self.paired(self.pair_tasks(scenario, observe), kind.label)

    def intervention_effects(self) -> list[Fact]:
        """Each intervention the protocol has a fact for (the fact's key is its name), on
        the outcome it targets (``Intervention.targets``): offender crime in the cells it
        treats, with the protocol's ``<name>_property_vs_robbery`` and
        ``<name>_spillover`` facts where it gives them, or a daily count among the homes
        it reaches."""
        facts: list[Fact] = []
        known = self.protocol["facts"]
        for key in [key for key in known if key in BY_NAME]:
            kind = BY_NAME[key]
            if kind.targets != OFFENDER_CRIME:
                facts.append(self.home_effect(kind))
                continue
            runs = self.area_effect(kind)
            facts.append(self.fact(key, self.change(runs, "treated_offender")))
            if f"{key}_property_vs_robbery" in known:
                prop = self.change(runs, "treated_property")
                violent = self.change(runs, "treated_robbery")
                facts.append(
                    self.fact(
                        f"{key}_property_vs_robbery",
                        self._difference(runs, "treated_property", "treated_robbery"),
                        note=f"property {prop[0]:+.1f} %, robbery {violent[0]:+.1f} %",
                    )
                )
            if f"{key}_spillover" in known:
                facts.append(self.spillover(f"{key}_spillover", runs))
        return facts

    def home_effect(self, kind: type[Intervention]) -> Fact:
        """The daily count ``kind`` targets (violent disputes, say) with it against the
        twin, in a city of ``grid_households`` (the events are rare), and the share of
        homes it reaches (``Intervention.home_note``)."""
        outcome = kind.targets
        home_city = campaign_only(self.base, self.settings.grid_households)
        scenario = only(home_city, kind.name)
        start = full_strength_day(scenario, kind.name, home_city.calendar.days)
        tasks = self.pair_tasks(
            scenario, NoObserver(), columns=(outcome, "criminal_total"), from_day=start
        )
        runs = self.paired(tasks, kind.label)
        spec = getattr(scenario.interventions, kind.name)
        all_cases = self.change(runs, "criminal_total")
        with_it = sum(c[outcome][0] for c in runs)
        without = sum(c[outcome][1] for c in runs)
        measurable = without > 0
        reach = kind.home_note(spec, scenario.city.households.value, with_it, without)
        return self.fact(
            kind.name,
            self.change(runs, outcome) if measurable else (0.0, (0.0, 0.0)),
            measurable=measurable,
            note=f"{reach}; all criminal cases {all_cases[0]:+.1f} %",
        )

    def _difference(
        self, runs: list[Counts], first: str, second: str
    ) -> tuple[float, tuple[float, float]]:
        """Change of ``first`` minus change of ``second`` (pp), resampling replicates."""
        table = np.array(
            [[c[first][0], c[first][1], c[second][0], c[second][1]] for c in runs], float
        )

        def gap(s: np.ndarray) -> np.ndarray:
            return 100.0 * (s[:, 0] / np.maximum(s[:, 1], 1) - s[:, 2] / np.maximum(s[:, 3], 1))

        return resampled(table, gap, self.boot_seed())

    def spillover(self, key: str, runs: list[Counts]) -> Fact:
        """Crime averted in the catchment per crime averted in the treated cells, both
        against the twin: (B_twin − B_mix) / (A_twin − A_mix). With the twin as the
        comparison it is Bowers & Johnson's WDQ without the control-area adjustment (the
        twin already says what would have happened): > 0 diffusion of benefits, < 0
        displacement, below −1 more displaced than prevented."""
        table = np.array(
            [[*c["treated_offender"], *c["catchment_offender"]] for c in runs], dtype=float
        )

        def wdq(s: np.ndarray) -> np.ndarray:
            averted = s[:, 1] - s[:, 0]
            spilled = s[:, 3] - s[:, 2]
            return np.divide(spilled, averted, out=np.zeros_like(spilled), where=averted != 0)

        treated = self.change(runs, "treated_offender")[0]
        catchment = self.change(runs, "catchment_offender")[0]
        return self.fact(
            key,
            resampled(table, wdq, self.boot_seed()),
            note=f"treated {treated:+.1f} %, catchment {catchment:+.1f} %",
        )

    # -- dynamics ---------------------------------------------------------------------
    def decay(self) -> list[Fact]:
        """Each of the protocol's decay facts, for the intervention it names."""
        facts = []
        for key, spec in self.protocol["facts"].items():
            if spec["group"] != "decay":
                continue
            kind = BY_NAME.get(spec.get("intervention", ""))
            if kind is None:
                raise ProtocolError(f"the protocol's fact {key!r} names no intervention")
            facts.append(self.decay_of(key, kind))
        return facts

    def decay_of(self, key: str, kind: type[Intervention]) -> Fact:
        """``kind`` delivered for half a year then stopped: the share of its effect in
        the cells it last treated that is left in the 90 days after the stop."""
        base = only(self.city, kind.name)
        start = base.calendar.campaign_start.value
        end = start + timedelta(days=DECAY_DELIVERY_DAYS - 1)
        delivered = getattr(base.interventions, kind.name)
        assert delivered is not None
        ending = delivered.model_copy(update={"end": end})
        stopping = Interventions(**{kind.name: ending})
        scenario = base.model_copy(update={"interventions": stopping})
        stop = scenario.calendar.day_of(end)
        days = stop + DECAY_WINDOW_DAYS + 1
        observe = DecayObserver(kind.name, stop)
        runs = self.paired(self.pair_tasks(scenario, observe, days=days), f"{kind.label} decay")
        table = np.array([[*c["after"], *c["during"]] for c in runs], dtype=float)

        def left(s: np.ndarray) -> np.ndarray:
            after = s[:, 0] / np.maximum(s[:, 1], 1) - 1.0
            during = s[:, 2] / np.maximum(s[:, 3], 1) - 1.0
            return np.divide(after, during, out=np.full_like(after, np.nan), where=during < 0)

        during = self.change(runs, "during")
        after = self.change(runs, "after")
        return self.fact(
            key,
            resampled(table, left, self.boot_seed()),
            note=f"{during[0]:+.1f} % in the last 90 days of {kind.label}, {after[0]:+.1f} % "
            "in the 90 days after",
        )

    def stationarity(self) -> list[Fact]:
        s = self.settings
        years = s.stationarity_years
        city = scale_scenario(
            shipped_or_local(s.stationarity), s.stationarity_households
        ).counterfactual()
        seeds = [
            replicate_seed(s.seed, r) for r in range(s.replicates * s.stationarity_replicate_factor)
        ]
        tasks = [
            StationarityTask(plain(city), seed, 365 * years, tuple(STATIONARY_COLUMNS))
            for seed in seeds
        ]
        labels = [
            f"stationary city, {years} years (replicate {r + 1}/{len(seeds)})"
            for r in range(len(seeds))
        ]
        runs = run_tasks(tasks, labels, s.workers, self.progress)
        facts = []
        for column, label in STATIONARY_COLUMNS.items():
            ratio, interval = pooled_ratio(
                (r[column][1] for r in runs), (r[column][0] for r in runs), self.boot_seed()
            )
            facts.append(
                self.fact(
                    "stationarity",
                    as_change(ratio, interval),
                    replicates=len(seeds),
                    name_values={"label": label, "years": years},
                )
            )
        return facts

    # -- patterns of the no-intervention city -----------------------------------------
    def patterns(self) -> tuple[list[Fact], KnoxSummary]:
        s = self.settings
        knox_spec = self.protocol["knox"]
        distance = tuple(tuple(b) for b in knox_spec["distance_bands_m"])
        time = tuple(tuple(b) for b in knox_spec["time_bands_days"])
        city = campaign_only(self.base, s.pattern_households).counterfactual()
        tasks = [
            PatternTask(plain(city), seed, distance, time, int(knox_spec["permutations"]))
            for seed in self.seeds
        ]
        labels = [f"crime patterns (replicate {r + 1}/{len(tasks)})" for r in range(len(tasks))]
        runs = run_tasks(tasks, labels, s.workers, self.progress)
        per_rep: dict[str, list[Any]] = defaultdict(list)
        for run in runs:
            for key, value in run.items():
                per_rep[key].append(value)

        facts = []
        for window, key in (
            ("first month", "repeat_first_month"),
            ("sixth month", "repeat_sixth_month"),
        ):
            estimate = pooled_ratio(
                per_rep[f"repeat {window} obs"], per_rep[f"repeat {window} exp"], self.boot_seed()
            )
            facts.append(
                self.fact(
                    key,
                    estimate,
                    note=f"{int(sum(per_rep[f'repeat {window} obs']))} repeats observed; "
                    "the block's other homes: "
                    f"{block_ratio(per_rep, window):.2f}× (the place's own risk)",
                )
            )
        week, month = per_rep["repeats within a week"], per_rep["repeats within a month"]
        ratio, interval = pooled_ratio(week, month, self.boot_seed())
        facts.append(
            self.fact(
                "repeat_within_week",
                (100.0 * ratio, (100.0 * interval[0], 100.0 * interval[1])),
                note=f"{int(sum(week))} of {int(sum(month))} repeats within a month",
                measurable=sum(month) > 0,
            )
        )

        knox = KnoxSummary(
            distance,
            time,
            np.array(per_rep["knox observed"]),
            np.array(per_rep["knox shuffled"]),
        )
        for key, d_range, t_range in (
            ("knox_next_blocks_two_weeks", (0, 200), (8, 14)),
            ("knox_300_400m", (300, 400), (0, 30)),
            ("knox_one_to_two_months", (0, 200), (31, 60)),
        ):
            d_sel, t_sel = knox.select(d_range, t_range)
            observed, expected = knox.cells(d_sel, t_sel)
            p_value = knox.p_value(d_sel, t_sel)
            measurable = expected.sum() > 0
            estimate = (
                pooled_ratio(observed, expected, self.boot_seed())
                if measurable
                else (0.0, (0.0, 0.0))
            )
            facts.append(
                self.fact(
                    key,
                    estimate,
                    p_value=p_value,
                    measurable=measurable,
                    note=f"Monte-Carlo p = {p_value:.3f} ({knox.permutations} permutations "
                    f"per replicate); {int(observed.sum())} pairs observed, "
                    f"{expected.sum():.0f} expected",
                )
            )

        ratio = np.array(per_rep["concentration"]) / np.maximum(per_rep["random spread"], 1e-9)
        facts.append(
            self.fact(
                "concentration",
                spread(per_rep["concentration"]),
                note=f"top 5 % of cells hold {np.mean(per_rep['top5']):.1f} % of offender "
                f"crime; random spread of the same count: "
                f"{np.mean(per_rep['random spread']):.1f} % "
                f"({np.mean(per_rep['crimes per cell']):.2f} crimes per cell a year)",
            )
        )
        facts.append(self.fact("concentration_beyond_chance", spread(ratio)))
        return facts, knox

    # -- out of sample ----------------------------------------------------------------
    def guichi(self) -> list[Fact]:
        s = self.settings
        scenario = shipped_or_local(s.guichi)
        scale = scenario.city.households.value / s.guichi_households
        city = scale_scenario(scenario, s.guichi_households)
        start = city.calendar.day_of(city.calendar.campaign_start.value)
        tasks = [GuichiTask(plain(city), seed, start, scale) for seed in self.seeds]
        labels = [f"Guichi 2021 (replicate {r + 1}/{len(tasks)})" for r in range(len(tasks))]
        runs = run_tasks(tasks, labels, s.workers, self.progress)
        found = np.array([r["disputes_found"] for r in runs])
        mediated = np.array([r["disputes_mediated"] for r in runs])
        share = 100.0 * mediated / np.maximum(found, 1.0)
        note = f"city of {s.guichi_households:,} households, counts × {scale:g}"
        return [
            self.fact(
                "guichi_violent_disputes",
                spread(r["dispute_violence"] for r in runs),
                note=note,
            ),
            self.fact("guichi_disputes_found", spread(found), note=note),
            self.fact(
                "guichi_settled_share",
                spread(share),
                note=f"{np.mean(mediated):.0f} of {np.mean(found):.0f} a year",
            ),
        ]

    def run(self) -> Report:
        patterns, knox = self.patterns()
        facts = [
            *self.intervention_effects(),
            *self.decay(),
            *self.stationarity(),
            *patterns,
            *self.guichi(),
        ]
        return Report(facts, knox)


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


@dataclass
class Report:
    facts: list[Fact]
    knox: KnoxSummary | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------- output
def run_validation(
    settings: Settings,
    protocol: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    return Validation(settings, protocol, progress).run()


def _number(value: float, unit: str) -> str:
    if np.isnan(value):
        return "n/a"
    if np.isinf(value):
        return "unbounded"
    if unit in ("% of found", "% of cells"):
        return f"{value:.1f}"
    if unit in ("%", "pp"):
        return f"{value:+.1f}"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.2f}"


def _range(fact: Fact) -> str:
    if fact.point is not None:
        return f"point {_number(fact.point, fact.unit)}"
    if fact.low is None and fact.high is None:
        return "none"
    low = "" if fact.low is None else _number(fact.low, fact.unit)
    high = "" if fact.high is None else _number(fact.high, fact.unit)
    if not low:
        return f"≤ {high}"
    if not high:
        return f"≥ {low}"
    return f"{low} to {high}"


def tally(facts: Sequence[Fact]) -> dict[str, int]:
    counts = dict.fromkeys(VERDICTS, 0)
    for fact in facts:
        counts[fact.verdict] += 1
    return counts


def summary_line(facts: Sequence[Fact]) -> str:
    counts = tally(facts)
    judged = counts[INSIDE] + counts[OUTSIDE] + counts[OVERLAPS] + counts[UNDETERMINED]
    return (
        f"{counts[INSIDE]} of {judged} judged facts inside their range, {counts[OVERLAPS]} "
        f"overlapping it, {counts[OUTSIDE]} outside, {counts[UNDETERMINED]} undetermined "
        f"({counts[NO_RANGE]} measures without a range, {counts[TOO_FEW_EVENTS]} with too "
        "few events)"
    )


def render(report: Report, settings: Settings, protocol: dict[str, Any]) -> str:
    """docs/validation.md: one table per group of facts, then the Knox table."""
    facts = report.facts
    command = "safesim validate" + (" --quick" if settings.name == "quick" else "")
    headings = protocol.get("groups", {})
    lines = [
        "# Validation: stylised facts",
        "",
        f"Written by `{command}`; do not edit by hand. Every fact, how it is measured and "
        "the literature's range are fixed in the validation protocol "
        f"(`src/safesim/{PROTOCOL_FILE}`), which changes only with a new cited source. "
        "Verdicts: *inside* when the model's whole 90 % interval lies within the range "
        "(for a point figure: the literature's point lies inside the model's interval); "
        "*overlaps* when they meet without that; *outside* when they do not meet; "
        "*undetermined* when the interval is too wide to tell or fewer than "
        f"{protocol.get('minimum_replicates', 1)} replicates were run.",
        "",
        f"Settings: {settings.replicates} replicates from seed {settings.seed}; "
        f"intervention effects and spill-over on `{settings.scenario}` (Guiyang's doses per "
        f"household) scaled to {settings.households:,} households over its campaign year; "
        f"the crime patterns of the no-intervention city at "
        f"{settings.pattern_households:,} households; stationarity of "
        f"`{settings.stationarity}` over {settings.stationarity_years} years at "
        f"{settings.stationarity_households:,} households "
        f"({settings.replicates * settings.stationarity_replicate_factor} replicates); "
        f"grid workers' violent disputes at {settings.grid_households:,} households; "
        f"Guichi at {settings.guichi_households:,} households.",
        "",
        f"**{summary_line(facts)}.**",
    ]
    groups: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        groups[fact.group].append(fact)
    for group, members in groups.items():
        lines += [
            "",
            f"## {headings.get(group, group)}",
            "",
            "| fact | literature | source | model | 90 % interval | range | replicates "
            "| verdict | note |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for f in members:
            lo, hi = (_number(v, f.unit) for v in f.interval)
            lines.append(
                f"| {f.name} | {f.literature} | {f.source} | {_number(f.value, f.unit)} {f.unit} "
                f"| {lo} to {hi} | {_range(f)} | {f.replicates} | {f.verdict} | {f.note} |"
            )
    if report.knox is not None and report.knox.observed.size:
        ratio, p = report.knox.table()
        time_bands = report.knox.time_bands_days
        lines += [
            "",
            "## Knox table of burglaries of different homes (ratio observed / expected, "
            "Monte-Carlo p)",
            "",
            f"Pooled over {settings.replicates} replicates, {report.knox.permutations} "
            "permutations of the days each. Johnson & Bowers 2004: clustering up to "
            "300–400 m for 1–2 months; Johnson et al. 2007: within 200 m for at least two "
            "weeks in all 10 areas.",
            "",
            "| distance | " + " | ".join(f"{lo}–{hi} days" for lo, hi in time_bands) + " |",
            "|---|" + "---|" * len(time_bands),
        ]
        for d, (lo, hi) in enumerate(report.knox.distance_bands_m):
            cells = " | ".join(
                f"{ratio[d, t]:.2f} (p {p[d, t]:.2f})" for t in range(len(time_bands))
            )
            lines.append(f"| {lo:g}–{hi:g} m | {cells} |")
    return "\n".join(lines) + "\n"

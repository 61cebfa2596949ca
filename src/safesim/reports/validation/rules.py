"""The validation protocol and its verdicts: loading the protocol, the run settings, a
fact beside its range, the rule that judges it, and the estimators behind every interval."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from safesim.errors import SafesimError

CELL_METRES = 100.0  # a cell is a block of about 100 m × 100 m (scenarios' households_per_cell)
BOOTSTRAP_DRAWS = 2000
PROTOCOL_FILE = "validation_protocol.yaml"
INSIDE, OUTSIDE, OVERLAPS, UNDETERMINED = "inside", "outside", "overlaps", "undetermined"
NO_RANGE, TOO_FEW_EVENTS = "no published range", "too few events"
# A figure that set a parameter cannot test it: reported beside its source, never judged.
SETS_PARAMETER = "sets a parameter"
VERDICTS = (INSIDE, OUTSIDE, OVERLAPS, UNDETERMINED, NO_RANGE, TOO_FEW_EVENTS, SETS_PARAMETER)


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
    judged: bool = True  # False: the protocol says the figure set a parameter

    @property
    def verdict(self) -> str:
        return verdict(self)


def verdict(fact: Fact) -> str:
    """The protocol's rule: "inside" only when the model's interval lies within the
    literature's range (with its significance, where one is asked for), or, for a point
    fact, when the literature's point lies inside the model's interval."""
    if not fact.judged:
        return SETS_PARAMETER
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

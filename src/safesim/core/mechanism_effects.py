"""Each intervention's effect where it is delivered, measured as the studies measure it.

The evaluations behind every mechanism (docs/odd.md) compare crime in the treated places
or homes with what it would have been without the intervention. Here the comparison is
exact: the mix and its counterfactual twin (``Scenario.counterfactual``) run side by side
on the same seed (common random numbers), and each day the crimes in the places the mix
treats *that day* are counted in both runs. Each intervention says, in its own module,
what it treated, as its evaluations count it:

- ``Intervention.treated_homes``: the homes it treats, by the treatment each carries
  (homes with devices fitted, by device combination, as Tseloni et al. compare
  victimisation of homes by the security they have);
- else ``Intervention.treated_today``: the cells it treated that day (the cells patrol
  teams visit, as hot-spot trials count them; the cells with cameras, as CCTV schemes
  do);
- None for both: the whole city, with city-wide dispute outcomes (violent dispute
  cases, fights) beside.

The effect is ``treated crimes in the mix / treated crimes in the twin − 1``, pooled over
replicates, with a 90 % interval from resampling replicates.

**Examples**::

    from safesim.core.interventions import ORDER
    from safesim.core.mechanism_effects import measure
    from safesim.core.scenario import load_scenario
    small = load_scenario("scenarios/small.yaml")
    for kind in ORDER:
        if getattr(small.interventions, kind.name) is not None:
            effects = measure(small, kind.name, replicates=4)
            print(kind.label, {key: e.change for key, e in effects.items()})
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.stats import beta

from safesim.core.households import DEVICE_BITS
from safesim.core.interventions import Intervention
from safesim.core.model import SafetyModel
from safesim.core.offenders import OffenceReport
from safesim.core.quantities import LAND_USES
from safesim.core.scenario import Scenario
from safesim.experiments.runner import replicate_seed

# Below this many treated-area crimes in the twin, replicates resampled say too little.
RARE = 100


@dataclass(frozen=True)
class TreatedEffect:
    """Crimes in the treated area, in the mix and its twin, per replicate."""

    mix: tuple[int, ...]
    twin: tuple[int, ...]

    @property
    def change(self) -> float:
        """Pooled change against the twin (−0.12 is 12 % fewer crimes); NaN if the twin
        had none."""
        if sum(self.twin) == 0:
            return float("nan")
        return sum(self.mix) / sum(self.twin) - 1.0

    @property
    def interval(self) -> tuple[float, float]:
        """90 % interval of ``change`` from resampling replicates; for rare events (fewer
        than ``RARE`` in the twin) widened to the exact binomial interval of the mix's share
        of the pooled count, which treats mix and twin as independent and so errs wide."""
        mix, twin = np.array(self.mix, dtype=float), np.array(self.twin, dtype=float)
        rng = np.random.default_rng(0)
        picks = rng.integers(0, mix.size, size=(2000, mix.size))
        changes = mix[picks].sum(axis=1) / np.maximum(twin[picks].sum(axis=1), 1.0) - 1.0
        low, high = np.quantile(changes, [0.05, 0.95])
        k, n = mix.sum(), mix.sum() + twin.sum()
        if 0 < twin.sum() < RARE:
            share_low = beta.ppf(0.05, k, n - k + 1) if k > 0 else 0.0
            share_high = beta.ppf(0.95, k + 1, n - k) if k < n else 1.0
            to_change = lambda q: q / (1.0 - q) - 1.0 if q < 1.0 else np.inf  # noqa: E731
            low, high = min(low, to_change(share_low)), max(high, to_change(share_high))
        return float(low), float(high)


def _capture_offences(model: SafetyModel) -> list[OffenceReport]:
    """Keep each day's offence report as the model makes it."""
    reports: list[OffenceReport] = []
    offend = model.offenders.offend

    def recording(*args, **kwargs) -> OffenceReport:
        report = offend(*args, **kwargs)
        reports.append(report)
        return report

    model.offenders.offend = recording  # type: ignore[method-assign]
    return reports


def _cell_counts(report: OffenceReport, cells: np.ndarray, land_use: np.ndarray) -> dict[str, int]:
    found = {
        "burglary": report.burglary_cells,
        "theft": report.theft_cells,
        "robbery": report.robbery_cells,
    }
    counts = {kind: int(np.count_nonzero(cells[c.astype(np.int64)])) for kind, c in found.items()}
    counts["property_crime"] = counts["burglary"] + counts["theft"]
    counts["offender_crime"] = counts["property_crime"] + counts["robbery"]
    # Property crime by setting, as the CCTV reviews split it.
    property_cells = np.concatenate([report.burglary_cells, report.theft_cells]).astype(np.int64)
    treated = property_cells[cells[property_cells]]
    by_use = np.bincount(land_use[treated], minlength=len(LAND_USES))
    for code, use in enumerate(LAND_USES):
        counts[f"property_crime_{use}"] = int(by_use[code])
    return counts


def _home_counts(report: OffenceReport, devices: np.ndarray) -> dict[str, int]:
    """Burglaries of homes by the devices they have in the mix."""
    fitted = devices[report.burglary_homes]
    counts = {"hardened_homes": int(np.count_nonzero(fitted))}
    for name, bit in DEVICE_BITS.items():
        counts[f"{name}_only"] = int(np.count_nonzero(fitted == bit))
    return counts


def _treated_cells(model: SafetyModel, delivered: Intervention) -> np.ndarray:
    """The cells ``delivered`` treated on the day last run (the whole city if it treats
    every place alike)."""
    cells = delivered.treated_today(model)
    return np.ones(model.layout.cells, dtype=bool) if cells is None else cells


def measure_replicate(
    scenario: Scenario, intervention: str, seed: int, from_day: int | None = None
) -> dict[str, tuple[int, int]]:
    """Treated-area crime counts ``(mix, twin)`` of one replicate, from ``from_day`` to the
    end of the calendar (default: the day the intervention reaches full strength, or half
    way from its start to the end if its ramp is longer)."""
    mix = SafetyModel(scenario, seed=seed)
    twin = SafetyModel(scenario.counterfactual(), seed=seed)
    delivered = next(iv for iv in mix.interventions if iv.name == intervention)
    if from_day is None:
        halfway = delivered.start_day + (mix.days - delivered.start_day) // 2
        from_day = min(delivered.start_day + delivered.ramp_days, halfway)
    mix_reports, twin_reports = _capture_offences(mix), _capture_offences(twin)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    while mix.running:
        mix.step()
        twin.step()
        if mix.day - 1 < from_day:
            continue
        devices = delivered.treated_homes(mix)
        if devices is not None:
            today = (
                _home_counts(mix_reports[-1], devices),
                _home_counts(twin_reports[-1], devices),
            )
        else:
            cells = _treated_cells(mix, delivered)
            land = mix.layout.land_use
            today = (
                _cell_counts(mix_reports[-1], cells, land),
                _cell_counts(twin_reports[-1], cells, land),
            )
        for side, counts in enumerate(today):
            for key, n in counts.items():
                totals[key][side] += n
    mix_days = mix.record.frame().iloc[from_day:]
    twin_days = twin.record.frame().iloc[from_day:]
    for column in ("dispute_violence", "public_order", "criminal_total", "disputes_found"):
        totals[column] = [int(mix_days[column].sum()), int(twin_days[column].sum())]
    return {key: (a, b) for key, (a, b) in totals.items()}


def measure(
    scenario: Scenario,
    intervention: str,
    replicates: int,
    seed: int | None = None,
    from_day: int | None = None,
) -> dict[str, TreatedEffect]:
    """``intervention``'s effect in its treated area against the twin, over replicates."""
    seed = scenario.seed if seed is None else seed
    runs = [
        measure_replicate(scenario, intervention, replicate_seed(seed, r), from_day)
        for r in range(replicates)
    ]
    return {
        key: TreatedEffect(tuple(run[key][0] for run in runs), tuple(run[key][1] for run in runs))
        for key in runs[0]
    }

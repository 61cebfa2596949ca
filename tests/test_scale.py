"""Scale invariance: the same dose per household gives the same effect at every city size.

The calibration runs at 10,000 households and its answers are read at Guiyang's 830,400,
so an effect that changes with the city's size (hot-spot count, team size, grid
resolution) changes the answer. Measured the trial way: hot-spot patrols at small.yaml's
dose per household (Guiyang's), the patrolled places fixed where the campaign begins
(the model's treated cells, chosen like a trial's hot spots from crime before it), crime
there against the same-seed counterfactual twin, from full strength on, over enough
replicates that a difference of a few points between sizes would show.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from scipy.stats import chi2

from safesim.model import SafetyModel
from safesim.runner import replicate_seed
from safesim.scenario import Scenario, load_scenario
from safesim.validation import campaign_only, full_strength_day, only, plain

from .conftest import SCENARIOS

# Replicates falling with size, each size's treated-area crimes enough for the precision
# below (fewer, 16/8/4 and 24/12/6, left a size's standard error above it).
REPLICATES = {10_000: 48, 20_000: 24, 40_000: 16}
# Patrols at full strength from the campaign's first day (the dose, not the ramp, is what
# is compared), measured over this many days.
MEASURED_DAYS = 240
# A size's effect must be known to within this standard error (percentage points), else
# the test cannot tell a scale effect from noise and says so instead of passing.
PRECISION_POINTS = 2.5


def treated_area_crimes(data: dict, seed: int, name: str) -> tuple[int, int]:
    """Offender crimes in the cells fixed as treated at the campaign's start (the whole
    city for a city-wide intervention), in the mix and in its same-seed twin, from full
    strength to the end of the run."""
    scenario = Scenario.model_validate(data)
    start = full_strength_day(scenario, name, scenario.calendar.days)
    days = start + MEASURED_DAYS
    mix = SafetyModel(scenario, seed=seed, days=days)
    twin = mix.counterfactual_twin() or SafetyModel(scenario.counterfactual(), seed=seed, days=days)
    mix.event_log, twin.event_log = [], []
    counts = [0, 0]
    while mix.running:
        day = mix.day
        mix.step()
        twin.step()
        if day < start:
            continue
        # The mix's cells, fixed on the campaign's first day and shared with the twin.
        treated = mix.treated
        for side, model in enumerate((mix, twin)):
            report = model.event_log[-1]
            cells = np.concatenate(
                [report.burglary_cells, report.theft_cells, report.robbery_cells]
            )
            counts[side] += int(np.count_nonzero(treated[cells.astype(np.int64)]))
    return counts[0], counts[1]


def effect_and_error(runs: list[tuple[int, int]]) -> tuple[float, float]:
    """Pooled change (%) and its standard error across replicates (the ratio estimator's,
    ``sqrt(n / (n − 1) · Σ (m − R t)²) / Σ t``: resampling three replicates understates it)."""
    mix, twin = np.array(runs, dtype=float).T
    ratio = mix.sum() / twin.sum()
    n = mix.size
    error = np.sqrt(n / (n - 1) * ((mix - ratio * twin) ** 2).sum()) / twin.sum()
    return 100.0 * (ratio - 1.0), float(100.0 * error)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["patrols", "cameras", "volunteers"])
def test_the_same_dose_gives_the_same_treated_area_effect_at_three_city_sizes(name: str) -> None:
    base = only(load_scenario(SCENARIOS / "small.yaml"), name)
    base = base.with_values({f"interventions.{name}.ramp_days": 0})
    jobs = [
        (size, plain(campaign_only(base, size)), replicate_seed(base.seed, r))
        for size, replicates in REPLICATES.items()
        for r in range(replicates)
    ]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        sizes, data, seeds = zip(*jobs, strict=True)
        results = list(pool.map(treated_area_crimes, data, seeds, [name] * len(jobs)))
    by_size = {
        size: effect_and_error([r for s, r in zip(sizes, results, strict=True) if s == size])
        for size in REPLICATES
    }
    figures = ", ".join(
        f"{s:,}: {e:+.1f} % (se {se:.1f}, {REPLICATES[s]} replicates)"
        for s, (e, se) in by_size.items()
    )
    effects = np.array([e for e, _ in by_size.values()])
    errors = np.array([se for _, se in by_size.values()])
    assert (errors < PRECISION_POINTS).all(), f"too few replicates to tell: {figures}"
    assert (effects < 0).all(), f"no fall at some size: {figures}"
    # Cochran's Q: do the sizes' effects differ by more than their noise?
    weights = 1.0 / errors**2
    pooled = float((weights * effects).sum() / weights.sum())
    q = float((weights * (effects - pooled) ** 2).sum())
    p = float(chi2.sf(q, len(REPLICATES) - 1))
    print(f"\nscale, {name}: {figures}; Cochran's Q = {q:.2f}, p = {p:.3f}")
    assert p > 0.01, (
        f"the effect changes with the city's size (Q = {q:.1f}, p = {p:.3g}): {figures}"
    )

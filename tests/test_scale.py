"""Scale invariance: the same dose per household gives the same effect at every city size.

The calibration runs at 10,000 households and its answers are read at Guiyang's 830,400,
so an effect that changes with the city's size (hot-spot count, team size, grid
resolution) changes the answer. Measured the trial way: each intervention alone at
small.yaml's dose per household (Guiyang's), the treated places fixed where the campaign
begins (the model's treated cells, chosen like a trial's hot spots from crime before it),
crime there against the same-seed counterfactual twin, from full strength on.

An equivalence test, which can fail: for every two sizes, the 90 % interval of the
difference of their effects must lie within ± the margin (two one-sided tests at 5 %).
The margin is half the width of the evidence's own range for the effect, read from the
validation protocol (patrols −8 % to −16 %: 4 points; cameras −13 % to −16 %: 1.5 points):
a difference between sizes smaller than that cannot move an effect across the evidence's
range. It is fixed here before any measurement and is not widened after one.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from safesim.core.model import SafetyModel
from safesim.core.scenario import Scenario, load_scenario
from safesim.experiments.runner import replicate_seed
from safesim.reports.validation import campaign_only, full_strength_day, load_protocol, only, plain

from .conftest import SCENARIOS

# Replicates falling with size so that each size holds about the same number of treated
# cell-days (the precision of a size's effect goes with its count of crimes there).
REPLICATES = {10_000: 200, 50_000: 40, 200_000: 10}
# Measured over this many days from full strength (the dose, not the ramp, is compared).
MEASURED_DAYS = 240
Z90 = 1.6449  # two one-sided tests at 5 % = the 90 % interval of the difference


def margin_points(name: str) -> float:
    """Half the width of the evidence's range for ``name`` (percentage points)."""
    low, high = load_protocol()["facts"][name]["range"]
    return (high - low) / 2.0


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


def equivalent(
    by_size: dict[int, tuple[float, float]], margin: float
) -> list[tuple[int, int, float, float, float]]:
    """For every two sizes: (size a, size b, difference, 90 % low, 90 % high), and whether
    each lies within ± ``margin`` is for the caller."""
    sizes = sorted(by_size)
    rows = []
    for i, a in enumerate(sizes):
        for b in sizes[i + 1 :]:
            diff = by_size[b][0] - by_size[a][0]
            se = float(np.hypot(by_size[a][1], by_size[b][1]))
            rows.append((a, b, diff, diff - Z90 * se, diff + Z90 * se))
    return rows


def test_equivalence_can_fail() -> None:
    """Equal effects known to ± 1 point pass a 4-point margin; a 6-point gap, or effects
    known only to ± 3 points, do not."""
    close = equivalent({1: (-10.0, 1.0), 2: (-11.0, 1.0)}, 4.0)
    assert all(lo >= -4.0 and hi <= 4.0 for *_, lo, hi in close)
    apart = equivalent({1: (-10.0, 1.0), 2: (-16.0, 1.0)}, 4.0)
    assert not all(lo >= -4.0 and hi <= 4.0 for *_, lo, hi in apart)
    noisy = equivalent({1: (-10.0, 3.0), 2: (-10.0, 3.0)}, 4.0)
    assert not all(lo >= -4.0 and hi <= 4.0 for *_, lo, hi in noisy)
    assert margin_points("patrols") == pytest.approx(4.0)
    assert margin_points("cameras") == pytest.approx(1.5)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="measured: patrols -8.9 / -6.3 / -9.3 % at 10k / 50k / 200k households (widest "
    "difference interval -6.7 to +5.6 points against ± 4); cameras -8.7 / -10.7 / -11.3 % "
    "(200k - 10k: -2.5, 90 % -4.7 to -0.4, against ± 1.5): not shown equivalent; reported "
    "in the validation record, the margin not widened",
)
@pytest.mark.parametrize("name", ["patrols", "cameras"])
def test_the_same_dose_gives_an_equivalent_treated_area_effect_at_three_city_sizes(
    name: str,
) -> None:
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
    margin = margin_points(name)
    figures = ", ".join(
        f"{s:,}: {e:+.1f} % (se {se:.1f}, {REPLICATES[s]} replicates)"
        for s, (e, se) in by_size.items()
    )
    rows = equivalent(by_size, margin)
    differences = "; ".join(
        f"{b:,} − {a:,}: {d:+.1f} (90 % {lo:+.1f} to {hi:+.1f})" for a, b, d, lo, hi in rows
    )
    print(f"\nscale, {name}: {figures}; {differences}; margin ± {margin:.1f} points")
    assert all(e < 0 for e, _ in by_size.values()), f"no fall at some size: {figures}"
    outside = [(a, b) for a, b, _, lo, hi in rows if lo < -margin or hi > margin]
    assert not outside, (
        f"not shown equivalent within ± {margin:.1f} points at {outside}: {figures}; {differences}"
    )

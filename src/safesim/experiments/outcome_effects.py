"""What a mix does, measured against its counterfactual twin: each outcome's paired
difference with its 90 % interval, how much of the spread is the evidence (parameter
draws) and how much is chance (runs), and the spill-over to the cells around the
treated ones (Bowers & Johnson's WDQ)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safesim.core.interventions import annual_cost
from safesim.core.outcomes import (
    EFFECT_OUTCOMES,
    MIN_AREA_CRIMES,
    MIN_REPLICATES_FOR_INTERVAL,
    bowers_johnson_wdq,
)
from safesim.core.scenario import Scenario


def paired_interval(values: np.ndarray, level: float = 0.90) -> tuple[float, float, float]:
    """Mean of per-replicate values and its two-sided ``level`` t-interval.

    With one replicate there is no interval: the bounds are NaN, never the point itself.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if values.size < 2:
        return mean, float("nan"), float("nan")
    # scipy.stats takes a run half a second to load; a single replicate never needs it.
    from scipy import stats

    half = float(
        stats.t.ppf(0.5 + level / 2.0, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    )
    return mean, mean - half, mean + half


#: What the spread columns of effects.csv hold when no draws are given.
RUN_NOISE_ONLY = "run noise only (one point of the parameters)"


def variance_shares(values: np.ndarray, draw_of: np.ndarray | None) -> tuple[float, float]:
    """The shares of the spread of ``values`` due to the parameters and to run noise.

    The law of total variance with replicates nested in draws,
    ``Var(Y) = Var_θ(E[Y | θ]) + E_θ[Var(Y | θ)]``, estimated as a one-way random-effects
    analysis of variance: run noise is the mean within-draw variance (``ddof = 1``); the
    parameters' part is the variance of the draw means less the run noise they still
    carry (``within / replicates per draw``), floored at 0. Returns (NaN, NaN) when a
    share cannot be estimated (fewer than two draws, or one replicate per draw), and
    (0, 1) for runs at one point.
    """
    values = np.asarray(values, dtype=float)
    if draw_of is None:
        return 0.0, 1.0
    draw_of = np.asarray(draw_of)
    ok = np.isfinite(values)
    groups = [values[ok & (draw_of == d)] for d in np.unique(draw_of)]
    groups = [g for g in groups if g.size]
    sizes = np.array([g.size for g in groups])
    if len(groups) < 2 or sizes.min() < 2:
        return float("nan"), float("nan")
    within = float(np.mean([g.var(ddof=1) for g in groups]))
    means = np.array([g.mean() for g in groups])
    harmonic = len(sizes) / float(np.sum(1.0 / sizes))
    between = max(float(means.var(ddof=1)) - within / harmonic, 0.0)
    total = between + within
    if total <= 0:
        return float("nan"), float("nan")
    return between / total, within / total


def spread(values: np.ndarray, level: float = 0.90) -> tuple[float, float]:
    """The central ``level`` interval of the values themselves (runs over draws ×
    replicates): where a case like these falls, not where their mean is."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return float("nan"), float("nan")
    tail = (1.0 - level) / 2.0
    return float(np.quantile(values, tail)), float(np.quantile(values, 1.0 - tail))


def mean_interval(
    values: np.ndarray, draw_of: np.ndarray | None, level: float = 0.90
) -> tuple[float, float, float]:
    """The mean and the t-interval of the mean; with draws, over the draws' means (the
    draws are independent, their replicates are not independent of each other)."""
    values = np.asarray(values, dtype=float)
    if draw_of is None or len(np.unique(draw_of)) < 2:
        return paired_interval(values, level)
    draw_of = np.asarray(draw_of)
    ok = np.isfinite(values)
    means = np.array([values[ok & (draw_of == d)].mean() for d in np.unique(draw_of[ok])])
    _, lo, hi = paired_interval(means, level)
    mean = float(values[ok].mean()) if ok.any() else float("nan")
    half = (hi - lo) / 2.0
    return mean, mean - half, mean + half


def effects(
    scenario: Scenario,
    mix_dailies: list[pd.DataFrame],
    twin_dailies: list[pd.DataFrame],
    draw_of: np.ndarray | None = None,
    holds: str | None = None,
) -> pd.DataFrame:
    """Each outcome of the mix against its counterfactual twin over the campaign.

    Replicate ``r`` of the mix and of the twin share their random numbers (and their
    parameter draw, ``draw_of[r]``), so the effect is the mean of the paired differences.
    ``difference_p05``/``_p95`` (and ``percent_p05``/``_p95``) are the 90 % t-interval of
    that mean: how precisely the runs pin the expected effect. ``spread_p05``/``_p95``
    (and ``percent_spread_p05``/``_p95``) are the 90 % interval of the effect itself over
    draws × replicates: what the evidence (the parameters) and chance (the runs) leave.
    ``share_parameters`` and ``share_run_noise`` split the effect's variance between
    them (``variance_shares``); ``intervals_hold`` says which the spread holds. Counts are
    campaign totals (from the campaign start to the run's end), felt safety the campaign's
    mean share in percent. Cost per crime averted prices the interventions'
    ``annual_cost()`` over the campaign's length against criminal cases averted.
    """
    if len(mix_dailies) != len(twin_dailies) or not mix_dailies:
        raise ValueError("effects needs one twin per mix replicate")
    start_day = scenario.calendar.day_of(scenario.calendar.campaign_start.value)
    first = mix_dailies[0]
    start_day = min(max(start_day, 0), len(first) - 1)
    window = (first["date"].iloc[start_day], first["date"].iloc[-1])
    days = len(first) - start_day
    n = len(mix_dailies)
    note = "" if n >= MIN_REPLICATES_FOR_INTERVAL else f"only {n} replicate(s)"

    def campaign(daily: pd.DataFrame, column: str) -> float:
        part = daily[column].iloc[start_day:]
        return 100.0 * float(part.mean()) if column == "sense_of_security" else float(part.sum())

    rows = []
    averted = np.zeros(n)
    for column in EFFECT_OUTCOMES:
        mix = np.array([campaign(d, column) for d in mix_dailies])
        twin = np.array([campaign(d, column) for d in twin_dailies])
        diff = mix - twin
        if column == "criminal_total":
            averted = -diff
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(twin > 0, 100.0 * diff / twin, np.nan)
        rows.append(
            _effect_row(
                column,
                column == "sense_of_security",
                window,
                mix,
                twin,
                diff,
                pct,
                note,
                draw_of,
                holds,
            )
        )
    cost = annual_cost(scenario)
    if cost is not None:
        spent = cost * days / 365.0
        with np.errstate(divide="ignore", invalid="ignore"):
            per_crime = np.where(averted > 0, spent / averted, np.nan)
        mean, lo, hi = paired_interval(per_crime)
        s_lo, s_hi = spread(per_crime)
        rows.append(
            {
                "outcome": "cost_per_crime_averted",
                "unit": "yuan",
                "window_start": window[0],
                "window_end": window[1],
                "mix": spent,
                "counterfactual": 0.0,
                "difference": mean,
                "difference_p05": lo,
                "difference_p95": hi,
                "percent_change": float("nan"),
                "percent_p05": float("nan"),
                "percent_p95": float("nan"),
                "replicates": int(np.count_nonzero(np.isfinite(per_crime))),
                "note": note
                or ("" if np.all(averted > 0) else "no crime averted in some replicates"),
                **_uncertainty_columns(per_crime, np.full(n, np.nan), draw_of, holds),
                "spread_p05": s_lo,
                "spread_p95": s_hi,
            }
        )
    return pd.DataFrame(rows)


def _effect_row(
    column: str,
    percent_level: bool,
    window: tuple[str, str],
    mix: np.ndarray,
    twin: np.ndarray,
    diff: np.ndarray,
    pct: np.ndarray,
    note: str,
    draw_of: np.ndarray | None = None,
    holds: str | None = None,
) -> dict[str, object]:
    d_mean, d_lo, d_hi = mean_interval(diff, draw_of)
    p_mean, p_lo, p_hi = mean_interval(pct, draw_of)
    return {
        "outcome": column,
        "unit": "percent_feeling_safe" if percent_level else "cases",
        "window_start": window[0],
        "window_end": window[1],
        "mix": float(mix.mean()),
        "counterfactual": float(twin.mean()),
        "difference": d_mean,
        "difference_p05": d_lo,
        "difference_p95": d_hi,
        "percent_change": p_mean,
        "percent_p05": p_lo,
        "percent_p95": p_hi,
        "replicates": int(diff.size),
        "note": note,
        **_uncertainty_columns(diff, pct, draw_of, holds),
    }


def _uncertainty_columns(
    diff: np.ndarray, pct: np.ndarray, draw_of: np.ndarray | None, holds: str | None
) -> dict[str, object]:
    lo, hi = spread(diff)
    p_lo, p_hi = spread(pct)
    share_parameters, share_noise = variance_shares(diff, draw_of)
    return {
        "spread_p05": lo,
        "spread_p95": hi,
        "percent_spread_p05": p_lo,
        "percent_spread_p95": p_hi,
        "draws": 1 if draw_of is None else len(np.unique(draw_of)),
        "share_parameters": share_parameters,
        "share_run_noise": share_noise,
        "intervals_hold": holds or RUN_NOISE_ONLY,
    }


def spillover(mix_areas: list, twin_areas: list) -> pd.DataFrame:
    """Crime in the treated cells, their catchment and the control area, against the
    counterfactual twin, with Bowers & Johnson's WDQ beside it.

    ``mix_areas``/``twin_areas`` are ``AreaCounts`` per replicate (same seeds, the same
    cells: the twin counts crime in its mix's areas). Offender crime only (burglary, theft,
    robbery): dispute violence is not what place-based interventions act on. Each area's
    change is the paired % difference between the mix and its twin during the campaign,
    with a 90 % t-interval across replicates. The WDQ uses the mix alone, before against
    during (``bowers_johnson_wdq``). The note says what share of the campaign's
    place-based dose fell in the treated cells: hot spots move, and patrols follow them.
    """
    changes: dict[str, list[float]] = {"treated": [], "catchment": [], "control": []}
    wdq: list[float] = []
    dose_shares: list[float] = []
    problems: dict[str, int] = {}

    def flag(problem: str) -> None:
        problems[problem] = problems.get(problem, 0) + 1

    for mix, twin in zip(mix_areas, twin_areas, strict=True):
        if mix.days_during == 0:
            flag("the run ends before the campaign starts")
            continue
        treated, ring = mix.treated, mix.catchment
        masks = {"treated": treated, "catchment": ring, "control": ~(treated | ring)}
        for name, mask in masks.items():
            base = float(twin.crime_during[mask].sum())
            if not mask.any() or base < MIN_AREA_CRIMES:
                flag(f"{name} area too small (< {MIN_AREA_CRIMES} offender crimes)")
                changes[name].append(float("nan"))
                continue
            changes[name].append(100.0 * (float(mix.crime_during[mask].sum()) / base - 1.0))
        total_dose = float(mix.dose.sum())
        if total_dose > 0:
            dose_shares.append(float(mix.dose[treated].sum()) / total_dose)
        value, problem = bowers_johnson_wdq(
            {k: float(mix.crime_before[m].sum()) for k, m in masks.items()},
            {k: float(mix.crime_during[m].sum()) for k, m in masks.items()},
            mix.days_before,
            mix.days_during,
        )
        if problem is not None:
            flag(problem)
        else:
            wdq.append(value)
    runs = len(mix_areas)
    notes = [f"{problem} in {n} of {runs} replicates" for problem, n in problems.items()]
    if dose_shares:
        notes.insert(
            0,
            f"{100.0 * float(np.mean(dose_shares)):.0f} % of the campaign's place-based dose "
            "fell in the treated cells",
        )
    note = "; ".join(notes)
    rows = []
    for name, values in changes.items():
        mean, lo, hi = paired_interval(np.array(values))
        finite = int(np.count_nonzero(np.isfinite(values)))
        rows.append(
            _spill_row(
                f"offender_crime_{name}",
                "percent_vs_counterfactual",
                mean,
                lo,
                hi,
                finite,
                runs,
                note,
            )
        )
    mean, lo, hi = paired_interval(np.array(wdq))
    rows.append(
        _spill_row(
            "weighted_displacement_quotient",
            "ratio",
            mean,
            lo,
            hi,
            len(wdq),
            runs,
            note,
        )
    )
    return pd.DataFrame(rows)


def _spill_row(
    outcome: str,
    unit: str,
    mean: float,
    lo: float,
    hi: float,
    used: int,
    runs: int,
    note: str,
) -> dict[str, object]:
    # Against the twin each area stands on its own: an area is read when every replicate
    # measured it (the control area is needed only by the WDQ).
    adequate = used == runs and used >= MIN_REPLICATES_FOR_INTERVAL
    if used < MIN_REPLICATES_FOR_INTERVAL and "replicate" not in note:
        note = "; ".join(x for x in (note, f"only {used} usable replicate(s)") if x)
    return {
        "outcome": outcome,
        "unit": unit,
        "estimate": mean,
        "p05": lo,
        "p95": hi,
        "replicates": used,
        "adequate": adequate,
        "note": note,
    }

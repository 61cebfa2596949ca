"""Outcomes: the daily record of a run, and the report-style figures computed from it.

A run records one row a day (crimes by type as the reports count them, calls to police,
arrests, disputes, offenders, the share of households that feel safe, and crime in the
treated cells, their catchment and the rest of the city). Report figures are computed from
those rows the way each report states them: year-on-year (同比), against the mean of
previous years, against the previous period (环比), or as a level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import mesa
import numpy as np
import pandas as pd
from scipy import stats

from safesim.interventions import annual_cost
from safesim.scenario import Scenario, Target


@dataclass(frozen=True)
class Outcome:
    """One column of the daily record: its name, English and Chinese labels and unit;
    ``effect`` marks the outcomes every run reports against its counterfactual twin."""

    name: str
    label: str
    label_zh: str
    unit: str
    effect: bool = False
    count: bool = True  # a whole number each day (else a share or an expected value)


# The one list of what a run records a day: the daily record, the DataCollector, the
# effects a run reports and their labels all read it.
OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("burglary_theft", "burglary and theft", "入室盗窃与盗窃", "cases", effect=True),
        Outcome("robbery", "robbery and snatching", "抢劫与抢夺", "cases", effect=True),
        Outcome("dispute_violence", "violence from disputes", "民转刑案件", "cases", effect=True),
        Outcome("other_criminal", "other criminal cases", "其他刑事案件", "cases", effect=True),
        Outcome("criminal_total", "all criminal cases", "刑事案件总数", "cases", effect=True),
        Outcome(
            "two_robberies_one_theft", "robbery, snatching and theft", "两抢一盗", "cases",
            effect=True,
        ),
        Outcome("public_order", "public-order cases", "治安案件", "cases", effect=True),
        Outcome("calls", "calls to police", "报警量", "calls", effect=True),
        Outcome("arrests", "arrests", "抓获人数", "arrests"),
        Outcome("camera_arrests", "arrests cameras led to", "视频破案", "arrests", count=False),
        Outcome("burglaries_foiled", "burglaries foiled", "入室盗窃未遂", "cases"),
        Outcome("disputes_new", "new disputes", "新发矛盾纠纷", "disputes"),
        Outcome("disputes_found", "disputes found", "排查出的矛盾纠纷", "disputes"),
        Outcome("disputes_mediated", "disputes settled", "调解成功的矛盾纠纷", "disputes"),
        Outcome("offenders_active", "offenders at large", "在外活动的违法者", "offenders"),
        Outcome("offenders_jailed", "offenders in jail", "在押违法者", "offenders"),
        Outcome(
            "sense_of_security", "households feeling safe", "群众安全感", "share",
            effect=True, count=False,
        ),
        Outcome("crimes_treated", "crime in the treated cells", "干预区域案件", "cases"),
        Outcome("crimes_catchment", "crime around the treated cells", "周边区域案件", "cases"),
        Outcome("crimes_control", "crime in the rest of the city", "其余区域案件", "cases"),
    )
}  # fmt: skip
COLUMNS: tuple[str, ...] = tuple(OUTCOMES)


def data_collector() -> mesa.DataCollector:
    """A Mesa DataCollector whose model reporters are the daily record's columns, read
    from the row of the last day the model recorded (``model.recorded_day``).

    It records each day as known that day: the area columns (``crimes_treated`` …) of the
    days before the campaign count the whole city as treated, where ``DailyRecord``
    counts them again once the campaign fixes its treated cells."""

    def reporter(index: int) -> Callable[[Any], float]:
        return lambda model: float(model.record.values[model.recorded_day, index])

    return mesa.DataCollector(model_reporters={name: reporter(i) for i, name in enumerate(COLUMNS)})


class DailyRecord:
    """A preallocated days × columns table filled one row per step."""

    def __init__(self, days: int, start: date):
        self.start = start
        self.values = np.zeros((days, len(COLUMNS)))
        self._index = {name: i for i, name in enumerate(COLUMNS)}

    def record(self, day: int, **values: float) -> None:
        row = self.values[day]
        for name, value in values.items():
            row[self._index[name]] = value

    def frame(self, days: int | None = None) -> pd.DataFrame:
        n = self.values.shape[0] if days is None else days
        df = pd.DataFrame(self.values[:n], columns=list(COLUMNS))
        counts = [c for c in COLUMNS if OUTCOMES[c].count]
        df[counts] = df[counts].round().astype(np.int64)
        df.insert(0, "date", [(self.start + timedelta(days=d)).isoformat() for d in range(n)])
        df.insert(0, "day", np.arange(n))
        return df


def _years_back(when: date, years: int) -> date:
    try:
        return when.replace(year=when.year - years)
    except ValueError:  # 29 February
        return when.replace(year=when.year - years, day=28)


def _window_total(daily: pd.DataFrame, column: str, start: date, end: date) -> float | None:
    first = date.fromisoformat(daily["date"].iloc[0])
    last = date.fromisoformat(daily["date"].iloc[-1])
    if start < first or end > last:
        return None
    lo, hi = (start - first).days, (end - first).days
    return float(daily[column].iloc[lo : hi + 1].sum())


def _window_mean(daily: pd.DataFrame, column: str, start: date, end: date) -> float | None:
    total = _window_total(daily, column, start, end)
    return None if total is None else total / ((end - start).days + 1)


def target_value(daily: pd.DataFrame, target: Target) -> float:
    """The target's figure in one replicate (NaN when the run does not cover its windows)."""
    column = "crimes_treated" if target.area == "treated" else target.metric
    if target.comparison == "level":
        level = _window_mean(daily, column, target.window_start, target.window_end)
        if level is None:
            return float("nan")
        return 100.0 * level if target.metric == "sense_of_security" else level
    now = _window_total(daily, column, target.window_start, target.window_end)
    if target.comparison == "year_on_year":
        years = [1]
    elif target.comparison == "vs_mean_previous_years":
        years = list(range(1, target.years + 1))
    else:
        years = []
    if years:
        before = [
            _window_total(
                daily,
                column,
                _years_back(target.window_start, k),
                _years_back(target.window_end, k),
            )
            for k in years
        ]
    else:
        length = (target.window_end - target.window_start).days + 1
        before = [
            _window_total(
                daily,
                column,
                target.window_start - timedelta(days=length),
                target.window_start - timedelta(days=1),
            )
        ]
    if now is None or any(b is None for b in before):
        return float("nan")
    reference = float(np.mean([b for b in before if b is not None]))
    return 100.0 * (now / reference - 1.0) if reference > 0 else float("nan")


def campaign_targets(scenario: Scenario, daily: pd.DataFrame) -> list[Target]:
    """Generic figures for any scenario: the campaign's first year (or what the run has of
    it) against the same window a year earlier, and the felt safety at its end."""
    start = scenario.calendar.campaign_start.value
    last = date.fromisoformat(daily["date"].iloc[-1])
    end = max(min(start + timedelta(days=364), last), start)
    out = []
    for metric in (
        "criminal_total",
        "two_robberies_one_theft",
        "public_order",
        "dispute_violence",
        "calls",
    ):
        out.append(
            Target(
                name=f"campaign_year_{metric}",
                metric=metric,
                comparison="year_on_year",
                window_start=start,
                window_end=end,
                report_value=float("nan"),
                unit="percent_change",
                source="model output: campaign window against the same window a year before",
                calibrate=False,
            )
        )
    survey_start = max(end - timedelta(days=29), start)
    out.append(
        Target(
            name="campaign_end_sense_of_security",
            metric="sense_of_security",
            comparison="level",
            window_start=survey_start,
            window_end=end,
            report_value=float("nan"),
            unit="percent",
            source="model output: mean share feeling safe over the campaign window's last 30 days",
            calibrate=False,
        )
    )
    return out


def weighted_displacement_quotient(daily: pd.DataFrame, campaign_day: int) -> float:
    """Bowers & Johnson's WDQ of one run from its daily area counts over equal windows
    before and after the campaign start (``bowers_johnson_wdq``); NaN where it is not
    defined."""
    length = min(campaign_day, len(daily) - campaign_day)
    if length <= 0:
        return float("nan")
    windows = (daily.iloc[campaign_day - length : campaign_day], daily.iloc[campaign_day:][:length])
    before, during = (
        {k: float(w[f"crimes_{k}"].sum()) for k in ("treated", "catchment", "control")}
        for w in windows
    )
    value, _ = bowers_johnson_wdq(before, during, length, length)
    return float("nan") if value is None else float(value)


def summarise(scenario: Scenario, dailies: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per figure: the report's value and the replicate mean and 90 % interval."""
    targets = list(scenario.targets) + campaign_targets(scenario, dailies[0])
    rows = []
    for target in targets:
        values = np.array([target_value(d, target) for d in dailies])
        rows.append(_row(target.name, target, values))
    campaign_day = scenario.calendar.day_of(scenario.calendar.campaign_start.value)
    wdq = np.array([weighted_displacement_quotient(d, campaign_day) for d in dailies])
    rows.append(_row("weighted_displacement_quotient", None, wdq))
    return pd.DataFrame(rows)


def _row(name: str, target: Target | None, values: np.ndarray) -> dict[str, object]:
    finite = values[np.isfinite(values)]
    return {
        "outcome": name,
        "metric": target.metric if target else "crimes_catchment",
        "comparison": target.comparison if target else "wdq",
        "window_start": target.window_start.isoformat() if target else "",
        "window_end": target.window_end.isoformat() if target else "",
        "unit": target.unit if target else "ratio",
        "report_value": target.report_value if target else float("nan"),
        "sim_mean": round(float(finite.mean()), 4) if finite.size else float("nan"),
        # One value is not an interval: its bounds stay empty.
        "sim_p05": round(float(np.quantile(finite, 0.05)), 4) if finite.size > 1 else float("nan"),
        "sim_p95": round(float(np.quantile(finite, 0.95)), 4) if finite.size > 1 else float("nan"),
        "replicates": int(finite.size),
        "calibrated": bool(target.calibrate) if target else False,
        "source": target.source if target else "model output: Bowers & Johnson 2003 WDQ",
        "note": _replicates_note(finite.size, values.size),
    }


def _replicates_note(finite: int, runs: int) -> str:
    if finite == 0:
        return f"not defined in any of {runs} replicate(s)"
    if finite < MIN_REPLICATES_FOR_INTERVAL:
        return f"only {finite} replicate(s): the interval is not reliable"
    return ""


# Outcomes whose effect every run reports against its counterfactual twin: crimes as the
# reports count them, calls, and felt safety.
EFFECT_OUTCOMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES.values() if o.effect)
MIN_REPLICATES_FOR_INTERVAL = 5


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


# An area (control, catchment) with fewer baseline offender crimes than this is too small
# to compare against. The treated cells are those the campaign's place-based
# interventions target on its first day (``SafetyModel._fix_areas``), the catchment the
# ring of ``catchment_cells`` around them, the control area all the rest.
MIN_AREA_CRIMES = 30


def bowers_johnson_wdq(
    before: dict[str, float], during: dict[str, float], days_before: int, days_during: int
) -> tuple[float | None, str | None]:
    """Bowers & Johnson's WDQ from offender crime per area (``treated``, ``catchment``,
    ``control``) before and during the campaign, as rates per day:
    ``(B_a/C_a − B_b/C_b) / (A_a/C_a − A_b/C_b)``; > 0 diffusion of benefits, < 0
    displacement. Returns (value, None), or (None, why it is not defined): it is read only
    when the treated area's crime fell relative to the control area (Bowers & Johnson
    2003), and needs a control area holding enough crime in both periods."""
    if days_before == 0 or days_during == 0:
        return None, "no pre-campaign days for the WDQ"
    if min(before["control"], during["control"]) < MIN_AREA_CRIMES:
        return None, "control area too small for the WDQ"
    rate_b = {k: v / days_before for k, v in before.items()}
    rate_a = {k: v / days_during for k, v in during.items()}
    success = rate_a["treated"] / rate_a["control"] - rate_b["treated"] / rate_b["control"]
    if success >= 0:
        return None, "treated crime did not fall relative to control: WDQ not defined"
    shift = rate_a["catchment"] / rate_a["control"] - rate_b["catchment"] / rate_b["control"]
    return shift / success, None


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

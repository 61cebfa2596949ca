"""Outcomes: the daily record of a run, and the report-style figures computed from it.

A run records one row a day (crimes by type as the reports count them, calls to police,
arrests, disputes, offenders, the share of households that feel safe, and crime in the
treated cells, their catchment and the rest of the city). Report figures are computed from
those rows the way each report states them: year-on-year (同比), against the mean of
previous years, against the previous period (环比), or as a level.

``OUTCOMES`` is the one list of outcomes, with their labels in English and Chinese: every
other list of outcome names (the CLI's headline, the figures' labels, a scenario's
metrics, what compare reports) is read from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

# Light at import (numpy only): a scenario's metrics are read from this registry, so
# loading a scenario must not load pandas or Mesa; the functions import them.
if TYPE_CHECKING:
    import mesa
    import pandas as pd

    from safesim.core.scenario import Scenario, Target


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
    metric: int = 0  # its place among what a report figure (a target) can count; 0: none
    short: str = ""  # the shorter label the report figures and the headline use, if any
    headline: str = ""  # its words in the effects `safesim run` prints; "": not printed
    crime_type: bool = False  # a kind of case the daily record counts on its own (by type)


# The one list of what a run records a day: the daily record, the DataCollector, the
# effects a run reports and their labels all read it.
OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome(
            "burglary_theft", "burglary and theft", "入室盗窃与盗窃", "cases", effect=True,
            metric=3, crime_type=True,
        ),
        Outcome(
            "robbery", "robbery and snatching", "抢劫与抢夺", "cases", effect=True, metric=4,
            crime_type=True,
        ),
        Outcome(
            "dispute_violence", "violence from disputes", "民转刑案件", "cases", effect=True,
            metric=5, crime_type=True,
        ),
        Outcome(
            "other_criminal", "other criminal cases", "其他刑事案件", "cases", effect=True,
            crime_type=True,
        ),
        Outcome(
            "criminal_total", "all criminal cases", "刑事案件总数", "cases", effect=True,
            metric=1, short="criminal cases", headline="criminal cases",
        ),
        Outcome(
            "two_robberies_one_theft", "robbery, snatching and theft", "两抢一盗", "cases",
            effect=True, metric=2, headline="两抢一盗",
        ),
        Outcome(
            "public_order", "public-order cases", "治安案件", "cases", effect=True, metric=6,
            headline="public-order cases", crime_type=True,
        ),
        Outcome("calls", "calls to police", "报警量", "calls", effect=True, metric=7),
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
            effect=True, count=False, metric=8, headline="feeling safe (pp)",
        ),
        Outcome("crimes_treated", "crime in the treated cells", "干预区域案件", "cases"),
        Outcome("crimes_catchment", "crime around the treated cells", "周边区域案件", "cases"),
        Outcome("crimes_control", "crime in the rest of the city", "其余区域案件", "cases"),
    )
}  # fmt: skip
COLUMNS: tuple[str, ...] = tuple(OUTCOMES)
#: What a report figure (a scenario's target) can count, in the order the docs list them.
METRICS: tuple[str, ...] = tuple(
    o.name for o in sorted((o for o in OUTCOMES.values() if o.metric), key=lambda o: o.metric)
)


def data_collector() -> mesa.DataCollector:
    """A Mesa DataCollector whose model reporters are the daily record's columns, read
    from the row of the last day the model recorded (``model.recorded_day``).

    It records each day as known that day: the area columns (``crimes_treated`` …) of the
    days before the campaign count the whole city as treated, where ``DailyRecord``
    counts them again once the campaign fixes its treated cells."""

    import mesa

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
        import pandas as pd

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
    from safesim.core.scenario import Target

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


def weighted_displacement_quotient(daily: pd.DataFrame, campaign_day: int) -> float:
    """Bowers & Johnson's WDQ of one run from its daily area counts: every recorded day
    before the campaign start against every day from it on, as rates per day
    (``bowers_johnson_wdq``), the periods spillover.csv's WDQ takes from the run's
    ``AreaCounts``, so a run has one WDQ; NaN where it is not defined."""
    if not 0 < campaign_day < len(daily):
        return float("nan")
    periods = (daily.iloc[:campaign_day], daily.iloc[campaign_day:])
    before, during = (
        {k: float(w[f"crimes_{k}"].sum()) for k in ("treated", "catchment", "control")}
        for w in periods
    )
    value, _ = bowers_johnson_wdq(before, during, len(periods[0]), len(periods[1]))
    return float("nan") if value is None else float(value)


def summarise(scenario: Scenario, dailies: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per figure: the report's value and the replicate mean and 90 % interval."""
    import pandas as pd

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


# What a mix does against its twin is measured in ``safesim.experiments.outcome_effects``, which
# reads this registry; its functions are also reached from here, loaded on first use (an import
# at the top would be circular).
_EFFECTS = (
    "RUN_NOISE_ONLY",
    "effects",
    "mean_interval",
    "paired_interval",
    "spillover",
    "spread",
    "variance_shares",
)


def __getattr__(name: str) -> Any:
    if name in _EFFECTS:
        from safesim.experiments import outcome_effects

        return getattr(outcome_effects, name)
    raise AttributeError(f"module 'safesim.core.outcomes' has no attribute {name!r}")

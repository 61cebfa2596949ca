"""Report-style figures computed from daily tables whose answer is known."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from safesim.outcomes import COLUMNS, target_value, weighted_displacement_quotient
from safesim.scenario import Target


def _daily(start: date, values: list[float], column: str = "criminal_total") -> pd.DataFrame:
    n = len(values)
    frame = pd.DataFrame(0.0, index=range(n), columns=list(COLUMNS))
    frame[column] = values
    frame.insert(0, "date", [(start + timedelta(days=d)).isoformat() for d in range(n)])
    frame.insert(0, "day", np.arange(n))
    return frame


def _target(**kw) -> Target:
    base = {
        "name": "t",
        "metric": "criminal_total",
        "comparison": "year_on_year",
        "window_start": date(2013, 1, 1),
        "window_end": date(2013, 12, 31),
        "report_value": 0.0,
        "unit": "percent_change",
        "source": "test",
    }
    base.update(kw)
    return Target(**base)


def test_year_on_year_halving_is_minus_fifty_percent():
    daily = _daily(date(2012, 1, 1), [4.0] * 366 + [2.0] * 365)
    # Totals, as the reports compare them: 2012 has a leap day.
    assert target_value(daily, _target()) == pytest.approx(100 * (365 * 2.0 / (366 * 4.0) - 1))


def test_against_mean_of_previous_years_and_previous_period():
    # 2016..2019 at 2, 3, 4, 5 a day (mean 3.5), 2020 at 3.5 * 0.8.
    days = [(2016, 366, 2.0), (2017, 365, 3.0), (2018, 365, 4.0), (2019, 365, 5.0)]
    values = [v for _, n, v in days for _ in range(n)] + [2.8] * 366
    daily = _daily(date(2016, 1, 1), values)
    window = {"window_start": date(2020, 1, 1), "window_end": date(2020, 12, 31)}
    mean4 = _target(comparison="vs_mean_previous_years", years=4, **window)
    # The yearly totals differ by leap days; compare with the exact totals.
    totals = [366 * 2.0, 365 * 3.0, 365 * 4.0, 365 * 5.0]
    assert target_value(daily, mean4) == pytest.approx(100 * (366 * 2.8 / np.mean(totals) - 1))
    previous = _target(comparison="vs_previous_period", **window)
    # The previous period has the window's length: 366 days, the last of 2018 included.
    before = 4.0 + 365 * 5.0
    assert target_value(daily, previous) == pytest.approx(100 * (366 * 2.8 / before - 1))


def test_level_of_sense_of_security_is_a_percentage_and_uncovered_windows_are_nan():
    daily = _daily(date(2013, 1, 1), [0.9] * 365, column="sense_of_security")
    level = _target(
        metric="sense_of_security", comparison="level", unit="percent",
        window_start=date(2013, 12, 1), window_end=date(2013, 12, 31),
    )  # fmt: skip
    assert target_value(daily, level) == pytest.approx(90.0)
    assert np.isnan(target_value(daily, _target()))  # 2012 is not in the run


def test_weighted_displacement_quotient_signs():
    n = 200
    daily = _daily(date(2013, 1, 1), [0.0] * n)
    daily["crimes_control"] = 10
    daily["crimes_treated"] = [10] * 100 + [5] * 100
    daily["crimes_catchment"] = [10] * 100 + [8] * 100  # catchment also fell: diffusion
    assert weighted_displacement_quotient(daily, 100) == pytest.approx(0.4)
    daily["crimes_catchment"] = [10] * 100 + [12] * 100  # catchment rose: displacement
    assert weighted_displacement_quotient(daily, 100) == pytest.approx(-0.4)


def test_every_list_of_outcomes_names_recorded_outcomes_with_their_labels():
    """``outcomes.OUTCOMES`` is the one list of what a run records: the targets' metrics,
    the comparison's crime counts, the plots' metric labels and the command line's
    headline effects name only its outcomes, and the counts take its labels."""
    from typing import get_args

    from safesim.cli import HEADLINE_EFFECTS
    from safesim.compare import CRIME_COUNTS
    from safesim.outcomes import EFFECT_OUTCOMES, OUTCOMES
    from safesim.plotting import METRIC_LABELS, ZH
    from safesim.scenario import Metric

    assert set(get_args(Metric)) <= set(EFFECT_OUTCOMES)
    assert {name: OUTCOMES[name].label for name in CRIME_COUNTS} == CRIME_COUNTS
    assert set(CRIME_COUNTS) <= set(get_args(Metric))
    assert set(METRIC_LABELS) <= set(OUTCOMES)
    assert set(HEADLINE_EFFECTS) - {"cost_per_crime_averted"} <= set(EFFECT_OUTCOMES)
    # Where the plots translate a recorded outcome's label, it is the record's own.
    for outcome in OUTCOMES.values():
        assert ZH.get(outcome.label, outcome.label_zh) == outcome.label_zh, outcome.name

"""Report-style figures computed from daily tables whose answer is known."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safesim.core.outcomes import COLUMNS, target_value, weighted_displacement_quotient
from safesim.core.scenario import Target


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

    from safesim.core.outcomes import EFFECT_OUTCOMES, OUTCOMES
    from safesim.core.scenario import Metric
    from safesim.experiments.compare import CRIME_COUNTS
    from safesim.reports.plotting import METRIC_LABELS, ZH
    from safesim.ui.cli_run import headline_effects

    HEADLINE_EFFECTS = headline_effects()

    assert set(get_args(Metric)) <= set(EFFECT_OUTCOMES)
    assert {name: OUTCOMES[name].label for name in CRIME_COUNTS} == CRIME_COUNTS
    assert set(CRIME_COUNTS) <= set(get_args(Metric))
    assert set(METRIC_LABELS) <= set(OUTCOMES)
    assert set(HEADLINE_EFFECTS) - {"cost_per_crime_averted"} <= set(EFFECT_OUTCOMES)
    # Where the plots translate a recorded outcome's label, it is the record's own.
    for outcome in OUTCOMES.values():
        assert ZH.get(outcome.label, outcome.label_zh) == outcome.label_zh, outcome.name


# Lists of outcome names that are not duplicates of the registry: where each outcome's
# value is computed, and selections of columns one measurement reads. Keyed by file name
# (wherever the module lives) and the names listed, so a new list (or a changed one)
# fails until it reads the registry.
NOT_OUTCOME_LISTS = {
    ("model.py", frozenset({"burglary_theft", "robbery", "dispute_violence", "other_criminal",
                            "public_order", "disputes_new"})),
    ("model.py", frozenset({"crimes_treated", "crimes_catchment", "crimes_control"})),
    ("mechanism_effects.py", frozenset({"dispute_violence", "public_order", "criminal_total",
                                        "disputes_found"})),
    ("simulations.py", frozenset({"dispute_violence", "disputes_found",
                                              "disputes_mediated", "arrests"})),
    ("runs.py", frozenset({"dispute_violence", "disputes_found", "disputes_mediated"})),
    ("measure.py", frozenset({"two_robberies_one_theft", "criminal_total",
                              "offenders_active", "offenders_jailed"})),
}  # fmt: skip


def outcome_lists(package: Path) -> list[tuple[str, int, frozenset[str]]]:
    """Every list, tuple, set or dict literal outside outcomes.py that names two or more
    recorded outcomes as strings: (file name, line, the names)."""
    import ast

    from safesim.core.outcomes import OUTCOMES

    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "outcomes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.List | ast.Tuple | ast.Set):
                items = node.elts
            elif isinstance(node, ast.Dict):
                items = [k for k in node.keys if k is not None]
            else:
                continue
            names = frozenset(
                i.value for i in items if isinstance(i, ast.Constant) and i.value in OUTCOMES
            )
            if len(names) >= 2:
                found.append((path.name, node.lineno, names))
    return found


def test_no_list_of_outcome_names_outside_the_registry() -> None:
    """Outcome names are listed once, in ``outcomes.OUTCOMES``: the CLI's headline, the
    figures' labels and crime types, a target's metrics and compare's counts read it."""
    import safesim

    package = Path(safesim.__file__).parent
    stray = [
        f"{file}:{line} {sorted(names)}"
        for file, line, names in outcome_lists(package)
        if (file, names) not in NOT_OUTCOME_LISTS
    ]
    assert stray == [], "outcome names listed outside outcomes.OUTCOMES: " + "; ".join(stray)


def test_the_outcome_list_scan_sees_a_list(tmp_path: Path) -> None:
    # The scan above could pass by reading nothing: a planted list must show.
    (tmp_path / "planted.py").write_text('SHOWN = ("criminal_total", "calls")\n')
    assert outcome_lists(tmp_path) == [("planted.py", 1, frozenset({"criminal_total", "calls"}))]

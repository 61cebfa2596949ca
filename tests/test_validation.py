"""safesim validate: the statistics behind each stylised fact, the file the command writes,
and that docs/validation.md is what the command makes."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from safesim.cli import main
from safesim.validation import (
    Fact,
    knox,
    places_holding,
    pooled_ratio,
    repeat_victimisation,
    same_block_burglaries,
    top_share,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "validation.md"
ROW = re.compile(r"^\| (?P<name>[^|]+) \| (?P<lit>[^|]*) \| (?P<src>[^|]*) \| (?P<value>[^|]+) \|")


def facts_in(text: str) -> dict[str, list[str]]:
    """Group heading → fact names of the tables in a validation file (numbers in a name,
    such as the years of the stationarity runs, which differ with --quick, as N)."""
    groups: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:]
            groups[current] = []
        elif current and line.startswith("| ") and not line.startswith("| fact |"):
            match = ROW.match(line)
            assert match, line
            groups[current].append(re.sub(r"\d+", "N", match["name"]))
    return groups


@pytest.fixture(scope="module")
def quick_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("validate") / "validation.md"
    result = CliRunner().invoke(main, ["validate", "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_quick_writes_every_fact_with_a_number(quick_file: str) -> None:
    groups = facts_in(quick_file)
    assert len(groups) == 6
    rows = [
        line
        for line in quick_file.splitlines()
        if line.startswith("| ") and not line.startswith("| fact |")
    ]
    assert sum(len(names) for names in groups.values()) == len(rows) >= 20
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        value, interval, verdict = cells[3], cells[4], cells[5]
        assert "nan" not in (value + interval).lower(), line
        numbers = re.findall(r"[-+]?\d+(?:\.\d+)?", value + " " + interval)
        assert len(numbers) >= 3 and all(math.isfinite(float(n)) for n in numbers), line
        assert verdict in ("inside", "outside", "no published range", "too few events"), line


def test_committed_file_has_the_facts_the_command_makes(quick_file: str) -> None:
    committed = DOCS.read_text(encoding="utf-8")
    assert "Written by `safesim validate`;" in committed
    assert facts_in(committed) == facts_in(quick_file)


@pytest.mark.slow
def test_committed_file_is_what_the_command_writes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "validation.md"
    result = CliRunner().invoke(main, ["validate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == DOCS.read_text(encoding="utf-8")


def test_repeat_victimisation_counts_repeats_in_each_window() -> None:
    # Home 0 burgled on days 0, 10 and 160; home 1 on day 5 only; 100 homes, 400 days.
    homes = np.array([0, 1, 0, 0])
    days = np.array([0, 5, 10, 160])
    out = repeat_victimisation(homes, days, households=100, span=400)
    rate = 4 / (100 * 400)
    observed, expected = out["first month"]
    assert observed == 1  # day 10 after day 0
    assert expected == pytest.approx(rate * 30 * 4)
    observed, _ = out["sixth month"]
    assert observed == 1  # 160 days after day 0; 150 days after day 10 is not (151–180)


def test_repeat_window_exposure_stops_at_the_end_of_the_run() -> None:
    out = repeat_victimisation(np.array([0]), np.array([390]), households=10, span=400)
    assert out["first month"] == (0.0, pytest.approx(9 / (10 * 400)))
    assert out["sixth month"] == (0.0, 0.0)


def test_same_block_burglaries_count_the_other_homes_of_the_block() -> None:
    # Block 0 (homes 0-9): home 0 on days 0 and 10, home 3 on day 20 and day 170.
    # Block 1 (homes 10-19): home 12 on day 5. 20 homes, 400 days.
    homes = np.array([0, 12, 0, 3, 3])
    cells = np.array([0, 1, 0, 0, 0])
    days = np.array([0, 5, 10, 20, 170])
    out = same_block_burglaries(homes, cells, days, np.array([10, 10]), 20, 400)
    rate = 5 / (20 * 400)
    observed, expected = out["first month"]
    # Home 3 on day 20 after home 0 on days 0 and 10; a home's own repeat is not counted.
    assert observed == 2
    assert expected == pytest.approx(rate * 30 * 9 * 5)
    observed, _ = out["sixth month"]
    assert observed == 2  # home 3 on day 170 after home 0 on days 0 (170) and 10 (160)


def test_knox_finds_space_time_clusters_and_not_random_events() -> None:
    rng = np.random.default_rng(1)
    n = 600
    x = rng.integers(0, 100, n)
    y = rng.integers(0, 100, n)
    days = rng.integers(0, 365, n)
    homes = np.arange(n)
    observed, expected = knox(x, y, days, homes, 0.0, 400.0, 30, np.random.default_rng(2))
    assert observed / expected == pytest.approx(1.0, abs=0.15)
    # Each event followed by a neighbour's burglary a few days later, next door.
    xs = np.concatenate([x, np.minimum(x + 1, 99)])
    ys = np.concatenate([y, y])
    ds = np.concatenate([days, days + 3])
    observed, expected = knox(
        xs, ys, ds, np.arange(2 * n), 0.0, 400.0, 30, np.random.default_rng(2)
    )
    assert observed / expected > 1.5  # 600 planted pairs over ≈ 600 by chance


def test_concentration_of_known_counts() -> None:
    counts = np.zeros(100)
    counts[:5] = 10  # 50 events in 5 % of places
    counts[5:55] = 1  # 50 events in 50 % of places
    assert places_holding(counts, 0.5) == pytest.approx(0.05)
    assert top_share(counts, 0.05) == pytest.approx(0.5)


def test_pooled_ratio_and_its_interval() -> None:
    value, (low, high) = pooled_ratio([8, 9, 10, 11], [10, 10, 10, 10], seed=0)
    assert value == pytest.approx(0.95)
    assert 0.8 <= low < value < high <= 1.1
    with pytest.raises(ValueError):
        pooled_ratio([1, 2], [0, 0], seed=0)


def test_a_ratio_whose_resamples_can_lack_a_denominator_is_unbounded_above() -> None:
    # One replicate of eight holds the only event to compare against.
    value, (low, high) = pooled_ratio([5, 0, 3, 0, 2, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0], seed=1)
    assert value == 10.0
    assert np.isfinite(low) and low <= value
    assert high == np.inf


def test_verdicts() -> None:
    def fact(value: float, interval=(0.0, 0.0), **kw) -> Fact:
        return Fact("g", "n", "lit", "src", "%", value, interval, 2, **kw)

    assert fact(-10.0, low=-16.0, high=-8.0).verdict == "inside"
    assert fact(-20.0, low=-16.0, high=-8.0).verdict == "outside"
    assert fact(1.5, high=2.0).verdict == "inside"
    assert fact(3.0).verdict == "no published range"
    assert fact(400.0, (380.0, 420.0), report_value=35.0).verdict == "outside"
    assert fact(40.0, (30.0, 50.0), report_value=35.0).verdict == "inside"
    assert fact(0.0, low=1.0, measurable=False).verdict == "too few events"

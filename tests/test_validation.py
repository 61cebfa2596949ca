"""safesim validate: the statistics behind each stylised fact, the file the command writes,
and that docs/validation.md is what the command makes."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from safesim.core.scenario import load_scenario
from safesim.reports.validation import (
    INSIDE,
    OUTSIDE,
    OVERLAPS,
    UNDETERMINED,
    VERDICTS,
    Fact,
    KnoxSummary,
    PatternTask,
    campaign_only,
    knox_table,
    load_protocol,
    places_holding,
    plain,
    pooled_ratio,
    random_spread_holding,
    repeat_timing,
    repeat_victimisation,
    run_tasks,
    same_block_burglaries,
    settings_for,
    top_share,
)
from safesim.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "validation.md"
ROW = re.compile(r"^\| (?P<name>[^|]+) \| (?P<lit>[^|]*) \| (?P<src>[^|]*) \| (?P<value>[^|]+) \|")
PROTOCOL = load_protocol()


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
    # Run from a folder outside the repository: scenarios and protocol come from the
    # installed package, and two workers give the same file as one.
    folder = tmp_path_factory.mktemp("validate")
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=folder):
        result = runner.invoke(main, ["validate", "--quick", "--workers", "2", "--out", "v.md"])
        assert result.exit_code == 0, result.output
        return Path("v.md").read_text(encoding="utf-8")


def fact_rows(text: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| ")
        and not line.startswith(("| fact |", "| distance |"))
        and not re.match(r"^\| \d", line)
    ]


@pytest.mark.slow
def test_quick_writes_every_protocol_fact_with_a_number(quick_file: str) -> None:
    groups = facts_in_tables(quick_file)
    assert set(groups) == set(PROTOCOL["groups"].values())
    rows = fact_rows(quick_file.split("## Knox table")[0])
    keys = [k for k in PROTOCOL["facts"] if k != "stationarity"]
    # Each protocol fact once, stationarity once per recorded column.
    assert len(rows) == len(keys) + 4
    for cells in rows:
        value, interval, verdict = cells[3], cells[4], cells[7]
        assert "nan" not in (value + interval).lower(), cells
        numbers = re.findall(r"[-+]?\d+(?:\.\d+)?", value + " " + interval)
        # A ratio whose resamples lack a denominator is "unbounded" above, never a number.
        bounds = len(numbers) + interval.count("unbounded")
        assert bounds >= 3 and all(math.isfinite(float(n)) for n in numbers), cells
        assert verdict in VERDICTS, cells
        # Two replicates are below the protocol's minimum: nothing can be judged inside.
        assert verdict != INSIDE, cells
    assert "## Knox table" in quick_file
    assert "## Scale invariance" in quick_file.split("## Knox table")[1]


def facts_in_tables(text: str) -> dict[str, list[str]]:
    groups = facts_in(text.split("## Knox table")[0])
    return groups


@pytest.mark.slow
def test_committed_file_has_the_facts_the_command_makes(quick_file: str) -> None:
    committed = DOCS.read_text(encoding="utf-8")
    assert "Written by `safesim validate`;" in committed
    assert facts_in_tables(committed) == facts_in_tables(quick_file)


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


BANDS_M = ((0, 100), (100, 200), (1000, 2000))
BANDS_DAYS = ((0, 7), (8, 30))


def test_knox_table_finds_planted_near_repeats_in_their_band_only() -> None:
    rng = np.random.default_rng(1)
    n = 600
    x = rng.integers(0, 100, n)
    y = rng.integers(0, 100, n)
    days = rng.integers(0, 365, n)
    observed, shuffled = knox_table(
        x, y, days, np.arange(n), BANDS_M, BANDS_DAYS, 19, np.random.default_rng(2)
    )
    ratio = observed / shuffled.mean(axis=0)
    assert shuffled.shape == (19, 3, 2)
    assert np.all(np.abs(ratio[2] - 1.0) < 0.15)  # random events: no interaction
    # Each event followed by a burglary next door 3 days later: the 0–100 m × 0–7 days
    # band is raised, and significantly; the 8–30 days band and 1–2 km are not.
    xs = np.concatenate([x, np.minimum(x + 1, 99)])
    ys = np.concatenate([y, y])
    ds = np.concatenate([days, days + 3])
    observed, shuffled = knox_table(
        xs, ys, ds, np.arange(2 * n), BANDS_M, BANDS_DAYS, 19, np.random.default_rng(2)
    )
    ratio = observed / shuffled.mean(axis=0)
    assert ratio[0, 0] > 3.0
    assert (observed[0, 0] > shuffled[:, 0, 0]).all()  # p = 1 / 20, the smallest
    assert abs(ratio[0, 1] - 1.0) < 0.5 and abs(ratio[2, 0] - 1.0) < 0.2


def test_knox_summary_pools_replicates_and_tests_the_pooled_count() -> None:
    # Two replicates, 4 permutations, one band: observed 10 + 12 against draws of 5–7.
    observed = np.array([[[10]], [[12]]])
    shuffled = np.array([[[[5]], [[6]], [[7]], [[6]]], [[[6]], [[6]], [[5]], [[7]]]])
    knox = KnoxSummary(((0, 100),), ((0, 7),), observed, shuffled)
    d, t = knox.select((0, 200), (0, 14))
    obs, exp = knox.cells(d, t)
    assert obs.tolist() == [10.0, 12.0] and exp.tolist() == [6.0, 6.0]
    assert knox.p_value(d, t) == pytest.approx(1 / 5)  # no draw reaches 22
    with pytest.raises(ValueError):
        knox.select((300, 400), (0, 7))


def test_repeat_timing_counts_only_burglaries_with_a_whole_month_after() -> None:
    # Home 0: days 0, 5, 40; home 1: days 380, 382 (too late for a whole month). 400 days.
    out = repeat_timing(np.array([0, 0, 0, 1, 1]), np.array([0, 5, 40, 380, 382]), span=400)
    assert out == {"week": 1, "month": 1}


def test_random_spread_of_sparse_counts_needs_far_fewer_than_half_the_places() -> None:
    rng = np.random.default_rng(0)
    # 0.4 events a place: half the events sit in roughly a sixth of the places.
    share = random_spread_holding(4000, 10_000, 0.5, rng)
    assert 0.10 < share < 0.22
    # Dense counts: half the events need close to half the places.
    assert random_spread_holding(1_000_000, 1000, 0.5, rng) > 0.45


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


def fact(interval: tuple[float, float], replicates: int = 8, **kw) -> Fact:
    value = sum(interval) / 2
    return Fact(
        "g", "n", "lit", "src", "%", value, interval, replicates, minimum_replicates=4, **kw
    )


def test_an_interval_overlapping_a_range_but_not_within_it_is_not_inside() -> None:
    # A fabricated estimate whose value lies in the range and whose interval pokes out.
    assert fact((-18.0, -10.0), low=-16.0, high=-8.0).verdict == OVERLAPS
    assert fact((-12.0, -2.0), low=-16.0, high=-8.0).verdict == OVERLAPS
    assert fact((-15.0, -9.0), low=-16.0, high=-8.0).verdict == INSIDE
    assert fact((-25.0, -17.0), low=-16.0, high=-8.0).verdict == OUTSIDE
    assert fact((1.5, 2.5), high=2.0).verdict == OVERLAPS
    assert fact((1.0, 1.8), high=2.0).verdict == INSIDE


def test_too_few_replicates_or_too_wide_an_interval_is_undetermined() -> None:
    assert fact((-15.0, -9.0), replicates=2, low=-16.0, high=-8.0).verdict == UNDETERMINED
    assert fact((-30.0, 5.0), low=-16.0, high=-8.0).verdict == UNDETERMINED
    # ... but an interval that misses the range is outside whatever its width.
    assert fact((-60.0, -20.0), low=-16.0, high=-8.0).verdict == OUTSIDE


def test_point_facts_and_significance() -> None:
    assert fact((-0.3, 0.4), point=0.0, alternative=1.0).verdict == INSIDE
    assert fact((0.2, 0.9), point=0.0, alternative=1.0).verdict == OUTSIDE
    assert fact((-0.5, 1.5), point=0.0, alternative=1.0).verdict == UNDETERMINED
    assert fact((1.1, 1.3), low=1.0, alpha=0.05, p_value=0.01).verdict == INSIDE
    assert fact((1.1, 1.3), low=1.0, alpha=0.05, p_value=0.2).verdict == OVERLAPS
    assert fact((0.9, 1.1), low=1.0, alpha=0.05, p_value=0.01).verdict == OVERLAPS
    assert fact((0.0, 0.0), low=1.0, measurable=False).verdict == "too few events"
    assert fact((1.0, 2.0)).verdict == "no published range"


def test_the_protocol_gives_every_range_and_the_code_none() -> None:
    package = ROOT / "src" / "safesim" / "validation"
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")))
    for spec in PROTOCOL["facts"].values():
        assert {"group", "name", "measured", "unit", "literature", "source"} <= set(spec)
        assert "range" in spec or "point" in spec, spec["name"]
        assert spec["group"] in PROTOCOL["groups"]
    # No figure of a range is written into the code (the protocol is the one place).
    assert not re.search(r"\b(low|high)\s*=\s*-?\d", source)
    for fragment in ("-16.0", "-33.8", "12.0, None", "GUICHI_FOUND", "116"):
        assert fragment not in source, fragment
    assert settings_for(PROTOCOL, "full").replicates >= PROTOCOL["minimum_replicates"]


@pytest.mark.slow
def test_workers_do_not_change_the_figures() -> None:
    city = plain(campaign_only(load_scenario(ROOT / "scenarios" / "small.yaml"), 5_000))
    bands = ((0, 100), (100, 200))
    tasks = [PatternTask(city, seed, bands, ((0, 7), (8, 30)), 9) for seed in (1, 2, 3)]
    labels = ["a", "b", "c"]
    one = run_tasks(tasks, labels, 1, lambda label: None)
    two = run_tasks(tasks, labels, 2, lambda label: None)
    for a, b in zip(one, two, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert np.array_equal(a[key], b[key]), key


@pytest.mark.parametrize("name", ["quick", "full"])
def test_the_protocol_finds_its_scenarios_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    from safesim.reports.validation import load_protocol, settings_for, shipped_or_local

    monkeypatch.chdir(tmp_path)  # no scenarios/ here: the shipped ones are taken
    settings = settings_for(load_protocol(None), name)
    for path in (settings.scenario, settings.guichi, settings.stationarity):
        assert shipped_or_local(path).name == load_scenario(ROOT / path).name


def test_the_validation_modules_stay_small() -> None:
    for path in (ROOT / "src" / "safesim" / "validation").glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path.name


def test_run_validation_takes_a_worker_count_and_refuses_none() -> None:
    import inspect

    from safesim.reports.validation import run_validation

    parameter = inspect.signature(run_validation).parameters["workers"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None
    with pytest.raises(ValueError, match="workers"):
        run_validation(settings_for(PROTOCOL, "quick"), PROTOCOL, workers=0)


def test_scale_record_is_judged_by_the_equivalence_rule() -> None:
    from safesim.reports.validation.report import equivalence, scale_section

    assert equivalence({1: (-10.0, 1.0), 2: (-11.0, 1.0)}, 4.0)[1] < 4.0
    record = {
        "design": "A design.",
        "command": "pytest",
        "sizes": [10000, 50000],
        "measured": {
            "close": {"margin": 4.0, "sizes": {10000: [-10.0, 1.0, 9], 50000: [-11.0, 1.0, 3]}},
            "apart": {"margin": 4.0, "sizes": {10000: [-10.0, 1.0, 9], 50000: [-16.0, 1.0, 3]}},
        },
    }
    rows = [line for line in scale_section(record) if line.startswith("| close") or
            line.startswith("| apart")]  # fmt: skip
    assert rows[0].endswith("| equivalent |") and rows[1].endswith("| not shown equivalent |")
    assert PROTOCOL["scale"]["sizes"] == [10000, 50000, 200000]

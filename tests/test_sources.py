"""Sources an analyst can cite: every report a scenario names is an entry of the table,
cited by its key with the figure in the report's own words, never by a file of ours."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from safesim.core.scenario import ScenarioError, load_scenario
from safesim.core.sources import CITATION_KEY, FILE_OR_PATH, SOURCES, cite, cited_reports

from .conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
CITY_REPORTS = {
    "guiyang": "guiyang-2014",
    "tongren": "tongren-2021",
    "suizhou": "suizhou-2015",
    "shishou": "shishou-2017",
    "guichi": "guichi-2021",
}


def _source_strings(data: Any) -> list[str]:
    if isinstance(data, dict):
        found = [v for k, v in data.items() if k == "source" and isinstance(v, str)]
        return found + [s for v in data.values() for s in _source_strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _source_strings(v)]
    return []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_cites_only_reports_in_the_table(path) -> None:
    text = path.read_text(encoding="utf-8")
    assert FILE_OR_PATH.findall(text) == [], f"{path.name} names a file outside the repository"
    for key in cited_reports(text):
        assert key in SOURCES, (path, key)
    for source in _source_strings(yaml.safe_load(text)):
        key, _, words = source.partition(": ")
        assert CITATION_KEY.fullmatch(key) and key in SOURCES, (path.name, source)
        assert words.strip(), f"{path.name}: '{source}' gives no words of the report"
    scenario = load_scenario(path)
    if scenario.name in CITY_REPORTS:
        assert [r.key for r in scenario.sources()] == [CITY_REPORTS[scenario.name]]


def test_each_report_has_a_title_an_issuer_and_a_date() -> None:
    assert set(SOURCES) == set(CITY_REPORTS.values())
    for report in SOURCES.values():
        assert report.title and report.issuer and report.date
        assert report.title in cite(report.key) and report.issuer in cite(report.key)
    assert SOURCES["guichi-2021"].date == "2021-11-12"
    assert SOURCES["shishou-2017"].date == "2017-05-14"


@pytest.mark.parametrize(
    "source",
    [
        "wuhan-2019: 500台",
        "004_5ee5726593a1ac67.txt: 500台",
        "guichi-2021: 500台 (../shared/seeds/notes)",
        "guichi-2021: 500台 (report-figures.md)",
    ],
    ids=["unknown key", "file name", "path", "notes file"],
)
def test_a_source_not_citing_an_entry_of_the_table_is_refused(tmp_path, source) -> None:
    data = yaml.safe_load((SCENARIOS / "guichi.yaml").read_text(encoding="utf-8"))
    data["interventions"]["cameras"]["count"]["source"] = source
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "bad.yaml" in message and "interventions.cameras.count.source" in message
    assert "sources table" in message


def test_tongren_felt_safety_starts_at_the_level_the_report_implies_and_fits_its_change():
    """The report gives 99.78 % in 2020, up 0.15 points on the year: the scenario starts
    at 99.63 % (the year before), read from the quoted words, and the calibration target
    is the +0.15-point change, not the level."""
    import re

    data = yaml.safe_load((SCENARIOS / "tongren.yaml").read_text(encoding="utf-8"))
    baseline = data["city"]["baseline"]["sense_of_security"]
    quote = baseline["source"]
    level = float(re.search(r"群众安全感为([\d.]+)%", quote).group(1))
    rise = float(re.search(r"提高([\d.]+)个百分点", quote).group(1))
    assert (level, rise) == (99.78, 0.15)
    assert baseline["value"] == pytest.approx((level - rise) / 100.0, abs=1e-9)
    targets = {t["name"]: t for t in data["targets"]}
    target = targets["sense_of_security_2020_vs_2019"]
    assert target["comparison"] == "year_on_year" and target["report_value"] == rise

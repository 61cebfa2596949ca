"""Sources an analyst can cite: every report a scenario names is in the table."""

from __future__ import annotations

import pytest
import yaml

from safesim.scenario import ScenarioError, load_scenario
from safesim.sources import SOURCES, cite, cited_files

from .conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
CITY_REPORTS = {
    "guiyang": "000_4d1602843caf5288.txt",
    "tongren": "001_bb6bb6370bc45abe.txt",
    "suizhou": "002_8a1c98b042d425d4.txt",
    "shishou": "003_9b3e4f2e3c4eb369.txt",
    "guichi": "004_5ee5726593a1ac67.txt",
}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_cites_only_reports_in_the_table(path) -> None:
    text = path.read_text(encoding="utf-8")
    for name in cited_files(text):
        assert name in SOURCES, (path, name)
    scenario = load_scenario(path)
    if scenario.name in CITY_REPORTS:
        assert [r.file for r in scenario.sources()] == [CITY_REPORTS[scenario.name]]


def test_each_report_has_a_title_an_issuer_and_a_date() -> None:
    assert set(SOURCES) == set(CITY_REPORTS.values())
    for report in SOURCES.values():
        assert report.title and report.issuer and report.date
        assert report.title in cite(report.file) and report.issuer in cite(report.file)
    assert SOURCES["004_5ee5726593a1ac67.txt"].date == "2021-11-12"
    assert SOURCES["003_9b3e4f2e3c4eb369.txt"].date == "2017-05-14"


def test_a_source_naming_an_unknown_report_is_refused(tmp_path) -> None:
    data = yaml.safe_load((SCENARIOS / "guichi.yaml").read_text(encoding="utf-8"))
    data["interventions"]["cameras"]["count"]["source"] = "009_0123456789abcdef.txt: 500台"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "bad.yaml" in message and "interventions.cameras.count.source" in message
    assert "009_0123456789abcdef.txt" in message and "sources table" in message

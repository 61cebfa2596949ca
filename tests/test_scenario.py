"""Scenario files: every value traced, bad input refused with one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from safesim.core.scenario import ScenarioError, load_scenario
from safesim.ui.cli import main

from .conftest import SCENARIOS

SMALL = (SCENARIOS / "small.yaml").read_text(encoding="utf-8")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SMALL, old
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace(old, new, 1), encoding="utf-8")
    return path


BAD = [
    (
        "officers: {value: 48,",
        "officers: {value: -5,",
        "interventions.patrols.officers: must be ≥ 0",
    ),
    ("seed: 7", "seed: 7\ncolour: blue", "colour: unknown key"),
    ("  cameras:\n", "  cameras:\n    colour: red\n", "interventions.cameras.colour: unknown key"),
    ("value: 20000", "value: many", "city.households: 'many' is not a whole number"),
    ("  end: 2013-12-31", "  end: 2011-12-31", "calendar.end: must not be before start"),
    (
        "    value: 2013-01-01",
        "    value: 2014-06-01",
        "calendar.campaign_start: must lie between start and end",
    ),
    (
        'officers: {value: 48, assumption: "Guiyang\'s 2,000 scaled"}',
        "officers: {value: 48}",
        "interventions.patrols.officers: give exactly one of 'source:'",
    ),
    ("seed: 7", "seed: 7\nbroken: [1, 2\n", "malformed YAML"),
    ("    count: {value: 169,", "    count: {value: 1.5,", "interventions.cameras.count"),
    ("  ramp_days: 90\n", "  ramp_days: -1\n", "ramp_days: must be ≥ 0"),
    (
        "interventions:\n",
        "parameters:\n  no_such_mechanism: 1.0\ninterventions:\n",
        "parameters: unknown mechanism parameter 'no_such_mechanism'",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD)
def test_bad_scenario_gives_one_line_and_exit_2(tmp_path, old, new, expected):
    path = _variant(tmp_path, old, new)
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {path}: ")
    assert expected in lines[0]
    assert not out.exists()


def test_missing_file_and_non_mapping(tmp_path):
    out = tmp_path / "results"
    runner = CliRunner()
    missing = runner.invoke(main, ["run", str(tmp_path / "nope.yaml"), "--out", str(out)])
    assert missing.exit_code == 2
    assert missing.output.strip() == f"error: {tmp_path / 'nope.yaml'}: no such file"
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n", encoding="utf-8")
    as_list = runner.invoke(main, ["run", str(listing), "--out", str(out)])
    assert as_list.exit_code == 2
    assert "must be a YAML mapping" in as_list.output
    assert not out.exists()


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    path = _variant(tmp_path, "officers: {value: 48,", "officers: {value: -5,")
    proc = subprocess.run(
        [sys.executable, "-m", "safesim.ui.cli", "run", str(path), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == (f"error: {path}: interventions.patrols.officers: must be ≥ 0")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()


def test_existing_results_are_left_alone_on_bad_input(tmp_path):
    out = tmp_path / "results"
    (out / "small").mkdir(parents=True)
    (out / "small" / "daily.csv").write_text("keep me\n", encoding="utf-8")
    path = _variant(tmp_path, "value: 20000", "value: -1")
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert (out / "small" / "daily.csv").read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_every_shipped_scenario_traces_its_values(name):
    scenario = load_scenario(SCENARIOS / name)
    raw = yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))

    def quantities(node):
        if isinstance(node, dict):
            if "value" in node:
                yield node
            for child in node.values():
                yield from quantities(child)
        elif isinstance(node, list):
            for child in node:
                yield from quantities(child)

    found = list(quantities(raw))
    assert found, "a scenario without traced values"
    for q in found:
        assert bool(q.get("source")) != bool(q.get("assumption")), q
    for target in scenario.targets:
        assert target.source


def test_with_values_sets_a_traced_leaf_and_rejects_unknown_paths(small):
    changed = small.with_values({"interventions.patrols.officers": 500})
    assert changed.interventions.patrols is not None
    assert changed.interventions.patrols.officers.value == 500
    assert (
        changed.interventions.patrols.officers.assumption
        == small.interventions.patrols.officers.assumption
    )
    with pytest.raises(ScenarioError, match=r"interventions\.patrols\.horses"):
        small.with_values({"interventions.patrols.horses": 1})
    with pytest.raises(ScenarioError, match=r"must be ≥ 0"):
        small.with_values({"interventions.patrols.officers": -1})
    assert small.digest() != changed.digest()

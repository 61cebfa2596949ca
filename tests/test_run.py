"""`safesim run`: the three files, byte-identical for a seed, different for another."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.core.outcomes import COLUMNS
from safesim.ui.cli import main

from .conftest import SCENARIOS

SMALL = str(SCENARIOS / "small.yaml")


def _run(out, *args):
    result = CliRunner().invoke(main, ["run", SMALL, "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out / "small"


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = _run(tmp_path / "a", "--days", "200", "--replicates", "2", "--seed", "3")
    b = _run(tmp_path / "b", "--days", "200", "--replicates", "2", "--seed", "3")
    c = _run(tmp_path / "c", "--days", "200", "--replicates", "2", "--seed", "4")
    for name in ("daily.csv", "summary.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "daily.csv").read_bytes() != (c / "daily.csv").read_bytes()


def test_run_writes_daily_summary_and_manifest(tmp_path):
    out = _run(tmp_path, "--days", "500", "--replicates", "2")
    daily = pd.read_csv(out / "daily.csv")
    assert list(daily.columns) == ["replicate", "day", "date", *COLUMNS]
    assert sorted(daily["replicate"].unique()) == [0, 1]
    assert len(daily) == 2 * 500
    assert daily["criminal_total"].sum() > 0
    assert daily["sense_of_security"].between(0, 1).all()
    parts = daily[["burglary_theft", "robbery", "dispute_violence", "other_criminal"]]
    assert (parts.sum(axis=1) == daily["criminal_total"]).all()
    summary = pd.read_csv(out / "summary.csv")
    assert "campaign_year_criminal_total" in set(summary["outcome"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7
    assert manifest["replicates"] == 2
    assert len(manifest["scenario_sha256"]) == 64
    assert {"mesa", "numpy", "python"} <= set(manifest["versions"])
    assert not list(out.glob(".*tmp"))


def test_help_explains_itself():
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0 and "run" in top.output
    sub = runner.invoke(main, ["run", "--help"])
    assert sub.exit_code == 0
    for option in ("--seed", "--days", "--replicates", "--out"):
        assert option in sub.output


@pytest.mark.slow
def test_guiyang_runs_at_full_scale(tmp_path):
    result = CliRunner().invoke(
        main, ["run", str(SCENARIOS / "guiyang.yaml"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "guiyang"
    summary = pd.read_csv(out / "summary.csv").set_index("outcome")
    for target in ("criminal_cases_2013", "criminal_cases_jan_oct_2014", "sense_of_security_2013"):
        assert pd.notna(summary.loc[target, "sim_mean"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["households"] == 830_400
    assert manifest["days"] == 1035


def test_city_share_feeling_safe_is_the_mean_of_households(small):
    """The O(cells) city-wide share equals the mean of every household's own probability."""
    import numpy as np

    from safesim.core.model import SafetyModel

    model = SafetyModel(small, seed=5, days=420)
    model.run()
    day = model.day - 1
    per_household = model.security.perceived_safety(day, model.households)
    assert per_household.shape == (model.households.n,)
    assert model.households.last_victimised.max() > 0  # some fear to account for
    share = model.security.share(day, model.households)
    assert np.isclose(per_household.mean(), share, rtol=0, atol=1e-9)


def test_run_lang_zh_prints_chinese_effects_and_writes_chinese_figures_and_brief(
    tmp_path, monkeypatch
):
    """`run --lang zh` prints the effects with the registry's Chinese labels and draws the
    figures and the brief in Chinese. The font is faked: the test reads the words."""
    import warnings

    from safesim.reports import figures

    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DejaVu has no CJK glyphs
        result = CliRunner().invoke(
            main,
            ["run", SMALL, "--out", str(tmp_path), "--days", "420", "--replicates", "2",
             "--lang", "zh"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    # All criminal cases with its percent change and the cases averted in Chinese units.
    assert "刑事案件总数" in lines and "起)" in lines["刑事案件总数"], result.output
    assert "群众安全感（百分点）" in lines, result.output
    out = tmp_path / "small"
    brief = (out / "brief.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in brief
    assert len([c for c in brief if "\u4e00" <= c <= "\u9fff"]) > 100
    assert (out / "crime_by_type.png").stat().st_size > 10_000

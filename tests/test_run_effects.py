"""`safesim run` writes effects against the counterfactual twin and says when intervals
rest on too few replicates."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.ui.cli import main

from .conftest import SCENARIOS

SMALL = str(SCENARIOS / "small.yaml")


def _run(out, *args):
    return CliRunner().invoke(main, ["run", SMALL, "--out", str(out), "--days", "420", *args])


def test_run_writes_effects_with_paired_intervals_and_warns_below_five(tmp_path):
    result = _run(tmp_path, "--replicates", "2")
    assert result.exit_code == 0, result.output
    assert "warning: 2 replicate(s)" in result.output
    assert "criminal cases" in result.output  # the headline effects are printed
    effects = pd.read_csv(tmp_path / "small" / "effects.csv").set_index("outcome")
    total = effects.loc["criminal_total"]
    assert total["difference"] == total["mix"] - total["counterfactual"]
    assert total["difference_p05"] <= total["difference"] <= total["difference_p95"]
    assert "only 2 replicate(s)" in total["note"]
    summary = pd.read_csv(tmp_path / "small" / "summary.csv")
    defined = summary[summary["replicates"] > 0]
    # A change is undefined in a replicate with no cases in its reference window (violence
    # from disputes at a draw where they rarely escalate): it then rests on fewer runs,
    # and its note says how many.
    assert (defined["replicates"] <= 2).all() and (defined["replicates"] == 2).any()
    for replicates, note in zip(defined["replicates"], defined["note"], strict=True):
        assert f"only {replicates} replicate" in note


def test_one_replicate_gives_no_interval_rather_than_a_point(tmp_path):
    result = _run(tmp_path, "--replicates", "1")
    assert result.exit_code == 0, result.output
    effects = pd.read_csv(tmp_path / "small" / "effects.csv")
    assert effects["difference_p05"].isna().all() and effects["difference_p95"].isna().all()
    summary = pd.read_csv(tmp_path / "small" / "summary.csv")
    assert summary["sim_p05"].isna().all() and summary["sim_p95"].isna().all()


def test_no_counterfactual_writes_no_effects(tmp_path):
    result = _run(tmp_path, "--replicates", "1", "--no-counterfactual")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "small" / "effects.csv").exists()
    assert not (tmp_path / "small" / "spillover.csv").exists()


def test_replicates_must_be_a_count_or_auto(tmp_path):
    result = _run(tmp_path, "--replicates", "many")
    assert result.exit_code == 2
    assert "not a whole number" in result.output
    assert not (tmp_path / "small").exists()


@pytest.mark.slow
def test_auto_replicates_stop_once_the_headline_interval_is_narrow(small):
    from safesim.experiments.runner import run_paired_until_narrow

    short = small.with_values(
        {"calendar.burn_in_days": 40, "city.households": 5000, "city.offenders": 25}
    )
    wide_enough = run_paired_until_narrow(short, seed=2, days=380, half_width=1e6)
    assert len(wide_enough.mix) == 5  # never fewer than an interval needs
    capped = run_paired_until_narrow(short, seed=2, days=380, half_width=0.0, max_replicates=6)
    assert len(capped.mix) == 6
    # Replicate r is the same run whichever way the count was chosen.
    assert capped.mix[4].equals(wide_enough.mix[4])

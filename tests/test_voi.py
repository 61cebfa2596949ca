"""Value of information: regression EVPPI against a case with a known answer."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from safesim.experiments.voi import evppi, noise_floor, pspline_smooth
from safesim.ui.cli import main

from .conftest import SCENARIOS


def test_the_smoother_recovers_a_curve_under_noise() -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(0.0, 1.0, 800)
    truth = np.sin(2 * np.pi * x)
    fitted, edf = pspline_smooth(x, truth + rng.normal(0.0, 0.5, x.size))
    assert np.sqrt(np.mean((fitted - truth) ** 2)) < 0.1  # a tenth of the noise's 0.5
    assert 3 < edf < 14  # smoother than the basis, rougher than a line


def test_evppi_matches_the_closed_form_and_ignores_what_does_not_matter() -> None:
    """Two options, incremental net benefit β(φ − c) + noise with φ ~ N(c, σ): the value of
    learning φ is E[max(0, β(φ − c))] = β σ / √(2π); learning ψ, which the net benefit does
    not depend on, is worth nothing."""
    rng = np.random.default_rng(8)
    n, beta, sigma, c = 3000, 1000.0, 0.05, 0.15
    phi = rng.normal(c, sigma, n)
    psi = rng.uniform(0.0, 1.0, n)
    incremental = beta * (phi - c) + rng.normal(0.0, 60.0, n)  # run noise > the signal
    net_benefit = np.column_stack([np.zeros(n), incremental])
    expected = beta * sigma / math.sqrt(2 * math.pi)  # 19.9
    worth, r2 = evppi(net_benefit, phi)
    assert worth == pytest.approx(expected, rel=0.15)
    assert 0.3 < r2 < 0.5  # signal variance 2,500 of 6,100
    nothing, _ = evppi(net_benefit, psi)
    assert nothing < 0.15 * expected
    # Shuffling φ between draws (here every run its own draw) destroys its information.
    floor = noise_floor(net_benefit, np.arange(n), phi, times=5)
    assert floor < 0.15 * expected


@pytest.fixture(scope="module")
def priced_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = yaml.safe_load((SCENARIOS / "small.yaml").read_text(encoding="utf-8"))
    for kind, cost in {"patrols": 90_000, "cameras": 3_000}.items():
        data["interventions"][kind]["unit_cost_yuan"] = {"value": cost, "assumption": "test"}
    folder = tmp_path_factory.mktemp("voi")
    path = folder / "small-priced.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    args = ["run", str(path), "--days", "420", "--replicates", "10", "--draws", "10"]
    result = CliRunner().invoke(main, [*args, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder / data["name"]


def test_voi_ranks_the_drawn_parameters_of_a_run(priced_run: Path) -> None:
    result = CliRunner().invoke(main, ["voi", str(priced_run), "--value-per-case", "1e5"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(priced_run / "voi.csv")
    drawn = pd.read_csv(priced_run / "draws.csv").columns
    assert set(table["parameter"]) <= set(drawn) and len(table) >= 9
    assert (table["evppi_yuan"] >= 0).all()
    assert table["evppi_yuan"].is_monotonic_decreasing
    # No single parameter is worth more than knowing them all, bar estimation noise.
    assert (table["evppi_yuan"] <= 1.5 * table["evpi_yuan"] + 1.0).all()
    assert "choice now" in result.output
    assert (table["noise_floor_yuan"] >= 0).all() and "by chance" in result.output


def test_voi_refuses_a_run_at_one_point(tmp_path: Path) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("{}\n")
    args = ["run", str(SCENARIOS / "small.yaml"), "--days", "2", "--replicates", "2"]
    done = CliRunner().invoke(main, [*args, "--parameters", str(params), "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    result = CliRunner().invoke(main, ["voi", str(tmp_path / "small")])
    assert result.exit_code == 2
    assert "no draws.csv" in result.output or "one point" in result.output

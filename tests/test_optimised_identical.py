"""Performance work must not change what the model does: the same seed gives the same run.

The reference files under ``tests/data/`` were written by the model before its hot paths
were vectorised. Integer figures (counts of crimes, arrests, offenders) and integer state
must match them exactly; float figures and float state within a relative 1e-12, because a
float sum taken in another order (another CPU's vector width, another NumPy) may differ in
its last digit. On the same machine and library versions the runs are byte-identical (the
``--write`` run records the platform it was made on). The cases cover every
intervention and every allocation option (hot-spot and random patrols, camera placement by
land use and by hot spot, random and high-risk hardening, ten-household units).

When the model's semantics change on purpose (a new default, a new mechanism), regenerate
the references with ``python tests/test_optimised_identical.py --write`` and say so in the
commit message.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safesim.core.model import SafetyModel
from safesim.core.scenario import Scenario, load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
# Enough digits that a float survives the trip through the CSV bit for bit.
FLOAT_FORMAT = "%.17g"


def small() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "small.yaml")


def busier(data: dict) -> dict:
    baseline = data["city"]["baseline"]
    baseline["two_robberies_one_theft"]["value"] = 60.0
    baseline["disputes"]["value"] = 200.0
    baseline["public_order"]["value"] = 60.0
    return data


def every_option() -> Scenario:
    """The small city with the options the small scenario leaves at their defaults, a
    campaign that starts early, every kind of device, ten-household units, and more crime
    and disputes, so that every process acts often."""
    data = busier(small().model_dump(mode="python"))
    data["calendar"]["campaign_start"]["value"] = data["calendar"]["start"].replace(month=3)
    ivs = data["interventions"]
    ivs["patrols"]["allocation"] = "random"
    ivs["cameras"]["placement"] = "hot_spots"
    ivs["cameras"]["ramp_days"] = 60
    hardening = ivs["target_hardening"]
    hardening["allocation"] = "high_risk"
    hardening["ramp_days"] = 60
    hardening["anti_climb_spikes"] = {"value": 60, "assumption": "test"}
    hardening["home_cameras"] = {"value": 300, "assumption": "test"}
    hardening["secured_parking"] = {"value": 20, "assumption": "test"}
    ivs["volunteers"]["ten_household_units"] = {"value": 600, "assumption": "test"}
    ivs["volunteers"]["unit_size"] = {"value": 10, "assumption": "test"}
    return validate_scenario(data, None)


def hot_spot_cameras_random_patrols_off() -> Scenario:
    """Patrols at hot spots with random camera placement and no grid workers."""
    data = busier(small().model_dump(mode="python"))
    data["calendar"]["campaign_start"]["value"] = data["calendar"]["start"].replace(month=2)
    data["interventions"]["cameras"]["placement"] = "random"
    data["interventions"]["grid_workers"] = None
    data["interventions"]["target_hardening"]["allocation"] = "high_risk"
    return validate_scenario(data, None)


def guiyang() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "guiyang.yaml")


# name -> (scenario factory, seed, recorded days)
CASES: dict[str, tuple[Callable[[], Scenario], int, int]] = {
    "small": (small, 11, 500),
    "every_option": (every_option, 5, 240),
    "random_cameras": (hot_spot_cameras_random_patrols_off, 3, 150),
    "guiyang": (guiyang, 20130929, 365),
}
SLOW_CASES = {"guiyang"}


def run_case(name: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The daily frame and digests of the final per-household and per-cell state."""
    factory, seed, days = CASES[name]
    model = SafetyModel(factory(), seed=seed, days=days)
    model.run()
    hh = model.households
    state = {
        "last_victimised": hh.last_victimised,
        "victimisations": hh.victimisations,
        "devices": hh.devices,
        "offender_x": model.offenders.x,
        "offender_y": model.offenders.y,
        "offender_status": model.offenders.status,
        "recent_crime": model.recent_crime,
        "dynamic_attractiveness": model.dynamic_attractiveness,
        "climate": model.security.climate,
    }
    return model.record.frame(), {key: fingerprint(value) for key, value in state.items()}


def fingerprint(values: np.ndarray) -> str | dict[str, float]:
    """An integer array's digest (compared exactly); a float array's sums (to 1e-12)."""
    array = np.ascontiguousarray(values)
    if array.dtype.kind in "iub":
        return hashlib.sha256(array.tobytes()).hexdigest()
    finite = np.nan_to_num(array.astype(float), nan=0.0, posinf=0.0, neginf=0.0)
    weights = np.arange(1, finite.size + 1, dtype=float) / finite.size
    return {
        "sum": float(finite.sum()),
        "abs_sum": float(np.abs(finite).sum()),
        "weighted_sum": float((finite.ravel() * weights).sum()),
        "nan": int(np.isnan(array).sum()),
    }


def assert_same_run(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Integer columns exactly, float columns within a relative 1e-12."""
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for column in expected.columns:
        want, got = expected[column], actual[column]
        if not pd.api.types.is_float_dtype(want):
            assert got.tolist() == want.tolist(), column
        else:
            np.testing.assert_allclose(
                got.to_numpy(float), want.to_numpy(float), rtol=1e-12, atol=1e-300,
                equal_nan=True, err_msg=column,
            )  # fmt: skip


def assert_same_state(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    for key, want in expected.items():
        got = actual[key]
        if isinstance(want, str):
            assert got == want, key
        else:
            assert got["nan"] == want["nan"], key
            for part in ("sum", "abs_sum", "weighted_sum"):
                assert got[part] == pytest.approx(want[part], rel=1e-12, abs=1e-300), key


def _paths(name: str) -> tuple[Path, Path]:
    return DATA / f"identity_{name}.csv", DATA / f"identity_{name}_state.json"


def write_references() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for name in CASES:
        frame, digests = run_case(name)
        csv_path, state_path = _paths(name)
        frame.to_csv(csv_path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        state_path.write_text(json.dumps(digests, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {csv_path} and {state_path}")


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_CASES else n for n in CASES],
)
def test_same_seed_same_run(name: str) -> None:
    csv_path, state_path = _paths(name)
    expected = pd.read_csv(csv_path)
    frame, digests = run_case(name)
    # Compare through the same CSV round trip the reference took.
    actual = pd.read_csv(io.StringIO(frame.to_csv(index=False, float_format=FLOAT_FORMAT)))
    assert_same_run(actual, expected)
    assert_same_state(digests, json.loads(state_path.read_text(encoding="utf-8")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate the reference files")
    if parser.parse_args().write:
        write_references()

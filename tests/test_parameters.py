"""One rule of parameter precedence: defaults < fitted < the scenario's own < overrides;
and parameters, scenarios and tests take nothing from a held-out city or a validation result."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from safesim.core.parameters import MechanismParameters, resolve
from safesim.core.scenario import load_scenario
from safesim.experiments.calibration.config import load_config, resolve_scenario

from .conftest import ROOT, SCENARIOS


def test_precedence_is_defaults_fitted_scenario_overrides(small):
    scenario = small.with_values({"parameters.patrol_deterrence": 0.1})
    defaults = MechanismParameters()
    fitted = {"patrol_deterrence": 0.2, "camera_deterrence": 0.1}
    assert resolve(small) == defaults
    both = resolve(scenario, fitted=fitted)
    assert both.patrol_deterrence == 0.1  # the scenario's own beats a fit
    assert both.camera_deterrence == 0.1  # a fit beats the default
    point = resolve(scenario, fitted=fitted, overrides={"patrol_deterrence": 0.05})
    assert point.patrol_deterrence == 0.05  # an explicit design point beats all
    assert resolve(scenario, fitted=MechanismParameters(**fitted)) == both
    assert scenario.mechanism_parameters() == resolve(scenario)


# ---------------------------------------------------------------- held out means held out
# What the predicted cities' reports say, by city: the words that name them and the outcome
# figures they give. These figures test predictions in the validation report; nothing in
# development may be set or ranged by them.
HELD_OUT = {
    "guichi": {
        "words": ("guichi", "贵池", "guichi-2021", "004_5ee5726593a1ac67"),
        # 35 serious violent cases, 39 suspects; 116 dispute hazards, 84 resolved (73 %,
        # 72.41 %); > 150 consultations, 85 % success; 64 fraud cases, 175 suspects
        "figures": (35, 39, 116, 84, 73, 72.41, 150, 85, 64, 175),
    },
    "shishou": {
        "words": ("shishou", "石首", "shishou-2017", "003_9b3e4f2e3c4eb369"),
        # provincial ranks of the five indicators in H2 2016 and the places gained
        "figures": (6, 4, 12, 27, 43, 14, 26, 25, 48, 22),
    },
}
HELD_OUT_WORDS = tuple(w for city in HELD_OUT.values() for w in city["words"])
VALIDATION_RESULTS = "validation.md"
REPORTS = ROOT / "calibration" / "reports.yaml"
SRC = ROOT / "src" / "safesim"
TESTS = ROOT / "tests"


def _named(text: str, words: tuple[str, ...]) -> list[str]:
    lowered = text.lower()
    return [w for w in words if w.lower() in lowered]


def test_parameters_cite_no_held_out_city_validation_result_or_calibration_target():
    """Every default, bound and prior of parameters.py rests on the evidence: none names a
    predicted city, docs/validation.md or a figure a calibration fits."""
    text = (SRC / "core" / "parameters.py").read_text(encoding="utf-8")
    assert _named(text, (*HELD_OUT_WORDS, VALIDATION_RESULTS)) == []
    config = load_config(REPORTS)
    percents = {float(m) for m in re.findall(r"(\d+(?:\.\d+)?)\s?%", text)}
    for path in config.scenarios:
        for target in load_scenario(resolve_scenario(REPORTS, path)).targets:
            figure = abs(target.report_value)
            if figure != round(figure):  # whole numbers also occur as evidence (-51 %)
                assert figure not in percents, f"parameters.py cites {target.name}'s {figure}"


def test_scenarios_set_nothing_from_a_held_out_city_or_a_validation_result():
    """A scenario's assumptions and sources name no predicted city and no validation
    result. A predicted city's own file may name itself and quote its report's inputs
    (the doses a prediction starts from), but overrides no mechanism parameter and
    calibrates to no target."""
    for path in sorted(SCENARIOS.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert VALIDATION_RESULTS not in text, path.name
        own = HELD_OUT.get(path.stem, {"words": ()})["words"]
        others = tuple(w for w in HELD_OUT_WORDS if w not in own)
        assert _named(text, others) == [], path.name
        if path.stem in HELD_OUT:
            scenario = load_scenario(path)
            assert scenario.parameters == {}, path.name
            assert not any(t.calibrate for t in scenario.targets), path.name


def test_calibration_fits_no_held_out_city():
    config = load_config(REPORTS)
    fitted = {Path(p).stem for p in config.scenarios}
    assert fitted.isdisjoint(HELD_OUT), fitted
    assert {Path(p).stem for p in config.predict} >= set(HELD_OUT)
    text = REPORTS.read_text(encoding="utf-8")
    for line in text.splitlines():
        if _named(line, HELD_OUT_WORDS):
            assert line.lstrip().startswith(("- scenarios/", "#")), line


def _matches_a_figure(value: float, figures: tuple[float, ...]) -> bool:
    return any(abs(value - f) <= 0.01 * f or abs(100 * value - f) <= 0.01 * f for f in figures)


def _asserted_numbers(node: ast.AST) -> list[float]:
    return [
        float(c.value)
        for a in ast.walk(node)
        if isinstance(a, ast.Assert)
        for c in ast.walk(a)
        if isinstance(c, ast.Constant) and isinstance(c.value, int | float)
        and not isinstance(c.value, bool)
    ]  # fmt: skip


def test_no_test_asserts_a_range_from_a_held_out_figure():
    """A test about a predicted city may run it, but asserts no number taken from its
    report (35, 116, 73 %, a rank...): predictions are compared in the validation report,
    not held to a test range. Only the validation command's own test names its output."""
    for path in sorted(TESTS.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text(encoding="utf-8")
        if path.name != "test_validation.py":
            assert VALIDATION_RESULTS not in text, path.name
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = ast.get_source_segment(text, node) or ""
            for city, held in HELD_OUT.items():
                if _named(body, held["words"]):
                    hits = [v for v in _asserted_numbers(node)
                            if _matches_a_figure(v, held["figures"])]  # fmt: skip
                    assert hits == [], f"{path.name}::{node.name} asserts {city}'s {hits}"


def test_the_scan_finds_a_held_out_range():
    """The scan can fail: Guichi's 116 found, asserted in a test about Guichi, is caught."""
    code = "def test_x(guichi):\n    assert 116 <= found(guichi) <= 116 * 5\n"
    node = ast.parse(code).body[0]
    assert _matches_a_figure(116, HELD_OUT["guichi"]["figures"])
    assert any(_matches_a_figure(v, HELD_OUT["guichi"]["figures"]) for v in _asserted_numbers(node))
    assert _named(code, HELD_OUT["guichi"]["words"]) == ["guichi"]

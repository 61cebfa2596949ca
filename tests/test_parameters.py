"""One rule of parameter precedence: defaults < fitted < the scenario's own < overrides."""

from __future__ import annotations

from safesim.parameters import MechanismParameters, resolve


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

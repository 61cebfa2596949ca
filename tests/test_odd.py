"""docs/odd.md stays in step with the code: every mechanism parameter and every
intervention the model composes is described there."""

from __future__ import annotations

import re

from safesim.core.interventions import ORDER
from safesim.core.parameters import MechanismParameters

from .conftest import ROOT

ODD = (ROOT / "docs" / "odd.md").read_text(encoding="utf-8")


def test_every_mechanism_parameter_is_described():
    missing = [n for n in MechanismParameters.model_fields if not re.search(rf"\b{n}\b", ODD)]
    assert not missing, f"docs/odd.md does not describe: {missing}"


def test_every_intervention_is_described():
    missing = [cls.__name__ for cls in ORDER if f"`{cls.__name__}`" not in ODD]
    assert not missing, f"docs/odd.md does not describe: {missing}"


def test_every_parameter_cites_evidence_and_bounds_its_default():
    bounds = MechanismParameters.bounds()
    defaults = MechanismParameters()
    for name, text in MechanismParameters.evidence().items():
        assert text, name
        low, high = bounds[name]
        assert low <= getattr(defaults, name) <= high, name

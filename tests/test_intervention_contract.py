"""Every registered intervention owns its whole contract, and nothing outside
``interventions/`` decides by an intervention's name."""

from __future__ import annotations

import re
from typing import ClassVar

import pytest

from safesim.fields import Channels
from safesim.interventions import BY_NAME, ORDER, annual_cost, labels
from safesim.interventions.base import Intervention, contract_gaps
from safesim.interventions.cameras import CamerasSpec
from safesim.scenario import load_scenario, validate_scenario

from .conftest import ROOT, SCENARIOS

ODD = (ROOT / "docs" / "odd.md").read_text(encoding="utf-8")
SOURCES = ROOT / "src" / "safesim"
# Files that compose interventions without knowing which ones exist.
GENERIC = ("model.py", "fields.py", "mechanism_effects.py", "outcomes.py")


@pytest.mark.parametrize("cls", ORDER, ids=[cls.name for cls in ORDER])
def test_registered_intervention_has_the_whole_contract(cls):
    assert contract_gaps(cls) == []
    # Its ODD section, headed by its class name, names its unit and its evidence's
    # first author.
    heading = re.search(rf"^### 7\.\d+ .*`{cls.__name__}`.*$", ODD, flags=re.M)
    assert heading, f"docs/odd.md has no section for {cls.__name__}"
    first_author = cls.evidence.split()[0].strip(",;")
    section = ODD[heading.end() : ODD.find("\n### ", heading.end())]
    assert first_author in section, (cls.__name__, first_author)


def test_an_incomplete_intervention_is_caught():
    class Lighting(Intervention):
        """Street lighting."""

        name = "lighting"
        spec_class = CamerasSpec
        channels: ClassVar[tuple[str, ...]] = ("offending_cut", "glare")

        def apply(self, model, day) -> Channels:
            return Channels()

    gaps = contract_gaps(Lighting)
    for part in ("order", "label", "label_zh", "unit", "evidence", "units"):
        assert part in gaps
    assert any("glare" in gap for gap in gaps)
    assert any("Evidence" in gap for gap in gaps)


def test_registry_order_names_and_labels():
    assert [cls.name for cls in ORDER] == list(BY_NAME)
    assert len({cls.order for cls in ORDER}) == len(ORDER)
    assert len(set(labels("zh").values())) == len(ORDER)


def test_cost_is_units_times_unit_cost(small):
    data = small.model_dump(mode="python")
    data["interventions"]["cameras"]["unit_cost_yuan"] = {"value": 1000.0, "assumption": "test"}
    priced = validate_scenario(data, None)
    cameras = priced.interventions.cameras.count.value
    assert annual_cost(priced) == pytest.approx((annual_cost(small) or 0.0) + 1000.0 * cameras)


@pytest.mark.parametrize("module", GENERIC)
def test_generic_code_names_no_intervention(module):
    text = (SOURCES / module).read_text(encoding="utf-8")
    code = re.sub(r'""".*?"""', "", text, flags=re.S)
    for name in BY_NAME:
        assert f'"{name}"' not in code, (module, name)


def test_each_slider_is_declared_by_its_intervention_and_sets_its_own_fields() -> None:
    """The browser view's sliders come from the interventions (``lever``), not a list by
    name: each sets the fields its intervention names, and a size read back is the size
    set."""
    from safesim.viz import LEVERS, lever_values, set_levers

    small = load_scenario(SCENARIOS / "small.yaml")
    declared = {kind.lever: kind for kind in ORDER if kind.lever}
    assert set(LEVERS) == set(declared) and len(declared) >= 5
    for name, kind in declared.items():
        spec = getattr(small.interventions, kind.name)
        assert spec is not None, name
        size = kind.lever_size(spec) + 7
        changed = set_levers(small, {name: size})
        assert lever_values(changed)[name] == size, name
        fields = set(kind.lever_changes(spec, size))
        assert fields <= set(type(spec).model_fields), (name, fields)

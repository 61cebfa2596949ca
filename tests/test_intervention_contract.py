"""Every registered intervention owns its whole contract, and nothing outside
``interventions/`` decides by an intervention's name."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

import pytest

from safesim.core.fields import Channels
from safesim.core.interventions import BY_NAME, ORDER, annual_cost, labels
from safesim.core.interventions.base import Intervention, contract_gaps
from safesim.core.interventions.cameras import CamerasSpec
from safesim.core.scenario import load_scenario, validate_scenario

from .conftest import ROOT, SCENARIOS

ODD = (ROOT / "docs" / "odd.md").read_text(encoding="utf-8")
SOURCES = ROOT / "src" / "safesim"
# Files that compose interventions without knowing which ones exist.
GENERIC = ("core/model.py", "core/fields.py", "core/mechanism_effects.py", "core/outcomes.py")


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


def test_each_intervention_targets_an_outcome_and_portrays_its_units():
    import inspect

    import mesa

    from safesim.core.interventions.base import OFFENDER_CRIME, Portrayal
    from safesim.core.outcomes import COLUMNS

    for cls in ORDER:
        assert cls.targets == OFFENDER_CRIME or cls.targets in COLUMNS, cls.__name__
        module = inspect.getmodule(cls)
        agents = [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and obj.__module__ == module.__name__
            and issubclass(obj, mesa.Agent)
        ]
        for agent in agents:
            assert isinstance(agent.__dict__.get("portrayal"), Portrayal), agent.__name__
    # Those without a controlled evaluation are the ones whose briefs say so.
    assert {cls.name for cls in ORDER if cls.thin_evidence} == {"grid_workers", "mediators"}


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
    from safesim.ui.viz import LEVERS, lever_values, set_levers

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


# ---------------------------------------------------------------------- no branch by name
def _intervention_words() -> set[str]:
    """Every intervention's name, and the names of its class, its scenario entry's class
    and the agent classes its module defines."""
    import inspect

    import mesa

    words = set(BY_NAME)
    for cls in ORDER:
        words |= {cls.__name__, cls.spec_class.__name__}
        module = inspect.getmodule(cls)
        for obj in vars(module).values():
            mine = inspect.isclass(obj) and obj.__module__ == module.__name__
            if mine and issubclass(obj, mesa.Agent):
                words.add(obj.__name__)
    return words


WORDS = _intervention_words()
CLASS_NAMES = WORDS - set(BY_NAME)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def names_by_name(source: str) -> list[str]:
    """Where ``source`` decides by an intervention's name: a string that is one (or has
    one as a dotted part, as in a scenario path), an import or any use of its class (an
    isinstance check, say), an ``interventions.<name>`` attribute, or a ``<name>=``
    keyword. Docstrings and comments are prose and are not read; nor is a variable that
    happens to share a name."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in prose and set(node.value.split(".")) & WORDS:
                found.append(f"{where}: string {node.value!r}")
        elif isinstance(node, ast.Name) and node.id in CLASS_NAMES:
            found.append(f"{where}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in CLASS_NAMES:
            found.append(f"{where}: .{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in BY_NAME:
            # A scenario's entry by name (``scenario.interventions.cameras``).
            owner = node.value
            if isinstance(owner, ast.Attribute) and owner.attr == "interventions":
                found.append(f"{where}: interventions.{node.attr}")
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in WORDS:
            found.append(f"{where}: import {node.name}")
        elif isinstance(node, ast.keyword) and node.arg in WORDS:
            found.append(f"{where}: {node.arg}=")
    return found


def test_the_scan_finds_a_branch_by_name() -> None:
    planted = '''
from safesim.core.interventions import GridWorkers

def treated(model, scenario):
    """Prose may say patrols, cameras and grid_workers."""
    # and so may comments: volunteers
    if any(isinstance(iv, GridWorkers) for iv in model.interventions):
        return model.fields.patrol_visits
    spec = scenario.interventions.cameras
    path = "interventions.patrols.officers"
    kinds = {"mediators", "target_hardening"}
    styles = {"PatrolTeam": 1}
    return Interventions(volunteers=spec)
'''
    found = names_by_name(planted)
    for word in ("GridWorkers", "cameras", "patrols", "mediators", "target_hardening",
                 "PatrolTeam", "volunteers"):  # fmt: skip
        assert any(word in line for line in found), (word, found)
    assert not any("line 5" in line or "line 6" in line for line in found), found
    assert names_by_name("label = kind.label\ncells = iv.treated_today(model)\n") == []
    assert names_by_name("cameras = 1.0 - cut\n") == []  # a variable, not a branch


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SOURCES.rglob("*.py") if "interventions" not in p.relative_to(SOURCES).parts),
    ids=lambda p: str(p.relative_to(SOURCES)),
)
def test_no_code_outside_interventions_decides_by_an_intervention_name(path) -> None:
    """Each intervention owns its contract in its module: nothing else lists, branches on
    or styles interventions by name or class."""
    assert names_by_name(path.read_text(encoding="utf-8")) == [], path.name

"""The browser view without a browser: the model behind it, its levers, and its page
rendered with ``solara.render`` (as Mesa tests its own views)."""

from __future__ import annotations

import inspect
import socket

import ipywidgets
import pytest
from click.testing import CliRunner

from safesim.cli import main
from safesim.scenario import load_scenario
from safesim.viz import (
    COMPONENTS,
    VizModel,
    count_at,
    crime_figure,
    levers_note,
    map_figure,
    model_params,
    scale_scenario,
    security_figure,
    set_levers,
)

from .conftest import SCENARIOS

SMALL = str(SCENARIOS / "small.yaml")
GUIYANG = str(SCENARIOS / "guiyang.yaml")


@pytest.fixture(scope="module")
def model() -> VizModel:
    return VizModel(SMALL)


def test_small_scenario_runs_at_full_scale_with_its_own_levers(model: VizModel) -> None:
    small = load_scenario(SMALL)
    assert model.spec.city.households.value == 20_000
    assert model.levers == {
        "officers": 48,
        "cameras": 169,
        "grid_workers": 84,
        "volunteers": 4816,
        "hardening_devices": 1424 + 420,
    }
    assert model.seed == small.seed
    assert model.day == 0 and model.steps == 0


def test_a_large_scenario_is_shrunk_with_its_doses_per_household() -> None:
    full = load_scenario(GUIYANG)
    shrunk = scale_scenario(full, 20_000)
    factor = 20_000 / full.city.households.value
    assert shrunk.city.households.value == 20_000
    for path in ("interventions.cameras.count", "interventions.volunteers.count", "city.offenders"):
        assert count_at(shrunk, path) == round(count_at(full, path) * factor)
    model = VizModel(GUIYANG)
    assert "830,400 scaled 1 : 41.5" in levers_note(model)


def test_levers_set_the_scenario_and_keep_its_ratios() -> None:
    small = load_scenario(SMALL)
    changed = set_levers(small, {"officers": 96, "hardening_devices": 922, "cameras": 0})
    assert count_at(changed, "interventions.patrols.officers") == 96
    assert count_at(changed, "interventions.patrols.auxiliaries") == 192  # 1 : 2 kept
    assert count_at(changed, "interventions.cameras.count") == 0
    locks = count_at(changed, "interventions.target_hardening.lock_cylinders")
    alarms = count_at(changed, "interventions.target_hardening.alarm_phones")
    assert locks + alarms == 922 and alarms == 712  # half of each, as in the scenario
    data = small.model_dump(mode="python")
    data["interventions"]["cameras"] = None
    from safesim.scenario import validate_scenario

    with pytest.raises(ValueError, match="no cameras"):
        set_levers(validate_scenario(data, None), {"cameras": 10})


def test_the_model_steps_and_the_page_reports_the_new_levers() -> None:
    model = VizModel(SMALL, rng="11", officers=5, volunteers=0)
    for _ in range(5):
        model.step()
    assert model.day == 5 and model.steps == 5
    assert len(model.daily()) == 5
    note = levers_note(model)
    assert "Patrol officers: 5 (+10 auxiliaries)" in note
    assert "Volunteers: 0" in note and "seed 11" in note and "Day 5 of 731" in note
    with pytest.raises(ValueError, match="seed"):
        VizModel(SMALL, rng="eleven")


def test_figures_draw_the_model_state(model: VizModel) -> None:
    fresh = VizModel(SMALL)
    for _ in range(40):
        fresh.step()
    heat = map_figure(fresh.city).axes[0].images[0].get_array()
    assert heat.shape == (fresh.city.layout.height, fresh.city.layout.width)
    assert float(heat.sum()) == pytest.approx(float(fresh.city.recent_crime.sum()))
    crime = crime_figure(fresh).axes[0]
    burglary = crime.lines[0].get_ydata()
    assert len(burglary) == 40
    assert burglary[-1] == fresh.daily()["burglary_theft"].tail(30).sum()
    lines = security_figure(fresh).axes[0].lines
    share = next(
        line for line in lines if line.get_label() == "households feeling safe"
    ).get_ydata()
    assert share[-1] == pytest.approx(100 * fresh.daily()["sense_of_security"].iloc[-1])


def test_model_params_are_init_keywords_with_the_scenario_values(model: VizModel) -> None:
    params = model_params(model)
    accepted = inspect.signature(VizModel.__init__).parameters
    assert set(params) <= set(accepted)
    assert params["officers"]["value"] == 48 and params["officers"]["max"] == 144
    assert params["rng"] == {"type": "InputText", "value": "7", "label": "Random seed"}
    rebuilt = VizModel(
        **{k: v if not isinstance(v, dict) else v["value"] for k, v in params.items()}
    )
    assert rebuilt.levers == model.levers


def _widgets(root: ipywidgets.Widget) -> list[ipywidgets.Widget]:
    found, todo = [], [root]
    while todo:
        widget = todo.pop()
        found.append(widget)
        todo.extend(c for c in getattr(widget, "children", []) if isinstance(c, ipywidgets.Widget))
    return found


def test_components_render_with_solara(model: VizModel) -> None:
    import solara

    for component in COMPONENTS:
        _, rc = solara.render(component(model), handle_error=False)
        rc.close()
    _, rc = solara.render(COMPONENTS[0](model), handle_error=False)
    images = [w for w in _widgets(rc.find(ipywidgets.Image).widget)]
    assert images and images[0].value[:8] == b"\x89PNG\r\n\x1a\n"
    rc.close()


def test_the_whole_page_renders_with_mesa_solara_viz() -> None:
    import solara
    from mesa.visualization import SolaraViz

    model = VizModel(SMALL)
    page = SolaraViz(model, components=COMPONENTS, model_params=model_params(model), name="t")
    _, rc = solara.render(page, handle_error=False)
    assert rc.find(ipywidgets.Image).widgets
    rc.close()


def test_viz_refuses_a_port_in_use_in_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["viz", SMALL, "--port", str(port)])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"error: port {port} on 127.0.0.1 is already in use: choose another with --port"
    )


def test_viz_refuses_a_bad_scenario_in_one_line(tmp_path) -> None:
    result = CliRunner().invoke(main, ["viz", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "missing.yaml" in result.output


def test_stepping_past_the_last_day_stops_cleanly() -> None:
    short = VizModel(str(SCENARIOS / "small.yaml"))
    short.city.days = short.day + 3
    short.city.running = True
    for _ in range(6):  # Play may ask for more steps than the calendar has
        short.step()
    assert not short.running
    assert short.day == short.days
    assert f"Day {short.days} of {short.days}" in levers_note(short)
    assert len(short.daily()) == short.days


def test_serving_beyond_this_machine_is_said_out_loud() -> None:
    from safesim.cli import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("localhost") and _is_loopback("::1")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.4")

"""The browser view without a browser: the model and its twin, the levers, the figures'
data, the replay of a results folder, the shipped scenarios, and the page rendered with
``solara.render`` (as Mesa tests its own views)."""

from __future__ import annotations

import inspect
import socket
import time
import tomllib
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from click.testing import CliRunner

from safesim.core.scenario import count_at, load_scenario
from safesim.core.shipped import resolve_scenario, shipped_names
from safesim.ui.cli import main
from safesim.ui.viz import (
    LEVERS,
    ReplayError,
    ReplayModel,
    VizModel,
    levers_note,
    model_params,
    scale_scenario,
    set_levers,
)
from safesim.ui.viz_page import (
    LIVE_PLOTS,
    PAGE_CSS,
    CityMap,
    CrimeChart,
    DifferenceMap,
    FigurePanel,
    LivePage,
    PlayRate,
    ReplayPage,
    SecurityChart,
    difference_attributes,
    figure_spec,
    pending_changes,
    plain,
    play,
    rolling_cases,
    sync_figure,
    unit_style,
)

from .conftest import ROOT, SCENARIOS

SMALL = str(SCENARIOS / "small.yaml")
GUIYANG = str(SCENARIOS / "guiyang.yaml")


@pytest.fixture(scope="module")
def model() -> VizModel:
    return VizModel(SMALL)


@pytest.fixture(scope="module")
def into_campaign() -> VizModel:
    """small.yaml run 40 days past its campaign start (day 366)."""
    played = VizModel(SMALL)
    while played.day < played.campaign_day + 40:
        played.step()
    return played


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
    assert model.twin.day == 0 and not model.twin.interventions


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
    from safesim.core.scenario import validate_scenario

    with pytest.raises(ValueError, match="no cameras"):
        set_levers(validate_scenario(data, None), {"cameras": 10})


def test_the_model_steps_and_the_page_reports_the_new_levers() -> None:
    model = VizModel(SMALL, rng="11", officers=5, volunteers=0)
    for _ in range(5):
        model.step()
    assert model.day == 5 and model.steps == 5 and model.twin.day == 5
    assert len(model.daily()) == 5 and len(model.twin_daily()) == 5
    note = levers_note(model)
    assert "Patrol officers: 5 (+10 auxiliaries)" in note
    assert "Volunteers: 0" in note and "seed 11" in note and "Day 5 of 731" in note
    with pytest.raises(ValueError, match="seed"):
        VizModel(SMALL, rng="eleven")


def test_the_twin_equals_the_mix_before_the_campaign_and_differs_after(
    into_campaign: VizModel,
) -> None:
    mix, twin = into_campaign.daily(), into_campaign.twin_daily()
    start = into_campaign.campaign_day
    before = mix.iloc[:start].drop(columns=["crimes_treated", "crimes_catchment"])
    twin_before = twin.iloc[:start].drop(columns=["crimes_treated", "crimes_catchment"])
    assert before.equals(twin_before)
    assert not mix.iloc[start:].equals(twin.iloc[start:])
    attributes = difference_attributes(into_campaign)
    assert int(attributes["data-day"]) == start + 40
    assert float(attributes["data-map-difference"]) > 0
    # Every day that differs is in the campaign.
    gap = np.flatnonzero(mix["criminal_total"].to_numpy() != twin["criminal_total"].to_numpy())
    assert gap.size == int(attributes["data-days-differing"]) and gap.min() >= start


def test_the_maps_show_the_cells_and_what_acts_on_them(into_campaign: VizModel) -> None:
    city = into_campaign.city
    layout = city.layout
    heat, *units, offenders = CityMap().data(into_campaign)
    assert heat["z"].shape == (layout.height, layout.width)
    assert float(heat["z"].sum()) == pytest.approx(float(city.recent_crime.sum()))
    # Hover numbers per cell: the twin's recent crime, patrol presence, camera coverage,
    # guardianship, then how many of each class of unit stand there.
    assert heat["customdata"].shape == (layout.height, layout.width, 4 + len(units))
    # One marker per unit in model.agents, a layer per agent class.
    kinds = [type(agent).__name__ for agent in city.agents]
    counts = {name: kinds.count(name) for name in ("GridWorker", "PatrolTeam", "Camera")}
    assert [len(layer["x"]) for layer in units] == list(counts.values())
    assert counts["Camera"] == 169 and counts["PatrolTeam"] > 0 and counts["GridWorker"] > 0
    standing = heat["customdata"][..., 4:].sum(axis=(0, 1))
    assert standing.tolist() == list(counts.values())
    # The cameras counted in a cell are the cameras installed there.
    (cameras,) = [iv for iv in city.interventions if getattr(iv, "per_cell", None) is not None]
    column = 4 + list(counts).index("Camera")
    assert np.array_equal(heat["customdata"][..., column].ravel(), cameras.per_cell)
    assert len(offenders["x"]) == city.offenders.active
    (difference,) = DifferenceMap().data(into_campaign)
    np.testing.assert_allclose(
        difference["z"].ravel(), city.recent_crime - into_campaign.twin.recent_crime
    )
    figure = CityMap().figure(into_campaign)
    assert [trace.name for trace in figure.data][1:] == [
        "grid workers",
        "patrol teams",
        "cameras",
        "active offenders",
    ]


def test_the_charts_draw_mix_twin_and_difference(into_campaign: VizModel) -> None:
    days = into_campaign.day
    mix, twin, difference, campaign_key = CrimeChart().data(into_campaign)
    assert campaign_key == {}  # the legend entry for the campaign shading has no data
    assert len(mix["y"]) == into_campaign.days  # the calendar, gaps after today
    assert np.isnan(mix["y"][days:]).all() and not np.isnan(mix["y"][:days]).any()
    expected = rolling_cases(into_campaign.daily())
    np.testing.assert_allclose(mix["y"][:days], expected)
    np.testing.assert_allclose(difference["y"][:days], mix["y"][:days] - twin["y"][:days])
    assert not difference["y"][: into_campaign.campaign_day].any()
    safe, safe_twin, *keys = SecurityChart().data(into_campaign)
    names = [trace.name for trace in SecurityChart().frame(into_campaign).data]
    assert names[len(names) - len(keys) :] == ["survey baseline", "campaign"]
    assert safe["y"][days - 1] == pytest.approx(
        100 * into_campaign.daily()["sense_of_security"].iloc[-1]
    )
    assert safe_twin["y"][days - 1] != safe["y"][days - 1]


def test_a_figure_widget_takes_the_whole_figure(into_campaign: VizModel) -> None:
    for plot in LIVE_PLOTS:
        widget = go.FigureWidget()
        sync_figure(widget, plot, into_campaign)
        assert len(widget.data) == len(plot.frame(into_campaign).data)
        assert widget.layout.width <= 470 and widget.layout.height <= 580  # 1366 × 768
    sizes = {plot.css_class: plot.frame(into_campaign).layout for plot in LIVE_PLOTS}
    map_area = sizes["safesim-map"].width * sizes["safesim-map"].height
    assert all(map_area > layout.width * layout.height for name, layout in sizes.items()
               if name != "safesim-map")  # fmt: skip


def test_model_params_are_init_keywords_with_the_scenario_values(model: VizModel) -> None:
    params = model_params(model)
    accepted = inspect.signature(VizModel.__init__).parameters
    # Named keywords, and the sliders the interventions declare (taken as **levers).
    assert set(params) <= set(accepted) | set(LEVERS)
    assert accepted["levers"].kind is inspect.Parameter.VAR_KEYWORD
    assert params["officers"]["value"] == 48 and params["officers"]["max"] == 144
    assert params["rng"] == {"type": "InputText", "value": "7", "label": "Random seed"}
    rebuilt = VizModel(
        **{k: v if not isinstance(v, dict) else v["value"] for k, v in params.items()}
    )
    assert rebuilt.levers == model.levers


def test_the_whole_page_renders_with_every_figure_in_one_panel() -> None:
    import solara

    _, rc = solara.render(LivePage(SMALL), handle_error=False)
    (panel,) = rc.find(FigurePanel).widgets
    # What a browser needs to draw every figure is the panel's own synced state.
    assert list(panel.specs) == [plot.css_class for plot in LIVE_PLOTS]
    assert all(spec["data"] and spec["layout"]["width"] for spec in panel.specs.values())
    assert panel.frame["spec_id"] == panel.spec_id
    # plotly.js travels once, in the panel's script.
    assert panel._esm.count("plotly.js v") >= 1 and len(rc.find(go.FigureWidget).widgets) == 0
    rc.close()


def _in_app_layout(page):
    """``page`` inside the layout ``solara run`` gives it, so its sidebar renders too."""
    import solara

    @solara.component
    def Laid_out() -> None:
        with solara.AppLayout():
            page()

    return Laid_out()


def test_a_bad_seed_is_answered_on_the_page_and_the_city_kept() -> None:
    import ipyvuetify as v
    import solara

    _, rc = solara.render(_in_app_layout(lambda: LivePage(SMALL)), handle_error=False)
    seed = rc.find(v.TextField, label="Random seed")
    seed.widget.v_model = "abc"
    seed.widget.fire_event("keyup.enter", None)
    rc.find(v.TextField, label="Random seed").assert_single()
    assert "whole number" in str(rc.find(v.TextField, label="Random seed").widget.messages)
    pending = " ".join(str(alert.children) for alert in rc.find(v.Alert).widgets)
    assert "seed abc" in pending and "apply on Reset" in pending
    rc.find(v.Btn, children=["Reset"]).widget.click()
    alerts = " ".join(str(alert.children) for alert in rc.find(v.Alert).widgets)
    assert "Not applied" in alerts and "seed" in alerts
    # The controls are still there and the city shown keeps its seed.
    rc.find(v.Btn, children=["Step"]).assert_single()
    (panel,) = rc.find(FigurePanel).widgets
    assert panel.model.seed == 7
    rc.close()


def test_edits_apply_on_reset_and_the_page_says_so(model: VizModel) -> None:
    inputs = {"officers": 48, "rng": "7", "cameras": 169}
    assert pending_changes(model, inputs) == []
    changed = pending_changes(model, {**inputs, "officers": 60, "rng": "9"})
    assert changed == ["patrol officers 60", "seed 9"]


def test_the_slider_values_are_always_shown() -> None:
    assert ".v-slider__thumb-label-container { display: block" in PAGE_CSS


def test_plain_json_has_no_nan_and_leaves_off_the_days_not_run() -> None:
    series = np.array([1.23456, np.nan, 3.0, np.nan, np.nan])
    assert plain(series) == [1.2346, None, 3.0]
    assert plain({"z": np.array([[np.nan, 1.0]]), "n": np.int64(3)}) == {"z": [[None, 1.0]], "n": 3}
    spec = figure_spec(CrimeChart(), VizModel(SMALL))
    import json

    json.dumps(spec, allow_nan=False)  # the browser's JSON.parse takes no NaN


class _Recorder:
    """A stand-in for the page: records when each frame was sent and drawn."""

    def __init__(self, drawn_after: int | None = None) -> None:
        self.sent: list[float] = []
        self.drawn_after = drawn_after

    def show(self, model) -> int:
        self.sent.append(time.monotonic())
        return len(self.sent)

    def rendered(self, frame_id: int) -> bool:
        time.sleep(0.01)  # a render that takes a while
        return self.drawn_after is None or frame_id <= self.drawn_after


def test_play_waits_for_each_frame_to_be_drawn_and_paces_frames(run_dir: Path) -> None:
    from safesim.ui.viz_page import MIN_FRAME_SECONDS

    replay = ReplayModel(str(run_dir))
    page = _Recorder()
    stopped = play(replay, page, lambda: 20, lambda: True, page.rendered, PlayRate())
    assert stopped is None and replay.day == replay.days
    assert len(page.sent) == -(-replay.days // 20)
    gaps = np.diff(page.sent)
    assert gaps.min() >= MIN_FRAME_SECONDS * 0.95  # never faster than ten frames a second
    # A browser that stops drawing pauses Play rather than piling frames up.
    replay.seek(0)
    gone = _Recorder(drawn_after=2)
    stopped = play(replay, gone, lambda: 5, lambda: True, gone.rendered, PlayRate())
    assert stopped and "stopped drawing" in stopped and len(gone.sent) == 3


def test_the_map_draws_the_units_in_model_agents_by_class() -> None:
    import mesa

    from safesim.core.interventions.grid_workers import GridWorker as Worker
    from safesim.core.interventions.patrols import PatrolTeam as Team

    # Made-up units: two that take the real units' portrayal, and one without any.
    class PatrolTeam(mesa.Agent):
        portrayal = Team.portrayal

    class GridWorker(mesa.Agent):
        portrayal = Worker.portrayal

    class FootPatrol(mesa.Agent):
        pass

    model = VizModel(SMALL)
    for agent in list(model.city.agents):  # only the made-up units below
        agent.remove()
    width = model.city.layout.width
    placed = {PatrolTeam: [(3, 4), (5, 6)], GridWorker: [(1, 1)], FootPatrol: [(0, 2)]}
    for kind, places in placed.items():
        for x, y in places:
            agent = kind(model.city)
            agent.pos = (x, y)
    FootPatrol(model.city).cell = 2 * width + 7  # a cell number places it too
    figure = CityMap().figure(model)
    names = [trace.name for trace in figure.data]
    assert names == ["recent crime", "patrol teams", "grid workers", "foot patrol",
                     "active offenders"]  # fmt: skip
    teams, workers, foot = figure.data[1:4]
    assert list(teams.x) == [3, 5] and list(teams.y) == [4, 6]
    assert workers.visible == "legendonly"  # a layer that starts switched off
    assert list(foot.x) == [0, 7] and list(foot.y) == [2, 2]
    assert unit_style(FootPatrol).symbol == "x-thin-open"


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


# ---------------------------------------------------------------------- replay
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    result = CliRunner().invoke(
        main, ["run", SMALL, "--days", "400", "--replicates", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out / "small"


def test_a_run_is_replayed_day_by_day_without_simulating(run_dir: Path) -> None:
    replay = ReplayModel(str(run_dir))
    assert replay.days == 400 and replay.replicates == 2 and replay.campaign_day == 366
    assert replay.day == 0 and replay.running
    for _ in range(10):
        replay.step()
    assert len(replay.daily()) == 10 and len(replay.twin_daily()) == 10
    replay.seek(390)
    mix, twin = replay.daily(), replay.twin_daily()
    # The mean of the replicates, mix and twin identical before the campaign only.
    assert mix["criminal_total"].iloc[:366].equals(twin["criminal_total"].iloc[:366])
    assert not mix["criminal_total"].iloc[366:].equals(twin["criminal_total"].iloc[366:])
    replay.seek(10_000)
    assert replay.day == 400 and not replay.running
    (with_mix, _, difference, _) = CrimeChart().data(replay)
    assert not np.isnan(with_mix["y"]).any() and difference["y"][366:].any()


def test_the_replay_page_renders(run_dir: Path) -> None:
    import ipyvuetify as v
    import solara

    _, rc = solara.render(_in_app_layout(lambda: ReplayPage(str(run_dir))), handle_error=False)
    (panel,) = rc.find(FigurePanel).widgets
    assert list(panel.specs) == ["safesim-crime-chart", "safesim-security-chart"]
    # No card of model parameters: a replay has none to set.
    assert [title.children for title in rc.find(v.CardTitle).widgets] == [["Controls"]]
    assert rc.find(v.Btn, children=["▶"]).widgets
    rc.close()


def test_a_folder_without_a_run_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"no daily\.csv"):
        ReplayModel(str(tmp_path))
    result = CliRunner().invoke(main, ["viz", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "no daily.csv" in result.output


# ---------------------------------------------------------------------- serving
def _busy_port() -> socket.socket:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    return busy


def test_viz_refuses_a_port_in_use_in_one_line() -> None:
    with _busy_port() as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["viz", SMALL, "--port", str(port)])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"error: port {port} on 127.0.0.1 is already in use: choose another with --port"
    )


def test_viz_watches_a_city_of_the_size_asked_for() -> None:
    from safesim.ui.viz import parse_households

    assert parse_households("full") is None and parse_households("50000") == 50_000
    for bad in ("0", "-3", "many"):
        with pytest.raises(ValueError, match="households"):
            parse_households(bad)
    model = VizModel(GUIYANG, households=40_000)
    assert model.spec.city.households.value == 40_000
    assert "830,400 scaled 1 : 20.8" in levers_note(model)
    result = CliRunner().invoke(main, ["viz", SMALL, "--households", "lots"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "--households" in result.output


def test_viz_refuses_a_bad_scenario_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["viz", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "missing.yaml" in result.output


def test_the_shipped_scenarios_are_found_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert {"small.yaml", "guiyang.yaml"} <= set(shipped_names())
    for name in ("scenarios/small.yaml", "small.yaml", "small"):
        assert resolve_scenario(name).read_bytes() == (SCENARIOS / "small.yaml").read_bytes()
    # A folder of the user's own is never swapped for a shipped file.
    assert resolve_scenario("mine/small.yaml") == Path("mine/small.yaml")
    assert VizModel().spec.name == "small"
    # `safesim viz` with no argument gets past loading its scenario (then meets the port).
    with _busy_port() as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["viz", "--port", str(port)])
    assert "already in use" in result.output and "no such file" not in result.output


def test_pyproject_lists_every_package_and_ships_the_scenarios() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    source = ROOT / "src"
    found = {
        ".".join(init.parent.relative_to(source).parts) for init in source.rglob("__init__.py")
    }
    assert found | {"safesim.scenarios"} == set(config["packages"])
    assert config["package-dir"]["safesim.scenarios"] == "scenarios"
    assert "*.yaml" in config["package-data"]["safesim.scenarios"]


def test_serving_beyond_this_machine_is_said_out_loud() -> None:
    from safesim.ui.cli import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("localhost") and _is_loopback("::1")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.4")

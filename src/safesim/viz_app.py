"""The page ``safesim viz`` serves: ``solara run src/safesim/viz_app.py``.

Solara imports this file once per server, so the model is made inside ``Page``: each
browser session gets a model of its own. With ``$SAFESIM_VIZ_RESULTS`` set the page
replays that results folder; otherwise it runs the scenario file in
``$SAFESIM_VIZ_SCENARIO`` (default ``scenarios/small.yaml``, the shipped one when the
working folder has none) beside its no-intervention twin; the sliders and the seed box
rebuild the model on Reset.
"""

import inspect
import os

import solara
from mesa.visualization import SolaraViz

from safesim.viz import RESULTS_ENV, ReplayModel, VizModel, default_scenario_path, model_params
from safesim.viz_page import COMPONENTS, REPLAY_COMPONENTS

# Milliseconds Play waits between frames, and days run per frame. A frame costs the
# server some 10-25 ms and the figures drop frames the browser has no time for, but the
# note and Mesa's counter still change every frame: the pause keeps those below ~50 a
# second, which a busy browser keeps up with (at 1 ms a loaded machine's page froze).
# Three days a frame keep Play above ten days a second on a machine whose cores are busy
# with other work (one day a frame measured 9.9 there, 20-36 on a quiet one); Mesa's
# Step runs as many days as a frame, and the slider sets both (its values are 1, 3,
# 5, ...: it snaps 2 to 3).
PLAY_INTERVAL_MS = int(os.environ.get("SAFESIM_VIZ_PLAY_INTERVAL_MS", "10"))
DAYS_PER_FRAME = int(os.environ.get("SAFESIM_VIZ_DAYS_PER_FRAME", "3"))


def _options() -> dict[str, int]:
    options = {"play_interval": PLAY_INTERVAL_MS}
    if "render_interval" in inspect.signature(SolaraViz).parameters:
        options["render_interval"] = DAYS_PER_FRAME
    return options


@solara.component
def Page() -> None:
    results = os.environ.get(RESULTS_ENV)
    if results:
        replay = solara.use_memo(lambda: ReplayModel(results), [])
        SolaraViz(
            replay,
            components=REPLAY_COMPONENTS,
            model_params={"results_dir": replay.results_dir},
            name=f"safesim: replay of {replay.name}",
            **_options(),
        )
        return
    model = solara.use_memo(lambda: VizModel(scenario_path=default_scenario_path()), [])
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(model),
        name=f"safesim: {model.spec.name}",
        **_options(),
    )

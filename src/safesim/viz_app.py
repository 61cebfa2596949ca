"""The page ``safesim viz`` serves: ``solara run src/safesim/viz_app.py``.

Solara runs this file once per browser session, so each visitor gets a model of their
own. With ``$SAFESIM_VIZ_RESULTS`` set it replays that results folder; otherwise it runs
the scenario file in ``$SAFESIM_VIZ_SCENARIO`` (default ``scenarios/small.yaml``, the
shipped one when the working folder has none) and its no-intervention twin; the sliders
and the seed box rebuild the model on Reset.
"""

import inspect
import os

from mesa.visualization import SolaraViz

from safesim.viz import RESULTS_ENV, ReplayModel, VizModel, default_scenario_path, model_params
from safesim.viz_page import COMPONENTS, REPLAY_COMPONENTS

# Milliseconds Play waits between frames, and days run per frame: updating the figures
# takes some 30-60 ms, so a few days a frame keep Play above ten days a second.
PLAY_INTERVAL_MS = 1
DAYS_PER_FRAME = 3

options = {"play_interval": PLAY_INTERVAL_MS}
if "render_interval" in inspect.signature(SolaraViz).parameters:
    options["render_interval"] = DAYS_PER_FRAME

if os.environ.get(RESULTS_ENV):
    model = ReplayModel(os.environ[RESULTS_ENV])
    page = SolaraViz(
        model,
        components=REPLAY_COMPONENTS,
        model_params={"results_dir": model.results_dir},
        name=f"safesim: replay of {model.name}",
        **options,
    )
else:
    model = VizModel(scenario_path=default_scenario_path())
    page = SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(model),
        name=f"safesim: {model.spec.name}",
        **options,
    )

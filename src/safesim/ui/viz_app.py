"""The page ``safesim viz`` serves: ``solara run src/safesim/ui/viz_app.py``.

Solara imports this file once per server, so the model is made inside ``Page``: each
browser session gets a model of its own. With ``$SAFESIM_VIZ_RESULTS`` set the page
replays that results folder; otherwise it runs the scenario file in
``$SAFESIM_VIZ_SCENARIO`` (default ``scenarios/small.yaml``, the shipped one when the
working folder has none) beside its no-intervention twin, at the size in
``$SAFESIM_VIZ_HOUSEHOLDS``; the sliders and the seed box build a new model on Reset.
"""

import os

import solara

from safesim.ui.viz import RESULTS_ENV, default_scenario_path
from safesim.ui.viz_page import LivePage, ReplayPage


@solara.component
def Page() -> None:
    results = os.environ.get(RESULTS_ENV)
    if results:
        ReplayPage(results)
    else:
        LivePage(default_scenario_path())

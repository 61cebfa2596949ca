"""The page ``safesim viz`` serves: ``solara run src/safesim/viz_app.py``.

Solara runs this file once per browser session, so each visitor gets a model of their
own. The scenario file comes from ``$SAFESIM_VIZ_SCENARIO`` (default
``scenarios/small.yaml``); the sliders and the seed box rebuild the model on Reset.
"""

from mesa.visualization import SolaraViz

from safesim.viz import COMPONENTS, VizModel, default_scenario_path, model_params

# Milliseconds between days when playing; drawing the three figures takes longer anyway.
PLAY_INTERVAL_MS = 20

model = VizModel(scenario_path=default_scenario_path())
page = SolaraViz(
    model,
    components=COMPONENTS,
    model_params=model_params(model),
    name=f"safesim: {model.spec.name}",
    play_interval=PLAY_INTERVAL_MS,
)

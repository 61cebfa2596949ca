"""Calibration: a posterior of the mechanism strengths from the reports' figures.

``config`` reads the calibration file, ``priors`` holds the parameter space and the
evidence priors, ``simulations`` runs and journals the model runs, ``emulator`` and
``likelihood`` turn them into a likelihood with model noise, secular trends and
discrepancy, ``pipeline`` goes from design to posterior, checks and predictions, and
``plausibility`` judges every reported figure.

**Examples**::

    from safesim.calibration import Calibration, load_config
    config = load_config("calibration/reports.yaml")
    Calibration(config, "calibration/reports.yaml", "results/cal", quick=True).run()
"""

from safesim.calibration.config import CalibrationConfig, load_config, load_parameters
from safesim.calibration.pipeline import OUTPUT_FILES, Calibration

__all__ = ["OUTPUT_FILES", "Calibration", "CalibrationConfig", "load_config", "load_parameters"]

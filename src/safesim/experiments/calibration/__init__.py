"""Calibration: a posterior of the mechanism strengths from the reports' figures.

``config`` reads the calibration file and ``priors`` holds the evidence priors; ``gp``
emulates each figure's effect against its same-seed twin and validates it; ``method``
screens the parameters, history-matches in waves and samples the posterior by MCMC on any
simulator with its interface; ``citymodel`` is the city model as such a simulator, on the
batch engine; ``synthetic`` and ``proofs`` prove the method on a cheap simulator; and
``history`` runs it all for a config and writes the outputs.
``likelihood`` and ``emulator`` keep the trend and discrepancy helpers it shares.

**Examples**::

    from safesim.experiments.calibration import Calibration, load_config
    config = load_config("calibration/reports.yaml")
    Calibration(config, "calibration/reports.yaml", "results/cal", quick=True).run()
"""

from __future__ import annotations

from typing import Any

from safesim.experiments.calibration.config import CalibrationConfig, load_config, load_parameters

__all__ = ["OUTPUT_FILES", "Calibration", "CalibrationConfig", "load_config", "load_parameters"]

# ``history`` pulls in scikit-learn, emcee and scipy.stats; a run that only reads a
# fitted parameters file should not pay for them.
_FROM_HISTORY = ("OUTPUT_FILES", "Calibration")


def __getattr__(name: str) -> Any:
    if name in _FROM_HISTORY:
        from safesim.experiments.calibration import history

        return getattr(history, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

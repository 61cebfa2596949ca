"""Parameter draws: which mechanism strengths each replicate runs with.

The evidence leaves the mechanism strengths wide, so an answer at one point of them
(the evidence defaults, or a calibration's medians) carries run-to-run noise only. By
default every command draws its replicates' parameters from a weighted sample:

- the calibration's ``posterior_samples.csv`` (``calibration/posterior_samples.csv``
  in the working folder or the source tree, or the file given with ``--draws-from``);
  a ``weight`` column, if present, weighs its rows, otherwise they weigh the same;
- otherwise the evidence priors of ``parameters.py`` (each field with its own
  ``prior``: the parameters the calibration fits), drawn by Latin hypercube and kept
  in the evidence's order (disorder drives fear at least as much as crime does).

``--parameters FILE`` runs every replicate at that one point instead; its intervals
then hold run noise only, and the outputs say so.

Of ``N`` runs over ``D`` draws, run ``k`` runs at draw ``k·D // N`` (consecutive runs
share a draw, ``N / D`` of them each) and always on the seed ``replicate_seed(seed, k)``.
The rows picked depend only on the seed, the sample and the number of draws, so a mix,
its twin and every mix of a comparison, sweep or search run on the same draws and the
same random numbers.

**Examples**::

    draws = choose_draws(seed=7, draws=10, runs=20)
    draws.parameters(scenario, run=3)   # MechanismParameters of run 3 (draw 1)
    draws.table()                       # one row per run: draw, sample row, values
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from safesim.core.parameters import MechanismParameters, resolve
from safesim.core.streams import run_seed
from safesim.errors import SafesimError

if TYPE_CHECKING:
    from safesim.core.scenario import Scenario

POSTERIOR_FILE = Path("calibration") / "posterior_samples.csv"
WEIGHT_COLUMN = "weight"
#: The evidence's orderings kept by prior draws (as calibration/reports.yaml keeps them):
#: disorder drives fear more than crime does (Hinkle & Weisburd 2008; Innes & Fielding 2002).
PRIOR_ORDER = (("fear_local_crime", "fear_disorder"),)
#: Draws a command makes by default, and runs over them (two at each draw, so the
#: spread can be split between the parameters and run noise).
DEFAULT_DRAWS = 10
DEFAULT_RUNS = 20
#: Replicates at one point (``--parameters``), as before draws existed.
DEFAULT_POINT_REPLICATES = 5
#: How many prior draws a prior sample holds before the command's draws are picked.
PRIOR_SAMPLE_SIZE = 4000

POSTERIOR = "posterior"
PRIOR = "prior"
POINT = "point"
HOLDS = {
    POSTERIOR: "parameters (calibration posterior) and run noise",
    PRIOR: "parameters (evidence priors) and run noise",
    POINT: "run noise only (one point of the parameters)",
}


class DrawsError(SafesimError, ValueError):
    """A sample file that cannot be read or names no mechanism parameter."""


@dataclass(frozen=True)
class ParameterDraws:
    """The parameters of every run of one command.

    ``values`` holds one row per draw (columns ``names``); a point run has one draw and
    no names, its parameters being ``point``.
    """

    source: str  # POSTERIOR, PRIOR or POINT
    origin: str  # the sample file, "parameters.py priors", or the --parameters file
    names: list[str]
    values: np.ndarray
    runs: int
    sample_rows: list[int] = field(default_factory=list)
    point: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    sample_path: str = ""  # where the sample was read from (``origin`` names it)

    @property
    def draws(self) -> int:
        return int(self.values.shape[0]) if self.names else 1

    def figures_fitted(self) -> set[str] | None:
        """The report figures (``city:figure``) the calibration behind these draws used,
        from the manifest beside its sample; None when that is not known. A calibration
        target whose emulator was refused taught the posterior nothing."""
        if self.source != POSTERIOR or not self.sample_path:
            return None
        manifest = Path(self.sample_path).with_name("manifest.json")
        try:
            used = json.loads(manifest.read_text(encoding="utf-8"))["diagnostics"]["figures_used"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return {str(key) for key in used} if isinstance(used, list) else None

    @property
    def holds(self) -> str:
        """What the intervals of these runs hold, in plain words."""
        return HOLDS[self.source]

    @property
    def calibrated(self) -> bool:
        """Whether the runs use the calibration's result (its posterior, or its medians)."""
        if self.source == POSTERIOR:
            return True
        return self.source == POINT and is_calibration_output(self.origin)

    def draw_of(self, run: int) -> int:
        return run * self.draws // self.runs

    def draw_index(self) -> np.ndarray:
        """The draw of every run, in run order."""
        return np.arange(self.runs) * self.draws // self.runs

    def values_of(self, run: int) -> dict[str, float]:
        if not self.names:
            return {}
        row = self.values[self.draw_of(run)]
        return {name: float(v) for name, v in zip(self.names, row, strict=True)}

    def overrides(self, run: int) -> dict[str, float]:
        """The fitted values of run ``run``: the point, or its draw."""
        return {**dict(self.point), **self.values_of(run)}

    def parameters(self, scenario: Scenario, run: int) -> MechanismParameters:
        """Run ``run``'s parameters: its draw (or the point) under the scenario's own
        ``parameters:``, which win as they win over a fit (``parameters.resolve``)."""
        return resolve(scenario, fitted=self.overrides(run))

    def table(self) -> pd.DataFrame:
        """One row per run: its draw, the sample row it came from, and its values."""
        runs = np.arange(self.runs)
        out = pd.DataFrame({"run": runs, "draw": self.draw_index()})
        if self.sample_rows:
            out["sample_row"] = [self.sample_rows[d] for d in out["draw"]]
        for j, name in enumerate(self.names):
            out[name] = self.values[out["draw"].to_numpy(), j]
        return out

    def manifest(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "origin": self.origin,
            "draws": self.draws,
            "runs": self.runs,
            "drawn_parameters": list(self.names),
            "sample_rows": list(self.sample_rows),
            "seed_derivation": "rows: run_seed(seed, 'parameter_draws'); run k of N: "
            "replicate_seed(seed, k), draw k * draws // N",
            "intervals_hold": self.holds,
            "calibrated": self.calibrated,
        }

    def describe(self) -> str:
        if self.source == POINT:
            where = self.origin or "the evidence defaults"
            return (
                f"{self.runs} replicate(s) at one point of the parameters ({where}): "
                "intervals hold run noise only"
            )
        what = "calibration posterior" if self.source == POSTERIOR else "evidence priors"
        return (
            f"{self.runs} replicates over {self.draws} parameter draws from the {what} "
            f"({self.origin})"
        )


def is_calibration_output(path: str | Path) -> bool:
    """Whether a parameters file is one ``safesim calibrate`` wrote (its header says so)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return "safesim calibrate" in handle.readline()
    except OSError:
        return False


def mechanism_columns(frame: pd.DataFrame) -> list[str]:
    fields = MechanismParameters.model_fields
    return [c for c in frame.columns if c in fields]


def read_sample(path: str | Path) -> tuple[pd.DataFrame, np.ndarray]:
    """A sample file's mechanism-parameter columns (others, such as a city's secular
    trend, are not mechanism strengths and are left out) and its normalised weights."""
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DrawsError(f"{path}: cannot read the parameter sample ({exc})") from None
    names = mechanism_columns(frame)
    if not names or frame.empty:
        raise DrawsError(f"{path}: no rows of mechanism parameters (parameters.py names)")
    if WEIGHT_COLUMN in frame.columns:
        weights = frame[WEIGHT_COLUMN].to_numpy(dtype=float)
    else:
        weights = np.ones(len(frame))
    values = frame[names].astype(float)
    keep = np.isfinite(values.to_numpy()).all(axis=1) & np.isfinite(weights) & (weights >= 0)
    if not keep.any() or weights[keep].sum() <= 0:
        raise DrawsError(f"{path}: no row with finite values and a positive weight")
    weights = np.where(keep, weights, 0.0)
    # Every row a run could draw must be a value the model accepts: found here, in one
    # line, before anything runs, not as an error in the middle of the runs.
    for name in names:
        low, high = accepted_range(name)
        column = values[name].to_numpy()
        bad = np.flatnonzero(keep & ((column < low) | (column > high)))
        if bad.size:
            row = int(bad[0])
            raise DrawsError(
                f"{path}: row {row + 2}, {name}: {column[row]:g} is outside what the model "
                f"accepts ({low:g} to {high:g})"
            )
    return values, weights / weights.sum()


def accepted_range(name: str) -> tuple[float, float]:
    """The values ``MechanismParameters`` accepts for ``name`` (its ``ge``/``le``)."""
    low, high = -np.inf, np.inf
    for rule in MechanismParameters.model_fields[name].metadata:
        low = float(getattr(rule, "ge", low))
        high = float(getattr(rule, "le", high))
    return low, high


def pick_rows(weights: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` rows from a weighted sample. Equal weights: a simple random sample
    without replacement (no row twice while the sample has enough); otherwise rows with
    replacement in proportion to their weights, so each draw follows the weighted
    distribution exactly."""
    n = weights.size
    positive = np.flatnonzero(weights > 0)
    equal = np.allclose(weights[positive], weights[positive[0]])
    if equal and draws <= positive.size:
        return np.sort(rng.choice(positive, size=draws, replace=False))
    return np.sort(rng.choice(n, size=draws, replace=True, p=weights))


def prior_names() -> list[str]:
    """The parameters with a prior of their own in parameters.py (those calibration fits)."""
    fields = MechanismParameters.model_fields
    return [
        name
        for name, f in fields.items()
        if isinstance(f.json_schema_extra, dict) and "prior" in f.json_schema_extra
    ]


def prior_sample(size: int, seed: int) -> pd.DataFrame:
    """``size`` draws (about: orderings drop a few) of the evidence priors."""
    from safesim.experiments.calibration.priors import ParameterSpace

    names = prior_names()
    space = ParameterSpace(names)
    ordered = [list(pair) for pair in PRIOR_ORDER if all(p in names for p in pair)]
    values = space.sample_prior(size, seed, ordered)
    return pd.DataFrame(values, columns=names)


def default_sample_file() -> Path | None:
    """The calibration's posterior sample: in the working folder, else the source tree."""
    if POSTERIOR_FILE.is_file():
        return POSTERIOR_FILE
    path = Path(__file__).resolve().parents[3] / POSTERIOR_FILE
    return path if path.is_file() else None


def choose_draws(
    seed: int,
    draws: int = DEFAULT_DRAWS,
    runs: int = DEFAULT_RUNS,
    sample_file: str | Path | None = None,
    point: Mapping[str, Any] | None = None,
    point_file: str | Path | None = None,
    use_priors: bool = False,
) -> ParameterDraws:
    """The draws of one command.

    ``point`` (a ``--parameters`` file's values, possibly empty for the defaults) gives
    one point for all ``runs``; otherwise ``min(draws, runs)`` rows of ``sample_file``
    (default: the shipped posterior) or, with ``use_priors`` or no posterior to be
    found, of the evidence priors.
    """
    if draws < 1 or runs < 1:
        raise DrawsError("draws and runs must be at least 1")
    draws = min(draws, runs)
    if point is not None:
        return ParameterDraws(
            source=POINT,
            origin=str(point_file or ""),
            names=[],
            values=np.zeros((1, 0)),
            runs=runs,
            point=dict(point),
            seed=seed,
        )
    rng = np.random.default_rng(run_seed(seed, "parameter_draws"))
    path = None if use_priors else (Path(sample_file) if sample_file else default_sample_file())
    if path is not None:
        sample, weights = read_sample(path)
        # The shipped sample is named as the repository names it, wherever it was found,
        # so the same command gives the same manifest from any working folder.
        source, origin = POSTERIOR, str(sample_file) if sample_file else str(POSTERIOR_FILE)
    else:
        sample = prior_sample(PRIOR_SAMPLE_SIZE, run_seed(seed, "prior_sample"))
        weights = np.full(len(sample), 1.0 / len(sample))
        source, origin = PRIOR, "parameters.py evidence priors"
    rows = pick_rows(weights, draws, rng)
    return ParameterDraws(
        source=source,
        origin=origin,
        names=list(sample.columns),
        values=sample.to_numpy(dtype=float)[rows],
        runs=runs,
        sample_rows=[int(r) for r in rows],
        seed=seed,
        sample_path=str(path) if path is not None else "",
    )


def draws_from_manifest(info: Mapping[str, Any], seed: int) -> ParameterDraws:
    """Rebuild a command's draws from what its manifest recorded (for ``voi``)."""
    source = str(info.get("source", POINT))
    if source == POINT:
        return choose_draws(seed, 1, int(info.get("runs", 1)), point={})
    return choose_draws(
        seed,
        int(info["draws"]),
        int(info["runs"]),
        sample_file=(
            info.get("origin")
            if source == POSTERIOR and info.get("origin") != str(POSTERIOR_FILE)
            else None
        ),
        use_priors=source == PRIOR,
    )

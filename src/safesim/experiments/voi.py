"""What more evidence would be worth: the expected value of partial perfect information.

A results folder run over parameter draws is a probabilistic sensitivity analysis (PSA):
every run ``n`` has its parameters ``θ_n`` (draws.csv) and, for each option ``d`` of the
decision, a net benefit ``NB_d(n) = λ · (criminal cases averted) − cost``, with ``λ``
the value put on a criminal case averted (``--value-per-case``, yuan).

The options are: for a run, doing nothing and the mix; for a comparison, every compared
scenario; for a search (``optimize``), doing nothing and every mix on the front. Cases
averted are counted over the campaign year, costs are a year's.

The expected value of perfect information on one parameter ``φ`` is

    EVPPI(φ) = E_φ[ max_d E(NB_d | φ) ] − max_d E(NB_d),

what a decision maker would pay, at most, to learn ``φ`` before choosing. It is
estimated by the regression method of Strong, Oakley & Brennan (2014, *Medical Decision
Making* 34: 311–326): each option's net benefit, relative to the first option's, is
regressed on ``φ`` over the PSA runs with a generalised additive model of one smooth
term; the fitted values stand in for ``E(NB_d | φ)``. The smooth is a penalised cubic
regression spline (P-spline, Eilers & Marx 1996: a B-spline basis of 10 inner intervals
and a second-order difference penalty) whose smoothing is chosen by generalised
cross-validation, as ``mgcv::gam`` does by default. Run noise, which no study can
resolve, stays in the residuals and so does not count as information.

Regression EVPPI carries an upward bias of the order of the fitted values' noise when
the PSA is small (Strong et al. use thousands of draws): with few draws any parameter
seems to explain the draws' mean net benefits. ``noise_floor_yuan`` is the 95th
percentile of the EVPPI the same runs give a parameter shuffled between draws, which
cannot carry information (a permutation test); only an EVPPI above it is read as
information (``above_noise``). ``r_squared`` says how
much of the net benefit's spread the parameter explains. EVPI (all parameters at once) is
estimated from the draws' mean net benefits and is inflated by their run noise (an upper
estimate).

**Examples**::

    table = value_of_information("results/guichi", values=[30_000])
    table.sort_values("evppi_yuan", ascending=False)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.interpolate import BSpline

from safesim.errors import SafesimError
from safesim.experiments.draws import mechanism_columns
from safesim.experiments.results import ResultsError, read_manifest, verify_set

SPLINE_INTERVALS = 10
SPLINE_DEGREE = 3
PENALTY_ORDER = 2
SMOOTHING_GRID = np.logspace(-6, 6, 49)
DO_NOTHING = "do nothing"
#: Fewer distinct draws than this cannot show how a net benefit varies with a parameter.
MIN_DRAWS = 10


class VoiError(SafesimError, ValueError):
    """A folder that holds no PSA: no parameter draws, or no per-run outcomes."""


@dataclass(frozen=True)
class Psa:
    """Per-run cases averted and cost of every option, and every run's parameters."""

    options: list[str]
    averted: np.ndarray  # runs × options, criminal cases averted against doing nothing
    cost: np.ndarray  # options, yuan a year
    parameters: pd.DataFrame  # runs × drawn parameters
    draw: np.ndarray  # runs

    def net_benefit(self, value_per_case: float) -> np.ndarray:
        return value_per_case * self.averted - self.cost[None, :]


# ---------------------------------------------------------------------- the smoother
def pspline_smooth(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Fitted values of a GCV-chosen P-spline of ``y`` on ``x``, and its effective
    degrees of freedom. A constant ``x`` explains nothing: the fit is ``y``'s mean."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    span = float(x.max() - x.min())
    if span <= 0 or np.unique(x).size < 4:
        return np.full_like(y, y.mean()), 1.0
    unit = (x - x.min()) / span
    # A basis no richer than the distinct values bear: with few draws a rich spline
    # would thread their means and count run noise as information.
    intervals = max(1, min(SPLINE_INTERVALS, np.unique(x).size // 4))
    inner = np.linspace(0.0, 1.0, intervals + 1)
    knots = np.r_[[0.0] * SPLINE_DEGREE, inner, [1.0] * SPLINE_DEGREE]
    basis = BSpline.design_matrix(unit, knots, SPLINE_DEGREE).toarray()
    k = basis.shape[1]
    difference = np.diff(np.eye(k), n=PENALTY_ORDER, axis=0)
    gram, penalty, cross = basis.T @ basis, difference.T @ difference, basis.T @ y
    n = y.size
    best: tuple[float, np.ndarray, float] | None = None
    for smoothing in SMOOTHING_GRID:
        inverse = np.linalg.pinv(gram + smoothing * penalty)
        fitted = basis @ (inverse @ cross)
        edf = float(np.trace(inverse @ gram))
        if edf >= n - 1:
            continue
        gcv = n * float(np.sum((y - fitted) ** 2)) / (n - edf) ** 2
        if best is None or gcv < best[0]:
            best = (gcv, fitted, edf)
    if best is None:
        return np.full_like(y, y.mean()), 1.0
    return best[1], best[2]


def evppi(net_benefit: np.ndarray, parameter: np.ndarray) -> tuple[float, float]:
    """EVPPI of one parameter from a PSA (runs × options of net benefit), by regression
    of each option's net benefit on it (Strong, Oakley & Brennan 2014); and the share of
    the incremental net benefit's variance the parameter explains (R², over options)."""
    net_benefit = np.asarray(net_benefit, dtype=float)
    incremental = net_benefit - net_benefit[:, :1]
    fitted = np.zeros_like(incremental)
    explained, total = 0.0, 0.0
    for d in range(1, incremental.shape[1]):
        fitted[:, d], _ = pspline_smooth(parameter, incremental[:, d])
        explained += float(np.var(fitted[:, d]))
        total += float(np.var(incremental[:, d]))
    value = float(fitted.max(axis=1).mean() - fitted.mean(axis=0).max())
    return max(value, 0.0), explained / total if total > 0 else math.nan


def noise_floor(
    net_benefit: np.ndarray, draw: np.ndarray, values: np.ndarray, times: int = 40
) -> float:
    """The EVPPI a parameter unrelated to the net benefit gets from these runs by chance:
    a parameter's draw values shuffled between draws (runs of one draw keep one value),
    the 95th percentile over ``times`` shuffles — a permutation test at 5 %. An EVPPI
    below it could be chance alignment of the draws, not information."""
    rng = np.random.default_rng(0)
    draws = np.unique(draw)
    per_draw = {d: values[draw == d][0] for d in draws}
    out = []
    for _ in range(times):
        shuffled = dict(zip(draws, rng.permutation([per_draw[d] for d in draws]), strict=True))
        out.append(evppi(net_benefit, np.array([shuffled[d] for d in draw]))[0])
    return float(np.quantile(out, 0.95))


def evpi(net_benefit: np.ndarray, draw: np.ndarray) -> float:
    """EVPI from the draws' mean net benefits (an upper estimate: their run noise is in)."""
    frame = pd.DataFrame(net_benefit).assign(draw=draw).groupby("draw").mean()
    means = frame.to_numpy(float)
    return max(float(means.max(axis=1).mean() - means.mean(axis=0).max()), 0.0)


# ---------------------------------------------------------------------- reading a PSA
def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise VoiError(f"{folder}: no {name}; value of information needs a run over draws")
    return pd.read_csv(path)


def _parameters(folder: Path, runs: int) -> tuple[pd.DataFrame, np.ndarray]:
    draws = _read(folder, "draws.csv")
    names = mechanism_columns(draws)
    if not names:
        raise VoiError(
            f"{folder}: its runs are at one point of the parameters (--parameters): there is "
            "no parameter uncertainty to value"
        )
    if "run" not in draws.columns:  # a comparison's or a search's: one row per run
        draws = draws.assign(run=np.arange(len(draws)))
    draws = draws.set_index("run").sort_index().iloc[:runs]
    return draws[names].reset_index(drop=True), draws["draw"].to_numpy()


def _campaign_totals(daily: pd.DataFrame, campaign_start: str) -> pd.Series:
    inside = daily[daily["date"] >= campaign_start]
    return inside.groupby("replicate")["criminal_total"].sum()


def read_psa(folder: str | Path) -> Psa:
    """The PSA of a run, comparison or search folder."""
    folder = Path(folder)
    try:
        manifest = read_manifest(folder)
    except ResultsError as exc:
        raise VoiError(str(exc)) from None
    if manifest is None:
        raise VoiError(f"{folder}: no manifest.json; give a results folder")
    try:
        verify_set(folder, manifest)  # a changed or mixed table is refused, as plot does
    except ResultsError as exc:
        raise VoiError(str(exc)) from None
    kind = manifest.get("kind")
    if kind == "run":
        start = str(manifest["campaign_start"])
        mix = _campaign_totals(_read(folder, "daily.csv"), start)
        twin = _campaign_totals(_read(folder, "daily_twin.csv"), start)
        averted = (twin - mix).to_numpy(float)
        effects = _read(folder, "effects.csv").set_index("outcome")
        yearly = 0.0
        if "cost_per_crime_averted" in effects.index:
            days = len(_read(folder, "daily.csv").query("replicate == 0 and date >= @start"))
            yearly = float(effects.loc["cost_per_crime_averted", "mix"]) * 365.0 / max(days, 1)
        parameters, draw = _parameters(folder, averted.size)
        return Psa(
            [DO_NOTHING, str(manifest["scenario"])],
            np.column_stack([np.zeros_like(averted), averted]),
            np.array([0.0, yearly]),
            parameters,
            draw,
        )
    if kind == "compare":
        outcomes = _read(folder, "outcomes.csv").sort_values(["position", "replicate"])
        positions = sorted(set(outcomes["position"]))
        crimes = np.column_stack(
            [
                outcomes.loc[outcomes["position"] == p, "campaign_criminal_total"].to_numpy(float)
                for p in positions
            ]
        )
        first = outcomes.drop_duplicates("position").set_index("position")
        cost = first.loc[positions, "annual_cost_yuan"].to_numpy(float)
        # Averted against the first scenario: a constant shift of every option's net
        # benefit in a run, which leaves the decision and its value unchanged.
        averted = crimes[:, :1] - crimes
        parameters, draw = _parameters(folder, averted.shape[0])
        scenarios = [str(first.loc[p, "scenario"]) for p in positions]
        labels = [
            f"{n} ({p + 1})" if scenarios.count(n) > 1 else n for p, n in enumerate(scenarios)
        ]
        return Psa(labels, averted, cost, parameters, draw)
    if kind == "optimize":
        runs = _read(folder, "runs.csv")
        front = _read(folder, "front.csv")
        table = runs[runs["trial"].isin(front["trial"])].pivot(
            index="run", columns="trial", values="crimes_averted"
        )
        costs = front.set_index("trial").loc[table.columns, "annual_cost_yuan"].to_numpy(float)
        averted = np.column_stack([np.zeros(len(table)), table.to_numpy(float)])
        parameters, draw = _parameters(folder, averted.shape[0])
        options = [DO_NOTHING, *[f"mix {t}" for t in table.columns]]
        return Psa(options, averted, np.r_[0.0, costs], parameters, draw)
    raise VoiError(f"{folder}: a {kind} folder; give a run, compare or optimize folder")


def break_even(psa: Psa) -> float:
    """The value of a case averted at which the option averting the most (in expectation)
    costs as much as it gives over the first option: where the choice is hardest."""
    mean = psa.averted.mean(axis=0) - psa.averted[:, 0].mean()
    top = int(np.argmax(mean))
    if top == 0 or mean[top] <= 0:
        return math.nan
    return float((psa.cost[top] - psa.cost[0]) / mean[top])


def value_of_information(folder: str | Path, values: Sequence[float] = ()) -> pd.DataFrame:
    """EVPPI of every drawn parameter at each value of a case averted (default: the
    break-even value), ranked, with the choice made now and EVPI beside it."""
    psa = read_psa(folder)
    distinct = len(np.unique(psa.draw))
    if distinct < MIN_DRAWS:
        raise VoiError(
            f"{folder}: {distinct} parameter draw(s); value of information needs at least "
            f"{MIN_DRAWS} (more --draws, and --replicates at least as many)"
        )
    chosen = list(values) or [break_even(psa)]
    rows = []
    for value in chosen:
        if not math.isfinite(value):
            raise VoiError(
                f"{folder}: no option averts crime in expectation; give --value-per-case"
            )
        nb = psa.net_benefit(value)
        best = psa.options[int(np.argmax(nb.mean(axis=0)))]
        total = evpi(nb, psa.draw)
        first = psa.parameters.columns[0]
        floor = noise_floor(nb, psa.draw, psa.parameters[first].to_numpy(float))
        for name in psa.parameters.columns:
            worth, r2 = evppi(nb, psa.parameters[name].to_numpy(float))
            rows.append(
                {
                    "value_per_case_yuan": value,
                    "parameter": name,
                    "evppi_yuan": worth,
                    "r_squared": r2,
                    "evpi_yuan": total,
                    "noise_floor_yuan": floor,
                    "above_noise": worth > floor,
                    "choice_now": best,
                    "options": len(psa.options),
                    "runs": len(nb),
                    "draws": len(np.unique(psa.draw)),
                }
            )
    table = pd.DataFrame(rows)
    return table.sort_values(
        ["value_per_case_yuan", "evppi_yuan"], ascending=[True, False], kind="mergesort"
    ).reset_index(drop=True)

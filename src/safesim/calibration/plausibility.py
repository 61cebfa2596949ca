"""A verdict on every figure the reports give: can the model reach it, and on what terms.

For each fitted figure the emulator is evaluated over the whole evidence box (not only the
posterior) and the figure is judged, in this order:

1. **reachable inside the evidence** — some parameters inside the evidence bounds put the
   report's value within the model's 90 % run-to-run band at the city's full size, with no
   secular trend (the interventions alone);
2. **reachable inside the evidence with a secular trend** — only once the city's trend,
   kept inside its prior's 90 % range, is added (the smallest such trend is given);
3. **reachable only beyond the evidence** — only with the effect parameters beyond their
   bounds: the smallest multiple of the bounds that reaches it, and what that multiple
   means in the evidence's own units;
4. **not reachable** — not even at ``beyond_factor`` × the bounds with the trend at its
   prior's 90 % limit; the nearest the model comes is given.

Figures the model does not compute (ranks, petitions, one community's figure) are listed
with the reason; figures of the predicted cities are set beside the predictions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from safesim.calibration.emulator import Surface
from safesim.calibration.likelihood import Likelihood, Observed, with_trend

if TYPE_CHECKING:
    from safesim.calibration.pipeline import Calibration

BAND = 1.645  # a 90 % band of the model's run-to-run noise
SAMPLES = 20000


def _reach(values: np.ndarray, band: float, report: float) -> tuple[bool, float]:
    """Whether ``report`` lies within the band of the values, and the nearest value."""
    nearest = float(values[np.argmin(np.abs(values - report))])
    return bool(abs(nearest - report) <= band), nearest


def _physical(values: np.ndarray, unit: str) -> np.ndarray:
    """A surface may extrapolate past what counts allow: no fall beyond 100 %, no level
    outside 0-100 %."""
    if unit == "percent_change":
        return np.maximum(values, -100.0)
    return np.clip(values, 0.0, 100.0)


def _fmt(value: float, unit: str) -> str:
    return f"{value:+.1f} %" if unit == "percent_change" else f"{value:.2f} %"


def judge(
    f: Observed,
    likelihood: Likelihood,
    wide: dict[str, Surface],
    inside: np.ndarray,
    beyond: dict[float, np.ndarray],
    calibration: Calibration,
) -> dict[str, Any]:
    s = likelihood.surfaces[f.key]
    w = wide[f.key]
    band = BAND * np.sqrt(s.noise_var * f.noise_scale + s.lack_of_fit_var)
    mu = _physical(s.mean(inside), f.unit)
    ok, nearest = _reach(mu, band, f.report_value)
    base = {"scenario": f.city, "target": f.name, "unit": f.unit, "report": f.report_value}
    lo, hi = float(mu.min()), float(mu.max())
    span = f"the model spans {_fmt(lo, f.unit)} to {_fmt(hi, f.unit)} inside the evidence"
    if ok:
        return {
            **base,
            "verdict": "reachable inside the evidence",
            "detail": f"{span} (run-to-run band ±{band:.1f} points)",
        }
    q05, q95 = likelihood.trend.quantiles((0.05, 0.95))
    if f.lags is not None:
        taus = likelihood.trend.values[
            (likelihood.trend.values >= q05) & (likelihood.trend.values <= q95)
        ]
        for tau in sorted(taus, key=abs):
            shifted = with_trend(mu, f.lags, np.array(tau))
            if _reach(shifted, band, f.report_value)[0]:
                return {
                    **base,
                    "verdict": "reachable inside the evidence with a secular trend",
                    "detail": f"{span}; a trend of {tau:+.1f} % a year (prior 90 %: "
                    f"{q05:+.1f} to {q95:+.1f}) closes the gap",
                }
    effects = calibration.config.effect_parameters
    for factor, x in sorted(beyond.items()):
        m = _physical(w.mean(x), f.unit)
        trend_ok = False
        if f.lags is not None:
            for tau in (q05, q95):
                trend_ok |= _reach(with_trend(m, f.lags, np.array(tau)), band, f.report_value)[0]
        if _reach(m, band, f.report_value)[0] or trend_ok:
            tops = []
            for prior in calibration.space.priors:
                if prior.name in effects:
                    tops.append(
                        f"{prior.name} up to {min(factor * prior.high, 0.95):.2f} "
                        f"(evidence bound {prior.high:g})"
                    )
            how = " with the trend at its prior's 90 % limit" if trend_ok else ""
            return {
                **base,
                "verdict": "reachable only beyond the evidence",
                "detail": f"{span}; needs effects {factor:.2f}× their evidence bounds{how}: "
                + ", ".join(tops),
            }
    far = beyond[max(beyond)] if beyond else inside
    candidates = [_physical(w.mean(far), f.unit), mu]
    if f.lags is not None:
        candidates += [with_trend(c, f.lags, np.array(t)) for c in candidates for t in (q05, q95)]
    nearest = min(
        (float(c[np.argmin(np.abs(c - f.report_value))]) for c in candidates),
        key=lambda v: abs(v - f.report_value),
    )
    return {
        **base,
        "verdict": "not reachable",
        "detail": f"{span}; the nearest the model comes, even at "
        f"{calibration.config.beyond_factor:g}× the effect bounds and a trend at "
        f"its prior's 90 % limit, is {_fmt(nearest, f.unit)}, "
        f"{abs(nearest - f.report_value):.1f} points away",
    }


def plausibility_report(
    calibration: Calibration,
    likelihood: Likelihood,
    wide: dict[str, Surface],
    tables: dict[str, pd.DataFrame],
    seed: int,
) -> str:
    space = calibration.space
    inside = space.box(SAMPLES, seed)
    factors = np.linspace(1.0, calibration.config.beyond_factor, 7)[1:]
    beyond = {
        float(k): space.beyond(SAMPLES // 4, seed + i, calibration.config.effect_parameters, k)
        for i, k in enumerate(factors)
    }
    verdicts = [
        judge(f, likelihood, wide, inside, beyond, calibration) for f in likelihood.observed
    ]
    lines = [
        "# Can the model reach the reports' figures?",
        "",
        f"Made by `safesim calibrate` ({calibration.config.name}"
        f"{', --quick' if calibration.quick else ''}). Each figure is judged on its own over",
        "the whole evidence box (the bounds in src/safesim/parameters.py), with the model's",
        "run-to-run noise at the city's full size; see safesim/calibration/plausibility.py.",
        "That a report's figure is out of reach is a finding about the figure or about",
        "what else happened in the city, not a failure of the fit.",
        "",
        "## Figures fitted",
        "",
        "| city | figure | report | verdict | numbers |",
        "|---|---|---|---|---|",
    ]
    for v in verdicts:
        lines.append(
            f"| {v['scenario']} | {v['target']} | {_fmt(v['report'], v['unit'])} | "
            f"{v['verdict']} | {v['detail']} |"
        )
    counts = pd.Series([v["verdict"] for v in verdicts]).value_counts()
    lines += ["", "In all: " + "; ".join(f"{n} {k}" for k, n in counts.items()) + ".", ""]
    predictions = tables["predictions"]
    stated = predictions[predictions["report_states"].astype(str) != ""]
    if not stated.empty:
        lines += [
            "## Figures of the predicted cities",
            "",
            "| city | report states | model figure | prediction (90 %) | verdict |",
            "|---|---|---|---|---|",
        ]
        for row in stated.itertuples():
            if np.isfinite(row.report_value):
                inside_ = row.pred_p05 <= row.report_value <= row.pred_p95
                ratio = row.pred_mean / row.report_value if row.report_value else float("nan")
                verdict = (
                    "inside the prediction"
                    if inside_
                    else f"outside: the model's mean is {ratio:.2g}× the report's figure"
                )
            else:
                verdict = "not comparable: the report gives a rank among cities, not a level"
            lines.append(
                f"| {row.scenario} | {row.report_states} | {row.figure} | "
                f"{row.pred_mean:.1f} ({row.pred_p05:.1f} to {row.pred_p95:.1f}) | {verdict} |"
            )
        lines.append("")
    lines += [
        "## Figures the model does not compute",
        "",
        "| city | figure | why |",
        "|---|---|---|",
    ]
    for scenario in calibration.full.values():
        for note in scenario.not_modelled:
            lines.append(f"| {scenario.name} | {note.figure} | {note.reason} |")
    lines.append("")
    return "\n".join(lines)

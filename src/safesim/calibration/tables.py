"""The calibration's results as Markdown tables (tables.md), for reading and for the README."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _num(value: Any, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    text = f"{value:+.1f}" if unit == "percent_change" else f"{value:.3g}"
    return text if unit != "percent" else f"{value:.2f}"


def markdown_tables(tables: dict[str, pd.DataFrame], diagnostics: dict[str, Any]) -> str:
    """The posterior, held-out figures, predictions and checks as Markdown tables."""
    lines = ["## Posterior (median and 90 % interval)", ""]
    lines += ["| parameter | prior | median | 90 % interval |", "|---|---|---|---|"]
    for row in tables["posterior_summary"].itertuples():
        lines.append(
            f"| {row.parameter} | {row.prior} | {row.median:.3g} | {row.p05:.3g} to {row.p95:.3g} |"
        )
    for name, title, city in (
        ("targets", "Fitted figures: report and posterior prediction", "scenario"),
        (
            "leave_one_city_out",
            "Leave one city out: each city predicted from the other two",
            "held_out",
        ),
    ):
        lines += ["", f"## {title}", ""]
        lines += [
            "| city | figure | reported | predicted | 90 % interval | inside "
            "| of which interventions |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in tables[name].itertuples():
            unit = row.unit
            lines.append(
                f"| {getattr(row, city)} | {row.target} | {_num(row.report_value, unit)} | "
                f"{_num(row.pred_mean, unit)} | {_num(row.pred_p05, unit)} to "
                f"{_num(row.pred_p95, unit)} | {'yes' if row.inside else 'no'} | "
                f"{_num(row.interventions_mean, unit)} |"
            )
    lines += ["", "## Predictions (labelled predictions: these reports give no crime changes)", ""]
    lines += [
        "| city | figure | prediction | 90 % interval | the report states |",
        "|---|---|---|---|---|",
    ]
    for row in tables["predictions"].itertuples():
        unit = row.unit if row.unit != "count" else ""
        lines.append(
            f"| {row.scenario} | {row.figure} | {_num(row.pred_mean, unit)} | "
            f"{_num(row.pred_p05, unit)} to {_num(row.pred_p95, unit)} | "
            f"{row.report_states if isinstance(row.report_states, str) else ''} |"
        )
    d = diagnostics
    lines += [
        "",
        "## Checks on seeds never used in fitting",
        "",
        f"- Loss of {len(tables['rescore']) - 3} posterior draws re-run on fresh seeds: "
        f"{d['rescored_mean_loss']:.2f}; posterior-predictive 90 % range of that mean: "
        f"{d['predictive_mean_loss_p05']:.2f} to {d['predictive_mean_loss_p95']:.2f}.",
        f"- The design's best point: loss {d['best_design_point_loss_in_sample']:.2f} on its "
        f"own seeds, {d['best_design_point_loss_rescored']:.2f} on fresh ones.",
        f"- Effective sample size of the posterior: {d['effective_sample_size']} of "
        f"{d['prior_samples']} prior draws.",
    ]
    scaling = tables["scaling"]
    if "within" in scaling.columns and len(scaling):
        inside = int(scaling["within"].astype(bool).sum())
        lines.append(
            f"- Scaling: {inside} of {len(scaling)} fitted figures move by less than the "
            "half-width of their posterior-predictive interval when the cities are run larger "
            "(scaling.csv)."
        )
    lines.append("")
    return "\n".join(lines)

"""Briefs of the folders that simulate one scenario: ``run``, ``sweep`` and
``sensitivity``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from safesim.core.scenario import Scenario
from safesim.reports.brief_words import (
    _LANG,
    NOT_MEASURED,
    Brief,
    _figures,
    _lead,
    _scenario,
    assumptions_of,
    calibration_status,
    finite,
    fmt,
    intervention_label,
    label,
    limits,
    say,
    spread_words,
    with_interval,
    yuan,
)
from safesim.reports.figures import read_csv
from safesim.reports.labels import (
    METRIC_LABELS,
    axis_label,
    factor_label,
    outcome_label,
    summary_label,
    zh_label,
)
from safesim.reports.plot_runs import RUN_EFFECT_COLUMNS, run_effects


def _mix_words(scenario: Scenario | None) -> str:
    if scenario is None:
        return ""
    names = [intervention_label(name) for name, spec in scenario.interventions if spec]
    return say(", ".join(names), "、".join(names)) if names else say("no intervention", "无措施")


def brief_run(folder: Path, manifest: dict[str, Any]) -> Brief:
    summary = read_csv(folder / "summary.csv", ("outcome", "sim_mean", "sim_p05", "sim_p95"))
    scenario = _scenario(manifest.get("scenario_file"))
    name = manifest.get("scenario", scenario.name if scenario else folder.name)
    lang = _LANG.get()
    details = []
    for _, row in summary.iterrows():
        unit = " %" if row.get("unit") in ("percent", "percent_change") else ""
        unit = unit.strip() if lang == "zh" else unit
        figure = with_interval(row["sim_mean"], row["sim_p05"], row["sim_p95"], 1, unit)
        text = summary_label(row, lang) + say(": ", "：") + figure
        report = row.get("report_value")
        if report is not None and pd.notna(report):
            text += say(
                f"; the report gives {fmt(report, 2)}{unit}",
                f"；报告数字为 {fmt(report, 2)}{unit}",
            )
        details.append(text)
    effects = folder / "effects.csv"
    raw = read_csv(effects, RUN_EFFECT_COLUMNS) if effects.is_file() else None
    lead: list[str] = []
    if raw is not None and "spread_p05" in raw.columns:
        by_outcome = raw.set_index("outcome")
        if "criminal_total" in by_outcome.index:
            lead.append(
                say(
                    "Criminal cases averted against doing nothing: ",
                    "与不采取措施相比减少的刑事案件：",
                )
                + spread_words(by_outcome.loc["criminal_total"], 0, -1.0)
            )
        if "sense_of_security" in by_outcome.index:
            lead.append(
                say(
                    "Change in households feeling safe, points: ",
                    "有安全感住户比例的变化（百分点）：",
                )
                + spread_words(by_outcome.loc["sense_of_security"], 2)
            )
        if "cost_per_crime_averted" in by_outcome.index:
            cost = by_outcome.loc["cost_per_crime_averted"]["difference"]
            lead.append(
                say(
                    f"Cost per criminal case averted: {yuan(cost)}",
                    f"每减少一起刑事案件的费用：{yuan(cost)}",
                )
                if finite(cost)
                else say(
                    "It averts no criminal case on average: no cost per case averted.",
                    "平均没有减少刑事案件，因此没有每起案件的费用。",
                )
            )
        others = [
            r
            for r in run_effects(raw).itertuples()
            if r.unit == "cases" and r.effect != "criminal_total"
        ]
        details = [
            *(
                f"{label(r.label)}{say(': ', '：')}{with_interval(r.mean, r.p05, r.p95, 0)}"
                for r in others
            ),
            *details,
        ]
    elif raw is not None:
        for row in run_effects(raw).itertuples():
            if row.unit == "yuan":
                figure = (
                    f"{yuan(row.mean)} ({yuan(row.p05)} {say('to', '至')} {yuan(row.p95)})"
                    if finite(row.mean)
                    else say(*NOT_MEASURED)
                )
            else:
                figure = with_interval(row.mean, row.p05, row.p95)
            lead.append(f"{label(row.label)}{say(': ', '：')}{figure}")
    lead, rest = _lead(lead)
    replicates, seed = manifest.get("replicates", "?"), manifest.get("seed", "?")
    households = manifest.get("households", "?")
    households = fmt(households, 0) if finite(households) else households
    return Brief(
        kind="run",
        title=say(f"Run of {name}", f"{name} 情景的运行结果"),
        asked=say(
            f"What does the intervention mix of scenario {name} ({_mix_words(scenario)}) do to "
            f"crime and to the share of households that feel safe? {replicates} replicate(s), "
            f"seed {seed}, {households} households.",
            f"{name} 情景的措施组合（{_mix_words(scenario)}）对犯罪和群众安全感有什么影响？"
            f"共 {replicates} 次重复运行，随机种子 {seed}，{households} 户。",
        ),
        says=lead,
        details=[*rest, *details],
        figures=_figures(
            folder,
            [
                ("effects", say("Effects against doing nothing", "与不采取措施相比的效果")),
                ("sense_of_security", say("Households feeling safe", "群众安全感")),
                (
                    "report_figures",
                    say("Report figures beside the simulated ones", "报告数字与模拟结果"),
                ),
                ("crime_by_type", say("Crime by type", "各类案件")),
            ],
        ),
        sources=scenario.sources() if scenario else [],
        assumptions=assumptions_of(scenario),
        calibration=calibration_status([scenario] if scenario else []),
        cannot=[
            say(
                "Year-on-year changes include the city's own random history; against doing "
                "nothing (the counterfactual twin on the same seeds) is the intervention's "
                "effect.",
                "同比变化包含城市自身的随机经历；与不采取措施（同一随机种子的对照运行）"
                "相比的差异才是措施的效果。",
            ),
            *limits(manifest, [scenario]),
        ],
    )


#: The outcomes a comparison's brief states, in this order, when it has them: the first
#: ones lead, the others go to the details.


def brief_sweep(folder: Path, manifest: dict[str, Any]) -> Brief:
    summary = read_csv(folder / "summary.csv", ("point",))
    scenario = _scenario(manifest.get("scenario_file"))
    axes = list(manifest.get("axes", {}))
    name = manifest.get("scenario", folder.name)
    says = []
    if "crimes_averted_mean" in summary.columns:
        ranked = summary.sort_values("crimes_averted_mean", ascending=False).head(5)
        for row in ranked.to_dict("records"):
            mix = say(", ", "，").join(f"{label(axis_label(a))} {fmt(row.get(a), 0)}" for a in axes)
            averted = with_interval(
                row["crimes_averted_mean"], row["crimes_averted_p05"], row["crimes_averted_p95"]
            )
            line = say(
                f"{mix or row.get('mix')}: {averted} crimes averted against the reference mix",
                f"{mix or row.get('mix')}：与参照组合相比减少案件 {averted} 起",
            )
            cost = row.get("cost_per_crime_averted_yuan")
            if cost is not None and pd.notna(cost):
                line += say(
                    f", {yuan(cost)} per crime averted", f"，每减少一起案件花费 {yuan(cost)}"
                )
            elif "annual_cost_yuan" in row:
                line += say(
                    ", averts nothing on average: no cost per crime averted",
                    "，平均没有减少案件，因此没有每起案件的费用",
                )
            says.append(line)
    axes_words = say(", ", "、").join(label(axis_label(a)) for a in axes)
    points, replicates = manifest.get("points", "?"), manifest.get("replicates", "?")
    dose = say("Dose-response", "投入与效果")
    return Brief(
        kind="sweep",
        title=say(f"Sweep of {name}", f"{name} 情景的参数扫描"),
        asked=say(
            f"How do outcomes change over {axes_words}? {points} mixes × {replicates} "
            "replicates on common random numbers.",
            f"结果如何随{axes_words}变化？{points} 个组合 × {replicates} 次重复运行，"
            "使用共同随机数。",
        ),
        says=says
        or [
            say(
                "See the figures: the summary gives no crimes averted.",
                "见图：汇总表没有给出减少的案件数。",
            )
        ],
        figures=_figures(
            folder,
            [
                ("heatmap", say("Outcomes over both axes", "两个维度上的结果")),
                ("cost_per_crime_averted", say("Cost per crime averted", "每减少一起案件的费用")),
                *[(f"dose_response_{a.split('.', 1)[-1].replace('.', '_')}", dose) for a in axes],
            ],
        ),
        sources=scenario.sources() if scenario else [],
        assumptions=assumptions_of(scenario),
        calibration=calibration_status([scenario] if scenario else []),
        cannot=limits(manifest, [scenario]),
    )


def outcome_zh(outcome: Any) -> str:
    """A screened outcome's name in Chinese (the outcome name itself when not known)."""
    name = str(outcome) if outcome else ""
    metric = name.removeprefix("campaign_year_")
    if name.startswith("campaign_year_") and metric in METRIC_LABELS:
        return f"行动年{zh_label(METRIC_LABELS[metric])}的同比变化"
    if name == "campaign_end_sense_of_security":
        return "行动年末群众安全感"
    if name == "campaign_crimes":
        return "行动期内的案件数"
    return name or "结果"


def brief_sensitivity(folder: Path, manifest: dict[str, Any]) -> Brief:
    table = read_csv(folder / "sensitivity.csv", ("factor", "mu_star", "mu_star_conf"))
    scenario = _scenario(manifest.get("scenario_file"))
    name = manifest.get("scenario", folder.name)
    says = [
        factor_label(str(row.factor), _LANG.get())
        + say(": mean absolute effect ", "：平均绝对效应 ")
        + f"{fmt(row.mu_star, 2)} ± {fmt(row.mu_star_conf, 2)}"
        for row in table.head(8).itertuples()
    ]
    lead, details = _lead(says)
    outcome = manifest.get("outcome")
    return Brief(
        kind="sensitivity",
        title=say(f"Which factors matter for {name}", f"{name} 情景中哪些因素最重要"),
        asked=say(
            f"Which mechanism strengths and doses move "
            f"{outcome_label(str(outcome)) if outcome else 'the outcome'} most?",
            f"哪些机制强度和投入量对{outcome_zh(outcome)}影响最大？",
        ),
        says=lead,
        details=details,
        figures=_figures(
            folder, [("sensitivity_factors", say("Morris screening", "Morris 筛选法"))]
        ),
        sources=scenario.sources() if scenario else [],
        assumptions=assumptions_of(scenario, 6),
        calibration=calibration_status([scenario] if scenario else []),
        cannot=[
            say(
                "Morris screening ranks factors; it does not measure interactions precisely.",
                "Morris 筛选只给因素排序，不精确度量因素之间的交互作用。",
            ),
            *limits(manifest, [scenario]),
        ],
    )

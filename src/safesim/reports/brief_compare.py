"""The brief of a ``safesim compare`` folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safesim.core.scenario import Scenario
from safesim.core.sources import SourceReport
from safesim.reports.brief_words import (
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
    with_interval,
    yuan,
)
from safesim.reports.figures import read_csv

COMPARE_HEADLINES = (
    "campaign_criminal_total",
    "campaign_sense_of_security",
    "annual_cost_yuan",
    "campaign_dispute_violence",
    "campaign_public_order",
)


def _compare_line(row: Any, named: bool = True) -> str:
    """One outcome of a comparison; ``named=False`` (a comparison of two scenarios, named
    in the question) leaves out which pair it is."""
    unit = say(
        {"cases": " cases", "percent": " points"}.get(row.unit, ""),
        {"cases": " 起", "percent": " 个百分点"}.get(row.unit, ""),
    )
    head = say(
        f"{row.scenario} against {row.against}: {row.label}",
        f"{row.scenario} 对比 {row.against}：{label(row.label)}",
    )
    if not named:
        head = label(row.label)
        head = head[0].upper() + head[1:]
    if row.unit == "yuan":
        if not finite(row.difference_mean):
            return head + say(": ", "：") + say(*NOT_MEASURED)
        more, size = float(row.difference_mean) > 0, yuan(abs(float(row.difference_mean)))
        return head + say(
            f": {row.scenario} costs {size} a year {'more' if more else 'less'}",
            f"：{row.scenario} 每年{'多' if more else '少'}花 {size}",
        )
    verdict = row.verdict if isinstance(row.verdict, str) else ""
    if verdict.startswith("tie"):
        return head + say(": the same in every run", "：每次运行都相同")
    if not finite(row.difference_mean):
        return head + say(": ", "：") + say(*NOT_MEASURED)
    low, high = fmt(row.spread_p05), fmt(row.spread_p95)
    chance = fmt(100 * row.probability_better, 0)
    mean = float(row.difference_mean)
    size = fmt(abs(mean))
    if fmt(mean) == "0.0":
        change = say("is the same on average", "平均相同")
    elif row.unit == "cases":
        change = (
            say(f"has {size} more", f"多 {size} 起")
            if mean > 0
            else say(f"has {size} fewer", f"少 {size} 起")
        )
    elif row.unit == "percent":
        change = (
            say(f"is {size} points higher", f"高 {size} 个百分点")
            if mean > 0
            else say(f"is {size} points lower", f"低 {size} 个百分点")
        )
    else:
        change = fmt(mean) + unit
    return say(
        f"{head}: {row.scenario} {change} (9 paired runs in 10: {low} to {high}); "
        f"it does better in {chance} % of paired runs",
        f"{head}：{row.scenario} {change}（十次配对运行中有九次差值在 {low} 至 {high} 之间）；"
        f"在 {chance}% 的配对运行中更好",
    )


def city_values(scenario: Scenario) -> str:
    """The scenario's city by its numbers alone (households, land use, offenders,
    baseline): two scenarios that give the same numbers with other ``source:`` or
    ``assumption:`` words are the same city."""

    def numbers(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: numbers(v) for k, v in node.items() if k not in ("source", "assumption")}
        if isinstance(node, list):
            return [numbers(v) for v in node]
        return node

    return json.dumps(numbers(scenario.city.model_dump(mode="json")), sort_keys=True)


def mix_difference(scenarios: list[Scenario]) -> str:
    """Which interventions the second scenario has that the first lacks, and which it
    lacks, when the two share their city (empty otherwise)."""
    if len(scenarios) != 2 or city_values(scenarios[0]) != city_values(scenarios[1]):
        return ""
    a, b = ({k for k, spec in s.interventions if spec is not None} for s in scenarios)
    if a == b:
        return ""
    parts = []
    sep = say(", ", "、")
    if a - b:
        parts.append(
            say("without ", "没有") + sep.join(intervention_label(k) for k in sorted(a - b))
        )
    if b - a:
        parts.append(
            say("with ", "增加了") + sep.join(intervention_label(k) for k in sorted(b - a))
        )
    joined = say("; ", "，").join(parts)
    return say(
        f"The same city, {scenarios[1].name} {joined}. ",
        f"同一城市，{scenarios[1].name} {joined}。",
    )


def brief_compare(folder: Path, manifest: dict[str, Any]) -> Brief:
    differences = read_csv(folder / "differences.csv", ("scenario", "against", "outcome"))
    files = manifest.get("scenario_files", [])
    scenarios = [s for s in (_scenario(f) for f in files) if s is not None]
    lines = []
    rich = "verdict" in differences.columns
    if rich:
        rows = differences[differences["outcome"].isin(COMPARE_HEADLINES)]
        order = {name: i for i, name in enumerate(COMPARE_HEADLINES)}
        sort = ["_order", "position"] if "position" in rows.columns else ["_order"]
        rows = rows.assign(_order=rows["outcome"].map(order)).sort_values(sort)
        named = rows[["scenario", "against"]].drop_duplicates().shape[0] > 1
        # The same yearly cost (both unpriced, say) is no statement.
        same_cost = (rows["outcome"] == "annual_cost_yuan") & (rows["difference_mean"] == 0)
        lines = [_compare_line(row, named) for row in rows[~same_cost].itertuples()]
    for row in [] if rich else differences.itertuples():
        head = say(
            f"{row.scenario} against {row.against}: {row.label}: ",
            f"{row.scenario} 对比 {row.against}：{label(row.label)}：",
        )
        if row.unit == "yuan":
            lines.append(
                head
                + say(f"{yuan(row.difference_mean)} a year", f"每年 {yuan(row.difference_mean)}")
            )
            continue
        unit = {"cases": say(" cases", " 起"), "ratio": ""}.get(
            row.unit, say(" points", " 个百分点")
        )
        figure = with_interval(row.difference_mean, row.difference_p05, row.difference_p95)
        lines.append(head + figure + (unit if finite(row.difference_mean) else ""))
    lead, details = _lead(lines)
    differs = mix_difference(scenarios)
    sources: list[SourceReport] = []
    for s in scenarios:
        sources += [r for r in s.sources() if r not in sources]
    names = manifest.get("scenarios", [])
    replicates = manifest.get("replicates", "?")
    first = names[0] if names else "?"
    return Brief(
        kind="compare",
        title=say("Comparison of " + " and ".join(names), "情景比较：" + " 与 ".join(names)),
        asked=say(
            f"How {'do' if len(names) > 2 else 'does'} {', '.join(names[1:])} differ from "
            f"{first}? {differs}"
            f"Each ran {replicates} replicates on the same seeds "
            "(common random numbers), so differences are paired replicate by replicate.",
            f"{'、'.join(names[1:])} 与 {first} 有何不同？{differs}每个情景在相同的随机种子上运行 "
            f"{replicates} 次（共同随机数），差异按次配对计算。",
        ),
        says=lead,
        details=details,
        figures=_figures(
            folder,
            [("differences", say("Differences from the first scenario", "与第一个情景的差异"))],
        ),
        sources=sources,
        assumptions=[a for s in scenarios for a in assumptions_of(s, 6)],
        calibration=calibration_status(scenarios),
        cannot=[
            *(
                [
                    say(
                        "Scenarios of different cities differ in their whole baseline, not "
                        "only in their mix: their difference is not an intervention effect.",
                        "不同城市的情景在整个基线上都不同，而不仅是措施组合不同："
                        "它们的差异不是措施的效果。",
                    )
                ]
                if len({city_values(s) for s in scenarios}) > 1
                else []
            ),
            *limits(manifest, scenarios),
        ],
    )

"""A one-page HTML brief of a results folder: a run, a comparison, a sweep, a sensitivity
screening or an optimisation.

The brief answers four questions in plain words: what was asked, what the model says
(every figure with its 90 % interval), what that rests on (the source reports by title,
issuer and date, the scenario's assumptions, the calibration status) and what the model
cannot say. Figures are drawn from the folder's CSVs and embedded as base64 PNG, so the
file stands alone. The page is a Jinja2 template shipped with the package.

**Examples**::

    from safesim.brief import write_brief
    write_brief("results/guichi-optimize")             # results/guichi-optimize/brief.html
    write_brief("results/guichi-optimize", lang="zh")  # in Chinese throughout (needs a CJK font)
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from safesim.errors import SafesimError
from safesim.interventions import BY_NAME
from safesim.plotting import (
    METRIC_LABELS,
    RUN_EFFECT_COLUMNS,
    PlotError,
    axis_label,
    detect_kind,
    folder_language,
    plot_results,
    read_csv,
    run_effects,
    summary_label,
    zh_label,
)
from safesim.scenario import Scenario, ScenarioError, load_scenario
from safesim.sources import SourceReport

TEMPLATE = "brief.html.j2"


class BriefError(SafesimError, ValueError):
    """A folder a brief cannot be written for; the message names it."""


@dataclass
class Brief:
    kind: str
    title: str
    asked: str
    says: list[str]  # at most five plain statements, first
    figures: list[tuple[str, str]]  # (caption, base64 PNG)
    sources: list[SourceReport]
    assumptions: list[str]
    calibration: str
    cannot: list[str]
    details: list[str] = field(default_factory=list)


TEXT = {
    "en": {
        "asked": "What was asked",
        "says": "What the model says",
        "rests": "What it rests on",
        "sources": "Source reports",
        "assumptions": "Assumptions the scenario makes where the reports are silent",
        "calibration": "Calibration",
        "cannot": "What it cannot say",
        "made": "Made by safesim",
        "no_sources": "No source report is cited: the scenario is illustrative.",
        "title": "Title",
        "issuer": "Issued or published by",
        "date": "Date",
        "key": "Cited as",
        "details": "Details",
        "kinds": {
            "run": "run",
            "compare": "comparison",
            "sweep": "sweep",
            "sensitivity": "sensitivity screening",
            "optimize": "budget search",
        },
    },
    "zh": {
        "asked": "问题",
        "says": "模型结论",
        "rests": "依据",
        "sources": "资料来源",
        "assumptions": "报告未提供、由情景假定的数值",
        "calibration": "校准情况",
        "cannot": "模型不能回答的问题",
        "made": "由 safesim 生成",
        "no_sources": "情景未引用任何报告：仅作示意。",
        "title": "标题",
        "issuer": "发布单位",
        "date": "日期",
        "key": "引用为",
        "details": "详细数字",
        "kinds": {
            "run": "运行",
            "compare": "情景比较",
            "sweep": "参数扫描",
            "sensitivity": "敏感性筛查",
            "optimize": "预算优化",
        },
    },
}

COMMON_LIMITS = (
    "The model is a simplified city: its households, offenders and crimes are simulated, "
    "not observed. Its figures say what the mechanisms in docs/odd.md imply for the "
    "scenario's doses, not what will happen.",
    "Intervals are 90 % t-intervals of the mean across replicates: they show how well the "
    "replicates pin the mean down given the city's random history, not the uncertainty in "
    "the mechanism strengths or in the reports' figures.",
    "Grid workers and dispute mediation rest on thin evidence (no controlled evaluation of "
    "grid management's effect on crime was found); their effects are the least certain.",
    "Costs come from the scenario's unit_cost_yuan, which are stated assumptions where "
    "the reports give no budget split.",
)
COMMON_LIMITS_ZH = (
    "模型是一个简化的城市：其中的住户、违法者和案件都是模拟的，不是观测到的。"
    "它的数字说明的是模型机制（见 docs/odd.md）在情景所设投入下意味着什么，而不是将会发生什么。",
    "区间是各次重复运行均值的 90% 区间：只说明在城市自身随机经历下均值被确定到什么程度，"
    "不包含机制强度或报告数字的不确定性。",
    "网格员和矛盾纠纷调解的证据最薄弱（未找到网格化管理对犯罪影响的对照评估），其效果最不确定。",
    "费用来自情景设定的单价；报告未给出预算构成时，这些单价是明示的假定。",
)
#: Shown where a figure is missing (a run without a catchment has no spill-over, say).
NOT_MEASURED = ("not measured in this run", "本次运行未测量")


# ---------------------------------------------------------------------- helpers
def fmt(value: Any, digits: int = 1) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return say(*NOT_MEASURED)
    shown = f"{number:,.{digits}f}"
    return shown.removeprefix("-") if float(shown.replace(",", "")) == 0 else shown


def yuan(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return say(*NOT_MEASURED)
    return f"¥{number:,.0f}" if math.isfinite(number) else say(*NOT_MEASURED)


def finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def with_interval(mean: Any, low: Any, high: Any, digits: int = 1, unit: str = "") -> str:
    """A mean with its 90 % interval in the brief's language; a plain "not measured"
    when the mean is missing, and the mean alone when the interval is."""
    if not finite(mean):
        return say(*NOT_MEASURED)
    shown = fmt(mean, digits)
    if not (finite(low) and finite(high)):
        return shown + unit
    if fmt(low, digits) == fmt(high, digits) == shown:
        return (
            shown
            + unit
            + say(
                " (no spread across replicates: run more for an interval)",
                "（各次重复运行完全相同：需更多运行才有区间）",
            )
        )
    lo, hi = fmt(low, digits), fmt(high, digits)
    return (
        shown
        + unit
        + say(f" (90 % interval {lo} to {hi}{unit})", f"（90% 区间 {lo} 至 {hi}{unit}）")
    )


def _embed(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _scenario(file: str | None) -> Scenario | None:
    if not file:
        return None
    try:
        return load_scenario(file)
    except ScenarioError:
        return None


def assumptions_of(scenario: Scenario | None, limit: int = 12) -> list[str]:
    """The scenario's ``assumption:`` strings with the field they set (the first ``limit``).

    In Chinese, one sentence counts them and names the assumed prices: the strings
    themselves are the scenario file's own (English) words."""
    if scenario is None:
        return []
    out: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("assumption"), str) and node["assumption"]:
                value = node.get("value")
                shown = f" = {value}" if value is not None else ""
                out.append(f"{where}{shown}: {node['assumption']}")
            for key, value in node.items():
                if key != "assumption":
                    walk(value, f"{where}.{key}" if where else str(key))

    walk(scenario.model_dump(mode="json"), "")
    if _LANG.get() == "zh":
        return assumptions_zh(scenario, len(out))
    # What a decision turns on first: prices, then doses, then the city.
    out.sort(key=lambda a: 0 if "unit_cost" in a else 1 if a.startswith("interventions") else 2)
    return out[:limit] + (
        [f"… and {len(out) - limit} more in the scenario file"] if len(out) > limit else []
    )


# The language of the brief being written: every sentence is given in it.
_LANG: ContextVar[str] = ContextVar("brief_lang", default="en")


def say(en: str, zh: str) -> str:
    return zh if _LANG.get() == "zh" else en


def label(text: str) -> str:
    """An outcome or intervention label in the brief's language (plotting's ``ZH``)."""
    return zh_label(text) if _LANG.get() == "zh" else text


def intervention_label(name: str) -> str:
    """An intervention's label (its class's ``label`` or ``label_zh``)."""
    from safesim.interventions import labels

    return labels(_LANG.get()).get(name, name.replace("_", " "))


def assumptions_zh(scenario: Scenario, count: int) -> list[str]:
    if not count:
        return []
    out = [f"情景在报告未提供处假定了 {count} 个数值，每处在情景文件中附有说明（英文）。"]
    priced = []
    for name, spec in scenario.interventions:
        cost = getattr(spec, "unit_cost_yuan", None) if spec is not None else None
        value = getattr(cost, "value", cost)
        if finite(value):
            priced.append(f"{intervention_label(name)}每单位每年 {yuan(value)}")
    if priced:
        out.append("假定的单价：" + "，".join(priced) + "。")
    return out


def intervals_hold(manifest: dict[str, Any]) -> str:
    """What the folder's intervals hold, in plain words (from its parameter draws)."""
    draws = manifest.get("parameter_draws")
    if not isinstance(draws, dict):
        return say(COMMON_LIMITS[1], COMMON_LIMITS_ZH[1])
    if draws.get("source") == "point":
        return say(
            "Every run used one value of each mechanism strength, so the intervals show "
            "chance (run-to-run noise) only, not how uncertain the evidence leaves the "
            "strength of each intervention.",
            "每次运行都取同一组机制强度，区间只反映偶然性（运行间的随机波动），"
            "不反映证据对各项措施效果强弱的不确定性。",
        )
    posterior = draws.get("source") == "posterior"
    what = "the calibration's posterior" if posterior else "the evidence priors in parameters.py"
    what_zh = "校准后验分布" if posterior else "parameters.py 中的证据先验"
    n_draws, runs = draws.get("draws", "?"), draws.get("runs", "?")
    return say(
        f"The intervals hold both what the evidence leaves uncertain (each run's mechanism "
        f"strengths drawn from {what}, {n_draws} draws) and chance "
        f"({runs} runs in all); they do not hold the error of the reports' "
        "own figures or of the model's structure.",
        f"区间同时包含证据尚未确定的部分（每次运行的机制强度从{what_zh}中抽取，共 {n_draws} 组）"
        f"和偶然性（共 {runs} 次运行）；不包含报告数字本身的误差或模型结构的误差。",
    )


def limits(
    manifest: dict[str, Any], scenarios: Sequence[Scenario | None] | None = None
) -> list[str]:
    """What every brief cannot say; with the ``scenarios`` known, the caveats on thin
    evidence and on assumed prices only where they apply."""
    common = COMMON_LIMITS_ZH if _LANG.get() == "zh" else COMMON_LIMITS
    out = [common[0], intervals_hold(manifest)]
    known = [s for s in scenarios or [] if s is not None]
    kinds = {k for s in known for k, spec in s.interventions if spec is not None}
    if not known or any(BY_NAME[kind].thin_evidence for kind in kinds):
        out.append(common[2])
    priced = any(
        spec is not None and spec.unit_cost_yuan is not None
        for s in known
        for _, spec in s.interventions
    )
    if not known or priced:
        out.append(common[3])
    return out


def spread_words(row: Any, digits: int = 0, sign: float = 1.0) -> str:
    """An effect over draws × replicates, said plainly, with its split between evidence
    and chance."""
    mean = sign * float(row["difference"])
    ends = sorted(sign * float(row[k]) for k in ("spread_p05", "spread_p95"))
    low, high = fmt(ends[0], digits), fmt(ends[1], digits)
    text = say(
        f"{fmt(mean, digits)} (9 runs in 10: {low} to {high})",
        f"{fmt(mean, digits)}（十次运行中有九次在 {low} 至 {high} 之间）",
    )
    share = row.get("share_parameters")
    if share is not None and pd.notna(share):
        evidence, chance = f"{100 * float(share):.0f}", f"{100 * (1 - float(share)):.0f}"
        text += say(
            f"; {evidence} % of that spread is the evidence's uncertainty, {chance} % chance",
            f"；其中 {evidence}% 来自证据的不确定性，{chance}% 来自偶然性",
        )
    return text


def calibration_status(scenarios: list[Scenario]) -> str:
    fitted = [s.name for s in scenarios if any(t.calibrate for t in s.targets)]
    predicted = [s.name for s in scenarios if not any(t.calibrate for t in s.targets)]
    if _LANG.get() == "zh":
        parts = [
            "各项措施的机制强度为所有城市共用，取值范围以已发表的证据为界。"
            "safesim calibrate 用贵阳、铜仁和随州的犯罪数字对其进行校准；"
            "除非指定 --parameters，每次运行都从校准后验分布中抽取机制强度。"
        ]
        if fitted:
            parts.append(f"{'、'.join(fitted)}：其报告数字被用作校准目标。")
        if predicted:
            parts.append(f"{'、'.join(predicted)}：没有报告数字用于校准，其结果是预测，不是拟合。")
        return "".join(parts)
    parts = [
        "Mechanism strengths are shared by all cities and bounded by published evidence "
        "(src/safesim/parameters.py). `safesim calibrate` fits them to the crime figures of "
        "Guiyang, Tongren and Suizhou; runs draw them from that fit's posterior "
        "(calibration/posterior_samples.csv) unless given `--parameters FILE`, which runs "
        "at one point."
    ]
    if fitted:
        parts.append(f"{', '.join(fitted)}: its report's figures are calibration targets.")
    if predicted:
        parts.append(
            f"{', '.join(predicted)}: no report figure is used for calibration, so its "
            "figures are predictions, not fits."
        )
    return " ".join(parts)


def _figures(folder: Path, stems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for stem, caption in stems:
        path = folder / f"{stem}.png"
        if path.is_file():
            out.append((caption, _embed(path)))
    return out


# ---------------------------------------------------------------------- per kind
LEAD = 5  # plain statements before the details


def _lead(lines: list[str]) -> tuple[list[str], list[str]]:
    """The first ``LEAD`` lines lead the brief; the rest go to its details."""
    return lines[:LEAD], lines[LEAD:]


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
    return name or "结果"


def brief_sensitivity(folder: Path, manifest: dict[str, Any]) -> Brief:
    table = read_csv(folder / "sensitivity.csv", ("factor", "mu_star", "mu_star_conf"))
    scenario = _scenario(manifest.get("scenario_file"))
    name = manifest.get("scenario", folder.name)
    says = [
        (label(axis_label(row.factor)) if row.factor.startswith("interventions.") else row.factor)
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
            f"Which mechanism strengths and doses move {outcome or 'the outcome'} most?",
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


def brief_optimize(folder: Path, manifest: dict[str, Any]) -> Brief:
    trials = read_csv(folder / "trials.csv", ("trial", "on_front"))
    scenario = _scenario(manifest.get("scenario_file"))
    budget = manifest.get("budget_yuan")
    chosen = trials[trials["trial"] == manifest.get("recommended_trial")]
    name = manifest.get("scenario", folder.name)
    says = []
    if not chosen.empty:
        row = chosen.iloc[0]
        levers = [c for c in trials.columns if c.startswith("units_")]
        units = say(", ", "，").join(
            say(f"{int(row[c]):,} ", f"{intervention_label(c.removeprefix('units_'))} ")
            + say(intervention_label(c.removeprefix("units_")), f"{int(row[c]):,}")
            for c in levers
        )
        cost = yuan(row["annual_cost_yuan"])
        says.append(
            say(
                f"Recommended mix: {units}, costing {cost} a year of the {yuan(budget)} budget.",
                f"推荐组合：{units}，每年花费 {cost}（预算 {yuan(budget)}）。",
            )
        )
        table = read_baseline(folder)
        nothing = _baseline_row(table, "no_intervention", CRIMES)
        if table is not None and nothing is not None:
            says.append(baseline_words(table))
        else:
            current = current_mix(scenario, manifest.get("levers", []))
            if current:
                says.append(current)
        averted = with_interval(
            row["crimes_averted"],
            row["crimes_averted_p05"],
            row["crimes_averted_p95"],
            unit=say("", " 起"),
        )
        safer = with_interval(
            row["security_change_pp"],
            row["security_change_pp_p05"],
            row["security_change_pp_p95"],
            2,
            unit=say("", " 个百分点"),
        )
        base = "" if nothing is None else fmt(nothing["mean"])
        of = f" of the {base} there are with no intervention" if base else ""
        of_zh = f"（不采取措施时共有 {base} 起）" if base else ""
        says.append(
            say(
                f"Against doing nothing, it averts {averted} criminal cases in the campaign "
                f"year{of}, and changes the share of households feeling safe by {safer} "
                "percentage points.",
                f"与不采取措施相比{of_zh}，行动年内减少刑事案件 {averted}，"
                f"有安全感住户比例变化 {safer}。",
            )
        )
        if table is not None:
            says += [line for line in (against_scenario(table), lost_effects(table)) if line]
        per_case = row.get("cost_per_crime_averted_yuan")
        if per_case is not None and pd.notna(per_case):
            says.append(
                say(
                    f"That is {yuan(per_case)} per criminal case averted.",
                    f"即每减少一起刑事案件花费 {yuan(per_case)}。",
                )
            )
        best = row.get("probability_best")
        if best is not None and pd.notna(best):
            top, near = (
                f"{100 * float(best):.0f}",
                f"{100 * float(row['probability_within_10pct']):.0f}",
            )
            says.append(
                say(
                    f"Scored on the same parameter draws and runs as the other mixes nothing "
                    f"beats on all three, it averts the most in {top} % of runs and at least "
                    f"90 % of the most in {near} %; "
                    f"on average it gives up {fmt(row['regret'])} cases against each run's best.",
                    f"与其他候选组合在相同参数抽样和运行上比较："
                    f"它在 {top}% 的运行中减少案件最多，"
                    f"在 {near}% 的运行中达到最多者的 90% 以上；平均每次比当次最优少减少 "
                    f"{fmt(row['regret'])} 起。",
                )
            )
            winners = front_winners(trials, int(row["trial"]))
            if winners:
                says.append(winners)
    front = trials[trials["on_front"].astype(bool)]
    says.append(
        say(
            f"{len(front)} of the {len(trials)} mixes tried are mixes nothing beats on all "
            "three: no other mix averts more crime, raises felt safety more and costs less "
            "at once.",
            f"试过的 {len(trials)} 个组合中有 {len(front)} 个是最优候选："
            "没有其他组合能同时减少更多案件、更多提高安全感且花费更少。",
        )
    )
    replicates = manifest.get("replicates", "?")
    rule = manifest.get("recommendation_rule")
    lead, details = _lead(says)
    kinds = [lv["kind"] for lv in manifest.get("levers", [])]
    rule_zh = "（减少刑事案件最多" if rule and "most criminal" in rule else ""
    if rule_zh and "without lowering felt safety" in str(rule):
        rule_zh += "且不降低安全感"
    rule_zh += "）" if rule_zh else ""
    return Brief(
        kind="optimize",
        title=say(
            f"Which mix to buy for {name} within {yuan(budget)} a year",
            f"{name}：每年 {yuan(budget)} 预算内买哪种措施组合",
        ),
        asked=say(
            f"Which mix of the scenario's priced interventions "
            f"({', '.join(intervention_label(k) for k in kinds)}) "
            f"does most within {yuan(budget)} a year? The search tried {len(trials)} mixes, "
            f"each on {replicates} replicates paired with the same city without intervention.",
            f"在每年 {yuan(budget)} 预算内，情景中有单价的措施（"
            f"{'、'.join(intervention_label(k) for k in kinds)}）怎样组合效果最好？"
            f"共搜索 {len(trials)} 个组合，每个组合运行 {replicates} 次，"
            "并与同一城市不采取措施的运行配对比较。",
        ),
        says=lead,
        details=details,
        figures=_figures(
            folder,
            [
                (
                    "front",
                    say(
                        "Mixes tried, and those nothing beats on all three",
                        "试过的组合，以及三项都没有组合能全面胜过的组合",
                    ),
                )
            ],
        ),
        sources=scenario.sources() if scenario else [],
        assumptions=assumptions_of(scenario),
        calibration=calibration_status([scenario] if scenario else []),
        cannot=[
            say(
                "The search covers only the interventions the scenario prices, each scaled "
                "from the scenario's own specification; mixes outside that menu were not tried.",
                "搜索只涵盖情景中有单价的措施，每项按情景自身的设定缩放；清单以外的组合没有试过。",
            ),
            say(
                f"The recommended mix is {rule_words(rule)}; another rule (the cheapest mix "
                "above a target, say) picks another of the mixes nothing beats on all three.",
                f"推荐组合按一条规则选出{rule_zh}；换一条规则（例如达到目标的最便宜组合）会从同一批最优候选中选出另一个组合。",
            ),
            say(
                f"Each mix ran {replicates} replicates: with so few, the 90 % intervals are "
                "wide, and mixes whose intervals overlap are not clearly different.",
                f"每个组合只运行了 {replicates} 次：90% 区间较宽，区间重叠的组合之间没有明显差别。",
            ),
            *limits(manifest, [scenario]),
        ],
    )


def _value_at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data.get("value") if isinstance(data, dict) else data


def current_mix(scenario: Scenario | None, levers: list[dict[str, Any]]) -> str:
    """The scenario's own mix of the searched interventions, with its yearly cost, to
    stand beside the recommendation."""
    if scenario is None or not levers:
        return ""
    data = scenario.model_dump(mode="json")
    parts, total = [], 0.0
    for lever in levers:
        counts = lever.get("counts") or []
        count = _value_at(data, counts[0]) if counts else None
        name = intervention_label(lever["kind"])
        if finite(count):
            parts.append(say(f"{int(float(count)):,} {name}", f"{name} {int(float(count)):,}"))
        if finite(lever.get("scenario_cost_yuan")):
            total += float(lever["scenario_cost_yuan"])
    if not parts:
        return ""
    mix = say(", ", "，").join(parts)
    return say(
        f"The scenario's own mix for comparison: {mix}, costing {yuan(total)} a year.",
        f"作为对照，情景现有的组合：{mix}，每年花费 {yuan(total)}。",
    )


def front_winners(trials: pd.DataFrame, chosen: int, share: float = 0.1) -> str:
    """The other front mixes that are best in at least ``share`` of the runs: the mixes
    a plausible part of the evidence favours."""
    if "probability_best" not in trials.columns:
        return ""
    others = trials[
        (trials["trial"] != chosen) & (trials["probability_best"].fillna(0.0) >= share)
    ].sort_values("probability_best", ascending=False)
    if others.empty:
        return ""
    levers = [c for c in trials.columns if c.startswith("units_")]

    def mix(r: Any) -> str:
        return say(", ", "、").join(
            say(
                f"{int(getattr(r, c)):,} {intervention_label(c.removeprefix('units_'))}",
                f"{intervention_label(c.removeprefix('units_'))} {int(getattr(r, c)):,}",
            )
            for c in levers
            if finite(getattr(r, c)) and getattr(r, c) > 0
        )

    named = say("; ", "；").join(
        say(
            f"the mix costing {yuan(r.annual_cost_yuan)} ({mix(r)}; best in "
            f"{100 * r.probability_best:.0f} % of runs)",
            f"花费 {yuan(r.annual_cost_yuan)} 的组合（{mix(r)}；"
            f"在 {100 * r.probability_best:.0f}% 的运行中最好）",
        )
        for r in others.itertuples()
    )
    return say(
        f"Other mixes that do best under part of the evidence: {named}.",
        f"在部分证据下表现最好的其他组合：{named}。",
    )


CRIMES, DISPUTES, SECURITY = (
    "campaign_criminal_total",
    "campaign_dispute_violence",
    "campaign_sense_of_security",
)
#: The optimisation's headline outcomes as the brief names them, and which way is better.
OPTIMIZE_OUTCOMES = {
    CRIMES: ("criminal cases", "刑事案件", -1),
    DISPUTES: ("cases of violence from disputes", "矛盾纠纷引发的暴力案件", -1),
    SECURITY: ("households feeling safe", "有安全感住户比例", 1),
}


def rule_words(rule: Any) -> str:
    """The recommendation rule in plain English words (the manifest's, when not the usual
    one); the Chinese brief says it with ``rule_zh``."""
    if not rule:
        return "one rule"
    if "most criminal" not in str(rule):
        return str(rule)
    keeps = "without lowering felt safety" in str(rule)
    return (
        "the one of the mixes nothing beats on all three that averts the most criminal cases"
        + (" without lowering felt safety (when any does not)" if keeps else "")
        + ", the cheaper on a tie"
    )


def read_baseline(folder: Path) -> pd.DataFrame | None:
    """baseline.csv (no intervention, the scenario's own mix and the recommended one)
    indexed by mix and outcome, or None for a folder written before it."""
    path = folder / "baseline.csv"
    if not path.is_file():
        return None
    table = read_csv(path, ("mix", "outcome", "mean", "p05", "p95"))
    return table.drop_duplicates(["mix", "outcome"]).set_index(["mix", "outcome"])


def _baseline_row(table: pd.DataFrame | None, mix: str, outcome: str) -> Any:
    if table is None or (mix, outcome) not in table.index:
        return None
    return table.loc[(mix, outcome)]


def baseline_words(table: pd.DataFrame) -> str:
    """What the city has with no intervention: the twin's headline outcomes."""

    def level(outcome: str, unit: str) -> str:
        row = _baseline_row(table, "no_intervention", outcome)
        if row is None:
            return say(*NOT_MEASURED)
        return with_interval(row["mean"], row["p05"], row["p95"], 1, unit)

    crimes, disputes = level(CRIMES, say("", " 起")), level(DISPUTES, say("", " 起"))
    safe = level(SECURITY, say(" %", "%"))
    return say(
        f"With no intervention (the same city on the same runs) it has {crimes} criminal "
        f"cases and {disputes} cases of violence from disputes in the campaign year, and "
        f"{safe} of households feel safe at its end.",
        f"不采取任何措施时（同一城市、相同的运行），行动年内有刑事案件 {crimes}、"
        f"矛盾纠纷引发的暴力案件 {disputes}，年末有安全感的住户占 {safe}。",
    )


def signed(value: Any, digits: int = 1) -> str:
    shown = fmt(value, digits)
    return f"+{shown}" if finite(value) and float(shown.replace(",", "")) > 0 else shown


def _difference_words(outcome: str, row: Any) -> str:
    """One headline outcome of the recommended mix less the scenario's own, in words."""
    noun, noun_zh, _ = OPTIMIZE_OUTCOMES[outcome]
    digits = 2 if outcome == SECURITY else 1
    mean = float(row["mean"])
    if not finite(mean):
        return say(f"{noun}: ", f"{noun_zh}：") + say(*NOT_MEASURED)
    size = fmt(abs(mean), digits)
    spread = (
        say(
            f" (90 % interval of the difference {signed(row['p05'], digits)} to "
            f"{signed(row['p95'], digits)})",
            f"（差值的 90% 区间 {signed(row['p05'], digits)} 至 {signed(row['p95'], digits)}）",
        )
        if finite(row["p05"]) and finite(row["p95"])
        else ""
    )
    if fmt(mean, digits) == fmt(0.0, digits):
        return say(f"the same {noun} on average", f"{noun_zh}平均相同") + spread
    more = mean > 0
    if outcome == SECURITY:
        return (
            say(
                f"{size} points {'more' if more else 'fewer'} households feeling safe",
                f"有安全感住户比例{'高' if more else '低'} {size} 个百分点",
            )
            + spread
        )
    return (
        say(
            f"{size} {'more' if more else 'fewer'} {noun}",
            f"{noun_zh}{'多' if more else '少'} {size} 起",
        )
        + spread
    )


def against_scenario(table: pd.DataFrame) -> str:
    """What the recommended mix changes against the scenario's own (reported) mix: its
    units and cost, then each headline outcome on the same runs."""
    if _baseline_row(table, "recommended_minus_scenario_mix", CRIMES) is None:
        return ""
    changes = []
    for mix, outcome in table.index:
        if mix != "scenario_mix" or not str(outcome).startswith("units_"):
            continue
        after = _baseline_row(table, "recommended", outcome)
        before = float(table.loc[(mix, outcome)]["mean"])
        name = intervention_label(str(outcome).removeprefix("units_"))
        if after is not None and finite(before) and finite(after["mean"]):
            b, a = f"{int(before):,}", f"{int(float(after['mean'])):,}"
            changes.append(say(f"{name} from {b} to {a}", f"{name}从 {b} 变为 {a}"))
    cost_before = _baseline_row(table, "scenario_mix", "annual_cost_yuan")
    cost_after = _baseline_row(table, "recommended", "annual_cost_yuan")
    if cost_before is not None and cost_after is not None:
        b, a = yuan(cost_before["mean"]), yuan(cost_after["mean"])
        changes.append(say(f"the yearly cost from {b} to {a}", f"每年费用从 {b} 变为 {a}"))
    outcomes = [
        _difference_words(o, row)
        for o in OPTIMIZE_OUTCOMES
        if (row := _baseline_row(table, "recommended_minus_scenario_mix", o)) is not None
    ]
    joined = say(", ", "、").join(changes[:-1])
    if len(changes) > 1:
        joined += say(" and ", "，")
    joined += changes[-1] if changes else ""
    effects = say("; ", "；").join(outcomes)
    return say(
        f"Against the scenario's own mix, the recommended one changes {joined}; on the same "
        f"runs it has {effects}.",
        f"与情景现有的组合相比，推荐组合{joined}；在相同的运行中，{effects}。",
    )


def lost_effects(table: pd.DataFrame) -> str:
    """The headline effects the scenario's own mix clearly has (its 90 % interval against
    no intervention on the better side of zero) and the recommended mix keeps less than
    half of, said in one sentence; "" when there are none."""
    lost = []
    for outcome, (noun, noun_zh, better) in OPTIMIZE_OUTCOMES.items():
        own = _baseline_row(table, "scenario_mix_minus_no_intervention", outcome)
        mine = _baseline_row(table, "recommended_minus_no_intervention", outcome)
        if (
            own is None
            or mine is None
            or not all(finite(v) for v in (own["mean"], own["p05"], own["p95"], mine["mean"]))
        ):
            continue
        gain, kept = better * float(own["mean"]), better * float(mine["mean"])
        clear = min(better * float(own["p05"]), better * float(own["p95"])) > 0
        if not (clear and kept < 0.5 * gain):
            continue
        digits = 2 if outcome == SECURITY else 1
        ends = sorted(better * float(own[k]) for k in ("p05", "p95"))
        low, high = fmt(ends[0], digits), fmt(ends[1], digits)
        if outcome == SECURITY:
            lost.append(
                say(
                    f"on {noun}: that mix raises their share by {fmt(gain, digits)} points "
                    f"(90 % interval {low} to {high}), the recommended one by "
                    f"{fmt(kept, digits)}",
                    f"在{noun_zh}上：现有组合使其提高 {fmt(gain, digits)} 个百分点"
                    f"（90% 区间 {low} 至 {high}），推荐组合只提高 {fmt(kept, digits)} 个百分点",
                )
            )
        else:
            lost.append(
                say(
                    f"on {noun}: that mix averts {fmt(gain, digits)} (90 % interval {low} to "
                    f"{high}), the recommended one {fmt(kept, digits)}",
                    f"在{noun_zh}上：现有组合减少 {fmt(gain, digits)} 起（90% 区间 {low} 至 "
                    f"{high}），推荐组合只减少 {fmt(kept, digits)} 起",
                )
            )
    if not lost:
        return ""
    return say(
        "The recommended mix loses most of the scenario's own mix's effect against doing "
        "nothing " + "; and ".join(lost) + ".",
        "推荐组合失去了情景现有组合相对于不采取措施的大部分效果，" + "；".join(lost) + "。",
    )


BUILDERS = {
    "run": brief_run,
    "compare": brief_compare,
    "sweep": brief_sweep,
    "sensitivity": brief_sensitivity,
    "optimize": brief_optimize,
}


def render(brief: Brief, lang: str = "en", made: str = "") -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("safesim", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    if lang == "zh":  # the reports' issuers and dates in Chinese; titles stay as printed
        brief = dataclasses.replace(brief, sources=[s.in_chinese() for s in brief.sources])
    return env.get_template(TEMPLATE).render(
        brief=brief,
        t=TEXT[lang],
        lang="zh-CN" if lang == "zh" else "en",
        made=made,
    )


#: The last second of 9999-12-31: later times cannot be written as a date.
LATEST_UNIX = 253_402_300_799


def made_on(folder: Path, manifest: dict[str, Any]) -> str:
    """The day the results were made (``created_unix``), or ""; the manifest fields the
    brief reads are checked here, so a damaged manifest is one ``BriefError``."""
    where = folder / "manifest.json"
    invocation = manifest.get("invocation")
    if invocation is not None and not isinstance(invocation, dict):
        raise BriefError(f"{where}: invocation: expected a mapping")
    for key, want in (("scenario_file", str), ("scenario", str)):
        value = manifest.get(key)
        if value is not None and not isinstance(value, want):
            raise BriefError(f"{where}: {key}: expected text, got {type(value).__name__}")
    for key in ("scenario_files", "scenarios"):
        value = manifest.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise BriefError(f"{where}: {key}: expected a list of text")
    created = manifest.get("created_unix")
    if created is None and invocation:
        created = invocation.get("created_unix")
    if created is None:
        return ""
    if (
        isinstance(created, bool)
        or not isinstance(created, int | float)
        or not (math.isfinite(created) and 0 <= created <= LATEST_UNIX)
    ):
        raise BriefError(
            f"{where}: created_unix: {str(created)[:40]!r} is not a time (seconds since 1970)"
        )
    return datetime.fromtimestamp(int(created), UTC).strftime("%Y-%m-%d")


def files_dated(folder: Path, kind: str) -> str:
    """For a folder whose manifest gives no date (or that has none: results written
    before manifests, or tables copied without theirs), the day its result files were
    last written, said as such."""
    from safesim.plotting import PLOTTERS

    times = [(folder / n).stat().st_mtime for n in PLOTTERS[kind].files if (folder / n).is_file()]
    if not times:
        return ""
    day = datetime.fromtimestamp(int(max(times)), UTC).strftime("%Y-%m-%d")
    return say(f"{day} (the date of its files)", f"{day}（文件日期）")


def write_brief(folder: str | Path, lang: str | None = None) -> Path:
    """Draw the folder's figures (in ``lang``; by default the language the folder was
    written in) and write ``brief.html`` next to them."""
    path = Path(folder)
    try:
        kind, manifest = detect_kind(path)
        lang = lang or folder_language(manifest)
        if kind not in BUILDERS:
            raise BriefError(f"{path}: no brief for results of kind {kind!r}")
        made = made_on(path, manifest)  # checked before any figure is drawn
        plot_results(path, "png", lang=lang)
        token = _LANG.set(lang)
        try:
            made = made or files_dated(path, kind)
            brief = BUILDERS[kind](path, manifest)
        finally:
            _LANG.reset(token)
    except PlotError as exc:
        raise BriefError(str(exc)) from None
    from safesim.runner import atomic_write_text

    out = path / "brief.html"
    atomic_write_text(out, render(brief, lang, made))
    return out

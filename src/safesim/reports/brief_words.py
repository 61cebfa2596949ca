"""What every brief shares: the brief record, its fixed text in English and Chinese, the
language it is written in, and the wording of numbers, intervals and limits."""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from safesim.core.interventions import BY_NAME
from safesim.core.scenario import Scenario, ScenarioError, load_scenario
from safesim.core.sources import SourceReport
from safesim.errors import SafesimError
from safesim.reports.labels import zh_label

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
    from safesim.core.interventions import labels

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
        "(src/safesim/core/parameters.py). `safesim calibrate` fits them to the crime figures of "
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

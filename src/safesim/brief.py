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
    write_brief("results/guichi-optimize", lang="zh")  # Chinese labels (needs a CJK font)
"""

from __future__ import annotations

import base64
import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from safesim.plotting import (
    RUN_EFFECT_COLUMNS,
    PlotError,
    axis_label,
    detect_kind,
    plot_results,
    read_csv,
    run_effects,
    summary_label,
)
from safesim.scenario import Scenario, ScenarioError, load_scenario
from safesim.sources import SourceReport

TEMPLATE = "brief.html.j2"


class BriefError(ValueError):
    """A folder a brief cannot be written for; the message names it."""


@dataclass
class Brief:
    kind: str
    title: str
    asked: str
    says: list[str]
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


# ---------------------------------------------------------------------- helpers
def fmt(value: Any, digits: int = 1) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "n/a"
    return f"{number:,.{digits}f}"


def yuan(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return f"¥{number:,.0f}" if math.isfinite(number) else "n/a"


def with_interval(mean: Any, low: Any, high: Any, digits: int = 1, unit: str = "") -> str:
    shown = fmt(mean, digits)
    if fmt(low, digits) == fmt(high, digits) == shown != "n/a":
        return f"{shown}{unit} (no spread across replicates: run more for an interval)"
    return f"{shown}{unit} (90 % interval {fmt(low, digits)} to {fmt(high, digits)}{unit})"


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
    """The scenario's ``assumption:`` strings with the field they set (the first ``limit``)."""
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
    # What a decision turns on first: prices, then doses, then the city.
    out.sort(key=lambda a: 0 if "unit_cost" in a else 1 if a.startswith("interventions") else 2)
    return out[:limit] + (
        [f"… and {len(out) - limit} more in the scenario file"] if len(out) > limit else []
    )


# The language of the brief being written: the statements on uncertainty are given in it.
_LANG: ContextVar[str] = ContextVar("brief_lang", default="en")


def say(en: str, zh: str) -> str:
    return zh if _LANG.get() == "zh" else en


def intervals_hold(manifest: dict[str, Any]) -> str:
    """What the folder's intervals hold, in plain words (from its parameter draws)."""
    draws = manifest.get("parameter_draws")
    if not isinstance(draws, dict):
        return COMMON_LIMITS[1]
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


def limits(manifest: dict[str, Any]) -> list[str]:
    return [COMMON_LIMITS[0], intervals_hold(manifest), *COMMON_LIMITS[2:]]


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
def brief_run(folder: Path, manifest: dict[str, Any]) -> Brief:
    summary = read_csv(folder / "summary.csv", ("outcome", "sim_mean", "sim_p05", "sim_p95"))
    scenario = _scenario(manifest.get("scenario_file"))
    name = manifest.get("scenario", scenario.name if scenario else folder.name)
    says = []
    for _, row in summary.iterrows():
        unit = " %" if row.get("unit") in ("percent", "percent_change") else ""
        figure = with_interval(row["sim_mean"], row["sim_p05"], row["sim_p95"], 1, unit)
        text = f"{summary_label(row)}: {figure}"
        report = row.get("report_value")
        if report is not None and pd.notna(report):
            text += f"; the report gives {fmt(report, 2)}{unit}"
        says.append(text)
    effects = folder / "effects.csv"
    raw = read_csv(effects, RUN_EFFECT_COLUMNS) if effects.is_file() else None
    if raw is not None and "spread_p05" in raw.columns:
        by_outcome = raw.set_index("outcome")
        lead = []
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
        says = [*lead, intervals_hold(manifest), *says]
    elif raw is not None:
        table = run_effects(raw)
        for row in table.itertuples():
            if row.unit == "yuan":
                says.insert(
                    0, f"{row.label}: {yuan(row.mean)} ({yuan(row.p05)} to {yuan(row.p95)})"
                )
            else:
                says.insert(0, f"{row.label}: {with_interval(row.mean, row.p05, row.p95)}")
    return Brief(
        kind="run",
        title=f"Run of {name}",
        asked=(
            f"What does the intervention mix of scenario {name} do to crime and to the share "
            f"of households that feel safe? {manifest.get('replicates', '?')} replicate(s), "
            f"seed {manifest.get('seed', '?')}, {manifest.get('households', '?')} households."
        ),
        says=says,
        figures=_figures(
            folder,
            [
                ("effects", "Effects against doing nothing"),
                ("sense_of_security", "Households feeling safe"),
                ("report_figures", "Report figures beside the simulated ones"),
                ("crime_by_type", "Crime by type"),
            ],
        ),
        sources=scenario.sources() if scenario else [],
        assumptions=assumptions_of(scenario),
        calibration=calibration_status([scenario] if scenario else []),
        cannot=[
            "Year-on-year changes include the city's own random history; against doing "
            "nothing (the counterfactual twin on the same seeds) is the intervention's effect.",
            *limits(manifest),
        ],
    )


#: The outcomes a comparison's brief states, in this order, when it has them.
COMPARE_HEADLINES = (
    "campaign_criminal_total",
    "campaign_dispute_violence",
    "campaign_public_order",
    "campaign_sense_of_security",
    "annual_cost_yuan",
)


COMPARE_LABELS_ZH = {
    "campaign_criminal_total": "刑事案件（行动年）",
    "campaign_dispute_violence": "民转刑案件（行动年）",
    "campaign_public_order": "治安案件（行动年）",
    "campaign_sense_of_security": "行动年末有安全感的住户比例",
    "annual_cost_yuan": "每年费用",
}


def _compare_line(row: Any) -> str:
    unit = say(
        {"cases": " cases", "percent": " points"}.get(row.unit, ""),
        {"cases": " 起", "percent": " 个百分点"}.get(row.unit, ""),
    )
    label = say(row.label, COMPARE_LABELS_ZH.get(row.outcome, row.label))
    head = say(
        f"{row.scenario} against {row.against}: {label}",
        f"{row.scenario} 对比 {row.against}：{label}",
    )
    if row.unit == "yuan":
        return f"{head}: {yuan(row.difference_mean)}"
    verdict = row.verdict if isinstance(row.verdict, str) else ""
    if verdict.startswith("tie"):
        return head + say(": the same in every run", "：每次运行都相同")
    low, high = fmt(row.spread_p05), fmt(row.spread_p95)
    chance = fmt(100 * row.probability_better, 0)
    return say(
        f"{head}: {fmt(row.difference_mean)}{unit} (9 paired runs in 10: {low} to {high}); "
        f"{row.scenario} does better in {chance} % of paired runs",
        f"{head}：{fmt(row.difference_mean)}{unit}（十次配对运行中有九次在 {low} 至 {high} 之间）；"
        f"{row.scenario} 在 {chance}% 的配对运行中更好",
    )


def brief_compare(folder: Path, manifest: dict[str, Any]) -> Brief:
    differences = read_csv(folder / "differences.csv", ("scenario", "against", "outcome"))
    files = manifest.get("scenario_files", [])
    scenarios = [s for s in (_scenario(f) for f in files) if s is not None]
    says = []
    rich = "verdict" in differences.columns
    if rich:
        rows = differences[differences["outcome"].isin(COMPARE_HEADLINES)]
        order = {name: i for i, name in enumerate(COMPARE_HEADLINES)}
        rows = rows.assign(_order=rows["outcome"].map(order)).sort_values(["position", "_order"])
        says = [_compare_line(row) for row in rows.itertuples()]
        says.append(intervals_hold(manifest))
    for row in [] if rich else differences.itertuples():
        if row.unit == "yuan":
            says.append(
                f"{row.scenario} against {row.against}: {row.label}: "
                f"{yuan(row.difference_mean)} a year"
            )
            continue
        says.append(
            f"{row.scenario} against {row.against}: {row.label}: "
            f"{with_interval(row.difference_mean, row.difference_p05, row.difference_p95)}"
            f" {'cases' if row.unit == 'cases' else 'points' if row.unit != 'ratio' else ''}"
        )
    sources: list[SourceReport] = []
    for s in scenarios:
        sources += [r for r in s.sources() if r not in sources]
    names = manifest.get("scenarios", [])
    return Brief(
        kind="compare",
        title="Comparison of " + " and ".join(names),
        asked=(
            f"How do {', '.join(names[1:])} differ from {names[0] if names else '?'}? "
            f"Each ran {manifest.get('replicates', '?')} replicates on the same seeds "
            "(common random numbers), so differences are paired replicate by replicate."
        ),
        says=says,
        figures=_figures(folder, [("differences", "Differences from the first scenario")]),
        sources=sources,
        assumptions=[a for s in scenarios for a in assumptions_of(s, 6)],
        calibration=calibration_status(scenarios),
        cannot=[
            *(
                [
                    "Scenarios of different cities differ in their whole baseline, not only "
                    "in their mix: their difference is not an intervention effect."
                ]
                if len({s.city.model_dump_json() for s in scenarios}) > 1
                else []
            ),
            *limits(manifest),
        ],
    )


def brief_sweep(folder: Path, manifest: dict[str, Any]) -> Brief:
    summary = read_csv(folder / "summary.csv", ("point",))
    scenario = _scenario(manifest.get("scenario_file"))
    axes = list(manifest.get("axes", {}))
    says = []
    if "crimes_averted_mean" in summary.columns:
        ranked = summary.sort_values("crimes_averted_mean", ascending=False).head(5)
        for row in ranked.to_dict("records"):
            mix = ", ".join(f"{axis_label(a)} {fmt(row.get(a), 0)}" for a in axes)
            averted = with_interval(
                row["crimes_averted_mean"], row["crimes_averted_p05"], row["crimes_averted_p95"]
            )
            line = f"{mix or row.get('mix')}: {averted} crimes averted against the reference mix"
            cost = row.get("cost_per_crime_averted_yuan")
            if cost is not None and pd.notna(cost):
                line += f", {yuan(cost)} per crime averted"
            elif "annual_cost_yuan" in row:
                line += ", averts nothing on average: no cost per crime averted"
            says.append(line)
    return Brief(
        kind="sweep",
        title=f"Sweep of {manifest.get('scenario', folder.name)}",
        asked=(
            f"How do outcomes change over {', '.join(axes)}? {manifest.get('points', '?')} "
            f"mixes × {manifest.get('replicates', '?')} replicates on common random numbers."
        ),
        says=says or ["See the figures: the summary gives no crimes averted."],
        figures=_figures(
            folder,
            [
                ("heatmap", "Outcomes over both axes"),
                ("cost_per_crime_averted", "Cost per crime averted"),
                *[
                    (f"dose_response_{a.split('.', 1)[-1].replace('.', '_')}", "Dose-response")
                    for a in axes
                ],
            ],
        ),
        sources=scenario.sources() if scenario else [],
        assumptions=assumptions_of(scenario),
        calibration=calibration_status([scenario] if scenario else []),
        cannot=limits(manifest),
    )


def brief_sensitivity(folder: Path, manifest: dict[str, Any]) -> Brief:
    table = read_csv(folder / "sensitivity.csv", ("factor", "mu_star", "mu_star_conf"))
    scenario = _scenario(manifest.get("scenario_file"))
    says = [
        f"{row.factor}: mean absolute effect {fmt(row.mu_star, 2)} ± {fmt(row.mu_star_conf, 2)}"
        for row in table.head(8).itertuples()
    ]
    return Brief(
        kind="sensitivity",
        title=f"Which factors matter for {manifest.get('scenario', folder.name)}",
        asked=(
            "Which mechanism strengths and doses move "
            f"{manifest.get('outcome', 'the outcome')} most?"
        ),
        says=says,
        figures=_figures(folder, [("sensitivity_factors", "Morris screening")]),
        sources=scenario.sources() if scenario else [],
        assumptions=assumptions_of(scenario, 6),
        calibration=calibration_status([scenario] if scenario else []),
        cannot=[
            "Morris screening ranks factors; it does not measure interactions precisely.",
            *limits(manifest),
        ],
    )


def brief_optimize(folder: Path, manifest: dict[str, Any]) -> Brief:
    trials = read_csv(folder / "trials.csv", ("trial", "on_front"))
    scenario = _scenario(manifest.get("scenario_file"))
    budget = manifest.get("budget_yuan")
    chosen = trials[trials["trial"] == manifest.get("recommended_trial")]
    says = []
    if not chosen.empty:
        row = chosen.iloc[0]
        units = ", ".join(
            f"{int(row[c]):,} {c.removeprefix('units_').replace('_', ' ')}"
            for c in trials.columns
            if c.startswith("units_")
        )
        says.append(
            f"Recommended mix (trial {int(row['trial'])}): {units}, costing "
            f"{yuan(row['annual_cost_yuan'])} a year of the {yuan(budget)} budget."
        )
        says.append(
            "It averts "
            + with_interval(
                row["crimes_averted"], row["crimes_averted_p05"], row["crimes_averted_p95"]
            )
            + " criminal cases in the campaign year against doing nothing, and changes the "
            "share of households feeling safe by "
            + with_interval(
                row["security_change_pp"],
                row["security_change_pp_p05"],
                row["security_change_pp_p95"],
                2,
            )
            + " percentage points."
        )
        cost = row.get("cost_per_crime_averted_yuan")
        if cost is not None and pd.notna(cost):
            says.append(f"That is {yuan(cost)} per criminal case averted.")
        best = row.get("probability_best")
        if best is not None and pd.notna(best):
            top, near = (
                f"{100 * float(best):.0f}",
                f"{100 * float(row['probability_within_10pct']):.0f}",
            )
            says.append(
                say(
                    f"Scored on the same parameter draws and runs as every other mix on the "
                    f"front, it averts the most in {top} % of runs and at least "
                    f"90 % of the most in {near} %; "
                    f"on average it gives up {fmt(row['regret'])} cases against each run's best.",
                    f"与前沿上其他组合在相同参数抽样和运行上比较："
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
        f"{len(front)} of {len(trials)} mixes tried are on the Pareto front: no other mix "
        "averts more crime, raises felt safety more and costs less at once."
    )
    return Brief(
        kind="optimize",
        title=(
            f"Which mix to buy for {manifest.get('scenario', folder.name)} "
            f"within {yuan(budget)} a year"
        ),
        asked=(
            f"Which mix of the scenario's priced interventions "
            f"({', '.join(lv['kind'].replace('_', ' ') for lv in manifest.get('levers', []))}) "
            f"does most within {yuan(budget)} a year? {len(trials)} mixes searched with NSGA-II, "
            f"each on {manifest.get('replicates', '?')} replicates paired with the same city "
            "without intervention."
        ),
        says=says,
        figures=_figures(folder, [("front", "Mixes tried and the Pareto front")]),
        sources=scenario.sources() if scenario else [],
        assumptions=assumptions_of(scenario),
        calibration=calibration_status([scenario] if scenario else []),
        cannot=[
            "The search covers only the interventions the scenario prices, each scaled from "
            "the scenario's own specification; mixes outside that menu were not tried.",
            f"The recommended mix is {manifest.get('recommendation_rule', 'one rule')}; another "
            "rule (the cheapest mix above a target, say) picks another mix from the same front.",
            f"Each mix ran {manifest.get('replicates', '?')} replicates: with so few, the "
            "90 % intervals are wide, and mixes whose intervals overlap are not clearly "
            "different.",
            *limits(manifest),
        ],
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
    named = ", ".join(
        f"trial {int(r.trial)} ({yuan(r.annual_cost_yuan)}, best in "
        f"{100 * r.probability_best:.0f} % of runs)"
        for r in others.itertuples()
    )
    return f"Other mixes that do best under part of the evidence: {named}."


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


def write_brief(folder: str | Path, lang: str = "en") -> Path:
    """Draw the folder's figures (in ``lang``) and write ``brief.html`` next to them."""
    path = Path(folder)
    try:
        kind, manifest = detect_kind(path)
        if kind not in BUILDERS:
            raise BriefError(f"{path}: no brief for results of kind {kind!r}")
        made = made_on(path, manifest)  # checked before any figure is drawn
        plot_results(path, "png", lang=lang)
        token = _LANG.set(lang)
        try:
            brief = BUILDERS[kind](path, manifest)
        finally:
            _LANG.reset(token)
    except PlotError as exc:
        raise BriefError(str(exc)) from None
    from safesim.runner import atomic_write_text

    out = path / "brief.html"
    atomic_write_text(out, render(brief, lang, made))
    return out

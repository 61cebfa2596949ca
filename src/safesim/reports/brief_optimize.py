"""The brief of a ``safesim optimize`` folder: the recommended mix against doing nothing
and against the scenario's own mix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from safesim.core.scenario import Scenario, at_path
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
    limits,
    say,
    with_interval,
    yuan,
)
from safesim.reports.figures import read_csv


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


def current_mix(scenario: Scenario | None, levers: list[dict[str, Any]]) -> str:
    """The scenario's own mix of the searched interventions, with its yearly cost, to
    stand beside the recommendation."""
    if scenario is None or not levers:
        return ""
    data = scenario.model_dump(mode="json")
    parts, total = [], 0.0
    for lever in levers:
        counts = lever.get("counts") or []
        count = at_path(data, counts[0]) if counts else None
        count = count.get("value") if isinstance(count, dict) else count
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

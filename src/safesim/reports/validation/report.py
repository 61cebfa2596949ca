"""docs/validation.md: one table per group of facts, then the Knox table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from safesim.reports.validation.measure import (
    Report,
)
from safesim.reports.validation.rules import (
    INSIDE,
    NO_RANGE,
    OUTSIDE,
    OVERLAPS,
    PROTOCOL_FILE,
    SETS_PARAMETER,
    TOO_FEW_EVENTS,
    UNDETERMINED,
    VERDICTS,
    Fact,
    Settings,
)


def _number(value: float, unit: str) -> str:
    if np.isnan(value):
        return "n/a"
    if np.isinf(value):
        return "unbounded"
    if unit in ("% of found", "% of cells"):
        return f"{value:.1f}"
    if unit in ("%", "pp"):
        return f"{value:+.1f}"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.2f}"


def _range(fact: Fact) -> str:
    if fact.point is not None:
        return f"point {_number(fact.point, fact.unit)}"
    if fact.low is None and fact.high is None:
        return "none"
    low = "" if fact.low is None else _number(fact.low, fact.unit)
    high = "" if fact.high is None else _number(fact.high, fact.unit)
    if not low:
        return f"≤ {high}"
    if not high:
        return f"≥ {low}"
    return f"{low} to {high}"


def tally(facts: Sequence[Fact]) -> dict[str, int]:
    counts = dict.fromkeys(VERDICTS, 0)
    for fact in facts:
        counts[fact.verdict] += 1
    return counts


def summary_line(facts: Sequence[Fact]) -> str:
    counts = tally(facts)
    judged = counts[INSIDE] + counts[OUTSIDE] + counts[OVERLAPS] + counts[UNDETERMINED]
    return (
        f"{counts[INSIDE]} of {judged} judged facts inside their range, {counts[OVERLAPS]} "
        f"overlapping it, {counts[OUTSIDE]} outside, {counts[UNDETERMINED]} undetermined "
        f"({counts[NO_RANGE]} measures without a range, {counts[TOO_FEW_EVENTS]} with too "
        f"few events, {counts[SETS_PARAMETER]} that set a parameter and so test nothing)"
    )


def render(report: Report, settings: Settings, protocol: dict[str, Any]) -> str:
    """docs/validation.md: one table per group of facts, then the Knox table."""
    facts = report.facts
    command = "safesim validate" + (" --quick" if settings.name == "quick" else "")
    headings = protocol.get("groups", {})
    lines = [
        "# Validation: stylised facts",
        "",
        f"Written by `{command}`; do not edit by hand. Every fact, how it is measured and "
        "the literature's range are fixed in the validation protocol "
        f"(`src/safesim/{PROTOCOL_FILE}`), which changes only with a new cited source. "
        "Verdicts: *inside* when the model's whole 90 % interval lies within the range "
        "(for a point figure: the literature's point lies inside the model's interval); "
        "*overlaps* when they meet without that; *outside* when they do not meet; "
        "*undetermined* when the interval is too wide to tell or fewer than "
        f"{protocol.get('minimum_replicates', 1)} replicates were run.",
        "",
        f"Settings: {settings.replicates} replicates from seed {settings.seed}; "
        f"intervention effects and spill-over on `{settings.scenario}` (Guiyang's doses per "
        f"household) scaled to {settings.households:,} households over its campaign year; "
        f"the crime patterns of the no-intervention city at "
        f"{settings.pattern_households:,} households; stationarity of "
        f"`{settings.stationarity}` over {settings.stationarity_years} years at "
        f"{settings.stationarity_households:,} households "
        f"({settings.replicates * settings.stationarity_replicate_factor} replicates); "
        f"grid workers' violent disputes at {settings.grid_households:,} households; "
        f"Guichi at {settings.guichi_households:,} households.",
        "",
        f"**{summary_line(facts)}.**",
    ]
    groups: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        groups[fact.group].append(fact)
    for group, members in groups.items():
        lines += [
            "",
            f"## {headings.get(group, group)}",
            "",
            "| fact | literature | source | model | 90 % interval | range | replicates "
            "| verdict | note |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for f in members:
            lo, hi = (_number(v, f.unit) for v in f.interval)
            lines.append(
                f"| {f.name} | {f.literature} | {f.source} | {_number(f.value, f.unit)} {f.unit} "
                f"| {lo} to {hi} | {_range(f)} | {f.replicates} | {f.verdict} | {f.note} |"
            )
    if report.knox is not None and report.knox.observed.size:
        ratio, p = report.knox.table()
        time_bands = report.knox.time_bands_days
        lines += [
            "",
            "## Knox table of burglaries of different homes (ratio observed / expected, "
            "Monte-Carlo p)",
            "",
            f"Pooled over {settings.replicates} replicates, {report.knox.permutations} "
            "permutations of the days each. Johnson & Bowers 2004: clustering up to "
            "300–400 m for 1–2 months; Johnson et al. 2007: within 200 m for at least two "
            "weeks in all 10 areas.",
            "",
            "| distance | " + " | ".join(f"{lo}–{hi} days" for lo, hi in time_bands) + " |",
            "|---|" + "---|" * len(time_bands),
        ]
        for d, (lo, hi) in enumerate(report.knox.distance_bands_m):
            cells = " | ".join(
                f"{ratio[d, t]:.2f} (p {p[d, t]:.2f})" for t in range(len(time_bands))
            )
            lines.append(f"| {lo:g}–{hi:g} m | {cells} |")
    lines += scale_section(protocol.get("scale"))
    return "\n".join(lines) + "\n"


Z90 = 1.6449  # two one-sided tests at 5 %: the 90 % interval of a difference


def equivalence(sizes: dict[int, tuple[float, float]], margin: float) -> tuple[float, float]:
    """The widest 90 % interval of the difference between any two sizes' effects, as
    (lowest low, highest high): equivalent when it lies within ± ``margin``."""
    keys = sorted(sizes)
    lows, highs = [], []
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            diff = sizes[b][0] - sizes[a][0]
            se = float(np.hypot(sizes[a][1], sizes[b][1]))
            lows.append(diff - Z90 * se)
            highs.append(diff + Z90 * se)
    return min(lows), max(highs)


def scale_section(scale: dict[str, Any] | None) -> list[str]:
    """The scale-invariance measurements the protocol records (tests/test_scale.py runs
    them; this command does not), each judged by the equivalence rule."""
    if not scale or not scale.get("measured"):
        return []
    lines = [
        "",
        "## Scale invariance: the same dose per household at three city sizes",
        "",
        f"{scale['design']} Recorded from `{scale['command']}`; this command does not run it.",
        "",
        "| intervention | "
        + " | ".join(f"{int(s):,} households" for s in scale["sizes"])
        + " | widest 90 % interval of a difference (points) | margin (points) | verdict |",
        "|---|" + "---|" * (len(scale["sizes"]) + 3),
    ]
    for name, spec in scale["measured"].items():
        sizes = {int(s): (float(e), float(se)) for s, (e, se, _) in spec["sizes"].items()}
        low, high = equivalence(sizes, float(spec["margin"]))
        margin = float(spec["margin"])
        verdict = "equivalent" if -margin <= low and high <= margin else "not shown equivalent"
        cells = " | ".join(
            f"{e:+.1f} % (se {se:.1f}, {int(n)} replicates)"
            for e, se, n in (spec["sizes"][s] for s in spec["sizes"])
        )
        lines.append(
            f"| {name} | {cells} | {low:+.1f} to {high:+.1f} | ± {margin:.1f} | {verdict} |"
        )
    return lines

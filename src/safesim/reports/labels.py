"""The words on the figures and in the brief, in English and Chinese: outcome, unit and
axis labels and their translations. Every function that words a label takes ``lang``."""

from __future__ import annotations

import pandas as pd

from safesim.core.interventions import BY_NAME, ORDER
from safesim.core.outcomes import METRICS, OUTCOMES
from safesim.reports.labels_parameters import PARAMETER_LABELS

# Cost per crime averted: per run in runs.csv when a sweep writes it there, else per mix
# in summary.csv (as ``safesim sweep`` does, with the paired comparison already made).
COST_PREFIX = "cost_per_crime_averted"

# The kinds of case the daily record counts by type, with their labels.
CRIME_TYPES = {o.name: o.label for o in OUTCOMES.values() if o.crime_type}


# ---------------------------------------------------------------------- language


ZH = {
    # Each recorded outcome's label, from the registry.
    **{o.label: o.label_zh for o in OUTCOMES.values()},
    "criminal cases": "刑事案件",
    "cost per criminal case averted": "每避免一起刑事案件的成本",
    "yearly cost of the mix": "组合年度成本",
    "households feeling safe, end of campaign year": "行动年末群众安全感",
    "households feeling safe, last 30 days of campaign year": "行动年最后30天的群众安全感",
    "weighted displacement quotient (> 0: diffusion)": "周边区域溢出指数（> 0 为效益扩散）",
    "spill-over to the catchment (WDQ; > 0 diffusion, < 0 displacement)": (
        "向周边区域的溢出（> 0 为效益扩散，< 0 为犯罪转移）"
    ),
    "against the same period a year before": "同比",
    "against the mean of the previous years": "与前几年均值相比",
    "against the period before": "与上一时期相比",
    "difference in cases (campaign year)": "案件数之差（行动年）",
    "difference in households feeling safe (percentage points)": "群众安全感之差（百分点）",
    "difference in year-on-year change (percentage points)": "同比变化之差（百分点）",
    "difference in the weighted displacement quotient": "溢出指数之差",
    "difference in yearly cost (yuan)": "年度成本之差（元）",
    "patrol officers": "巡逻民警",
    "patrol auxiliaries": "巡逻辅警",
    "patrol stop length (minutes)": "巡逻停留时间（分钟）",
    "lock cylinders fitted": "安装的防盗锁芯",
    "alarm phones fitted": "安装的报警电话",
    "households feeling safe (%)": "群众安全感 (%)",
    "crimes averted (cases, campaign year)": "避免的案件数 (件, 工作年度)",
    "change in households feeling safe (percentage points)": "群众安全感变化 (百分点)",
    "cost per criminal case averted (yuan)": "每避免一起刑事案件的成本 (元)",
    "yearly cost of the mix (yuan)": "组合年度成本 (元)",
    "campaign start": "工作开始",
    "date": "日期",
    "averts nothing": "未能减少案件",
    "recommended mix": "推荐组合",
    "budget": "预算",
    "other mixes tried": "其他试验组合",
    "mixes nothing beats on all three": "没有组合能全面胜过的组合",
    "mean and 90 % interval": "均值与90%区间",
    "Effects against doing nothing (mean and 90 % interval over replicates)": (
        "与不干预相比的效果 (重复运行的均值与90%区间)"
    ),
    "Difference from the first scenario (mean and 90 % interval of paired replicates)": (
        "与第一个情景的差异 (配对重复运行的均值与90%区间)"
    ),
    "Mixes within the budget: crimes averted, cost and felt safety": (
        "预算内的干预组合：避免的案件、成本与安全感"
    ),
    "cases": "件",
    "share (%)": "比例 (%)",
    "change (%)": "变化 (%)",
    "percentage points": "百分点",
    "yuan": "元",
    "ratio": "比值",
    # Each intervention's label, as its own module gives it.
    **{kind.label: kind.label_zh for kind in ORDER},
}


# Endings of composed labels ("violence from disputes, campaign year"), in Chinese.
ZH_ENDINGS = {
    ", campaign year against the year before": "（行动年同比）",
    ", campaign year": "（行动年）",
    ": crimes averted": "：减少的案件",
    ": change": "：变化",
}


def zh_label(text: str) -> str:
    """``text`` in Chinese from ``ZH`` and ``ZH_ENDINGS`` (unchanged when not known)."""
    if text in ZH:
        return ZH[text]
    for ending, zh_ending in ZH_ENDINGS.items():
        if text.endswith(ending) and text.removesuffix(ending) in ZH:
            return ZH[text.removesuffix(ending)] + zh_ending
    return text


def tr(text: str, lang: str = "en") -> str:
    """``text`` in the current language (unchanged when no translation is known)."""
    if lang == "zh":
        return zh_label(text)
    return text


def said(en: str, zh: str, lang: str = "en") -> str:
    """``en``, or ``zh`` when the figures are drawn in Chinese (for labels with numbers)."""
    return zh if lang == "zh" else en


UNIT_LABELS = {
    "percent_change": "change (%)",
    "percent": "share (%)",
    "ratio": "ratio",
}


# A report figure's outcome in words: the registry's (short) label of each metric, and the
# crime around the treated cells the spill-over compares.
METRIC_LABELS = {
    **{name: OUTCOMES[name].short or OUTCOMES[name].label for name in METRICS},
    "crimes_catchment": OUTCOMES["crimes_catchment"].label,
}
COMPARISON_WORDS = {
    "year_on_year": "against the same period a year before",
    "vs_mean_previous_years": "against the mean of the previous years",
    "vs_previous_period": "against the period before",
    "level": "level",
}


def period_words(start: object, end: object, lang: str = "en") -> str:
    """'Jan–Oct 2014', '2013', 'Dec 2013' (zh: '2014年1–10月', '2013年', '2013年12月')
    from ISO dates (empty when missing)."""
    a = pd.to_datetime(start, errors="coerce")
    b = pd.to_datetime(end, errors="coerce")
    if pd.isna(a) or pd.isna(b):
        return ""
    if lang == "zh":
        if (a.month, a.day, b.month, b.day) == (1, 1, 12, 31) and a.year == b.year:
            return f"{a.year}年"
        if a.year == b.year:
            months = f"{a.month}" if a.month == b.month else f"{a.month}–{b.month}"
            return f"{a.year}年{months}月"
        return f"{a.year}年{a.month}月至{b.year}年{b.month}月"
    if (a.month, a.day, b.month, b.day) == (1, 1, 12, 31) and a.year == b.year:
        return f"{a.year}"
    if a.year == b.year:
        if a.month == b.month:
            return f"{a:%b %Y}"
        return f"{a:%b}–{b:%b %Y}"
    return f"{a:%b %Y}–{b:%b %Y}"


def summary_label(row: pd.Series, lang: str = "en") -> str:
    """A plain-word label for a summary.csv row: what, when, against what (``lang="zh"``:
    in Chinese, from ``ZH``)."""
    if str(row.get("outcome")) == "weighted_displacement_quotient":
        wdq = "spill-over to the catchment (WDQ; > 0 diffusion, < 0 displacement)"
        return zh_label(wdq) if lang == "zh" else wdq
    metric = row.get("metric")
    if not isinstance(metric, str) or metric not in METRIC_LABELS:
        return str(row["outcome"]).replace("_", " ")
    if lang == "zh":
        when = period_words(row.get("window_start"), row.get("window_end"), "zh")
        how = zh_label(COMPARISON_WORDS.get(str(row.get("comparison")), ""))
        campaign = "行动年" if str(row.get("outcome")).startswith("campaign_") else ""
        what = zh_label(METRIC_LABELS[metric])
        return "，".join(p for p in (f"{campaign}{what}", when, how if how != "level" else "") if p)
    when = period_words(row.get("window_start"), row.get("window_end"))
    how = COMPARISON_WORDS.get(str(row.get("comparison")), "")
    what = METRIC_LABELS[metric]
    if str(row.get("outcome")).startswith("campaign_"):
        what = f"campaign year: {what}"
    return ", ".join(p for p in (what, when, how if how != "level" else "") if p)


def axis_label(path: str) -> str:
    """A sweep axis's label: an intervention's field as the intervention names it
    (``Intervention.field_label``), else the path's last two parts."""
    parts = path.split(".")
    kind = BY_NAME.get(parts[1]) if len(parts) == 3 and parts[0] == "interventions" else None
    named = kind.field_label(parts[2]) if kind is not None else None
    if named:
        return named
    return " ".join(parts[-2:]).replace("_", " ")


def outcome_label(name: str) -> str:
    """A readable label with the unit, from a summary outcome name."""
    if name.startswith(COST_PREFIX):
        return "cost per crime averted (yuan)"
    if name == "weighted_displacement_quotient":
        return "weighted displacement quotient"
    if name == "campaign_crimes":
        return "crimes in the campaign window (count)"
    if name == "campaign_end_sense_of_security":
        return "households feeling safe, end of campaign year (%)"
    if name.startswith("campaign_year_") and name.removeprefix("campaign_year_") in METRIC_LABELS:
        what = METRIC_LABELS[name.removeprefix("campaign_year_")]
        return f"{what}, campaign year against the year before (% change)"
    text = name.replace("_", " ")
    if "sense_of_security" in name:
        return f"{text} (% feeling safe)"
    return f"{text} (% change)"


def outcome_unit(name: str) -> str:
    """The quantity an outcome measures: panels of one quantity share one colour scale."""
    if "sense_of_security" in name:
        return "percent"
    if name == "weighted_displacement_quotient":
        return "ratio"
    if name.startswith(COST_PREFIX):
        return "yuan"
    if name == "campaign_crimes":
        return "cases"
    return "percent_change"


def parameter_label(name: str, lang: str = "en") -> str:
    """A mechanism parameter in plain words (``PARAMETER_LABELS``); its name with spaces
    when it is not one."""
    words = PARAMETER_LABELS.get(name)
    if words is None:
        return name.replace("_", " ")
    return words[1] if lang == "zh" else words[0]


def factor_label(name: str, lang: str = "en") -> str:
    """Plain words for a screened factor: an intervention size or a mechanism parameter."""
    if name.startswith("interventions."):
        return said(f"{axis_label(name)} (number)", f"{tr(axis_label(name), lang)}（数量）", lang)
    return parameter_label(name, lang)

"""`safesim brief`: a one-page HTML brief of a results folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.reports.plotting import cjk_font
from safesim.ui.cli import main

from .conftest import ROOT, seal
from .test_plot import run_dir  # noqa: F401  (the fixture: a small run)


def _optimisation(folder: Path) -> None:
    trials = pd.DataFrame(
        {
            "trial": [0, 1, 2],
            "units_grid_workers": [100, 40, 0],
            "units_cameras": [200, 900, 2000],
            "units_volunteers": [5000, 12000, 0],
            "annual_cost_yuan": [1.7e6, 4.14e6, 6.0e6],
            "crimes_averted": [40.0, 95.5, 60.0],
            "crimes_averted_p05": [30.0, 80.25, 41.0],
            "crimes_averted_p95": [50.0, 110.0, 75.0],
            "security_change_pp": [0.4, 1.2, -0.1],
            "security_change_pp_p05": [0.3, 1.0, -0.3],
            "security_change_pp_p95": [0.5, 1.4, 0.1],
            "on_front": [True, True, False],
            "cost_per_crime_averted_yuan": [42_500.0, 43_350.0, 100_000.0],
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    trials.to_csv(folder / "trials.csv", index=False)
    trials[trials["on_front"]].to_csv(folder / "front.csv", index=False)
    manifest = {
        "kind": "optimize",
        "scenario": "guichi",
        "scenario_file": str(ROOT / "scenarios" / "guichi.yaml"),
        "budget_yuan": 6.45e6,
        "replicates": 3,
        "recommended_trial": 1,
        "recommendation_rule": "the front's mix averting the most criminal cases",
        "levers": [{"kind": "grid_workers"}, {"kind": "cameras"}, {"kind": "volunteers"}],
        "created_unix": 1_700_000_000,
    }
    _baseline(folder)
    seal(folder, manifest)


#: A Guichi-like baseline.csv: the scenario's own mix (5,293 grid workers) clearly averts
#: violence from disputes; the recommended mix (trial 1's 40) keeps little of it.
BASELINE = {  # outcome: (no intervention, scenario's mix, recommended), then the pairs
    "campaign_criminal_total": ((1200, 1150, 1250), (800, 770, 830), (830, 800, 860),
                                (-400, -430, -370), (-370, -400, -340), (30, 10, 50)),
    "campaign_dispute_violence": ((300, 280, 320), (180, 165, 195), (290, 272, 308),
                                  (-120, -135, -105), (-10, -25, 5), (110, 95, 125)),
    "campaign_sense_of_security": ((90.0, 89.5, 90.5), (91.5, 91.0, 92.0), (91.0, 90.5, 91.5),
                                   (1.5, 1.3, 1.7), (1.0, 0.8, 1.2), (-0.5, -0.7, -0.3)),
}  # fmt: skip


def _baseline(folder: Path) -> None:
    mixes = ("no_intervention", "scenario_mix", "recommended",
             "scenario_mix_minus_no_intervention", "recommended_minus_no_intervention",
             "recommended_minus_scenario_mix")  # fmt: skip
    rows = [
        {"mix": mix, "outcome": outcome, "mean": m, "p05": lo, "p95": hi}
        for outcome, figures in BASELINE.items()
        for mix, (m, lo, hi) in zip(mixes, figures, strict=True)
    ]
    for name, own, chosen in (
        ("units_grid_workers", 5293, 40), ("units_cameras", 600, 900),
        ("units_volunteers", 2000, 12000), ("annual_cost_yuan", 47.5e6, 4.14e6),
    ):  # fmt: skip
        rows += [
            {"mix": "scenario_mix", "outcome": name, "mean": own, "p05": own, "p95": own},
            {"mix": "recommended", "outcome": name, "mean": chosen, "p05": chosen, "p95": chosen},
        ]
    pd.DataFrame(rows).to_csv(folder / "baseline.csv", index=False)


def test_an_optimisation_brief_states_the_baseline_and_what_the_mix_gives_up(
    tmp_path: Path,
) -> None:
    _optimisation(tmp_path)
    html, _ = _brief_html(tmp_path, "en")
    lead = re.findall(r"(?s)<h2>What the model says</h2>\s*<ul>(.*?)</ul>", html)[0]
    assert (
        "With no intervention (the same city on the same runs) it has 1,200.0 (90 % interval "
        "1,150.0 to 1,250.0) criminal cases and 300.0 (90 % interval 280.0 to 320.0) cases "
        "of violence from disputes in the campaign year, and 90.0 % (90 % interval 89.5 to "
        "90.5 %) of households feel safe at its end." in lead
    )
    assert (
        "criminal cases in the campaign year of the 1,200.0 there are with no intervention" in lead
    )
    assert (
        "Against the scenario&#39;s own mix, the recommended one changes grid workers from "
        "5,293 to 40, cameras from 600 to 900, volunteers from 2,000 to 12,000 and the yearly "
        "cost from ¥47,500,000 to ¥4,140,000; on the same runs it has 30.0 more criminal "
        "cases (90 % interval of the difference +10.0 to +50.0); 110.0 more cases of "
        "violence from disputes (90 % interval of the difference +95.0 to +125.0); 0.50 "
        "points fewer households feeling safe (90 % interval of the difference -0.70 to "
        "-0.30)." in lead
    )
    # The effect on disputes is lost, said plainly; crime and felt safety keep most of it.
    assert (
        "The recommended mix loses most of the scenario&#39;s own mix&#39;s effect against "
        "doing nothing on cases of violence from disputes: that mix averts 120.0 (90 % "
        "interval 105.0 to 135.0), the recommended one 10.0." in lead
    )
    assert lead.count("loses most") == 1 and "on households feeling safe" not in lead


def test_an_optimisation_brief_says_what_was_asked_found_relied_on_and_cannot_say(
    tmp_path: Path,
) -> None:
    _optimisation(tmp_path)
    result = CliRunner().invoke(main, ["brief", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "brief.html").read_text(encoding="utf-8")
    for heading in (
        "What was asked",
        "What the model says",
        "What it rests on",
        "What it cannot say",
    ):
        assert heading in html
    assert "¥6,450,000" in html  # the budget in plain yuan
    assert "95.5 (90 % interval 80.2 to 110.0)" in html  # the recommended mix with its interval
    assert "40 grid workers" in html and "900 cameras" in html
    # The source report by title, issuer and date; the scenario's assumptions.
    assert "“五个结合”深化“平安贵池”建设" in html and "安徽法制报" in html and "2021-11-12" in html
    assert "part-time grid worker" in html
    assert "no report figure is used for calibration" in html
    # The figure is embedded, so the file stands alone.
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/]{1000,}', html)
    assert "2023-11-14" in html  # the date the results were made, not today's


@pytest.mark.skipif(cjk_font() is not None, reason="a CJK font is installed")
def test_chinese_without_a_cjk_font_says_how_to_install_one(tmp_path: Path) -> None:
    _optimisation(tmp_path)
    result = CliRunner().invoke(main, ["brief", str(tmp_path), "--lang", "zh"])
    assert result.exit_code == 2
    assert "fonts-noto-cjk" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "brief.html").exists()


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font is installed")
def test_chinese_labels_with_a_cjk_font(tmp_path: Path) -> None:
    _optimisation(tmp_path)
    result = CliRunner().invoke(main, ["brief", str(tmp_path), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "brief.html").read_text(encoding="utf-8")
    assert "模型结论" in html and 'lang="zh-CN"' in html


def test_a_folder_without_results_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["brief", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and result.output.count("\n") == 1


def test_a_sweep_brief_ranks_mixes_by_crimes_averted_with_intervals_and_costs(
    tmp_path: Path,
) -> None:
    from .test_plot import _synthetic_sweep

    _synthetic_sweep(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    manifest |= {"scenario": "small", "scenario_file": str(ROOT / "scenarios" / "small.yaml")}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = CliRunner().invoke(main, ["brief", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "brief.html").read_text(encoding="utf-8")
    # The best mix first: 100 officers and 200 cameras avert 2·100 + 0.5·200 − 5 = 295.
    assert "patrol officers 100, cameras 200: 295.0 (90 % interval 275.0 to 315.0)" in html
    assert "per crime averted" in html
    assert "No source report is cited" in html  # small.yaml is illustrative


def test_the_uncertainty_statements_of_a_zh_brief_are_chinese(tmp_path) -> None:
    """The statements on draws, spreads and chances of doing better are written in the
    brief's language (the figures need a CJK font; the statements do not)."""
    import re

    import pandas as pd

    from safesim.reports import brief as brief_module

    rows = [
        {"scenario": "b", "position": 1, "against": "a", "outcome": outcome, "label": label,
         "unit": unit, "difference_mean": mean, "difference_p05": mean - 1,
         "difference_p95": mean + 1, "spread_p05": mean - 3, "spread_p95": mean + 3,
         "share_parameters": 0.4, "probability_better": 0.8, "verdict": verdict}
        for outcome, label, unit, mean, verdict in (
            ("campaign_criminal_total", "all criminal cases, campaign year", "cases", -5.0,
             "better in 80 % of paired runs"),
            ("campaign_dispute_violence", "violence from disputes, campaign year", "cases",
             0.0, "tie: the same in every run"),
        )
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "differences.csv", index=False)
    manifest = {
        "kind": "compare",
        "scenarios": ["a", "b"],
        "parameter_draws": {"source": "posterior", "draws": 10, "runs": 20},
    }
    token = brief_module._LANG.set("zh")
    try:
        made = brief_module.brief_compare(tmp_path, manifest)
    finally:
        brief_module._LANG.reset(token)
    assert len(made.says) == 2  # one pair, two outcomes; what the intervals hold is a limit
    assert any("校准后验分布" in line for line in made.cannot)
    for line in [*made.says, *made.cannot]:
        latin = len(re.findall(r"[A-Za-z]", line.replace("parameters.py", "")))
        cjk = len(re.findall(r"[\u4e00-\u9fff]", line))
        assert cjk > 3 * latin, line  # scenario names "a", "b" are the only Latin left
    assert "80%" in made.says[0] and "每次运行都相同" in made.says[1]


# ---------------------------------------------------------------------- one language
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def visible_text(html: str, names: list[str]) -> str:
    """What a reader of the brief reads in its language: the page without its tags,
    scripts, styles, embedded images and source-report citations, and without numbers,
    file names and the scenario names (identifiers, not words)."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r'(?is)<section class="sources">.*?</section>', " ", html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    text = re.sub(r"[\w./-]+\.(yaml|yml|csv|py|md|png|json|html)\b", " ", text)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return re.sub(r"\d[\d,.]*", " ", text)


def _brief_html(folder: Path, lang: str) -> tuple[str, list[str]]:
    """The folder's brief in ``lang``, built without drawing its figures (which need a
    CJK font for zh), and the scenario names it speaks of."""
    from safesim.reports import brief as brief_module
    from safesim.reports.plotting import detect_kind

    kind, manifest = detect_kind(folder)
    token = brief_module._LANG.set(lang)
    try:
        made = brief_module.BUILDERS[kind](folder, manifest)
    finally:
        brief_module._LANG.reset(token)
    names = [str(n) for n in [manifest.get("scenario"), *manifest.get("scenarios", [])] if n]
    return brief_module.render(made, lang, "2026-01-01"), names


def _comparison(folder: Path) -> None:
    rows = [
        {"scenario": "small-no-patrols", "position": 1, "against": "small", "outcome": outcome,
         "label": label, "unit": unit, "difference_mean": mean, "difference_p05": mean - 1,
         "difference_p95": mean + 1, "spread_p05": mean - 3, "spread_p95": mean + 3,
         "share_parameters": 0.4, "probability_better": 0.2, "verdict": verdict}
        for outcome, label, unit, mean, verdict in (
            ("campaign_criminal_total", "all criminal cases, campaign year", "cases", 5.0,
             "worse in 80 % of paired runs"),
            ("campaign_sense_of_security", "households feeling safe, end of campaign year",
             "percent", -0.4, "worse in 80 % of paired runs"),
            ("annual_cost_yuan", "yearly cost of the mix", "yuan", -1.2e6, "cheaper"),
            ("campaign_dispute_violence", "violence from disputes, campaign year", "cases",
             0.0, "tie: the same in every run"),
            ("campaign_public_order", "public-order cases, campaign year", "cases", 2.0,
             "worse in 80 % of paired runs"),
            ("weighted_displacement_quotient", "weighted displacement quotient (> 0: diffusion)",
             "ratio", float("nan"), ""),
        )
    ]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "differences.csv", index=False)
    small = str(ROOT / "scenarios" / "small.yaml")
    manifest = {
        "kind": "compare",
        "scenarios": ["small", "small-no-patrols"],
        "scenario_files": [small, small],
        "replicates": 4,
        "parameter_draws": {"source": "posterior", "draws": 2, "runs": 4},
    }
    seal(folder, manifest)


@pytest.fixture(scope="module")
def briefed(
    run_dir: Path,  # noqa: F811  (test_plot's fixture: a small run)
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    compared = tmp_path_factory.mktemp("compare")
    _comparison(compared)
    return {"run": run_dir, "compare": compared}


#: At most this share of the letters a reader reads in a zh brief is Latin (the rest is
#: Chinese): what is left is safesim's name, its commands and options.
MOST_LATIN_IN_ZH = 0.10


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_a_zh_brief_is_chinese_and_an_en_brief_has_no_chinese(
    briefed: dict[str, Path], kind: str
) -> None:
    zh, names = _brief_html(briefed[kind], "zh")
    text = visible_text(zh, names)
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    assert latin <= MOST_LATIN_IN_ZH * (cjk + latin), (cjk, latin, text)
    assert "n/a" not in zh
    assert len(re.findall(r"(?s)<h2>模型结论</h2>\s*<ul>(.*?)</ul>", zh)[0].split("<li>")) <= 6
    en, names = _brief_html(briefed[kind], "en")
    assert not CJK.findall(visible_text(en, names)), visible_text(en, names)
    assert "n/a" not in en


def test_a_comparison_of_one_city_states_no_city_caveat_in_either_language(
    briefed: dict[str, Path],
) -> None:
    for lang in ("en", "zh"):
        html, _ = _brief_html(briefed["compare"], lang)
        assert "different cities" not in html and "不同城市" not in html
    # A cheaper mix is said to cost less, not a negative cost.
    assert (
        "small-no-patrols costs ¥1,200,000 a year less" in _brief_html(briefed["compare"], "en")[0]
    )
    assert "small-no-patrols 每年少花 ¥1,200,000" in _brief_html(briefed["compare"], "zh")[0]


def test_optimisation_and_sweep_briefs_in_zh_are_chinese(tmp_path: Path) -> None:
    from .test_plot import _synthetic_sweep

    _optimisation(tmp_path / "optimize")
    _synthetic_sweep(tmp_path / "sweep")
    path = tmp_path / "sweep" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest |= {"scenario": "small", "scenario_file": str(ROOT / "scenarios" / "small.yaml")}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    for kind in ("optimize", "sweep"):
        html, names = _brief_html(tmp_path / kind, "zh")
        text = visible_text(html, names)
        cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
        assert latin <= MOST_LATIN_IN_ZH * (cjk + latin), (kind, cjk, latin, text)
    assert "网格员 40" in _brief_html(tmp_path / "optimize", "zh")[0]  # label_zh and units


def test_the_figures_of_a_zh_run_are_labelled_in_chinese(
    run_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every text of the run's figures (SVG text stays text) is Chinese: no English word
    is left. The font is faked: the test reads the labels, not the glyphs."""
    import shutil
    import warnings

    from safesim.reports import figures, plotting

    folder = tmp_path / "small"
    shutil.copytree(run_dir, folder)
    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DejaVu has no CJK glyphs
        written = plotting.plot_results(folder, "svg", lang="zh")
    assert len(written) >= 4
    for svg in written:
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text(encoding="utf-8"))
        english = {t for t in texts if re.search(r"[A-Za-z]{3,}", t)}
        assert not english, (svg.name, english)
        assert any(CJK.search(t) for t in texts), svg.name


def test_the_city_caveat_is_stated_only_when_the_cities_differ(tmp_path: Path) -> None:
    import yaml

    # small.yaml and a copy with other words for its numbers and no patrols: one city.
    data = yaml.safe_load((ROOT / "scenarios" / "small.yaml").read_text(encoding="utf-8"))
    data["name"] = "small-no-patrols"
    data["city"]["households"]["assumption"] = "the same 20,000 households, said otherwise"
    data["interventions"]["patrols"] = None
    reworded = tmp_path / "small-no-patrols.yaml"
    reworded.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cases = {
        "same": [ROOT / "scenarios" / "small.yaml", reworded],
        "other": [ROOT / "scenarios" / "small.yaml", ROOT / "scenarios" / "guichi.yaml"],
    }
    for case, files in cases.items():
        folder = tmp_path / case
        _comparison(folder)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest["scenario_files"] = [str(f) for f in files]
        manifest["scenarios"] = ["small", "small-no-patrols" if case == "same" else "guichi"]
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        en, zh = _brief_html(folder, "en")[0], _brief_html(folder, "zh")[0]
        caveat = "Scenarios of different cities differ in their whole baseline" in en
        caveat_zh = "不同城市的情景在整个基线上都不同" in zh
        assert caveat == caveat_zh == (case == "other"), case
    same = _brief_html(tmp_path / "same", "en")[0]
    assert "The same city, small-no-patrols without patrols." in same


@pytest.mark.slow
def test_a_run_brief_is_dated_from_its_manifest_or_else_from_its_files(
    run_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    import os
    import shutil
    from datetime import UTC, datetime

    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    made = datetime.fromtimestamp(manifest["invocation"]["created_unix"], UTC)
    result = CliRunner().invoke(main, ["brief", str(run_dir)])
    assert result.exit_code == 0, result.output
    html = (run_dir / "brief.html").read_text(encoding="utf-8")
    assert f"Made by safesim · {made:%Y-%m-%d} · run" in html
    # The same tables alone are refused (nothing says they are one set); sealed with a
    # manifest that records no date, they are dated by the files, and said to be.
    folder = tmp_path / "tables"
    folder.mkdir()
    for name in ("daily.csv", "summary.csv", "effects.csv"):
        shutil.copy(run_dir / name, folder / name)
        os.utime(folder / name, (1_700_000_000, 1_700_000_000))
    result = CliRunner().invoke(main, ["brief", str(folder)])
    assert result.exit_code == 2
    assert "no manifest.json" in result.output
    undated = {k: v for k, v in manifest.items() if k not in ("invocation", "files")}
    seal(folder, undated)
    for name in ("daily.csv", "summary.csv", "effects.csv"):
        os.utime(folder / name, (1_700_000_000, 1_700_000_000))
    result = CliRunner().invoke(main, ["brief", str(folder)])
    assert result.exit_code == 0, result.output
    html = (folder / "brief.html").read_text(encoding="utf-8")
    assert "Made by safesim · 2023-11-14 (the date of its files) · run" in html


def script_counts(html: str, names: tuple[str, ...] = ()) -> tuple[int, int]:
    """Chinese characters and Latin letters in what a reader of the page reads: its text
    and figure captions, without tags, styles or embedded images, and without the
    scenario ``names`` (proper names) when given; commands and file names count."""
    import html as entities

    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    page = re.sub(r'src="data:[^"]*"', " ", page)
    text = entities.unescape(re.sub(r"(?s)<[^>]+>", " ", page))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return len(CJK.findall(text)), len(LATIN.findall(text))


#: A zh brief has at least this many Chinese characters per Latin letter once the
#: scenario names are set aside (what is left is safesim's commands and file names) ...
CJK_PER_LATIN = 10
#: ... and at least this many with the names counted (two long names in a comparison).
CJK_PER_LATIN_WITH_NAMES = 3


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")  # the faked font has no CJK glyphs
def test_safesim_brief_lang_zh_is_overwhelmingly_chinese_for_each_kind(
    briefed: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`safesim brief --lang zh` of a run, a comparison and an optimisation: Chinese
    characters outnumber Latin letters by a wide margin in the whole page (numbers, ¥
    and the reports' titles aside, what is Latin is scenario names, commands and files).
    The font is faked: the test reads the words, not the glyphs."""
    import shutil

    from safesim.reports import figures

    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    folders = {kind: tmp_path / kind for kind in ("run", "compare")}
    for kind, folder in folders.items():
        shutil.copytree(briefed[kind], folder)
    folders["optimize"] = tmp_path / "optimize"
    _optimisation(folders["optimize"])
    counts = {}
    for kind, folder in folders.items():
        result = CliRunner().invoke(main, ["brief", str(folder), "--lang", "zh"])
        assert result.exit_code == 0, result.output
        html = (folder / "brief.html").read_text(encoding="utf-8")
        names = ("small-no-patrols", "small", "guichi")
        counts[kind] = (*script_counts(html, names), *script_counts(html))
        cjk, latin, cjk_all, latin_all = counts[kind]
        assert cjk > 300 and cjk >= CJK_PER_LATIN * latin, (kind, counts[kind])
        assert cjk_all >= CJK_PER_LATIN_WITH_NAMES * latin_all, (kind, counts[kind])
        # The source reports' issuers and dates are given in Chinese too.
        assert "Guichi district" not in html and "published by" not in html
    assert "贵池区委政法委，安徽法制报刊载" in (folders["optimize"] / "brief.html").read_text(
        encoding="utf-8"
    )
    # The English brief of the optimisation speaks plainly: no jargon of the search.
    en, _ = _brief_html(folders["optimize"], "en")
    for jargon in ("Pareto", "NSGA", "trial ", "front"):
        assert jargon not in en, jargon
    assert "nothing beats on all three" in en and "The search tried 3 mixes" in en
    print("CJK characters, Latin letters (names aside; all):", counts)

"""Every mechanism parameter is named in plain words in both languages, and the
sensitivity brief and figure of a zh folder name them in Chinese."""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.core.parameters import MechanismParameters
from safesim.reports.labels import factor_label, parameter_label
from safesim.reports.labels_parameters import PARAMETER_LABELS
from safesim.ui.cli import main

from .conftest import ROOT, seal
from .test_brief import CJK, LATIN, script_counts, visible_text

NAMES = tuple(MechanismParameters.model_fields)


def test_every_parameter_has_a_plain_english_and_a_chinese_label() -> None:
    assert set(PARAMETER_LABELS) == set(NAMES)
    zh_labels = set()
    for name in NAMES:
        en, zh = parameter_label(name, "en"), parameter_label(name, "zh")
        assert en == PARAMETER_LABELS[name][0] and zh == PARAMETER_LABELS[name][1]
        assert "_" not in en and en != name.replace("_", " "), name
        # Chinese throughout: at least four characters and no Latin letter.
        assert len(CJK.findall(zh)) >= 4 and not LATIN.findall(zh), (name, zh)
        zh_labels.add(zh)
    assert len(zh_labels) == len(NAMES)  # no two parameters read alike
    # An intervention size keeps its own words; an unknown name is spelt out.
    assert factor_label("interventions.cameras.count", "zh").endswith("（数量）")
    assert parameter_label("not_a_parameter", "zh") == "not a parameter"


#: The factors of the synthetic screening: mechanism parameters and one intervention size.
FACTORS = (
    "patrol_deterrence",
    "guardianship_effect",
    "grid_visit_detection",
    "camera_deterrence",
    "mediation_success",
    "interventions.cameras.count",
    "dispute_escalation_per_day",
    "lock_protection_factor",
    "fear_local_crime",
)


def _screening(folder: Path) -> pd.DataFrame:
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(
        {
            "factor": list(FACTORS),
            "kind": ["intervention" if f.startswith("interventions.") else "parameter"
                     for f in FACTORS],
            "mu_star": [9.0 - i for i in range(len(FACTORS))],
            "mu_star_conf": [0.5] * len(FACTORS),
            "sigma": [1.0] * len(FACTORS),
            "mu": [-(9.0 - i) for i in range(len(FACTORS))],
        }
    )  # fmt: skip
    table.to_csv(folder / "sensitivity.csv", index=False)
    manifest = {
        "kind": "sensitivity",
        "scenario": "small",
        "scenario_file": str(ROOT / "scenarios" / "small.yaml"),
        "outcome": "campaign_year_criminal_total",
        "trajectories": 2,
        "runs": 20,
    }
    seal(folder, manifest)
    return table


#: A zh sensitivity brief has at least this many Chinese characters per Latin letter
#: (numbers, units and file names aside; the scenario's name counted) ...
CJK_PER_LATIN_SENSITIVITY = 3
#: ... and, the scenario's name aside, at least this many (what is left is the method's
#: name, Morris, and safesim's commands).
CJK_PER_LATIN_SENSITIVITY_NAMES_ASIDE = 6


@pytest.mark.filterwarnings("ignore")  # the faked font has no CJK glyphs
def test_a_zh_sensitivity_brief_names_every_factor_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`safesim brief --lang zh` of a screening: no parameter is named by its identifier,
    each by its Chinese label, and Chinese outweighs Latin letters. The font is faked:
    the test reads the words, not the glyphs."""
    from safesim.reports import figures

    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    folder = tmp_path / "sensitivity"
    _screening(folder)
    result = CliRunner().invoke(main, ["brief", str(folder), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    html = (folder / "brief.html").read_text(encoding="utf-8")
    text = visible_text(html, ["small"])
    for name in FACTORS[:8]:  # the brief states the first eight
        if not name.startswith("interventions."):
            assert name not in text and parameter_label(name, "zh") in text, name
    cjk, latin = script_counts(html, ("small",))
    cjk_all, latin_all = script_counts(html)
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    assert words <= {"Morris", "safesim", "calibrate", "parameters"}, words
    assert cjk > 300 and cjk >= CJK_PER_LATIN_SENSITIVITY_NAMES_ASIDE * latin, (cjk, latin)
    assert cjk_all >= CJK_PER_LATIN_SENSITIVITY * latin_all, (cjk_all, latin_all)
    print("zh sensitivity brief, CJK characters, Latin letters:", (cjk, latin), "names aside;",
          (cjk_all, latin_all), "all")  # fmt: skip
    # The English brief names them in plain words too, and has no Chinese.
    result = CliRunner().invoke(main, ["brief", str(folder), "--lang", "en"])
    assert result.exit_code == 0, result.output
    en = visible_text((folder / "brief.html").read_text(encoding="utf-8"), ["small"])
    assert "fall in crime at a patrolled hot spot" in en and "patrol_deterrence" not in en
    assert not CJK.findall(en)


@pytest.mark.filterwarnings("ignore")
def test_the_zh_sensitivity_figure_labels_each_factor_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safesim.reports import figures, plotting

    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    folder = tmp_path / "sensitivity"
    table = _screening(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        written = plotting.plot_results(folder, "svg", lang="zh")
    svg = next(p for p in written if p.name.startswith("sensitivity_factors"))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text(encoding="utf-8"))
    shown = "".join(texts)
    for name in table["factor"]:
        assert factor_label(name, "zh") in shown, name
    english = {t for t in texts if re.search(r"[A-Za-z]{3,}", t) and "Morris" not in t}
    assert not english, english
    shutil.rmtree(folder)

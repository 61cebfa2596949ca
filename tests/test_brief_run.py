"""The run brief: one weighted displacement quotient (WDQ) per run, and a date."""

from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.ui.cli import main

from .test_brief import _brief_html, visible_text
from .test_plot import run_dir  # noqa: F401  (a small run of 3 replicates with its twin)

WDQ_EN = "spill-over to the catchment (WDQ"
WDQ_ZH = "向周边区域的溢出"


def test_a_run_gives_one_wdq_in_its_summary_brief_and_figure(
    run_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three replicates, each with its counterfactual twin: the summary has one WDQ row
    over the mix's replicates (not one per replicate or twin), and the brief and the
    report figure state it once, in either language."""
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replicates"] == 3 and manifest["counterfactual_twin"] is True
    summary = pd.read_csv(run_dir / "summary.csv")
    rows = summary[summary["outcome"] == "weighted_displacement_quotient"]
    assert len(rows) == 1
    assert 0 <= int(rows["replicates"].iloc[0]) <= manifest["replicates"]
    for lang, words in (("en", WDQ_EN), ("zh", WDQ_ZH)):
        html, names = _brief_html(run_dir, lang)
        text = visible_text(html, names)
        assert text.count(words) == 1, (lang, text.count(words))
        assert html.count("WDQ") <= 1
    from safesim.reports import figures, plotting

    folder = tmp_path / "small"
    shutil.copytree(run_dir, folder)
    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    for lang, words in (("en", "spill-over to the catchment"), ("zh", WDQ_ZH)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DejaVu has no CJK glyphs
            written = plotting.plot_results(folder, "svg", lang=lang)
        svg = next(p for p in written if p.name.startswith("report_figures"))
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text(encoding="utf-8"))
        assert sum(words in t for t in texts) == 1, (lang, texts)


@pytest.mark.filterwarnings("ignore")  # the faked font has no CJK glyphs
def test_the_run_brief_is_always_dated(
    run_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`safesim brief` of a run states the day it was made, in both languages: the day
    of the manifest's invocation, never an empty field."""
    from datetime import UTC, datetime

    from safesim.reports import figures

    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    folder = tmp_path / "small"
    shutil.copytree(run_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    made = datetime.fromtimestamp(manifest["invocation"]["created_unix"], UTC)
    assert made.date() <= datetime.now(UTC).date()
    for lang in ("en", "zh"):
        result = CliRunner().invoke(main, ["brief", str(folder), "--lang", lang])
        assert result.exit_code == 0, result.output
        html = (folder / "brief.html").read_text(encoding="utf-8")
        meta = re.findall(r'<p class="meta">(.*?)</p>', html)
        assert len(meta) == 1, meta
        parts = [p.strip() for p in meta[0].split("·")]
        assert len(parts) == 3 and all(parts), parts  # who, when, what: none empty
        assert parts[1] == f"{made:%Y-%m-%d}", parts

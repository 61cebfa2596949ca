"""`safesim run --lang` is recorded in the run's manifest, and `plot` and `brief` then
speak that language when they are given no --lang; a run without one stays English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from safesim.ui.cli import main

from .conftest import SCENARIOS
from .test_brief import CJK, script_counts

RUN = ["run", str(SCENARIOS / "small.yaml"), "--days", "420", "--replicates", "2"]


@pytest.mark.filterwarnings("ignore")  # the faked font has no CJK glyphs
def test_the_language_of_a_run_is_recorded_and_plot_and_brief_keep_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safesim.reports import figures

    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    zh_out, en_out = tmp_path / "zh", tmp_path / "en"
    result = CliRunner().invoke(main, [*RUN, "--lang", "zh", "--out", str(zh_out)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, [*RUN, "--out", str(en_out)])
    assert result.exit_code == 0, result.output
    zh, en = zh_out / "small", en_out / "small"
    assert json.loads((zh / "manifest.json").read_text("utf-8"))["lang"] == "zh"
    assert json.loads((en / "manifest.json").read_text("utf-8"))["lang"] is None
    for folder in (zh, en):
        # The manifest still seals the set: brief and plot accept it.
        for command in (["brief", str(folder)], ["plot", str(folder), "--format", "svg"]):
            result = CliRunner().invoke(main, command)
            assert result.exit_code == 0, (command, result.output)
    zh_page = (zh / "brief.html").read_text("utf-8")
    en_page = (en / "brief.html").read_text("utf-8")
    assert 'lang="zh-CN"' in zh_page and 'lang="en"' in en_page
    cjk, latin = script_counts(zh_page, ("small",))
    assert cjk >= 10 * latin, (cjk, latin)
    assert script_counts(en_page, ("small",))[0] == 0
    # The figures redrawn without --lang: Chinese in the zh folder, English in the other.
    zh_svg = (zh / "sense_of_security.svg").read_text("utf-8")
    en_svg = (en / "sense_of_security.svg").read_text("utf-8")
    zh_texts = re.findall(r"<text[^>]*>([^<]*)</text>", zh_svg)
    assert any(CJK.search(t) for t in zh_texts)
    assert not {t for t in zh_texts if re.search(r"[A-Za-z]{3,}", t)}
    assert not CJK.search(en_svg)
    # An explicit --lang still wins over the recorded one.
    result = CliRunner().invoke(main, ["brief", str(zh), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert 'lang="en"' in (zh / "brief.html").read_text("utf-8")

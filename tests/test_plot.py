"""`safesim plot`: the figures for a run and for a sweep, drawn from the folder's CSVs,
and one-line errors for folders and files that cannot be plotted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from safesim.reports.plotting import (
    dose_response_figure,
    heatmap_figure,
    run_crime_figure,
    run_summary_figure,
)
from safesim.ui.cli import main

from .conftest import SCENARIOS, seal

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OFFICERS = "interventions.patrols.officers"
CAMERAS = "interventions.cameras.count"


def _plot(folder: Path, *args: str):
    return CliRunner().invoke(main, ["plot", str(folder), *args])


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    assert len(data) > 10_000, path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    args = ["run", str(SCENARIOS / "small.yaml"), "--days", "420", "--replicates", "3"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "small"


def test_run_figures_are_written_next_to_the_csvs(run_dir: Path) -> None:
    result = _plot(run_dir)
    assert result.exit_code == 0, result.output
    for name in ("crime_by_type", "sense_of_security", "report_figures"):
        _assert_png(run_dir / f"{name}.png")
        assert f"{name}.png" in result.output


def test_run_figures_plot_the_replicate_mean_of_the_daily_csv(run_dir: Path) -> None:
    daily = pd.read_csv(run_dir / "daily.csv")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    figure = run_crime_figure(daily, pd.Timestamp(manifest["campaign_start"]))
    total = figure.axes[0]  # all criminal cases
    assert total.get_title() == "all criminal cases"
    plotted = total.lines[0].get_ydata()
    # By hand: each replicate's 30-day rolling sum, averaged over replicates.
    by_hand = (
        daily.pivot(index="day", columns="replicate", values="criminal_total")
        .rolling(30)
        .sum()
        .mean(axis=1)
        .to_numpy()
    )
    np.testing.assert_allclose(plotted, by_hand, equal_nan=True)
    assert np.isfinite(plotted).sum() == 420 - 29


def test_svg_output_carries_labels_and_units(run_dir: Path) -> None:
    result = _plot(run_dir, "--format", "svg")
    assert result.exit_code == 0, result.output
    svg = (run_dir / "sense_of_security.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "households feeling safe (%)" in svg and "campaign start" in svg
    crime = (run_dir / "crime_by_type.svg").read_text(encoding="utf-8")
    assert "cases per 30 days" in crime and "robbery and snatching" in crime


def test_summary_figure_draws_the_report_value_beside_the_simulated_interval() -> None:
    summary = pd.DataFrame(
        {
            "outcome": ["criminal_cases_2013", "sense_of_security_2013"],
            "unit": ["percent_change", "percent"],
            "report_value": [-18.24, 94.2],
            "sim_mean": [-20.0, 92.0],
            "sim_p05": [-25.0, 91.0],
            "sim_p95": [-15.0, 93.0],
        }
    )
    figure = run_summary_figure(summary)
    change, share = figure.axes[:2]
    reported = [c.get_offsets()[:, 0].tolist() for c in change.collections if c.get_offsets().size]
    assert [-18.24] in reported
    assert "report's own" in figure.get_suptitle()
    assert share.get_xlabel() == "share (%)"


def _synthetic_sweep(folder: Path, with_cost: bool = True) -> pd.DataFrame:
    """A two-axis sweep of 3 × 2 mixes, 4 replicates, a baseline and one failed run."""
    rng = np.random.default_rng(1)
    rows = []
    for r in range(4):
        rows.append({"point": 0, "mix": "baseline", OFFICERS: "", CAMERAS: "", "replicate": r})
    point = 1
    for officers in (0, 50, 100):
        for cameras in (0, 200):
            for r in range(4):
                rows.append(
                    {"point": point, "mix": f"m{point}", OFFICERS: officers, CAMERAS: cameras}
                    | {"replicate": r}
                )
            point += 1
    runs = pd.DataFrame(rows)
    runs["seed"] = 100 + runs["replicate"]
    runs["status"] = "ok"
    runs["error"] = ""
    officers = pd.to_numeric(runs[OFFICERS], errors="coerce").fillna(0)
    cameras = pd.to_numeric(runs[CAMERAS], errors="coerce").fillna(0)
    noise = rng.normal(0, 1, len(runs))
    runs["campaign_year_criminal_total"] = -0.1 * officers - 0.02 * cameras + noise
    runs["campaign_end_sense_of_security"] = 88 + 0.02 * officers + noise / 10
    failed = runs.index[(runs["point"] == 3) & (runs["replicate"] == 0)]
    runs.loc[failed, "status"] = "failed"
    runs.loc[failed, "campaign_year_criminal_total"] = 999.0  # must not be plotted
    folder.mkdir(parents=True, exist_ok=True)
    runs.to_csv(folder / "runs.csv", index=False)
    if with_cost:
        _synthetic_cost_summary(folder)
    axes = {OFFICERS: [0, 50, 100], CAMERAS: [0, 200]}
    manifest = {"kind": "sweep", "axes": axes}
    seal(folder, manifest)
    return runs


def _synthetic_cost_summary(folder: Path) -> pd.DataFrame:
    """summary.csv as a sweep writes it: per mix, crimes averted and cost per crime averted;
    the mix with no officers and no cameras averts nothing."""
    rows = [{"point": 0, OFFICERS: "", CAMERAS: "", "annual_cost_yuan": 0.0}]
    point = 1
    for officers in (0, 50, 100):
        for cameras in (0, 200):
            averted = 2.0 * officers + 0.5 * cameras - 5.0
            cost = 90_000.0 * officers + 3_000.0 * cameras
            rows.append(
                {
                    "point": point,
                    OFFICERS: officers,
                    CAMERAS: cameras,
                    "annual_cost_yuan": cost,
                    "crimes_averted_mean": averted,
                    "crimes_averted_p05": averted - 20.0,
                    "crimes_averted_p95": averted + 20.0,
                    "cost_per_crime_averted_yuan": cost / averted if averted > 0 else np.nan,
                }
            )
            point += 1
    summary = pd.DataFrame(rows)
    summary.to_csv(folder / "summary.csv", index=False)
    return summary


def test_sweep_figures_from_runs_csv(tmp_path: Path) -> None:
    _synthetic_sweep(tmp_path)
    result = _plot(tmp_path)
    assert result.exit_code == 0, result.output
    for name in (
        "dose_response_patrols_officers",
        "dose_response_cameras_count",
        "heatmap",
        "cost_per_crime_averted",
    ):
        _assert_png(tmp_path / f"{name}.png")


def test_sweep_means_and_intervals_come_from_the_finished_runs(tmp_path: Path) -> None:
    runs = _synthetic_sweep(tmp_path)
    ok = runs[(runs["status"] == "ok") & (runs["point"] > 0)].copy()
    ok[[OFFICERS, CAMERAS]] = ok[[OFFICERS, CAMERAS]].astype(float)
    outcome = "campaign_year_criminal_total"
    figure = dose_response_figure(ok, OFFICERS, [CAMERAS], [outcome])
    lines = [line for line in figure.axes[0].lines if line.get_label().startswith("cameras")]
    assert [line.get_label() for line in lines] == ["cameras 0", "cameras 200"]
    expected = ok[ok[CAMERAS] == 200].groupby(OFFICERS)[outcome].mean().to_numpy()
    np.testing.assert_allclose(lines[1].get_ydata(), expected)
    assert lines[1].get_ydata().max() < 100  # the failed run's 999 is left out

    heat = heatmap_figure(ok, [OFFICERS, CAMERAS], [outcome]).axes[0].images[0].get_array()
    table = ok.groupby([CAMERAS, OFFICERS])[outcome].mean().unstack().to_numpy()
    np.testing.assert_allclose(np.asarray(heat), table)


def test_a_real_sweep_is_plotted(tmp_path: Path) -> None:
    args = ["sweep", str(SCENARIOS / "small.yaml"), "--vary", f"{OFFICERS}=0,96"]
    args += ["--replicates", "2", "--days", "400", "--out", str(tmp_path), "--name", "s"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    plotted = _plot(tmp_path / "s")
    assert plotted.exit_code == 0, plotted.output
    _assert_png(tmp_path / "s" / "dose_response_patrols_officers.png")
    assert not (tmp_path / "s" / "heatmap.png").exists()  # one axis: no heat map


# ---------------------------------------------------------------------- bad input
def _one_line_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    for word in words:
        assert word in result.output, result.output


def test_a_folder_without_results(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here", encoding="utf-8")
    _one_line_error(_plot(tmp_path), str(tmp_path), "no manifest.json")
    _one_line_error(_plot(tmp_path / "absent"), "no such folder")


def test_a_csv_with_missing_columns(run_dir: Path, tmp_path: Path) -> None:
    # Sealed again after the edit (the old manifest would refuse it): the columns are checked.
    for name in ("daily.csv", "summary.csv"):
        (tmp_path / name).write_bytes((run_dir / name).read_bytes())
    daily = pd.read_csv(tmp_path / "daily.csv").drop(columns=["robbery"])
    daily.to_csv(tmp_path / "daily.csv", index=False)
    seal(tmp_path, json.loads((run_dir / "manifest.json").read_text(encoding="utf-8")))
    _one_line_error(_plot(tmp_path), "daily.csv", "missing column(s): robbery")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    (tmp_path / "runs.csv").write_bytes(b'point,"replicate\n\xff\xfe\x00\n')
    seal(tmp_path, {"kind": "sweep"})
    _one_line_error(_plot(tmp_path), "runs.csv", "cannot read")
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    _one_line_error(_plot(tmp_path), "manifest.json", "not valid JSON")
    (tmp_path / "manifest.json").write_text('{"kind": "forecast"}', encoding="utf-8")
    _one_line_error(_plot(tmp_path), "manifest.json", "unknown results kind 'forecast'")


def test_a_sweep_without_its_axis_column(tmp_path: Path) -> None:
    runs = _synthetic_sweep(tmp_path, with_cost=False)
    runs.drop(columns=[CAMERAS]).to_csv(tmp_path / "runs.csv", index=False)
    seal(tmp_path, json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8")))
    _one_line_error(_plot(tmp_path), "runs.csv", CAMERAS)


def test_security_figure_marks_the_reported_level_over_its_window(run_dir: Path) -> None:
    from safesim.reports.plotting import run_security_figure

    daily = pd.read_csv(run_dir / "daily.csv")
    summary = pd.DataFrame(
        {
            "outcome": ["sense_of_security_2012"],
            "metric": ["sense_of_security"],
            "comparison": ["level"],
            "window_start": ["2012-12-01"],
            "window_end": ["2012-12-31"],
            "unit": ["percent"],
            "report_value": [94.2],
        }
    )
    ax = run_security_figure(daily, pd.Timestamp("2013-01-01"), summary).axes[0]
    reported = [line for line in ax.lines if line.get_label().startswith("report: 94.20 %")]
    assert len(reported) == 1 and reported[0].get_ydata()[0] == 94.2


# ---------------------------------------------------------------------- briefing figures
def test_heatmap_is_diverging_centred_on_zero_with_one_scale_per_quantity(tmp_path: Path) -> None:
    runs = _synthetic_sweep(tmp_path)
    ok = runs[(runs["status"] == "ok") & (runs["point"] > 0)].copy()
    ok[[OFFICERS, CAMERAS]] = ok[[OFFICERS, CAMERAS]].astype(float)
    ok["campaign_year_public_order"] = ok["campaign_year_criminal_total"] / 4
    outcomes = [
        "campaign_year_criminal_total",
        "campaign_year_public_order",
        "campaign_end_sense_of_security",
    ]
    figure = heatmap_figure(ok, [OFFICERS, CAMERAS], outcomes)
    images = [ax.images[0] for ax in figure.axes if ax.images]
    crime, order, safety = images
    assert crime.get_cmap().name == order.get_cmap().name == "RdBu_r"
    # Both changes share one symmetric scale, centred on zero.
    assert crime.get_clim() == order.get_clim()
    assert crime.get_clim()[0] == pytest.approx(-crime.get_clim()[1])
    # Felt safety is a level: its own sequential scale.
    assert safety.get_cmap().name != "RdBu_r" and safety.get_clim()[0] > 0


def test_cost_figure_plots_summary_costs_and_labels_mixes_averting_nothing(
    tmp_path: Path,
) -> None:
    from safesim.reports.plotting import cost_figure

    summary = _synthetic_cost_summary(tmp_path).iloc[1:].copy()
    summary[[OFFICERS, CAMERAS]] = summary[[OFFICERS, CAMERAS]].astype(float)
    figure = cost_figure(summary, [OFFICERS, CAMERAS], "cost_per_crime_averted_yuan")
    ax = figure.axes[0]
    plotted = sorted(y for c in ax.containers for y in c.lines[0].get_ydata())
    expected = sorted(summary["cost_per_crime_averted_yuan"].dropna())
    assert plotted == pytest.approx(expected)
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("averts nothing") == 1  # officers 0, cameras 0
    assert ax.yaxis.get_major_formatter()(1_250_000, 0) == "¥1,250,000"


def test_security_axis_starts_from_a_sensible_level(run_dir: Path) -> None:
    from safesim.reports.plotting import run_security_figure

    daily = pd.read_csv(run_dir / "daily.csv")
    ax = run_security_figure(daily, pd.Timestamp("2013-01-01")).axes[0]
    low, high = ax.get_ylim()
    assert low <= 50.0 and high == 100.0


def test_summary_labels_are_plain_words() -> None:
    from safesim.reports.plotting import summary_label

    row = pd.Series(
        {
            "outcome": "criminal_cases_jan_oct_2014",
            "metric": "criminal_total",
            "comparison": "year_on_year",
            "window_start": "2014-01-01",
            "window_end": "2014-10-31",
        }
    )
    assert summary_label(row) == (
        "criminal cases, Jan–Oct 2014, against the same period a year before"
    )


def _differences_csv(folder: Path) -> pd.DataFrame:
    rows = []
    for name, shift in (("b", 1.0), ("c", -2.0)):
        for outcome, label, unit, value in (
            ("campaign_criminal_total", "all criminal cases", "cases", -30.0),
            ("campaign_public_order", "public-order cases", "cases", -12.0),
            ("campaign_sense_of_security", "households feeling safe", "percent", 0.8),
            ("weighted_displacement_quotient", "WDQ", "ratio", 0.1),
        ):
            mean = value * shift
            rows.append(
                {"scenario": name, "against": "a", "outcome": outcome, "label": label,
                 "unit": unit, "difference_mean": mean, "difference_p05": mean - 3,
                 "difference_p95": mean + 3}
            )  # fmt: skip
    frame = pd.DataFrame(rows)
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "differences.csv", index=False)
    seal(folder, {"kind": "compare"})
    return frame


def test_compare_figure_plots_the_differences_csv(tmp_path: Path) -> None:
    from safesim.reports.plotting import compare_figure

    frame = _differences_csv(tmp_path)
    result = _plot(tmp_path)
    assert result.exit_code == 0, result.output
    _assert_png(tmp_path / "differences.png")
    figure = compare_figure(pd.read_csv(tmp_path / "differences.csv"))
    cases = figure.axes[0]
    assert "cases" in cases.get_xlabel()
    plotted = sorted(x for c in cases.containers for x in c.lines[0].get_xdata())
    expected = sorted(frame.loc[frame["unit"] == "cases", "difference_mean"])
    assert plotted == pytest.approx(expected)
    # A zero line on every panel.
    for ax in figure.axes:
        assert any(list(line.get_xdata()) == [0, 0] for line in ax.lines)


def test_front_figure_plots_the_trials_csv(tmp_path: Path) -> None:
    from safesim.reports.plotting import front_figure

    trials = pd.DataFrame(
        {
            "trial": [0, 1, 2, 3],
            "annual_cost_yuan": [1e6, 2e6, 3e6, 2.5e6],
            "crimes_averted": [10.0, 30.0, 35.0, 5.0],
            "security_change_pp": [0.5, 1.0, -0.2, 0.1],
            "on_front": [True, True, True, False],
        }
    )
    for column in ("crimes_averted", "security_change_pp"):
        trials[f"{column}_p05"] = trials[column] - 1
        trials[f"{column}_p95"] = trials[column] + 1
    trials.to_csv(tmp_path / "trials.csv", index=False)
    trials[trials["on_front"]].to_csv(tmp_path / "front.csv", index=False)
    manifest = {"kind": "optimize", "budget_yuan": 3.2e6, "recommended_trial": 1}
    seal(tmp_path, manifest)
    result = _plot(tmp_path)
    assert result.exit_code == 0, result.output
    _assert_png(tmp_path / "front.png")
    figure = front_figure(trials, 3.2e6, 1)
    left = figure.axes[0]
    points = np.vstack([c.get_offsets() for c in left.collections if len(c.get_offsets())])
    for row in trials.itertuples():
        assert any(np.allclose(p, [row.annual_cost_yuan, row.crimes_averted]) for p in points)
    star = next(c for c in left.collections if c.get_label() == "recommended mix")
    assert np.allclose(star.get_offsets()[0], [2e6, 30.0])
    assert any(list(line.get_xdata()) == [3.2e6, 3.2e6] for line in left.lines)  # the budget


def test_a_sensitivity_folder_is_plotted(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "factor": ["patrol_deterrence", "interventions.cameras.count", "candidate_homes"],
            "kind": ["parameter", "intervention", "parameter"],
            "mu_star": [4.0, 2.5, 0.5],
            "mu_star_conf": [1.0, 0.5, 0.6],
            "sigma": [1.0, 1.0, 1.0],
        }
    )
    table.to_csv(tmp_path / "sensitivity.csv", index=False)
    manifest = {"kind": "sensitivity", "outcome": "campaign_year_criminal_total"}
    seal(tmp_path, manifest)
    result = _plot(tmp_path)
    assert result.exit_code == 0, result.output
    _assert_png(tmp_path / "sensitivity_factors.png")
    from safesim.reports.plotting import sensitivity_figure

    ax = sensitivity_figure(table, manifest["outcome"]).axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx(sorted(table["mu_star"]))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "cameras (number)" in labels and "fall in crime at a patrolled hot spot" in labels


def test_effects_figure_shows_intervals_and_labels_a_cost_it_cannot_give() -> None:
    from safesim.reports.plotting import effects_figure

    effects = pd.DataFrame(
        {
            "effect": ["averted_criminal_total", "sense_of_security_change",
                       "cost_per_crime_averted"],
            "label": ["all criminal cases: crimes averted", "households feeling safe: change",
                      "cost per criminal case averted"],
            "unit": ["cases", "percentage_points", "yuan"],
            "mean": [-2.0, 0.3, np.nan],
            "p05": [-8.0, 0.1, np.nan],
            "p95": [4.0, 0.5, np.nan],
            "note": ["", "", "averts no crime on average"],
        }
    )  # fmt: skip
    figure = effects_figure(effects)
    cases, security, cost = figure.axes[:3]
    assert list(cases.containers[0].lines[0].get_xdata()) == [-2.0]
    assert "percentage points" in security.get_xlabel()
    assert [t.get_text() for t in cost.texts] == ["averts no crime on average"]


def _svg_texts(folder: Path) -> list[str]:
    import re

    return [
        text
        for svg in sorted(folder.glob("*.svg"))
        for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text(encoding="utf-8"))
    ]


def _chinese_share(texts: list[str]) -> tuple[int, int]:
    import re

    joined = "".join(texts)
    return len(re.findall(r"[\u4e00-\u9fff]", joined)), len(re.findall(r"[A-Za-z]", joined))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")  # the faked font has no CJK glyphs
def test_plot_lang_zh_labels_in_chinese_and_a_zh_folder_keeps_its_language(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`plot --lang zh` draws Chinese labels; a folder written with --lang zh records it,
    so a plain `plot` redraws it in Chinese, not in English over the Chinese figures.
    The font is faked: the test reads the labels, not the glyphs."""
    import shutil

    from safesim.reports import figures

    monkeypatch.setattr(figures, "cjk_font", lambda: "DejaVu Sans")
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    result = _plot(folder, "--format", "svg", "--lang", "zh")
    assert result.exit_code == 0, result.output
    cjk, latin = _chinese_share(_svg_texts(folder))
    assert cjk > 100 and cjk > 3 * latin, (cjk, latin)
    # A run made without --lang records none: a plain plot draws it in English.
    assert _plot(folder, "--format", "svg").exit_code == 0
    cjk, latin = _chinese_share(_svg_texts(folder))
    assert cjk == 0 and latin > 100

    small = str(SCENARIOS / "small.yaml")
    args = ["compare", small, small, "--replicates", "2", "--days", "420"]
    for lang in ("zh", "en"):
        written = CliRunner().invoke(
            main, [*args, "--out", str(tmp_path), "--name", lang, "--lang", lang]
        )
        assert written.exit_code == 0, written.output
        manifest = json.loads((tmp_path / lang / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["lang"] == lang
        assert _plot(tmp_path / lang, "--format", "svg").exit_code == 0
        cjk, latin = _chinese_share(_svg_texts(tmp_path / lang))
        if lang == "zh":
            assert cjk > 20 and cjk > 2 * latin, (cjk, latin)  # still Chinese
        else:
            assert cjk == 0 and latin > 20, (cjk, latin)
    # --lang still overrides the folder's own language.
    assert _plot(tmp_path / "zh", "--format", "svg", "--lang", "en").exit_code == 0
    assert _chinese_share(_svg_texts(tmp_path / "zh"))[0] == 0

"""The browser view in a real browser: ``safesim viz`` served, driven with headless Chromium.

Plays small.yaml to the end of its calendar and reports the days per second the page
showed; checks that the counterfactual panel equals the mix before the campaign starts
and differs after (from the numbers the page states and from the figures' own data in
the browser); that the page loads nothing from outside this machine and nothing fails;
that the sliders, the seed and Reset build a new model, and that a seed that cannot be
used is answered on the page; that the map is the largest panel and keeps its size; that
the page fits 1366 × 768 and 1024 × 700; that thirty loads in a row draw every figure;
and that a results folder replays and plays through, thirty times over. Uses Debian's
Chromium (``apt-get install chromium``); skipped without it
(``SAFESIM_REQUIRE_BROWSER=1`` makes that a failure).

Screenshots go to results/viz-browser/; ``SAFESIM_DOCS_SCREENSHOT=1`` copies them to
docs/images/ (viz-1366x768.png, viz-1024x700.png, viz-replay.png).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, SCENARIOS

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_SECONDS = 120
PAGE_TIMEOUT_MS = 90_000
PLAY_TIMEOUT_SECONDS = 600
MOST_DAYS_PER_FRAME = 30
SMALL = SCENARIOS / "small.yaml"
DAYS = 731
CAMPAIGN_DAY = 366
SHOTS = ROOT / "results" / "viz-browser"
DOCS_IMAGES = ROOT / "docs" / "images"


DRAWN_SCRIPT = """(selector) => {
    const plot = document.querySelector(selector + ' .js-plotly-plot');
    if (!plot || !plot._fullData) return {traces: 0, heatmaps: 0, lines: 0, points: 0};
    const lines = [...plot.querySelectorAll('.scatterlayer path.js-line')]
        .filter((path) => /L/.test(path.getAttribute('d') || '')).length;
    return {
        traces: plot._fullData.filter((trace) => trace.visible === true).length,
        heatmaps: plot.querySelectorAll('.hm image').length,
        lines: lines,
        points: plot.querySelectorAll('.scatterlayer path.point').length,
    };
}"""
# After one Step: the map's cells and offenders, the difference map's cells, and the
# lines with the mix, without it and (crime) their difference or (security) the baseline.
DRAWN_AFTER_A_STEP = {
    "safesim-map": {"traces": 2, "heatmaps": 1, "points": 1},
    "safesim-difference-map": {"traces": 1, "heatmaps": 1},
    "safesim-crime-chart": {"traces": 3, "lines": 3},
    "safesim-security-chart": {"traces": 3, "lines": 3},
}
PANELS = (
    "safesim-levers",
    "safesim-map",
    "safesim-difference-map",
    "safesim-crime-chart",
    "safesim-security-chart",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and the web server it started (one process group, ours)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _require_browser() -> None:
    if not CHROMIUM.exists():
        # CI installs Chromium and sets this, so a missing browser fails there, not skips.
        if os.environ.get("SAFESIM_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's with 'apt-get install chromium'")
    pytest.importorskip("playwright.sync_api", reason="playwright (the dev extra) is not installed")


class Served:
    """A ``safesim viz`` server of ours and its log."""

    def __init__(self, args: list[str], cwd: Path, log_path: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "safesim.ui.cli", "viz", *args, "--port", str(self.port)],
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"safesim viz exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                _stop(self.process)
                pytest.fail(f"safesim viz did not answer at {self.url}:\n{self.log()}")
            time.sleep(0.5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        _stop(self.process)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``safesim viz`` with no argument, started in an empty folder: the shipped
    small.yaml must be found all the same."""
    _require_browser()
    elsewhere = tmp_path_factory.mktemp("anywhere")
    server = Served([], elsewhere, elsewhere / "server.log")
    try:
        yield server
    finally:
        server.stop()
    log = server.log()
    assert "Traceback" not in log and "error in step" not in log, log


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


class Page:
    """A page of the view, with every request it made and every one that failed."""

    def __init__(self, browser: Any, url: str, width: int, height: int):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("requestfailed", lambda request: self.failures.append(f"failed {request.url}"))
        self.page.on(
            "response",
            lambda response: (
                self.failures.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        self.page.goto(url)
        self.note = self.page.locator(".safesim-levers")
        self.note.wait_for()

    def attribute(self, name: str) -> str:
        return self.note.get_attribute(f"data-{name}", timeout=PAGE_TIMEOUT_MS) or ""

    def attributes(self, *names: str) -> list[str]:
        """Several attributes read in one evaluation, so they describe the same day even
        while Play moves the page on between two reads."""
        return self.note.evaluate(
            "(note, names) => names.map((name) => note.getAttribute('data-' + name) ?? '')",
            list(names),
        )

    @property
    def day(self) -> int:
        return int(self.attribute("day"))

    def set_days_per_frame(self, days: int) -> None:
        slider = self.page.get_by_role("slider", name="Days per frame")
        slider.focus()
        slider.press("Home")
        for _ in range(days - 1):
            slider.press("ArrowRight")
        assert slider.get_attribute("aria-valuenow") == str(days)

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    def wait_for(self, condition, what: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                SHOTS.mkdir(parents=True, exist_ok=True)
                self.page.screenshot(path=str(SHOTS / "timed-out.png"))
                pytest.fail(f"timed out waiting for {what} (see {SHOTS / 'timed-out.png'})")
            time.sleep(0.2)

    def drawn(self, css_class: str) -> dict[str, int]:
        """What plotly.js drew of a figure: its visible traces, heat maps, line paths with
        points and marker points (an empty default chart has none of them)."""
        return self.page.evaluate(DRAWN_SCRIPT, f".{css_class}")

    def wait_drawn(self, expected: dict[str, dict[str, int]], timeout: float = 90.0) -> None:
        """Wait until every figure drew at least what ``expected`` lists."""

        def enough() -> bool:
            return all(
                all(self.drawn(name).get(key, 0) >= least for key, least in wanted.items())
                for name, wanted in expected.items()
            )

        shown = ", ".join(f"{name}: {self.drawn(name)}" for name in expected)
        self.wait_for(enough, f"every figure drawn (now {shown})", timeout)

    def figure_data(self, css_class: str) -> list[dict[str, Any]]:
        """The traces plotly.js holds in the browser, typed arrays made plain lists."""
        return self.page.evaluate(
            """(selector) => {
                const plot = document.querySelector(selector + ' .js-plotly-plot');
                const plain = (v) => (ArrayBuffer.isView(v) ? Array.from(v)
                    : Array.isArray(v) ? v.map(plain) : v);
                return plot.data.map((t) => ({name: t.name, y: plain(t.y), z: plain(t.z),
                    hovertemplate: t.hovertemplate, text: plain(t.text)}));
            }""",
            f".{css_class}",
        )

    def check_offline(self) -> None:
        """Every asset came from the server and none failed to load."""
        outside = [
            url
            for url in self.requests
            if urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", None)
            and not url.startswith(("data:", "blob:"))
        ]
        assert not outside, f"the page asked outside this machine for {outside[:5]}"
        assert not self.failures, f"assets that did not load: {self.failures[:5]}"

    def screenshot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / name))
        if os.environ.get("SAFESIM_DOCS_SCREENSHOT") == "1":
            shutil.copyfile(SHOTS / name, DOCS_IMAGES / name)

    def check_fits(self) -> None:
        """No horizontal scrolling, and the four panels do not overlap each other."""
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"the page is {overflow} px wider than the window"
        boxes = [self.page.locator(f".{name}").bounding_box() for name in PANELS]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                apart = (
                    a["x"] + a["width"] <= b["x"] + 1
                    or b["x"] + b["width"] <= a["x"] + 1
                    or a["y"] + a["height"] <= b["y"] + 1
                    or b["y"] + b["height"] <= a["y"] + 1
                )
                assert apart, f"panels overlap: {a} and {b}"

    def boxes(self) -> dict[str, dict[str, float]]:
        return {name: self.page.locator(f".{name}").bounding_box() for name in PANELS[1:]}


def _equal_before_and_differing_after(series: list[float | None]) -> None:
    before = series[:CAMPAIGN_DAY]
    after = [v for v in series[CAMPAIGN_DAY:] if v is not None]
    assert all(v == 0 for v in before), "mix and twin differ before the campaign"
    assert any(v != 0 for v in after), "mix and twin are the same after the campaign start"


def test_play_runs_the_calendar_with_the_twin_beside_the_mix(served: Served, browser: Any) -> None:
    view = Page(browser, served.url, 1366, 768)
    page = view.page
    assert view.day == 0 and page.title() == "safesim — small"
    assert page.get_by_text("Days per frame").is_visible()
    assert page.get_by_text("Render Interval").count() == 0
    # Step: a frame's days at a time (three by default).
    for day in (3, 6, 9):
        view.button("Step").click()
        view.wait_for(lambda day=day: view.day == day, f"day {day}")
    view.wait_drawn(DRAWN_AFTER_A_STEP)
    # The map first: the largest panel, and of one size whatever the day.
    sizes = view.boxes()
    area = {name: box["width"] * box["height"] for name, box in sizes.items()}
    assert max(area, key=area.get) == "safesim-map", sizes

    # Play to the last day, reading what the page states as it goes: ten days a frame
    # (the default three take minutes on a busy machine).
    view.set_days_per_frame(10)
    view.button("▶").click()
    started, first_day = time.monotonic(), view.day
    samples: list[tuple[int, float, int]] = []
    while view.day < DAYS:
        shown, gap, differing = view.attributes("day", "map-difference", "days-differing")
        day = int(shown)
        samples.append((day, float(gap), int(differing)))
        if time.monotonic() - started > PLAY_TIMEOUT_SECONDS:
            pytest.fail(f"Play reached only day {day} in {PLAY_TIMEOUT_SECONDS} s")
        time.sleep(0.25)
    seconds = time.monotonic() - started
    rate = (DAYS - first_day) / seconds
    print(f"\nPlay: {DAYS - first_day} days in {seconds:.1f} s = {rate:.1f} days per second")
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "days-per-second.txt").write_text(f"{rate:.1f}\n")

    # Stopped cleanly at the last day: no error, Play and Step disabled.
    play_pause = page.get_by_role("button", name=re.compile("^(▶|❚❚)$"))
    view.wait_for(play_pause.is_disabled, "Play to stop")
    assert view.button("Step").is_disabled()
    assert page.get_by_text("error in step").count() == 0
    assert f"Day {DAYS} of {DAYS}" in view.note.inner_text()

    # The twin equals the mix before the campaign starts and differs after, as stated...
    before = [s for s in samples if s[0] <= CAMPAIGN_DAY]
    after = [s for s in samples if s[0] > CAMPAIGN_DAY + 30]
    assert before and after, samples
    assert all(gap == 0 and days == 0 for _, gap, days in before), before
    assert any(gap > 0 for _, gap, _ in after) and all(days > 0 for _, _, days in after)
    assert float(view.attribute("cases-mix")) != float(view.attribute("cases-twin"))
    # ... and as drawn: the difference line, and the two crime lines themselves.
    crime = {trace["name"]: trace["y"] for trace in view.figure_data("safesim-crime-chart")}
    _equal_before_and_differing_after(crime["with − without"])
    gaps = [
        None if a is None else a - b
        for a, b in zip(crime["with the mix"], crime["without (same seeds)"], strict=True)
    ]
    _equal_before_and_differing_after(gaps)
    (difference_map,) = view.figure_data("safesim-difference-map")
    assert any(value != 0 for row in difference_map["z"] for value in row)

    # The map: cells, patrol teams, grid workers and cameras, each saying what it is.
    city = view.figure_data("safesim-map")
    # A unit's hover is its own text (``describe``); the cells' is the template.
    hovers = " ".join(
        [trace["hovertemplate"] for trace in city]
        + [str(label) for trace in city for label in (trace.get("text") or [])[:1]]
    )
    for words in ("recent crime", "patrol team #", "grid worker #", "camera #"):
        assert words in hovers, (words, hovers[:300])
    assert view.boxes()["safesim-map"] == sizes["safesim-map"], "the map changed size"
    # Play reported the pace it reached.
    assert "days a second" in view.note.inner_text()

    # No Mesa page: none of its controls that mean nothing to an analyst; values shown.
    assert page.get_by_text("Use Threads").count() == 0
    assert page.get_by_text("Model Parameters").count() == 0
    thumb = page.locator(".v-slider__thumb-label").first
    assert thumb.is_visible()
    view.check_fits()
    view.check_offline()
    view.screenshot("viz-1366x768.png")
    view.page.close()


def test_sliders_and_the_seed_build_a_new_model_on_reset(served: Served, browser: Any) -> None:
    view = Page(browser, served.url, 1366, 768)
    page = view.page
    # Each browser session has its own model: this one starts at day 0.
    assert view.day == 0
    officers = page.get_by_role("slider", name="Patrol officers")
    # Its value is on the page without dragging.
    label = page.locator(".v-slider__thumb-label", has_text="48").first
    assert label.is_visible()
    officers.focus()
    officers.press("End")
    assert officers.get_attribute("aria-valuenow") == "144"
    seed = page.get_by_label("Random seed")
    # A seed that cannot be used: said beside the box and on Reset; the city is kept.
    seed.fill("abc")
    seed.press("Enter")
    view.button("Step").click()
    view.wait_for(lambda: view.day == 3, "day 3")
    view.button("Reset").click()
    refusal = page.locator(".safesim-message")
    refusal.wait_for()
    assert "Not applied" in refusal.inner_text() and "abc" in refusal.inner_text()
    assert view.day == 3 and "seed 7" in view.note.inner_text()
    assert view.button("Step").is_enabled() and view.button("Reset").is_enabled()
    # Edits wait for Reset, and the page says so.
    seed.fill("11")
    seed.press("Enter")
    pending = page.locator(".safesim-pending")
    view.wait_for(lambda: pending.count() == 1 and "seed 11" in pending.inner_text(), "notice")
    assert "apply on Reset" in pending.inner_text() and "seed 7" in view.note.inner_text()
    view.button("Reset").click()
    view.wait_for(lambda: "seed 11" in view.note.inner_text(), "the new seed")
    text = view.note.inner_text()
    assert "Patrol officers: 144 (+288 auxiliaries)" in text and f"Day 0 of {DAYS}" in text
    assert page.locator(".safesim-message").count() == 0
    view.button("Step").click()
    view.wait_for(lambda: view.day == 3, "day 3 of the new city")
    view.wait_drawn(DRAWN_AFTER_A_STEP)
    view.page.close()


LOADS = 30


def test_every_figure_draws_on_every_load(served: Served, browser: Any) -> None:
    """Thirty loads in a row: each draws all four figures (traces with points in them,
    not only the panels' boxes), and a Step's new days reach every figure."""
    for load in range(LOADS):
        view = Page(browser, served.url, 1366, 768)
        try:
            view.button("Step").click()
            view.wait_for(lambda view=view: view.day == 3, f"day 3 on load {load + 1}")
            view.wait_drawn(DRAWN_AFTER_A_STEP, timeout=60.0)
        finally:
            view.page.close()


def test_the_page_reads_on_a_small_laptop(served: Served, browser: Any) -> None:
    view = Page(browser, served.url, 1024, 700)
    view.set_days_per_frame(10)
    view.button("▶").click()
    view.wait_for(lambda: view.day >= CAMPAIGN_DAY + 60, "the campaign's second month")
    view.button("❚❚").click()
    view.wait_for(lambda: view.button("▶").is_visible(), "Play to pause")
    time.sleep(1.0)  # the last frame
    view.check_fits()
    view.check_offline()
    view.screenshot("viz-1024x700.png")
    view.page.close()


def _replay_server(out: Path) -> Served:
    """`safesim viz` replaying one replicate of small.yaml run into ``out``."""
    _require_browser()
    run = [sys.executable, "-m", "safesim.ui.cli", "run", str(SMALL), "--replicates", "1"]
    subprocess.run([*run, "--out", str(out)], check=True, capture_output=True)
    return Served([str(out / "small")], out, out / "server.log")


def test_a_results_folder_replays_without_simulating(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = _replay_server(tmp_path_factory.mktemp("replay"))
    try:
        view = Page(browser, server.url, 1366, 768)
        assert view.day == 0
        assert "replay of" in view.note.inner_text()
        scrub = view.page.get_by_role("slider", name="Day shown")
        scrub.focus()
        scrub.press("End")
        view.wait_for(lambda: view.day == DAYS, "the last day")
        crime = {t["name"]: t["y"] for t in view.figure_data("safesim-crime-chart")}
        _equal_before_and_differing_after(crime["with − without"])
        view.wait_drawn(
            {"safesim-crime-chart": {"lines": 3}, "safesim-security-chart": {"lines": 2}}
        )
        view.screenshot("viz-replay.png")
        scrub.press("Home")
        view.wait_for(lambda: view.day == 0, "day 0")
        view.check_offline()
        view.page.close()
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()


REPLAYS = 30


def test_a_replay_plays_through_its_saved_days(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Play runs a replay to its last day, and thirty Plays from the start each move on
    and pause with the page and its controls intact."""
    server = _replay_server(tmp_path_factory.mktemp("replay_play"))
    try:
        view = Page(browser, server.url, 1366, 768)
        assert view.day == 0 and view.page.title() == "safesim — replay of small"
        assert view.page.get_by_text("Model Parameters").count() == 0
        # Play moves through the saved days as it does through simulated ones, here a
        # month a frame (the most the slider offers) to keep the test short.
        view.set_days_per_frame(MOST_DAYS_PER_FRAME)
        view.button("▶").click()
        view.wait_for(lambda: view.day == DAYS, "the last saved day", PLAY_TIMEOUT_SECONDS)
        view.wait_for(view.button("▶").is_disabled, "Play to stop at the end")
        crime = {t["name"]: t["y"] for t in view.figure_data("safesim-crime-chart")}
        _equal_before_and_differing_after(crime["with − without"])
        for replay in range(REPLAYS):
            view.button("Reset").click()
            view.wait_for(lambda: view.day == 0, f"day 0 before Play {replay + 1}")
            view.button("▶").click()
            view.wait_for(lambda: view.day >= 60, f"Play {replay + 1} to move on")
            view.button("❚❚").click()
            view.wait_for(lambda: view.button("▶").is_visible(), f"Play {replay + 1} to pause")
        assert view.page.locator(".safesim-message").count() == 0
        assert view.page.get_by_text("Traceback").count() == 0
        view.page.close()
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()

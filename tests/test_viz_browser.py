"""The browser view in a real browser: ``safesim viz`` served, driven with headless Chromium.

Steps and plays the model and checks that the map and the charts change; moves the
patrol-officer slider and the seed, presses Reset and checks the page reports the new
model. Uses Debian's Chromium (``apt-get install chromium``); skipped without it.

Set ``SAFESIM_DOCS_SCREENSHOT=1`` to copy the screenshot to docs/images/viz.png.
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
import urllib.request
from collections.abc import Iterator
from pathlib import Path

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
SMALL = SCENARIOS / "small.yaml"
# Our own panel says which day the model is on (Mesa's own counter reads "Step: 3" on
# Mesa 3.3 and "Time: 3.0" on 3.5).
DAY_TEXT = re.compile(r"Day (\d+) of \d+")


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


@pytest.fixture(scope="module")
def viz_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        # CI installs Chromium and sets this, so a missing browser fails there, not skips.
        if os.environ.get("SAFESIM_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's with 'apt-get install chromium'")
    pytest.importorskip("playwright.sync_api", reason="playwright (the dev extra) is not installed")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("viz") / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "safesim.cli",
                "viz",
                str(SCENARIOS / "small.yaml"),
                "--port",
                str(port),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"safesim viz exited early:\n{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"safesim viz did not answer at {url}:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(server)


def _day(page) -> int:
    text = page.locator(".safesim-levers").inner_text()
    match = DAY_TEXT.search(text)
    assert match, text
    return int(match.group(1))


def _wait_for(condition, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_step_play_and_sliders_drive_the_model(viz_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1150})
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.goto(viz_url)
            city_map = page.locator(".safesim-map img")
            crime_chart = page.locator(".safesim-crime-chart img")
            security_chart = page.locator(".safesim-security-chart img")
            levers = page.locator(".safesim-levers")
            city_map.wait_for()
            expect(levers).to_contain_text("20,000 households")
            expect(levers).to_contain_text("Day 0 of 731")
            first = [img.screenshot() for img in (city_map, crime_chart, security_chart)]

            # Step: one day at a time, the map follows.
            step = page.get_by_role("button", name="Step")
            for day in (1, 2, 3):
                step.click()
                expect(levers).to_contain_text(f"Day {day} of 731")
            assert _day(page) == 3
            assert city_map.screenshot() != first[0]

            # Play, many days per redraw, past the campaign start (day 366); then pause.
            render_every = page.get_by_role("slider", name="Render Interval (steps)")
            render_every.focus()
            render_every.press("End")
            page.get_by_role("button", name="▶").click()
            _wait_for(lambda: _day(page) >= 400, what="the model to play past day 400")
            pause = page.get_by_role("button", name="❚❚")
            if pause.is_enabled():
                pause.click()
            # Paused, or the run reached its last day while playing.
            _wait_for(
                lambda: page.get_by_role("button", name="▶").is_visible() or _day(page) == 731,
                what="the model to pause",
            )
            played = _day(page)
            expect(levers).to_contain_text(f"Day {played} of 731")
            now = [img.screenshot() for img in (city_map, crime_chart, security_chart)]
            for name, before, after in zip(("map", "crime", "security"), first, now, strict=True):
                assert before != after, f"the {name} did not change after playing"
            page.screenshot(path=str(tmp_path / "viz.png"), full_page=True)

            # Sliders and the seed box set the next model; Reset builds it.
            officers = page.get_by_role("slider", name="Patrol officers")
            officers.focus()
            officers.press("End")
            expect(officers).to_have_attribute("aria-valuenow", "144")
            seed = page.get_by_label("Random seed")
            seed.fill("11")
            seed.press("Enter")
            page.get_by_role("button", name="Reset").click()
            expect(levers).to_contain_text("Patrol officers: 144 (+288 auxiliaries)")
            expect(levers).to_contain_text("seed 11")
            expect(levers).to_contain_text("Day 0 of 731")
            assert _day(page) == 0
        finally:
            browser.close()

    saved = ROOT / "results" / "viz-browser" / "viz.png"
    saved.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / "viz.png", saved)
    if os.environ.get("SAFESIM_DOCS_SCREENSHOT"):
        shutil.copyfile(tmp_path / "viz.png", ROOT / "docs" / "images" / "viz.png")

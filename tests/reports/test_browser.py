"""The report renders in headless Chromium from a file:// URL: charts drawn, no script errors,
and a non-trivial screenshot."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from engine.cli import main
from tests.reports.runfixture import RunFixture

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Locally a missing browser skips; in CI (CI=true) it fails, so a broken install step cannot hide.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (bash .ci/setup --tests installs it as root)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=90
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, eth_run: RunFixture) -> Path:
    run = tmp_path_factory.mktemp("browser") / "run"
    shutil.copytree(eth_run.path, run)
    assert main(["report", str(run)]) == 0
    return run / "report.html"


def test_page_renders_without_script_errors(tmp_path: Path, report: Path, eth_run: RunFixture) -> None:
    done = chromium(tmp_path, "--dump-dom", report.as_uri())
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r'<body[^>]*data-rendered="1"', dom), "inline script did not finish"
    charts = int(re.search(r'data-charts="(\d+)"', dom).group(1))
    assert charts == dom.count('class="chart"') == 5  # equity, drawdown, price, decisions, scars
    assert re.search(r'<pre id="js-errors"></pre>', dom), "script errors were reported"
    assert dom.count('class="crosshair"') >= 5  # the script attached hover lines to the time charts
    assert dom.count("trade-marker buy") + dom.count("trade-marker sell") == eth_run.fills
    assert dom.count('class="heat-cell"') == 1


def test_screenshot_is_a_real_picture(tmp_path: Path, report: Path) -> None:
    shot = tmp_path / "report.png"
    done = chromium(
        tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", report.as_uri()
    )
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2000)
    assert len(data) > 100_000  # lines, markers and text, not a blank page

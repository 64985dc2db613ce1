"""The markers' guard (tests/kinds.py): a test that starts a browser or a process without
its marker fails, so the quick loop (`pytest -m "not browser"`) never runs one unawares."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.kinds import CHROMIUM, kind_of, missing_markers

ROOT = Path(__file__).resolve().parents[1]


def test_playwrights_driver_needs_the_browser_marker_and_any_other_process_its_own():
    assert kind_of(["/venv/node", "/venv/cli.js", "run-driver"]) == "browser"
    assert kind_of([sys.executable, "-m", "bot.cli", "serve"]) == "subprocess"
    assert kind_of("make run") == "subprocess"
    assert missing_markers({"browser", "subprocess"}, {"browser"}) == ["subprocess"]
    assert missing_markers({"browser"}, {"browser", "subprocess"}) == []


SAMPLE = """
import subprocess, sys

import pytest

def start(*extra):
    subprocess.run([sys.executable, "-c", "pass", *extra], check=True)

def test_unmarked_process():
    start()

def test_unmarked_browser():
    start("run-driver")  # what Playwright starts

@pytest.mark.subprocess
def test_marked_process():
    start()

@pytest.mark.browser
def test_marked_browser():
    start("run-driver")

@pytest.mark.browser
def test_a_browser_test_starting_another_process():
    start()

def test_no_process():
    pass
"""


@pytest.mark.subprocess
def test_a_test_starting_a_process_without_its_marker_fails(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "from tests.kinds import kind_guard, pytest_collection_modifyitems\n", encoding="utf-8"
    )
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rE", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = run.stdout
    failed = sorted(
        line.split("::")[1].split(" ")[0] for line in out.splitlines() if line.startswith("ERROR")
    )
    # Without chromium the browser-marked tests are skipped before they start anything.
    browsers = Path(CHROMIUM).exists()
    expected = ["test_unmarked_browser", "test_unmarked_process"]
    if browsers:
        expected.insert(0, "test_a_browser_test_starting_another_process")
    assert failed == expected, out
    assert "kind browser without the marker" in out

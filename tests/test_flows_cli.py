"""`tobira flows check` and `tobira flows graph` as counselors and operators run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

BROKEN = Path(__file__).resolve().parent / "flows" / "broken"


def tobira(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_shipped_flows_check_clean():
    result = tobira("flows", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")


@pytest.mark.parametrize(
    "name",
    [
        "unknown_target",
        "unreachable",
        "missing_ja",
        "too_many_choices",
        "long_label",
        "long_data",
        "duplicate_key",
    ],
)
def test_broken_examples_fail_with_file_and_line(name):
    path = BROKEN / f"{name}.yaml"
    expected_line = next(
        number
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "# mistake" in line
    )
    result = tobira("flows", "check", str(path))
    assert result.returncode == 1
    assert f"{path.name}:{expected_line}:" in result.stdout, result.stdout


def test_graph_prints_mermaid_and_names_unknown_flows():
    result = tobira("flows", "graph", "family")
    assert result.returncode == 0 and result.stdout.startswith("flowchart TD")
    unknown = tobira("flows", "graph", "nosuch")
    assert unknown.returncode == 2 and "family" in unknown.stderr


def test_service_refuses_to_start_on_a_broken_flow(tmp_path):
    flows_dir = tmp_path / "flows"
    flows_dir.mkdir()
    (flows_dir / "first_contact.yaml").write_text(
        (BROKEN / "unknown_target.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = tmp_path / "tobira.toml"
    config.write_text(f'flows_dir = "{flows_dir}"\n', encoding="utf-8")
    result = tobira("serve", "--config", str(config), "--port", "0")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "first_contact.yaml:" in result.stderr


def test_a_missing_flows_folder_is_named_without_a_line_number(tmp_path):
    missing = tmp_path / "no-flows"
    result = tobira("flows", "check", str(missing))
    assert result.returncode == 1
    assert f"{missing}: no such file or folder" in result.stdout
    assert ":0:" not in result.stdout

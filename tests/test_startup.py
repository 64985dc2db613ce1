"""Start-up order as an operator meets it: everything that can refuse to start is checked
before any background work begins, and the demo banner is printed only once serving."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import children, service_env, start_service, wait_healthy
from tests.service import free_port
from tests.test_flows_cli import BROKEN

pytestmark = pytest.mark.subprocess

BANNER = "nothing leaves this machine"


def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def busy_message(port: int) -> str:
    return (
        f"tobira: cannot listen on 127.0.0.1:{port}: Address already in use. Is tobira already"
        f" running? Choose another port: --port {port + 1}, or TOBIRA_PORT={port + 1} make run."
    )


async def test_a_second_server_on_a_busy_port_starts_nothing(tmp_path, line):
    port = free_port()
    db = tmp_path / "tobira.db"
    env = service_env(db, line, port)
    first = start_service(env, tmp_path / "first.log")
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", first)
        first_log = (tmp_path / "first.log").read_text()
        assert "line sending process started" in first_log and "deadlines armed" in first_log
        # Its sender, and its detector process (with multiprocessing's resource tracker).
        first_children = sorted(children(first.pid))

        second = await asyncio.to_thread(run, "serve", "--host", "127.0.0.1", env=env)
        assert second.returncode == 2
        # One line, and none of the start-up logs: no sending process was started and no
        # deadline was armed on the database the first server is using.
        assert second.stderr.splitlines() == [busy_message(port)]
        assert sorted(children(first.pid)) == first_children, "the first server's, unchanged"
    finally:
        first.send_signal(signal.SIGTERM)
        await asyncio.to_thread(first.wait, 15)


def clean_env(**extra: str) -> dict[str, str]:
    # The master key stays: it is the deployment's, not a setting under test.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LINE_", "TOBIRA_")) or k == "TOBIRA_DATA_KEY"
    }
    return {**env, **extra}


def test_a_busy_port_leaves_the_database_untouched(tmp_path):
    db = tmp_path / "fresh" / "tobira.db"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(
            "serve", "--host", "127.0.0.1", "--port", str(port), env=clean_env(TOBIRA_DB=str(db))
        )
    assert result.stderr.splitlines()[-1] == busy_message(port)
    assert not db.parent.exists(), "the database was opened before the port was ours"


def test_the_demo_banner_is_not_printed_when_the_demo_cannot_start(tmp_path):
    flows_dir = tmp_path / "my_flows"  # not "flows": the working folder is on sys.path
    flows_dir.mkdir()
    (flows_dir / "first_contact.yaml").write_text(
        (BROKEN / "unknown_target.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = tmp_path / "tobira.toml"
    config.write_text(f'flows_dir = "{flows_dir}"\n', encoding="utf-8")
    env = clean_env(TOBIRA_CONFIG=str(config))
    broken = run("demo", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert broken.returncode == 2
    assert "the conversation flows have problems" in broken.stderr
    assert BANNER not in broken.stderr
    assert not (tmp_path / "var").exists(), "the demo database was opened"

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = run("demo", "--port", str(port), env=clean_env(), cwd=tmp_path)
    assert taken.returncode == 2
    assert taken.stderr.splitlines() == [busy_message(port)]
    assert not (tmp_path / "var").exists(), "the demo database was opened"

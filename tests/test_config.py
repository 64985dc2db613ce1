"""Broken configuration stops start-up with one sentence naming the key and the line."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from bot.config.errors import ConfigError
from bot.config.loading import load_settings


def write(tmp_path, text: str):
    path = tmp_path / "tobira.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_key_is_optional(tmp_path):
    settings = load_settings(write(tmp_path, ""), env={})
    assert settings.port == 8080 and str(settings.database) == "var/tobira.db"
    assert settings.line.api_base_url == "https://api.line.me"


def test_file_values_then_environment_overrides(tmp_path):
    path = write(tmp_path, '[server]\nport = 9000\n[line]\nreply_token_max_age = "40s"\n')
    settings = load_settings(path, env={"TOBIRA_PORT": "9100", "TOBIRA_DB": "/tmp/x.db"})
    assert settings.port == 9100
    assert str(settings.database) == "/tmp/x.db"
    assert settings.line.reply_token_max_age == timedelta(seconds=40)


def test_config_file_found_through_TOBIRA_CONFIG(tmp_path):
    path = write(tmp_path, 'service_name = "こころの窓口"\n')
    assert load_settings(None, env={"TOBIRA_CONFIG": str(path)}).service_name == "こころの窓口"


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ('service_name = "x"\n\n[server]\nprot = 8080\n', "server.prot", 4),
        ("[server]\nport = 70000\n", "server.port", 2),
        ('[server]\nhost = "h"\nport = "eighty"\n', "server.port", 3),
        ('[line]\nreply_token_max_age = "soon"\n', "line.reply_token_max_age", 2),
        ('[line]\napi_base_url = "ftp://x"\n', "line.api_base_url", 2),
        ('colour = "blue"\n', "colour", 1),
        ('[database]\nsynchronous = "sometimes"\n', "database.synchronous", 2),
    ],
)
def test_wrong_key_type_or_value_names_key_and_line(tmp_path, text, key, line):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{path}:{line}: configuration key '{key}'")


def test_broken_toml_is_reported_not_raised_as_a_traceback(tmp_path):
    path = write(tmp_path, "[server\nport = 1\n")
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 1"):
        load_settings(path, env={})


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="TOBIRA_PORT"):
        load_settings(None, env={"TOBIRA_PORT": "-1"})


def test_cli_prints_one_clear_line_and_exits_2(tmp_path):
    path = write(tmp_path, "[server]\nport = 70000\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"tobira: {path}:2: configuration key 'server.port': must be a port number 0-65535,"
        " got 70000"
    ]


def test_example_config_loads(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "config" / "tobira.example.toml"
    settings = load_settings(example, env={})
    assert settings.service_name

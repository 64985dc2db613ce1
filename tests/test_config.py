"""Broken configuration stops start-up with one sentence naming the key and the line."""

from __future__ import annotations

import os
import re
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
        (
            "[web]\nmax_chars = 10\n\n[conversations]\nreopen_within = 30\n",
            "conversations.reopen_within",
            5,
        ),
        ('[conversations]\nreopen_within = "a month"\n', "conversations.reopen_within", 2),
    ],
)
def test_wrong_key_type_or_value_names_key_and_line(tmp_path, text, key, line):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{path}:{line}: configuration key '{key}'")


def tobira_serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TOBIRA_", "LINE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **(env or {})},
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """What the operator reads: exit status 2 and exactly one line, never a traceback."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.subprocess
def test_broken_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, 'service_name = "こころの窓口"\n\n[server\nport = 1\n')
    assert one_error_line(tobira_serve("--config", str(path))) == (
        f"tobira: {path}:3: not valid TOML: Expected ']' at the end of a table declaration"
        " (column 8)"
    )


@pytest.mark.subprocess
def test_a_missing_file_says_so_in_file_form(tmp_path):
    missing = tmp_path / "nowhere.toml"
    expected = f"tobira: {missing}: no such file"
    assert one_error_line(tobira_serve("--config", str(missing))) == expected
    assert one_error_line(tobira_serve(env={"TOBIRA_CONFIG": str(missing)})) == expected


def test_a_folder_given_as_the_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, env={})
    assert str(caught.value) == f"{tmp_path}: is a folder, not a TOML file"


SUB_TABLE_HOURS = """\
[[organizations]]
id = "welfare"
name = "福祉相談センター"
[organizations.hours]
mon = "09:00-17:00"

[[organizations]]
id = "psych"
name = "心理相談室"
closed = [
  "2026-12-29..2027-01-03",
  "2027-02-30",
]
[organizations.hours]
tue = "10:00-18:00"
wed = "10:00-25:00"
"""


@pytest.mark.parametrize(
    ("broken", "fixed", "key", "line"),
    [
        # A bad value inside an [organizations.hours] sub-table: the value's own line.
        ('wed = "10:00-25:00"', None, "organizations[1].hours.wed", 16),
        # An item of an array written over several lines: the item's line.
        ('wed = "10:00-25:00"', 'wed = "10:00-18:00"', "organizations[1].closed[1]", 12),
    ],
)
def test_errors_inside_organisations_point_at_the_value(tmp_path, broken, fixed, key, line):
    text = SUB_TABLE_HOURS if fixed is None else SUB_TABLE_HOURS.replace(broken, fixed)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{path}:{line}: configuration key '{key}'")


def test_an_inline_hours_table_points_at_its_line(tmp_path):
    path = write(tmp_path, '[[organizations]]\nid = "w"\nname = "W"\nhours = { mon = "9-5" }\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert str(caught.value).startswith(f"{path}:4: configuration key 'organizations[0].hours.mon'")


@pytest.mark.subprocess
def test_an_organisation_without_hours_is_told_the_sub_table_form(tmp_path):
    path = write(tmp_path, 'assignment = "auto"\n\n[[organizations]]\nid = "w"\nname = "W"\n')
    assert one_error_line(tobira_serve("--config", str(path))) == (
        f"tobira: {path}:3: configuration key 'organizations[0].hours': no opening hours; give"
        " them as a table after this organisation: [organizations.hours] then lines like"
        ' mon = "09:00-17:00" (a missing day is closed)'
    )


@pytest.mark.subprocess
def test_flows_dir_that_does_not_exist_is_a_configuration_error(tmp_path):
    path = write(tmp_path, '# flows\nflows_dir = "/nonexistent/flows"\n')
    line = one_error_line(tobira_serve("--config", str(path)))
    assert line == (
        f"tobira: {path}:2: configuration key 'flows_dir': no such folder: /nonexistent/flows"
    )
    assert ":0:" not in line


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (
            '[server]\nport = "8091"\n',
            "server.port",
            "must be a port number 0-65535, got '8091' (a quoted string: write the number"
            " without quotes)",
        ),
        (
            '[line]\nmax_attempts = "12"\n',
            "line.max_attempts",
            "must be a whole number of at least 1, got '12' (a quoted string: write the number"
            " without quotes)",
        ),
    ],
)
@pytest.mark.subprocess
def test_quoted_numbers_are_refused_alike(tmp_path, text, key, message):
    path = write(tmp_path, text)
    assert one_error_line(tobira_serve("--config", str(path))) == (
        f"tobira: {path}:2: configuration key '{key}': {message}"
    )


def test_the_port_from_the_environment_is_a_string_and_works(tmp_path):
    path = write(tmp_path, "[server]\nport = 9000\n")
    assert load_settings(path, env={"TOBIRA_PORT": "8091"}).port == 8091
    with pytest.raises(ConfigError, match=r"TOBIRA_PORT.*got 'eighty'"):
        load_settings(None, env={"TOBIRA_PORT": "eighty"})


def test_a_reply_token_is_not_kept_past_a_minute(tmp_path):
    assert load_settings(
        write(tmp_path, '[line]\nreply_token_max_age = "60s"\n'), env={}
    ).line.reply_token_max_age == timedelta(seconds=60)
    path = write(tmp_path, '[line]\nreply_token_max_age = "90s"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert str(caught.value) == (
        f"{path}:2: configuration key 'line.reply_token_max_age': '90s' is too long: LINE"
        " accepts a reply token for about a minute, so at most '60s'"
    )


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="TOBIRA_PORT"):
        load_settings(None, env={"TOBIRA_PORT": "-1"})


@pytest.mark.subprocess
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
    assert settings.service_name == "ひきこもり相談窓口"
    assert settings.service_name_en == "Hikikomori consultation service"
    names = [org.display_name("en") for org in settings.handoff.organizations]
    assert names == ["Welfare Consultation Centre", "Psychological Counselling Room"]


def test_example_config_documents_every_key():
    from pathlib import Path

    from bot.config.loading import _TABLES, _TOP

    example = (Path(__file__).resolve().parent.parent / "config" / "tobira.example.toml").read_text(
        encoding="utf-8"
    )
    keys = [*_TOP, *(sub for table in _TABLES.values() for sub in table)]
    undocumented = [k for k in keys if not re.search(rf"^#? ?{k} = ", example, re.MULTILINE)]
    assert undocumented == []


def test_english_forms_of_the_words_clients_read(tmp_path):
    shipped = load_settings(write(tmp_path, ""), env={})
    assert shipped.service_name_en == "Hikikomori consultation service"
    assert shipped.handoff.organizations[0].display_name("en") == shipped.service_name_en
    own = load_settings(write(tmp_path, 'window_location = "北区役所2階"\n'), env={})
    # An operator's own Japanese without an English form: their words, not a shipped guess.
    assert own.window_location_en == "北区役所2階"
    assert own.service_name_en == "Hikikomori consultation service"
    both = 'service_name = "北区の窓口"\nservice_name_en = "Kita Ward desk"\n'
    assert load_settings(write(tmp_path, both), env={}).service_name_en == "Kita Ward desk"


def test_a_resolved_conversation_reopens_within_thirty_days_unless_told(tmp_path):
    assert load_settings(write(tmp_path, ""), env={}).reopen_within == timedelta(days=30)
    path = write(tmp_path, '[conversations]\nreopen_within = "7d"\n')
    assert load_settings(path, env={}).reopen_within == timedelta(days=7)

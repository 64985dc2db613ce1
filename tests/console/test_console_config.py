"""`[console]` and `[line] mark_as_read`: read from the file, refused with file:line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config.errors import ConfigError
from bot.config.loading import load_settings


def test_console_settings_and_mark_as_read_are_read(tmp_path):
    config = tmp_path / "tobira.toml"
    config.write_text(
        '[line]\nmark_as_read = "when_staff_open"\ntyping_indicator = true\n\n'
        '[console]\nidle_timeout = "10m"\nlockout_after = 3\nlockout_for = "1h"\n'
        "trust_forwarded_proto = true\n",
        encoding="utf-8",
    )
    settings = load_settings(config, env={})
    assert settings.line.mark_as_read == "when_staff_open"
    assert settings.line.typing_indicator is True
    assert settings.console.idle_timeout == timedelta(minutes=10)
    assert settings.console.lockout_after == 3
    assert settings.console.lockout_for == timedelta(hours=1)
    assert settings.console.trust_forwarded_proto is True


def test_defaults_without_a_file():
    settings = load_settings(None, env={})
    assert settings.line.mark_as_read == "off"
    assert settings.line.typing_indicator is False
    assert settings.console.idle_timeout == timedelta(minutes=30)
    assert settings.console.lockout_after == 5


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[line]\nmark_as_read = "always"\n', 2, 'must be "off" or "when_staff_open"'),
        ("\n[console]\nidle_timeout = 30\n", 3, "must be a duration"),
        ('[line]\ntyping_indicator = "yes"\n', 2, "true or false"),
        ("[console]\nlockout = 5\n", 2, "unknown key; [console] accepts"),
    ],
)
def test_a_wrong_console_key_names_the_line(tmp_path, text, line, words):
    config = tmp_path / "tobira.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert f"tobira.toml:{line}:" in str(caught.value) and words in str(caught.value)

"""`[households] invitation_days` and `[line] basic_id`: defaults, and clear errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config.errors import ConfigError
from bot.config.loading import load_settings


def settings_from(tmp_path, text: str):
    path = tmp_path / "tobira.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env={})


def test_the_defaults_and_the_values_given(tmp_path):
    default = settings_from(tmp_path, "")
    assert default.households.invitation_life == timedelta(days=90)
    assert default.households.line_basic_id is None
    given = settings_from(
        tmp_path, '[households]\ninvitation_days = 30\n[line]\nbasic_id = "@123abcde"\n'
    )
    assert given.households.invitation_days == 30
    assert given.households.line_basic_id == "@123abcde" == given.line.basic_id


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("[households]\ninvitation_days = 0\n", "households.invitation_days", "at least 1"),
        ("[households]\ninvitation_days = 731\n", "households.invitation_days", "at most 730"),
        ('[households]\ninvitation_days = "90d"\n', "households.invitation_days", "whole"),
        ("[households]\ndays = 90\n", "households.days", "accepts invitation_days"),
        ('[line]\nbasic_id = "123abcde"\n', "line.basic_id", "with its @"),
        ('[line]\nbasic_id = "@ABC"\n', "line.basic_id", "lower case"),
    ],
)
def test_a_wrong_value_names_its_key_and_line(tmp_path, text, key, says):
    with pytest.raises(ConfigError) as error:
        settings_from(tmp_path, text)
    message = str(error.value)
    assert key in message and says in message and "tobira.toml:2" in message

"""`[conferences] agencies` and `remind_before`: defaults, and clear errors naming the key
and its line."""

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
    assert default.conferences.agencies == ()
    assert default.conferences.remind_before == timedelta(days=3)
    given = settings_from(
        tmp_path,
        '[conferences]\nagencies = [" 保健センター ", "学校"]\nremind_before = "5d"\n',
    )
    assert given.conferences.agencies == ("保健センター", "学校")
    assert given.conferences.remind_before == timedelta(days=5)


def test_the_example_configuration_offers_agencies(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "config" / "tobira.example.toml"
    settings = settings_from(tmp_path, example.read_text(encoding="utf-8"))
    assert "保健センター" in settings.conferences.agencies
    assert settings.conferences.remind_before == timedelta(days=3)


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ('[conferences]\nagencies = "保健センター"\n', "conferences.agencies", "a list"),
        ('[conferences]\nagencies = ["学校", ""]\n', "conferences.agencies", "a name in quotes"),
        ('[conferences]\nagencies = ["学校", 3]\n', "conferences.agencies", "a name in quotes"),
        ('[conferences]\nagencies = ["学校", "学校"]\n', "conferences.agencies", "twice"),
        ('[conferences]\nagencies = ["' + "あ" * 61 + '"]\n', "conferences.agencies", "60"),
        ('[conferences]\nremind_before = "12h"\n', "conferences.remind_before", "whole days"),
        ('[conferences]\nremind_before = "1d12h"\n', "conferences.remind_before", "whole days"),
        ('[conferences]\nremind_before = "61d"\n', "conferences.remind_before", '"60d"'),
        ("[conferences]\nremind_before = 3\n", "conferences.remind_before", "duration"),
        ('[conferences]\nremind = "3d"\n', "conferences.remind", "accepts agencies, remind_before"),
    ],
)
def test_a_wrong_value_names_its_key_and_line(tmp_path, text, key, says):
    with pytest.raises(ConfigError) as error:
        settings_from(tmp_path, text)
    message = str(error.value)
    assert key in message and says in message and "tobira.toml:2" in message, message

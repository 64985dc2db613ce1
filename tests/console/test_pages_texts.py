"""The console's words and markup, read as files: both languages say the same things, and
nothing in the templates or scripts could run client text as code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from staff_console.i18n import LANGUAGES, fill, texts

CONSOLE = Path(__file__).resolve().parents[2] / "staff_console"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_language_has_every_text_with_the_same_placeholders():
    ja = texts("ja")
    for language in LANGUAGES:
        other = texts(language)
        assert other.keys() == ja.keys(), language
        for section, keys in ja.items():
            assert other[section].keys() == keys.keys(), (language, section)
            for key, value in keys.items():
                assert set(PLACEHOLDER.findall(other[section][key])) == set(
                    PLACEHOLDER.findall(value)
                ), (language, section, key)
                assert other[section][key].strip(), (language, section, key)


def test_fill_leaves_an_unknown_placeholder_as_written():
    assert fill("{name}さん（{role}）", name="佐藤") == "佐藤さん（{role}）"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="no texts"):
        texts("fr")


@pytest.mark.parametrize("template", sorted((CONSOLE / "templates").glob("*.html")), ids=str)
def test_templates_have_no_inline_script_style_or_handlers(template):
    html = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html):
        # Only external scripts and JSON data blocks (never executed).
        assert 'src="' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "inline style"
    assert "<style" not in html
    assert "|safe" not in html.replace(" ", "") and "Markup" not in html


@pytest.mark.parametrize("script", sorted((CONSOLE / "static" / "js").rglob("*.js")), ids=str)
def test_scripts_never_parse_strings_as_html(script):
    code = script.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code, sink
    assert "new Function" not in code

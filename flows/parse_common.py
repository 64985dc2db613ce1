"""common.yaml: the words that work everywhere, shared texts, placeholders, topics."""

from __future__ import annotations

from pathlib import Path

from yaml.nodes import Node, ScalarNode

from flows.model import ACTIONS, COMMON_TEXTS, Common, Text
from flows.nodes import NAME, Entries, Reader
from flows.problems import Problem
from flows.text import normalize
from flows.texts import Texts


def read_common(path: Path, problems: list[Problem], texts: Texts) -> Common | None:
    r = Reader(str(path), problems)
    root = r.parse(path)
    if root is None:
        return None
    top = r.mapping(root, "common.yaml")
    if top is None:
        return None
    _check_settings(r, top)
    _placeholder_names(r, top, texts)
    for name, (_, value_node) in _section(r, top, "variables").items():
        is_null = isinstance(value_node, ScalarNode) and value_node.tag.endswith(":null")
        texts.defaults[name] = None if is_null else r.scalar(value_node, f"variable {name}")
    state_defaults = {}
    for name, (_, value_node) in _section(r, top, "state_variables").items():
        state_defaults[name] = texts.text(r, value_node, f"the default of {{{name}}}")
    shared: dict[str, Text] = {}
    for name, (_, value_node) in _section(r, top, "texts").items():
        text = texts.text(r, value_node, f"text '{name}'")
        if text is not None:
            shared[name] = text
    texts_line: Node = top["texts"][0] if "texts" in top else root
    for name in COMMON_TEXTS:
        if name not in shared:
            r.problem(texts_line, f"texts has no '{name}': add it with a ja text")
    if "skip_label" in shared:
        texts.check_label(r, top["texts"][1], shared["skip_label"], "the skip label")
    words = _words(r, top)
    topics = {k: r.scalar(v, f"topic {k}") or k for k, (_, v) in _section(r, top, "topics").items()}
    hours = _hours(r, top, "welcome_back_after_hours")
    return_hours = _hours(r, top, "return_within_hours")
    language_label = Text("English", "日本語")
    if "language_label" in top:
        node = top["language_label"][1]
        language_label = texts.text(r, node, "language_label") or language_label
        texts.check_label(r, node, language_label, "language_label")
    return Common(
        words=words,
        texts=shared,
        variables=dict(texts.defaults),
        state_variables={k: v for k, v in state_defaults.items() if v is not None},
        topics=topics,
        welcome_back_after_hours=hours,
        language_label=language_label,
        return_within_hours=return_hours,
    )


_SETTINGS = (
    "words",
    "texts",
    "variables",
    "state_variables",
    "topics",
    "welcome_back_after_hours",
    "return_within_hours",
    "language_label",
)


def _check_settings(r: Reader, top: Entries) -> None:
    for key, (key_node, _) in top.items():
        if key not in _SETTINGS:
            r.problem(
                key_node,
                f"unknown setting '{key}' in common.yaml: use one of {', '.join(_SETTINGS)}",
            )


def _placeholder_names(r: Reader, top: Entries, texts: Texts) -> None:
    """Placeholder names first: every text after them may use them."""
    for section, target in (
        ("variables", texts.config_names),
        ("state_variables", texts.state_names),
    ):
        if section in top:
            for name, (key_node, _) in (r.mapping(top[section][1], section) or {}).items():
                if NAME.match(name):
                    target.add(name)
                else:
                    r.problem(key_node, f"placeholder name '{name}' should use a-z, 0-9, _")


def _hours(r: Reader, top: Entries, name: str, default: float = 24.0) -> float:
    if name not in top:
        return default
    node = top[name][1]
    try:
        return float(r.scalar(node, name) or default)
    except ValueError:
        r.problem(node, f"{name} should be a number of hours")
        return default


def _section(r: Reader, top: Entries, name: str) -> Entries:
    if name not in top:
        return {}
    return r.mapping(top[name][1], name) or {}


def _words(r: Reader, top: Entries) -> dict[str, str]:
    words: dict[str, str] = {}
    for action, (key_node, value_node) in _section(r, top, "words").items():
        if action not in ACTIONS:
            r.problem(key_node, f"unknown word action '{action}': use {', '.join(ACTIONS)}")
            continue
        for lang, (_, list_node) in (r.mapping(value_node, f"words {action}") or {}).items():
            for item in r.sequence(list_node, f"words {action} {lang}") or []:
                word = r.scalar(item, "a word")
                if word is None:
                    continue
                key = normalize(word)
                if key in words and words[key] != action:
                    r.problem(
                        item,
                        f"'{word}' is already a word for '{words[key]}':"
                        " one word can do only one thing",
                    )
                words[key] = action
    return words

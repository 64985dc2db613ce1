"""A flow's texts: {ja, en} pairs, placeholders checked and configured values filled in,
each checked against the limits the caller gave (the registered channels' strictest)."""

from __future__ import annotations

from dataclasses import dataclass, field

from yaml.nodes import Node

from flows.limits import FlowLimits
from flows.model import Text
from flows.nodes import Reader
from flows.text import fill, placeholders, utf16_units

LANGUAGES = ("ja", "en")


@dataclass
class Texts:
    variables: dict[str, str]
    require_values: bool
    limits: FlowLimits
    config_names: set[str] = field(default_factory=set)  # {placeholders} from configuration
    state_names: set[str] = field(default_factory=set)  # filled per conversation
    defaults: dict[str, str | None] = field(default_factory=dict)
    reported_missing: set[str] = field(default_factory=set)

    def text(self, r: Reader, node: Node, what: str) -> Text | None:
        """A {ja: ..., en: ...} text, placeholders checked and configuration values filled in."""
        entries = r.mapping(node, what)
        if entries is None:
            return None
        for lang, (key, _value) in entries.items():
            if lang not in LANGUAGES:
                r.problem(key, f"unknown language '{lang}' in {what}: use ja (required) or en")
        if "ja" not in entries:
            r.problem(
                node,
                f"{what} has no 'ja:' text: add the Japanese text (English is"
                " optional and falls back to Japanese)",
            )
            return None
        filled: dict[str, str] = {}
        for lang in LANGUAGES:
            if lang not in entries:
                continue
            value_node = entries[lang][1]
            raw = r.scalar(value_node, f"the {lang} text of {what}")
            if raw is None:
                continue
            filled[lang] = self.fill(r, value_node, raw, lang)
            most = self.limits.text_units
            if most is not None and utf16_units(filled[lang]) > most.most:
                r.problem(
                    value_node,
                    f"the {lang} text of {what} is too long for {most.channel}"
                    f" ({most.most} units at most): shorten it",
                )
        if "ja" not in filled:
            return None
        return Text(filled["ja"], filled.get("en"))

    def fill(self, r: Reader, node: Node, raw: str, lang: str) -> str:
        known = self.config_names | self.state_names
        values: dict[str, str] = {}
        for name in placeholders(raw):
            if name not in known:
                hint = ", ".join("{" + n + "}" for n in sorted(known))
                r.problem(
                    node,
                    f"unknown placeholder {{{name}}}: use one of {hint},"
                    " or add it under 'variables:' in common.yaml",
                )
                continue
            if name in self.state_names:
                continue  # filled per conversation by the engine
            value = self.variables.get(f"{name}_{lang}") if lang != "ja" else None
            value = value or self.variables.get(name) or self.defaults.get(name)
            if value is None:
                if self.require_values and name not in self.reported_missing:
                    self.reported_missing.add(name)
                    r.problem(
                        node,
                        f"placeholder {{{name}}} has no value: set '{name}' in the configuration",
                    )
                value = "{" + name + "}"
            values[name] = value
        return fill(raw, values)

    def check_label(self, r: Reader, node: Node, label: Text, what: str) -> None:
        most = self.limits.label_chars
        for lang, value in (("ja", label.ja), ("en", label.en)):
            if most is not None and value is not None and len(value) > most.most:
                r.problem(
                    node,
                    f"{what} '{value}' ({lang}) has {len(value)} characters; {most.channel}"
                    f" buttons show at most {most.most}: shorten it",
                )

"""The short Japanese note staff read at handoff: one line per answer."""

from __future__ import annotations

from collections.abc import Mapping

from flows.intake import SKIPPED
from flows.model import FlowSet

SKIPPED_TEXT = "答えなし/スキップ"
# Free text can be long; the full text stays in the answers and the conversation itself.
_MAX_VALUE_CHARS = 120


def _name_of(flows: FlowSet, key: str) -> tuple[str, Mapping[str, str]]:
    if key in flows.answer_labels:
        return flows.answer_labels[key]
    if key == "first_message":
        return "最初のメッセージ", {}
    if key.startswith("note"):
        return "あとから書いたこと", {}
    return key, {}


def summarize(flows: FlowSet, answers: Mapping[str, str], topic: str, language: str) -> str:
    lines = [f"チャットでの聞き取り（{flows.common.topics.get(topic, topic)}）"]
    if language == "en":
        lines.append("言語: 英語")
    for key, value in answers.items():
        name, labels = _name_of(flows, key)
        if value == SKIPPED:
            shown = SKIPPED_TEXT
        elif value in labels:
            shown = labels[value]
        else:
            flat = " ".join(value.split())
            if len(flat) > _MAX_VALUE_CHARS:
                flat = flat[:_MAX_VALUE_CHARS] + "…"
            shown = f"「{flat}」（自由記述）"
        lines.append(f"{name}: {shown}")
    if not answers:
        lines.append("（答えはまだありません）")
    return "\n".join(lines)

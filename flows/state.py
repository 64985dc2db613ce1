"""Conversation state and incoming events. The state is stored as JSON with the conversation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

EventKind = Literal["follow", "text", "postback"]
Mode = Literal["bot", "handed_off"]
Language = Literal["ja", "en"]

STATE_VERSION = 1


@dataclass(frozen=True)
class FlowEvent:
    kind: EventKind
    text: str | None = None
    postback_data: str | None = None


@dataclass(frozen=True)
class FlowState:
    """Where one conversation is. flow/step are None before first contact and after an end.

    The dicts are never mutated: the engine always builds a new state with copies.
    """

    flow: str | None = None
    step: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    language: Language = "ja"
    paused: bool = False
    mode: Mode = "bot"
    variables: dict[str, str] = field(default_factory=dict)
    last_active: datetime | None = None
    # When a path last came to its end (and nothing started since): "writing again soon".
    ended_at: datetime | None = None

    @classmethod
    def initial(cls) -> FlowState:
        return cls()

    def after_resolution(self) -> FlowState:
        """Staff resolved the handoff: the next message starts again, remembering what we know."""
        return replace(self, flow=None, step=None, paused=False, mode="bot", ended_at=None)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "version": STATE_VERSION,
            "flow": self.flow,
            "step": self.step,
            "answers": self.answers,
            "language": self.language,
            "paused": self.paused,
            "mode": self.mode,
            "variables": self.variables,
            "last_active": self.last_active.isoformat() if self.last_active else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FlowState:
        data = json.loads(text)
        last = data.get("last_active")
        ended = data.get("ended_at")
        language = data.get("language", "ja")
        mode = data.get("mode", "bot")
        return cls(
            flow=data.get("flow"),
            step=data.get("step"),
            answers={str(k): str(v) for k, v in (data.get("answers") or {}).items()},
            language=language if language in ("ja", "en") else "ja",
            paused=bool(data.get("paused", False)),
            mode=mode if mode in ("bot", "handed_off") else "bot",
            variables={str(k): str(v) for k, v in (data.get("variables") or {}).items()},
            last_active=datetime.fromisoformat(last) if last else None,
            ended_at=datetime.fromisoformat(ended) if ended else None,
        )

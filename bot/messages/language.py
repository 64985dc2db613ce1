"""Which language to speak to a client in."""

from __future__ import annotations

from flows import FlowState
from storage.conversations import Conversation


def conversation_language(conversation: Conversation, default: str) -> str:
    """The language the person chose in the flow, else `default`."""
    if conversation.flow_state:
        return FlowState.from_json(conversation.flow_state).language
    return default

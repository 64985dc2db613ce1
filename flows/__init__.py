"""The pure flow engine and the YAML flows a counselor can edit (see flows/README.md)."""

from flows.effects import (
    Choice,
    Effect,
    End,
    HandOff,
    OutMessage,
    Paused,
    Resumed,
    Send,
    StoreAnswer,
)
from flows.engine import open_question, step
from flows.intake import SKIPPED, Intake, intake_from_answers
from flows.loader import FlowError, Problem, load_flows
from flows.model import FlowSet
from flows.state import FlowEvent, FlowState

__all__ = [
    "SKIPPED",
    "Choice",
    "Effect",
    "End",
    "FlowError",
    "FlowEvent",
    "FlowSet",
    "FlowState",
    "HandOff",
    "Intake",
    "OutMessage",
    "Paused",
    "Problem",
    "Resumed",
    "Send",
    "StoreAnswer",
    "intake_from_answers",
    "load_flows",
    "open_question",
    "step",
]

"""The loaded, checked form of the YAML flows. Built by flows.loader, read by the engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

StepKind = Literal["say", "ask", "branch", "handoff", "end"]

# Postback data format: "t1:<flow>:<step>:<choice id>". Names are [a-z0-9_], so ':' is safe.
DATA_PREFIX = "t1"
SKIP_ID = "_skip"
LANGUAGE_ID = "_lang"


def choice_data(flow: str, step: str, choice_id: str) -> str:
    return f"{DATA_PREFIX}:{flow}:{step}:{choice_id}"


def parse_choice_data(data: str) -> tuple[str, str, str] | None:
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != DATA_PREFIX:
        return None
    return parts[1], parts[2], parts[3]


@dataclass(frozen=True)
class Text:
    """One text in every shipped language; English falls back to Japanese."""

    ja: str
    en: str | None = None

    def get(self, language: str) -> str:
        if language == "en" and self.en:
            return self.en
        return self.ja


@dataclass(frozen=True)
class Target:
    flow: str
    step: str


@dataclass(frozen=True)
class ChoiceDef:
    id: str
    label: Text
    next: Target


@dataclass(frozen=True)
class Step:
    name: str
    kind: StepKind
    say: Text | None = None
    # ask
    question: Text | None = None
    key: str | None = None
    summary: str | None = None
    choices: tuple[ChoiceDef, ...] = ()
    skip: Target | None = None
    other: Target | None = None
    skip_label: Text | None = None
    offer_language: bool = False
    # say
    next: Target | None = None
    # branch
    branch_on: str | None = None
    cases: Mapping[str, Target] = field(default_factory=dict)
    otherwise: Target | None = None
    # handoff
    topic: str | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    topic: str
    start: str
    steps: Mapping[str, Step]
    # First contact only: where a LINE follow starts (nobody wrote yet; default: start), and
    # the question offered, under the text 'again', to someone who writes soon after a path
    # ended (default: none, the flow starts over).
    on_follow: str | None = None
    on_return: str | None = None


@dataclass(frozen=True)
class Common:
    """flows/common.yaml: words that work everywhere, shared texts, placeholders, settings."""

    words: Mapping[str, str]  # normalized typed word -> action
    texts: Mapping[str, Text]
    variables: Mapping[str, str | None]  # configuration placeholders and their defaults
    state_variables: Mapping[str, Text]  # filled from FlowState.variables, else this default
    topics: Mapping[str, str]  # topic -> Japanese name for staff
    welcome_back_after_hours: float
    language_label: Text  # the button that switches language
    # Writing again within this many hours after a path ended counts as "soon" (on_return).
    return_within_hours: float = 24.0


ENTRY_FLOW = "first_contact"
# Actions of words that work everywhere (the keys of `words:` in common.yaml).
ACTIONS = ("pause", "restart", "human", "skip", "english", "japanese")
# Texts common.yaml must define.
COMMON_TEXTS = ("skip_label", "paused", "resumed", "welcome_back", "repeat", "human")


@dataclass(frozen=True)
class FlowSet:
    flows: Mapping[str, Flow]
    common: Common
    entry: str = ENTRY_FLOW
    # answer key -> (name for staff, {choice id: Japanese label}); built by the loader.
    answer_labels: Mapping[str, tuple[str, Mapping[str, str]]] = field(default_factory=dict)

    def get_step(self, flow: str, step: str) -> Step | None:
        found = self.flows.get(flow)
        return found.steps.get(step) if found else None

    def start_of(self, flow: str) -> Target:
        return Target(flow, self.flows[flow].start)

"""The pure flow engine: (flows, state, event, now) -> (new state, effects). No I/O, no clock.

A conversation rests only on a question (an 'ask' step). Each event either answers it, uses a
word that works everywhere (pause, restart, talk to a person, language), or starts first contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flows.effects import (
    MAX_MESSAGES_PER_TURN,
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
from flows.intake import SKIPPED, intake_from_answers
from flows.model import (
    LANGUAGE_ID,
    SKIP_ID,
    ChoiceDef,
    FlowSet,
    Step,
    Target,
    Text,
    choice_data,
    parse_choice_data,
)
from flows.state import FlowEvent, FlowState, Language, Mode
from flows.summary import summarize
from flows.text import fill, normalize

# The loader refuses loops without a question; this only guards against a bug.
_MAX_STEPS_PER_TURN = 100


def step(
    flows: FlowSet, state: FlowState, event: FlowEvent, now: datetime
) -> tuple[FlowState, list[Effect]]:
    """Advance one conversation by one event."""
    if state.mode == "handed_off":
        return state, []  # a human owns the conversation now
    turn = _Turn(flows, state, now)
    turn.handle(event)
    return turn.finish()


def open_question(flows: FlowSet, state: FlowState, now: datetime) -> OutMessage | None:
    """The question the conversation rests on, worded and with buttons as `step` asks it;
    None when none is open, the bot is paused or a human owns the conversation. For asking
    again after the bot stepped aside (a safety check-in) without changing the state."""
    if state.mode != "bot" or state.paused:
        return None
    turn = _Turn(flows, state, now)
    current = turn._current()
    if current is None:
        return None
    turn._ask(current)
    return turn.messages[-1]


@dataclass
class _Turn:
    flows: FlowSet
    before: FlowState
    now: datetime
    flow: str | None = None
    step: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    language: Language = "ja"
    paused: bool = False
    mode: Mode = "bot"
    control: list[Effect] = field(default_factory=list)  # Paused / Resumed
    stores: list[Effect] = field(default_factory=list)
    messages: list[OutMessage] = field(default_factory=list)
    final: list[Effect] = field(default_factory=list)  # HandOff / End
    ended: bool = False  # a path came to its end in this turn
    tapped: bool = False  # this turn's event is a tap on a button (not typed words)

    def __post_init__(self) -> None:
        s = self.before
        self.flow, self.step, self.language = s.flow, s.step, s.language
        self.answers, self.paused, self.mode = dict(s.answers), s.paused, s.mode

    # ------------------------------------------------------------ deciding

    def handle(self, event: FlowEvent) -> None:
        self.tapped = event.kind == "postback"
        text = event.text if event.kind == "text" else None
        word = self.flows.common.words.get(normalize(text)) if text else None
        current = self._current()

        if word in ("english", "japanese"):
            self.language = "en" if word == "english" else "ja"
            if current is None:
                self._start()
            else:
                self._unpause()
                self._ask(current)
            return

        if current is None:
            self._fresh(event, text, word)
            return

        if self.paused:
            if word == "pause":
                self._say_common("paused")
                return
            self._unpause()
            self._say_common("resumed")
            self._after_word_or_return(current, event, text, word)
            return

        if word in ("pause", "restart", "human"):
            self._after_word_or_return(current, event, text, word)
            return
        if event.kind == "follow":
            self._say_common("welcome_back")
            self._ask(current)
            return
        if self._long_gap():
            self._say_common("welcome_back")
            self._after_word_or_return(current, event, text, word)
            return
        self._answer(current, event, text, word, free_text_ok=True)

    def _fresh(self, event: FlowEvent, text: str | None, word: str | None) -> None:
        """No question is open: before first contact, after an end, or after resolution."""
        if word == "pause":
            self._pause()
            return
        if word == "human":
            self._hand_off_now()
            return
        self._unpause()
        if text and text.strip() and word is None:
            self._keep_note(text, first=True)
        if self.answers and (self._long_gap() or event.kind == "follow"):
            self._say_common("welcome_back")
        if word == "restart":
            self.answers = {}
            self._start()
        elif event.kind == "follow":
            self._start(on_follow=True)  # nobody wrote yet: greet a follow as a follow
        elif self._ended_recently():
            self._offer_way_back()
        else:
            self._start()

    def _after_word_or_return(
        self, current: Step, event: FlowEvent, text: str | None, word: str | None
    ) -> None:
        """After a pause or a long gap a tap still answers; typed text is kept as a note."""
        if word == "pause":
            self._pause()
        elif word == "restart":
            self.answers = {}
            self._start()
        elif word == "human":
            self._hand_off_now()
        else:
            self._answer(current, event, text, word, free_text_ok=False)

    def _answer(
        self,
        current: Step,
        event: FlowEvent,
        text: str | None,
        word: str | None,
        *,
        free_text_ok: bool,
    ) -> None:
        assert current.key is not None
        if event.kind == "postback":
            self._answer_postback(current, event.postback_data or "")
            return
        if event.kind != "text" or not text or not text.strip():
            self._ask(current)
            return
        typed = normalize(text)
        for choice in current.choices:
            if typed in (normalize(choice.label.ja), normalize(choice.label.en or choice.label.ja)):
                self._choose(current, choice)
                return
        skip_label = current.skip_label or self.flows.common.texts["skip_label"]
        if word == "skip" or typed in (normalize(skip_label.ja), normalize(skip_label.en or "")):
            self._skip(current)
            return
        if current.offer_language and typed in (
            normalize(self.flows.common.language_label.ja),
            normalize(self.flows.common.language_label.en or ""),
        ):
            self._switch_language(current)
            return
        if not free_text_ok:
            self._keep_note(text, first=False)
            self._ask(current)
            return
        self.stores.append(StoreAnswer(current.key, text, None))
        self.answers[current.key] = text
        self._go(current.other)

    def _answer_postback(self, current: Step, data: str) -> None:
        parsed = parse_choice_data(data)
        if parsed is None or parsed[:2] != (self.flow, self.step):
            # A button from an earlier question, or data we never made: say where we are.
            self._say_common("repeat")
            self._ask(current)
            return
        choice_id = parsed[2]
        if choice_id == SKIP_ID:
            self._skip(current)
        elif choice_id == LANGUAGE_ID and current.offer_language:
            self._switch_language(current)
        else:
            for choice in current.choices:
                if choice.id == choice_id:
                    self._choose(current, choice)
                    return
            self._say_common("repeat")
            self._ask(current)

    # ------------------------------------------------------------ doing

    def _choose(self, current: Step, choice: ChoiceDef) -> None:
        assert current.key is not None
        label = self._text(choice.label)
        self.stores.append(StoreAnswer(current.key, choice.id, label))
        self.answers[current.key] = choice.id
        self._go(choice.next)

    def _skip(self, current: Step) -> None:
        assert current.key is not None
        self.stores.append(StoreAnswer(current.key, SKIPPED, None))
        self.answers[current.key] = SKIPPED
        self._go(current.skip)

    def _switch_language(self, current: Step) -> None:
        self.language = "ja" if self.language == "en" else "en"
        self._ask(current)

    def _start(self, *, on_follow: bool = False) -> None:
        entry = self.flows.flows[self.flows.entry]
        if on_follow and entry.on_follow:
            self._go(Target(entry.name, entry.on_follow))
        else:
            self._go(self.flows.start_of(entry.name))

    def _offer_way_back(self) -> None:
        """Soon after a path ended: one short answer with first contact's buttons, not the
        opening and the privacy note again."""
        entry = self.flows.flows[self.flows.entry]
        question = entry.steps[entry.on_return or ""]
        self.flow, self.step = entry.name, question.name
        self._ask(question, self._common("again"))

    def _go(self, target: Target | None) -> None:
        for _ in range(_MAX_STEPS_PER_TURN):
            if target is None:
                raise RuntimeError("flow step without a target; the loader should refuse it")
            current = self.flows.get_step(target.flow, target.step)
            if current is None:
                raise RuntimeError(f"unknown step {target}; the loader should refuse it")
            self.flow, self.step = target.flow, target.step
            if current.say is not None:
                self._send(current.say)
            if current.kind == "ask":
                self._ask(current)
                return
            if current.kind == "handoff":
                self._hand_off(current.topic or "general")
                return
            if current.kind == "end":
                self.final.append(End())
                self.flow = self.step = None
                self.ended = True
                return
            if current.kind == "branch":
                value = self.answers.get(current.branch_on or "")
                target = current.cases.get(value or "", current.otherwise)
            else:
                target = current.next
        raise RuntimeError("flow went round without a question; the loader should refuse it")

    def _ask(self, current: Step, wording: Text | None = None) -> None:
        """The question with its buttons (its 'say' is sent only when the step is entered);
        `wording` replaces the question's own text."""
        assert current.question is not None
        common = self.flows.common
        choices = [
            Choice(self._text(c.label), choice_data(self.flow or "", current.name, c.id))
            for c in current.choices
        ]
        skip = current.skip_label or common.texts["skip_label"]
        choices.append(
            Choice(self._text(skip), choice_data(self.flow or "", current.name, SKIP_ID))
        )
        if current.offer_language:
            choices.append(
                Choice(
                    self._text(common.language_label),
                    choice_data(self.flow or "", current.name, LANGUAGE_ID),
                )
            )
        self.messages.append(OutMessage(self._text(wording or current.question), tuple(choices)))

    def _hand_off_now(self) -> None:
        self._say_common("human")
        self._hand_off(self._known_topic())

    def _known_topic(self) -> str:
        """The current flow's topic, else the flow an earlier first-contact answer led to."""
        flows = self.flows.flows
        if self.flow is not None and self.flow in flows and flows[self.flow].topic != "general":
            return flows[self.flow].topic
        for s in flows[self.flows.entry].steps.values():
            for choice in s.choices:
                if s.key and self.answers.get(s.key) == choice.id:
                    topic = flows[choice.next.flow].topic
                    if topic != "general":
                        return topic
        return "general"

    def _hand_off(self, topic: str) -> None:
        summary = summarize(self.flows, self.answers, topic, self.language)
        self.final.append(HandOff(topic, summary, intake_from_answers(self.answers)))
        self.mode = "handed_off"
        self.paused = False

    def _pause(self) -> None:
        self.paused = True
        self.control.append(Paused())
        self._say_common("paused")

    def _unpause(self) -> None:
        if self.paused:
            self.paused = False
            self.control.append(Resumed())

    def _keep_note(self, text: str, *, first: bool) -> None:
        key = "first_message" if first and "first_message" not in self.answers else "note"
        n = 1
        while key in self.answers:
            n += 1
            key = f"note_{n}"
        self.stores.append(StoreAnswer(key, text, None))
        self.answers[key] = text

    # ------------------------------------------------------------ helpers

    def _current(self) -> Step | None:
        if self.flow is None or self.step is None:
            return None
        found = self.flows.get_step(self.flow, self.step)
        return found if found is not None and found.kind == "ask" else None

    def _ended_recently(self) -> bool:
        ended = self.before.ended_at
        if ended is None or self.flows.flows[self.flows.entry].on_return is None:
            return False
        return self.now - ended <= timedelta(hours=self.flows.common.return_within_hours)

    def _long_gap(self) -> bool:
        last = self.before.last_active
        hours = self.flows.common.welcome_back_after_hours
        return last is not None and self.now - last > timedelta(hours=hours)

    def _text(self, text: Text) -> str:
        value = text.get(self.language)
        if "{" not in value:
            return value
        defaults = self.flows.common.state_variables
        values = {
            name: self.before.variables.get(name) or default.get(self.language)
            for name, default in defaults.items()
        }
        return fill(value, values)

    def _send(self, text: Text) -> None:
        self.messages.append(OutMessage(self._text(text)))

    def _common(self, name: str) -> Text:
        # Wording by event kind: after a tap, a text's `<name>_after_tap` form when common.yaml
        # has one (nobody "wrote" when they tapped a button).
        texts = self.flows.common.texts
        chosen = texts.get(f"{name}_after_tap") if self.tapped else None
        return chosen or texts[name]

    def _say_common(self, name: str) -> None:
        self._send(self._common(name))

    def finish(self) -> tuple[FlowState, list[Effect]]:
        # Kept while nothing started since the end; cleared once a flow runs again.
        ended_at = self.now if self.ended else (self.before.ended_at if self.flow is None else None)
        state = replace(
            self.before,
            flow=self.flow,
            step=self.step,
            answers=self.answers,
            language=self.language,
            paused=self.paused,
            mode=self.mode,
            last_active=self.now,
            ended_at=ended_at,
        )
        effects: list[Effect] = [*self.control, *self.stores]
        if self.messages:
            effects.append(Send(_pack(self.messages)))
        effects.extend(self.final)
        return state, effects


def _pack(messages: list[OutMessage]) -> tuple[OutMessage, ...]:
    """Keep to three messages a turn (TONE.md) by joining the earliest ones."""
    packed = list(messages)
    while len(packed) > MAX_MESSAGES_PER_TURN:
        first, second = packed[0], packed[1]
        packed[:2] = [OutMessage(f"{first.text}\n\n{second.text}", second.choices)]
    return tuple(packed)

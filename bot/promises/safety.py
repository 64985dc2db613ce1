"""What a client is told at once when a message signals danger: warm words, the helplines
for that level (open now first, never "24 hours" of a line that is not), and when a
counselor answers. At most three messages (TONE rule 1), short ones on a repeat.

A possible signal (a weak one) gets the check-in instead: gentle words with the lines that
always answer, then one question with buttons; and a warm word for a 「いいえ」 or
「答えたくない」."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.config.helplines import Helpline, SafetySettings
from bot.config.organizations import Organization
from bot.messages.catalogue import Catalogue
from bot.promises.acks import Words
from bot.promises.when_text import describe_next_opening, describe_until
from bot.safety import Detection, Level
from flows.text import normalize

# On a repeat within the hour: this many lines besides the emergency numbers.
_SHORT_LINES = 2


def _order(lines: tuple[Helpline, ...], now: datetime) -> list[Helpline]:
    """Open now first (the configured order within each group), then lines whose hours are
    set locally, then lines closed now."""
    rank = {True: 0, None: 1, False: 2}
    return sorted(lines, key=lambda line: rank[line.open_at(now)])


def _line_text(words: Words, line: Helpline, now: datetime, org: Organization) -> str:
    lang, tz = words.language, org.timezone
    values = {"name": line.display_name(lang), "number": line.number}
    state = line.open_at(now)
    if state is None:
        return words.say("safety_line_varies", note=line.display_note(lang), **values)
    if line.hours == "always":
        return words.say("safety_line_always", **values)
    if state:
        closes = line.closes_at(now)
        if closes is None:  # open for longer than we look ahead: as good as always
            return words.say("safety_line_always", **values)
        return words.say(
            "safety_line_until", until=describe_until(closes, now, lang, tz=tz), **values
        )
    opens = line.opens_at(now)
    text = describe_next_opening(opens, now, lang, tz=tz) if opens else ""
    return words.say("safety_line_closed", opens=text, **values)


def _emergency_line(words: Words, emergency: list[Helpline]) -> str:
    """「命の危険があるときは、すぐに119…」 naming the level's emergency numbers."""
    names = "・".join(line.display_name(words.language) for line in emergency)
    return words.say("safety_emergency", emergency=names)


def danger_answer(
    words: Words,
    detection: Detection,
    safety: SafetySettings,
    org: Organization,
    now: datetime,
    *,
    full: bool,
) -> list[str]:
    """The texts to send, in order."""
    lines = _order(safety.lines_for(detection.level), now)
    emergency = [line for line in lines if line.emergency]
    others = [line for line in lines if not line.emergency]
    open_now = org.is_open(now)
    if not full:
        chosen = [*others[:_SHORT_LINES]]
        listed = "\n".join(_line_text(words, line, now, org) for line in chosen)
        texts = [words.say("safety_short", lines=listed)]
        if emergency:
            texts[0] += "\n" + _emergency_line(words, emergency)
        return texts
    who = "other" if detection.about_other else "self"
    intro = words.say(f"safety_intro_{detection.level.value}_{who}")
    if not open_now:
        intro += "\n" + words.say("safety_after_hours")
    listed = "\n".join(_line_text(words, line, now, org) for line in others)
    middle = words.say("safety_lines", lines=listed)
    if emergency:
        middle = _emergency_line(words, emergency) + "\n" + middle
    if open_now:
        last = words.say("safety_window_open")
    else:
        opening = org.next_opening(now)
        if opening is None:  # no opening within the year we look ahead: promise no time
            last = words.say("safety_window_closed_no_opening")
        else:
            when = describe_next_opening(opening, now, words.language, tz=org.timezone)
            last = words.say("safety_window_closed", next_opening=when)
    return [intro, middle, last]


# The check-in's answers: postback data (followed by `:<id>`, the id of the client's message
# the check-in asked about, so a tap answers that check-in and no other), and the catalogue
# entry of each button's label.
CHECKIN_ANSWERS = {"yes": "safety:yes", "no": "safety:no", "skip": "safety:skip"}


def checkin_tap(data: str) -> tuple[str, int | None] | None:
    """(answer, the signalled message's id) of a check-in button's postback data; the id is
    None for buttons sent before taps carried one."""
    head, _, tail = data.rpartition(":")
    for answer, prefix in CHECKIN_ANSWERS.items():
        if data == prefix:
            return answer, None
        if head == prefix and tail.isascii() and tail.isdigit():
            return answer, int(tail)
    return None


def checkin_words(catalogue: Catalogue) -> tuple[dict[str, str], tuple[str, ...]]:
    """What typed words answer the check-in: ({squeezed word: answer}, unsure words).

    A button's label in either language and the catalogue's `also` words are answers; the
    `unsure` words (わからない, たぶん...) found anywhere in a reply count as 「はい」."""
    words: dict[str, str] = {}
    for answer in CHECKIN_ANSWERS:
        entry: Mapping[str, object] = catalogue.texts[f"safety_checkin_{answer}"]
        also = entry.get("also")
        for word in [*(also if isinstance(also, list) else []), entry.get("ja"), entry.get("en")]:
            if isinstance(word, str) and word:
                words.setdefault(squeezed(word), answer)
    yes: Mapping[str, object] = catalogue.texts["safety_checkin_yes"]
    unsure = yes.get("unsure")
    listed = unsure if isinstance(unsure, list) else []
    return words, tuple(squeezed(word) for word in listed if isinstance(word, str) and word)


def squeezed(text: str) -> str:
    """Typed words compared without spaces, width or case differences."""
    return normalize(text).replace(" ", "")


def _always_open(safety: SafetySettings, level: Level) -> tuple[list[Helpline], list[Helpline]]:
    """(emergency numbers, other lines) of the level that answer day and night: the only
    ones a check-in names, so it can say 「24時間」 of each without looking at the clock."""
    lines = [line for line in safety.lines_for(level) if line.hours == "always"]
    return [line for line in lines if line.emergency], [
        line for line in lines if not line.emergency
    ]


def checkin(
    words: Words,
    detection: Detection,
    safety: SafetySettings,
    org: Organization,
    now: datetime,
    signalled: int | None,
) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """The gentle answer to a possible signal: (what we heard and the lines that always
    answer, the question, its buttons as (label, postback data))."""
    who = "other" if detection.about_other else "self"
    level = detection.level.value
    first = words.say(f"safety_possible_{level}_{who}")
    emergency, others = _always_open(safety, detection.level)
    if others:
        listed = "\n".join(_line_text(words, line, now, org) for line in others)
        first += "\n" + words.say("safety_possible_lines", lines=listed)
    if emergency:
        first += "\n" + _emergency_line(words, emergency)
    question = words.say(f"safety_checkin_question_{level}_{who}")
    tail = f":{signalled}" if signalled is not None else ""
    buttons = tuple(
        (words.say(f"safety_checkin_{answer}"), data + tail)
        for answer, data in CHECKIN_ANSWERS.items()
    )
    return first, question, buttons


def after_checkin(words: Words, answer: str, safety: SafetySettings, level: Level) -> str:
    """A warm word for 「いいえ」 (answer "no"), 「答えたくない」 ("skip") or a reply that is
    neither ("other"); it points back to the lines only when the check-in listed some."""
    text = words.say(f"safety_checkin_after_{answer}")
    emergency, others = _always_open(safety, level)
    if emergency or others:
        text += words.say("safety_checkin_after_lines")
    return text

"""What a client is told at once when a message signals danger: warm words, the helplines
for that level (open now first, never "24 hours" of a line that is not), and when a
counselor answers. At most three messages (TONE rule 1), short ones on a repeat."""

from __future__ import annotations

from datetime import datetime

from bot.config.helplines import Helpline, SafetySettings
from bot.config.organizations import Organization
from bot.promises.acks import Words
from bot.promises.when_text import describe_next_opening, describe_until
from bot.safety import Detection

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
            names = "・".join(line.display_name(words.language) for line in emergency)
            texts[0] += "\n" + words.say("safety_emergency", emergency=names)
        return texts
    who = "other" if detection.about_other else "self"
    intro = words.say(f"safety_intro_{detection.level.value}_{who}")
    if not open_now:
        intro += "\n" + words.say("safety_after_hours")
    listed = "\n".join(_line_text(words, line, now, org) for line in others)
    middle = words.say("safety_lines", lines=listed)
    if emergency:
        names = "・".join(line.display_name(words.language) for line in emergency)
        middle = words.say("safety_emergency", emergency=names) + "\n" + middle
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

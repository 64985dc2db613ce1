"""What the client is told about who answers and when, and the deadlines that keep it true.

Every promise names a person and a time: the time is when the conversation escalates if
nobody has answered (`escalate_after` of the organisation's open time), so the promise and
the alarm behind it are one and the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import ack_policy
from bot.config.ack_policy import AckPolicy
from bot.handoff.assignment import Owner
from bot.messages.catalogue import Catalogue
from bot.promises.when_text import describe_deadline, describe_next_opening
from bot.promises.windows import reply_from
from storage import conversations, deadlines
from storage.deadlines import Deadline
from storage.staff import StaffMember
from storage.statuses import DeadlineKind
from storage.tx import Tx

FOLLOWUP, REMIND_STAFF, ESCALATE = (
    DeadlineKind.FOLLOWUP,
    DeadlineKind.REMIND_STAFF,
    DeadlineKind.ESCALATE,
)


@dataclass(frozen=True)
class Words:
    catalogue: Catalogue
    language: str

    def say(self, key: str, **values: str) -> str:
        return self.catalogue.text(key, self.language, **values)


def _name(member: StaffMember | None) -> str:
    # Clients see the display name (「担当は佐藤です」); callers only pass people at work.
    assert member is not None
    return member.display_name


def _when(
    owner: Owner, policy: AckPolicy, since: datetime, now: datetime, language: str
) -> dict[str, str]:
    """{deadline} and {next_opening} phrases for this organisation, Japanese first. The
    promise counts from `since` (when the client wrote), as the escalation deadline does."""
    tz = owner.org.timezone
    values = {"deadline": "", "next_opening": ""}
    promise = ack_policy.escalate_due(since, owner.org, policy)
    if promise is not None:
        values["deadline"] = describe_deadline(promise, now, language, tz=tz)
    opening = owner.org.next_opening(now)
    if opening is not None:
        values["next_opening"] = describe_next_opening(opening, now, language, tz=tz)
    return values


def announce_owner(
    words: Words,
    owner: Owner,
    policy: AckPolicy,
    now: datetime,
    *,
    ack: bool,
    since: datetime | None = None,
    contact_time: str | None = None,
) -> list[str]:
    """The texts for a handoff (ack=False) or an acknowledgement (ack=True). `contact_time`:
    the time of day the client chose for replies, which the promise keeps to."""
    open_now = owner.org.is_open(now)
    values = _when(owner, policy, since or now, now, words.language)
    texts: list[str] = []
    window_from = _window_from(owner, policy, since or now, now, contact_time)
    if window_from is not None:
        if owner.covering:
            texts.append(
                words.say("cover", counselor=_name(owner.counselor), cover=_name(owner.responder))
            )
        base = (
            ("ack" if ack else "handoff_assigned")
            if owner.responder
            else ("ack_queued" if ack else "handoff_queued")
        )
        start = describe_next_opening(window_from, now, words.language, tz=owner.org.timezone)
        named = {"counselor": _name(owner.responder)} if owner.responder else {}
        texts.append(words.say(f"{base}_window", start=start, **named))
        return texts
    if owner.responder is None:
        # Nobody named answers today (queued, or on leave with no cover at work): promise
        # "a counselor", never a person who is not there.
        base = "ack_queued" if ack else "handoff_queued"
        texts.append(words.say(base if open_now else f"{base}_after_hours", **values))
        return texts
    if owner.covering:
        texts.append(
            words.say("cover", counselor=_name(owner.counselor), cover=_name(owner.responder))
        )
    if ack:
        key = "ack" if open_now else "ack_after_hours"
    else:
        key = "handoff_assigned" if open_now else "handoff_assigned_after_hours"
    texts.append(words.say(key, counselor=_name(owner.responder), **values))
    return texts


def _window_from(
    owner: Owner, policy: AckPolicy, since: datetime, now: datetime, contact_time: str | None
) -> datetime | None:
    """From when to promise the reply, when the client's chosen time of day moves it."""
    if contact_time is None:
        return None
    usual = (
        ack_policy.escalate_due(since, owner.org, policy)
        if owner.org.is_open(now)
        else owner.org.next_opening(now)
    )
    return reply_from(contact_time, owner.org, now, usual)


def danger_promise(
    words: Words,
    owner: Owner,
    policy: AckPolicy,
    now: datetime,
    *,
    since: datetime,
    when_said: bool,
) -> str:
    """Who answers and when, said after a danger answer's helplines on every channel.
    `when_said`: the answer already named the next opening (the full one, after hours)."""
    open_now = owner.org.is_open(now)
    values = _when(owner, policy, since, now, words.language)
    if owner.responder is None:
        if open_now:
            return words.say("danger_who_queued", **values)
        return "" if when_said else words.say("danger_who_queued_after_hours", **values)
    name = _name(owner.responder)
    if open_now:
        return words.say("danger_who", counselor=name, **values)
    if when_said:
        return words.say("danger_who_named", counselor=name)
    return words.say("danger_who_after_hours", counselor=name, **values)


def start_burst(
    conn: Tx,
    conversation_id: int,
    owner: Owner,
    policy: AckPolicy,
    received_at: datetime,
    now: datetime,
    contact_time: str | None = None,
) -> list[Deadline]:
    """A client now waits for a human: a new generation and its three deadlines."""
    generation = conversations.start_burst(conn, conversation_id, received_at)
    deadlines.cancel_pending(conn, conversation_id)
    org = owner.org
    escalate = ack_policy.escalate_due(received_at, org, policy)
    # Quiet hours are applied when the follow-up comes due, against the client's latest
    # message then (bot/conversation/deadline.py), not guessed now.
    followup = ack_policy.followup_due(received_at, org, policy)
    # The follow-up repeats the promise made now, it does not make a new one.
    promise = {"promise": escalate.isoformat()} if escalate else None
    window_from = _window_from(owner, policy, received_at, now, contact_time)
    if window_from is not None:
        promise = {"promise_from": window_from.isoformat()}
    planned = [
        (FOLLOWUP, followup, promise),
        (REMIND_STAFF, ack_policy.remind_staff_due(received_at, org, policy), None),
        (ESCALATE, escalate, None),
    ]
    return [
        deadlines.add(
            conn,
            conversation_id=conversation_id,
            kind=kind,
            due_at=due,
            generation=generation,
            at=now,
            payload=payload,
        )
        for kind, due, payload in planned
        if due is not None
    ]


def followup_text(
    words: Words,
    owner: Owner,
    promise: datetime | None,
    now: datetime,
    promise_from: datetime | None = None,
) -> str:
    """The follow-up repeats the promise made: by a time, or (`promise_from`) from the start
    of the client's chosen time of day."""
    if promise_from is not None:
        start = describe_next_opening(promise_from, now, words.language, tz=owner.org.timezone)
        if owner.responder is None:
            return words.say("followup_queued_window", start=start)
        return words.say("followup_window", counselor=_name(owner.responder), start=start)
    values = {"deadline": ""}
    if promise is not None:
        values["deadline"] = describe_deadline(promise, now, words.language, tz=owner.org.timezone)
    answering = owner.responder
    if answering is None:
        return words.say("followup_queued", **values)
    return words.say("followup", counselor=_name(answering), **values)


def still_held(words: Words, owner: Owner, key: str) -> str:
    """After a handoff, 「やめる」 or 「はじめから」: the counselor (or "a counselor" while
    queued) still has the conversation, and the client can write any time."""
    if owner.responder is None:
        return words.say(f"{key}_queued")
    return words.say(key, counselor=_name(owner.responder))

"""What staff do with case conferences: record one (with its action items and their
reminders), mark an item done with its result or drop it, and record that a summary was
printed or downloaded and for whom. Each a sync job on the writer, audited in its
transaction, refusing with `Refusal` (its key names the sentence in
staff_console/errors.toml) when it does not apply; bot/conversation/desk.py runs them.

Someone must steer: a conference without a lead agency or a key worker is refused. Dates
must make sense: a meeting not in the future nor more than a year ago, a review and due
dates after it and within two years. Agencies are offered from `[conferences] agencies`
but any name is accepted as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.conferences import reminders
from bot.config.settings import ConferenceSettings
from bot.runtime.refusal import Refusal, active_member
from storage import audit, staff
from storage import conferences as store
from storage import households as household_store
from storage.conferences import ActionItem, Conference, NewItem, Reminder
from storage.read_side.conferences import may_see_household
from storage.read_side.viewer import Viewer
from storage.staff import StaffMember
from storage.statuses import ActionItemState, SummaryForm
from storage.tx import Tx

# How long each text may be: short notes, never a case record.
AGENCY_MAX_CHARS = 60
PERSON_MAX_CHARS = 60
WHAT_MAX_CHARS = 200
DECISIONS_MAX_CHARS = 1000
RESULT_MAX_CHARS = 500
SHARED_WITH_MAX_CHARS = 200
MOST_AGENCIES = 20
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MOST_ITEMS = 30
# How far dates may lie from the meeting.
HELD_AT_MOST_AGO = timedelta(days=366)
PLANNED_AT_MOST = timedelta(days=731)


@dataclass(frozen=True)
class ItemInput:
    """An action item as the form sends it: a staff owner, or an agency and its person."""

    what: str
    due_on: date
    owner_staff_id: int | None = None
    owner_agency: str | None = None
    owner_person: str | None = None


@dataclass(frozen=True)
class ConferenceInput:
    held_on: date
    lead_agency: str
    key_worker_id: int | None
    agencies: tuple[str, ...] = ()
    decisions: str = ""
    next_review_on: date | None = None
    action_items: tuple[ItemInput, ...] = ()


@dataclass(frozen=True)
class Recorded:
    conference: Conference
    items: list[ActionItem]
    reminders: list[Reminder]

    @property
    def next_due(self) -> datetime | None:
        """The earliest reminder made: the alarm is armed for it."""
        return min((r.due_at for r in self.reminders), default=None)


# --- reading the API's body


def _bad(what: str) -> Refusal:
    return Refusal(f"the conference is not readable: {what}", "conference_bad_input")


def _date(value: Any, what: str, *, optional: bool = False) -> date | None:
    if value is None and optional:
        return None
    # Only the form's own shape: fromisoformat also reads 20261125 and week dates (2026-W48-3).
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise _bad(f"{what} must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(f"{what} must be a date YYYY-MM-DD") from None


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(f"{what} must be text")
    if "\x00" in value:
        raise _bad(f"{what} holds a NUL character")
    return value


def _id(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    # SQLite holds 64-bit integers: a bigger one would fail in the query, as a 500.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**62:
        raise _bad(f"{what} must be a staff id")
    return value


def conference_from_api(body: Mapping[str, Any]) -> ConferenceInput:
    """The issue's JSON body as a ConferenceInput; a wrong type refuses with
    `conference_bad_input` (what is missing or wrong in meaning is `record`'s to refuse)."""
    agencies = body.get("agencies") or []
    if not isinstance(agencies, list):
        raise _bad("agencies must be a list")
    raw_items = body.get("action_items") or []
    if not isinstance(raw_items, list):
        raise _bad("action_items must be a list")
    items = []
    for raw in raw_items:
        if not isinstance(raw, Mapping):
            raise _bad("each action item must be an object")
        owner = raw.get("owner") or {}
        if not isinstance(owner, Mapping):
            raise _bad("an action item's owner must be an object")
        due_on = _date(raw.get("due_on"), "due_on")
        assert due_on is not None
        items.append(
            ItemInput(
                what=_text(raw.get("what"), "what"),
                due_on=due_on,
                owner_staff_id=_id(owner.get("staff_id"), "owner.staff_id"),
                owner_agency=_text(owner.get("agency"), "owner.agency") or None,
                owner_person=_text(owner.get("person"), "owner.person") or None,
            )
        )
    held_on = _date(body.get("held_on"), "held_on")
    assert held_on is not None
    return ConferenceInput(
        held_on=held_on,
        lead_agency=_text(body.get("lead_agency"), "lead_agency"),
        key_worker_id=_id(body.get("key_worker_id"), "key_worker_id"),
        agencies=tuple(_text(a, "agencies") for a in agencies),
        decisions=_text(body.get("decisions"), "decisions"),
        next_review_on=_date(body.get("next_review_on"), "next_review_on", optional=True),
        action_items=tuple(items),
    )


# --- checks


def _short(text: str, limit: int) -> str:
    if "\x00" in text:  # no form sends one; it would cut the text short in some readers
        raise _bad("a text holds a NUL character")
    cleaned = text.strip()
    if len(cleaned) > limit:
        raise Refusal(f"a text is longer than {limit} characters", "conference_text_too_long")
    return cleaned


def _staff_or(conn: Tx, staff_id: int, key: str) -> StaffMember:
    member = staff.get(conn, staff_id)
    if member is None or not member.active:
        raise Refusal("unknown or inactive staff member", key)
    return member


def _agencies(names: tuple[str, ...]) -> tuple[str, ...]:
    # Counted as sent, before anything else: a list of thousands would hold the writer.
    if len(names) > MOST_AGENCIES:
        raise Refusal(f"more than {MOST_AGENCIES} agencies", "conference_too_many")
    found: list[str] = []
    seen: set[str] = set()
    for name in names:
        cleaned = _short(name, AGENCY_MAX_CHARS)
        if cleaned and cleaned not in seen:
            seen.add(cleaned)
            found.append(cleaned)
    return tuple(found)


def _item(conn: Tx, item: ItemInput, held_on: date) -> NewItem:
    what = _short(item.what, WHAT_MAX_CHARS)
    if not what:
        raise Refusal("an action item says nothing to do", "action_item_what_missing")
    agency = _short(item.owner_agency or "", AGENCY_MAX_CHARS)
    person = _short(item.owner_person or "", PERSON_MAX_CHARS)
    if item.owner_staff_id is not None:
        if agency or person:
            raise Refusal("an action item has two owners", "action_item_owner_missing")
        _staff_or(conn, item.owner_staff_id, "action_item_owner_unknown")
    elif not agency or not person:
        raise Refusal(
            "an action item needs a staff owner, or an agency and a person",
            "action_item_owner_missing",
        )
    if not held_on <= item.due_on <= held_on + PLANNED_AT_MOST:
        raise Refusal("an action item's due date is not after the meeting", "action_item_due_wrong")
    return NewItem(
        what=what,
        owner_staff_id=item.owner_staff_id,
        owner_agency=agency or None,  # both empty for a staff owner (checked above)
        owner_person=person or None,
        due_on=item.due_on,
    )


def _viewer(member: StaffMember) -> Viewer:
    return Viewer(member.id, member.role, member.org_id)


# --- the jobs


def record(
    conn: Tx,
    settings: ConferenceSettings,
    household_id: int,
    staff_id: int,
    given: ConferenceInput,
    now: datetime,
) -> Recorded:
    """A conference on a household, its action items and their reminders."""
    member = active_member(conn, staff_id)
    if household_store.get(conn, household_id) is None or not may_see_household(
        conn, household_id, _viewer(member)
    ):
        raise Refusal("no such household", "no_household")
    lead_agency = _short(given.lead_agency, AGENCY_MAX_CHARS)
    if not lead_agency:
        raise Refusal("a conference needs its lead agency", "conference_lead_agency_missing")
    if given.key_worker_id is None:
        raise Refusal("a conference needs its key worker", "conference_key_worker_missing")
    _staff_or(conn, given.key_worker_id, "conference_key_worker_unknown")
    today = reminders.local_today(now)
    if not today - HELD_AT_MOST_AGO <= given.held_on <= today:
        raise Refusal("the meeting's date is in the future or long ago", "conference_held_on_wrong")
    review = given.next_review_on
    if review is not None and not given.held_on < review <= given.held_on + PLANNED_AT_MOST:
        raise Refusal("the next review is not after the meeting", "conference_review_wrong")
    if len(given.action_items) > MOST_ITEMS:
        raise Refusal(f"more than {MOST_ITEMS} action items", "conference_too_many")
    agencies = _agencies(given.agencies)
    decisions = _short(given.decisions, DECISIONS_MAX_CHARS)
    new_items = [_item(conn, item, given.held_on) for item in given.action_items]
    conference = store.create(
        conn,
        household_id=household_id,
        held_on=given.held_on,
        agencies=agencies,
        lead_agency=lead_agency,
        key_worker_id=given.key_worker_id,
        decisions=decisions,
        next_review_on=review,
        created_by=member.id,
        now=now,
    )
    items, made = [], []
    for new in new_items:
        item = store.add_item(conn, conference.id, new)
        items.append(item)
        made += reminders.schedule(conn, item, settings.remind_before, now)
    audit.record(
        conn,
        staff_id=member.id,
        action="record_conference",
        conversation_id=None,
        at=now,
        detail={
            "household_id": household_id,
            "conference_id": conference.id,
            "action_items": [item.id for item in items],
        },
    )
    return Recorded(conference, items, made)


def _open_item(conn: Tx, member: StaffMember, item_id: int) -> tuple[ActionItem, Conference]:
    """The item, if the staff member may see it (its household, or it is for them)."""
    item = store.get_item(conn, item_id)
    conference = store.get(conn, item.conference_id) if item is not None else None
    if item is None or conference is None:
        raise Refusal("no such action item", "no_action_item")
    for_them = member.id == item.owner_staff_id or (
        item.owner_staff_id is None and member.id == conference.key_worker_id
    )
    if not for_them and not may_see_household(conn, conference.household_id, _viewer(member)):
        raise Refusal("no such action item", "no_action_item")
    if item.state != ActionItemState.OPEN:
        raise Refusal("the action item is not open", "action_item_not_open")
    return item, conference


def _close(
    conn: Tx,
    item_id: int,
    staff_id: int,
    state: ActionItemState,
    result: str | None,
    now: datetime,
) -> None:
    member = active_member(conn, staff_id)
    item, conference = _open_item(conn, member, item_id)
    if not store.close_item(conn, item.id, state, result, member.id, now):
        raise Refusal("the action item is not open", "action_item_not_open")
    store.cancel_reminders(conn, item.id)
    audit.record(
        conn,
        staff_id=member.id,
        action="finish_action_item" if state == ActionItemState.DONE else "drop_action_item",
        conversation_id=None,
        at=now,
        detail={
            "household_id": conference.household_id,
            "conference_id": conference.id,
            "action_item_id": item.id,
        },
    )


def finish(conn: Tx, item_id: int, staff_id: int, result: str, now: datetime) -> None:
    """The item is done, with what came back (its reminders are cancelled)."""
    cleaned = _short(result, RESULT_MAX_CHARS)
    if not cleaned:
        raise Refusal("a done action item needs its result", "action_item_result_missing")
    _close(conn, item_id, staff_id, ActionItemState.DONE, cleaned, now)


def drop(conn: Tx, item_id: int, staff_id: int, now: datetime) -> None:
    """The item is no longer needed (its reminders are cancelled)."""
    _close(conn, item_id, staff_id, ActionItemState.DROPPED, None, now)


def summary_shared(
    conn: Tx,
    conference_id: int,
    staff_id: int,
    shared_with: str,
    results: bool,
    form: str,
    now: datetime,
) -> None:
    """A summary (or its results version) was printed or downloaded for someone: audited
    with to whom, so the window can show it shared without delay."""
    member = active_member(conn, staff_id)
    conference = store.get(conn, conference_id)
    if conference is None or not may_see_household(conn, conference.household_id, _viewer(member)):
        raise Refusal("no such conference", "no_conference")
    recipient = _short(shared_with, SHARED_WITH_MAX_CHARS)
    if not recipient:
        raise Refusal("say with whom the summary is shared", "summary_shared_with_missing")
    if form not in {f.value for f in SummaryForm}:
        raise Refusal("a summary is printed or downloaded as PDF", "conference_bad_input")
    audit.record(
        conn,
        staff_id=member.id,
        action="share_conference_summary",
        conversation_id=None,
        at=now,
        detail={
            "household_id": conference.household_id,
            "conference_id": conference.id,
            "shared_with": recipient,
            "results": results,
            "form": form,
        },
    )

"""The facts the year's figures count, written at the moment they happen (migration 0015).

Each function is called inside the transaction that makes the change it records, so a fact
exists exactly when its change does. Ids, kinds and numbers only, never a client's words.
The caller computes what needs the configuration (open hours, after hours); this module
only writes. The kinds and their columns are described in migration 0015.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.timefmt import from_db, to_db
from storage.tx import Tx

# The zone of the figures' local days: the service's (the console's days are Tokyo's too).
REPORTING_ZONE = ZoneInfo("Asia/Tokyo")
WRITERS = ("family", "self", "supporter")
ACK_WITHIN_SECONDS = 5.0
_SKIPPED = "_skip"


def local_day(at: datetime) -> str:
    return at.astimezone(REPORTING_ZONE).date().isoformat()


# Upper bounds (seconds, exclusive) of the first-answer buckets; the last is open.
BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("under_1h", 3600.0),
    ("1h_4h", 4 * 3600.0),
    ("4h_8h", 8 * 3600.0),
    ("8h_24h", 24 * 3600.0),
    ("over_24h", None),
)


def bucket(seconds: float) -> str:
    return next(name for name, bound in BUCKETS if bound is None or seconds < bound)


def _flag(value: Any) -> str:
    return "" if value is None else str(int(value))


def _counted(kind: str, columns: dict[str, Any]) -> list[tuple[str, str]]:
    """The (counter, group) pairs of the daily counts (`reporting_days`) a fact adds one to:
    every count figure reads those few rows a day, not the facts."""
    match kind:
        case "first_contact":
            return [
                ("first_contact.writer", columns.get("writer") or "unknown"),
                ("first_contact.channel", columns.get("channel") or ""),
                ("first_contact.after_hours", _flag(columns.get("flag"))),
            ]
        case "first_answer":
            found = [("first_answer.clock", bucket(columns["seconds"]))]
            if columns.get("open_seconds") is not None:
                found.append(("first_answer.open", bucket(columns["open_seconds"])))
            return found
        case "opened" | "ack" | "item_done":
            return [(kind, _flag(columns.get("flag")))]
        case "danger":
            return [(kind, columns.get("level") or "")]
        case "intake" | "agency":
            return [(kind, columns.get("value") or "")]
        case _:
            return [(kind, "")]


def _count(conn: Tx, counter: str, day: str, group: str, by: int = 1) -> None:
    conn.execute(
        "INSERT INTO reporting_days (kind, day, grp, n) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (kind, day, grp) DO UPDATE SET n = n + excluded.n",
        (counter, day, group, by),
    )
    if by < 0:
        # A count moved to another group leaves no empty row behind.
        conn.execute(
            "DELETE FROM reporting_days WHERE kind = ? AND day = ? AND grp = ? AND n <= 0",
            (counter, day, group),
        )


def _add(conn: Tx, kind: str, at: datetime, *, day: str | None = None, **columns: Any) -> None:
    names = ["kind", "at", "day", *columns]
    on = day or local_day(at)
    conn.execute(
        f"INSERT INTO reporting_events ({', '.join(names)})"
        f" VALUES ({', '.join('?' for _ in names)})",
        (kind, to_db(at), on, *columns.values()),
    )
    for counter, group in _counted(kind, columns):
        _count(conn, counter, on, group)


def _set_writer(conn: Tx, where: str, params: tuple[Any, ...], writer: str) -> None:
    """A first contact's writer named (or renamed): the fact and its daily count."""
    rows = conn.execute(
        f"SELECT id, day, writer FROM reporting_events WHERE kind = 'first_contact' AND {where}",
        params,
    ).fetchall()
    for fact_id, day, old in rows:
        if old == writer:
            continue
        conn.execute("UPDATE reporting_events SET writer = ? WHERE id = ?", (writer, fact_id))
        _count(conn, "first_contact.writer", day, old or "unknown", -1)
        _count(conn, "first_contact.writer", day, writer)


def conversation_opened(
    conn: Tx, conversation_id: int, contact_id: int, at: datetime, after_hours: bool | None
) -> None:
    """A new conversation: `opened`, and `first_contact` when it is the contact's first
    (its writer 'unknown' until the flow's answer or a household role says)."""
    row = conn.execute(
        "SELECT channel, EXISTS (SELECT 1 FROM conversations WHERE contact_id = ? AND id < ?)"
        " FROM contacts WHERE id = ?",
        (contact_id, conversation_id, contact_id),
    ).fetchone()
    channel, returning = (row[0], int(row[1])) if row else (None, 0)
    ids: dict[str, Any] = {
        "contact_id": contact_id,
        "conversation_id": conversation_id,
        "channel": channel,
    }
    _add(conn, "opened", at, **ids, flag=returning)
    if returning:
        return
    role = conn.execute(
        "SELECT role FROM household_members WHERE contact_id = ?", (contact_id,)
    ).fetchone()
    flag = None if after_hours is None else int(after_hours)
    _add(conn, "first_contact", at, **ids, writer=role[0] if role else "unknown", flag=flag)


def conversation_reopened(conn: Tx, conversation_id: int, at: datetime) -> None:
    _add(conn, "reopened", at, conversation_id=conversation_id)


def writer_answered(conn: Tx, conversation_id: int, topic: str | None) -> None:
    """The flow's answer (the topic of the flow chosen) names the writer of a first contact,
    unless a household role already did."""
    if topic is None or topic not in WRITERS:
        return
    _set_writer(conn, "conversation_id = ? AND writer = 'unknown'", (conversation_id,), topic)


def intake_answered(conn: Tx, conversation_id: int, intake_json: str | None, at: datetime) -> None:
    """Age band, relation and topics of the intake, each value once per conversation."""
    if not intake_json:
        return
    try:
        intake = json.loads(intake_json)
    except ValueError:
        return
    if not isinstance(intake, dict):
        return
    found: list[str] = []
    for field, name in (("age_band", "age_band"), ("relationship", "relation")):
        value = intake.get(field)
        if isinstance(value, str) and value and value != _SKIPPED:
            found.append(f"{name}:{value}")
    wishes = intake.get("wishes")
    if isinstance(wishes, list):
        found += [f"topic:{w}" for w in wishes if isinstance(w, str) and w and w != _SKIPPED]
    day = local_day(at)
    for value in found:
        added = conn.execute(
            "INSERT OR IGNORE INTO reporting_events (kind, at, day, conversation_id, value)"
            " VALUES ('intake', ?, ?, ?, ?)",
            (to_db(at), day, conversation_id, value),
        )
        if added.rowcount == 1:
            _count(conn, "intake", day, value)


def handed(conn: Tx, conversation_id: int, at: datetime) -> None:
    _add(conn, "handed", at, conversation_id=conversation_id)


def first_answer(
    conn: Tx, conversation_id: int, since: datetime, at: datetime, open_seconds: float | None
) -> None:
    """The first human answer since the handoff (or the reopening) at `since`."""
    seconds = max(0.0, (at - since).total_seconds())
    _add(
        conn,
        "first_answer",
        at,
        conversation_id=conversation_id,
        seconds=seconds,
        open_seconds=open_seconds,
    )


def staff_answered(conn: Tx, conversation_id: int, at: datetime) -> None:
    """Every danger signal of the conversation no person had answered yet: answered now."""
    rows = conn.execute(
        "SELECT id, at, level FROM reporting_events WHERE conversation_id = ?"
        " AND kind = 'danger' AND flag IS NULL",
        (conversation_id,),
    ).fetchall()
    for fact_id, signalled, level in rows:
        since = from_db(signalled)
        assert since is not None
        conn.execute("UPDATE reporting_events SET flag = 1 WHERE id = ?", (fact_id,))
        _add(
            conn,
            "danger_answer",
            at,
            conversation_id=conversation_id,
            level=level,
            seconds=max(0.0, (at - since).total_seconds()),
        )


def danger(conn: Tx, conversation_id: int, level: str, at: datetime) -> None:
    _add(conn, "danger", at, conversation_id=conversation_id, level=level)


def acknowledged(conn: Tx, conversation_id: int, since: datetime, at: datetime) -> None:
    """A client's wait for an answer of any kind closed (or left open at the resolution)."""
    seconds = max(0.0, (at - since).total_seconds())
    _add(
        conn,
        "ack",
        at,
        conversation_id=conversation_id,
        seconds=seconds,
        flag=int(seconds <= ACK_WITHIN_SECONDS),
    )


def resolved(conn: Tx, conversation_id: int, longest_wait: float | None, at: datetime) -> None:
    _add(conn, "resolved", at, conversation_id=conversation_id, seconds=longest_wait)


def household_begun(conn: Tx, household_id: int, at: datetime) -> None:
    _add(conn, "household", at, household_id=household_id)


def joined_household(conn: Tx, household_id: int, contact_id: int, role: str, at: datetime) -> None:
    """The role names the writer of the contact's first contact; a `self` joining a
    household that began with family is a family → self bridge."""
    _set_writer(conn, "contact_id = ?", (contact_id,), role)
    if role != "self":
        return
    family = conn.execute(
        "SELECT 1 FROM household_members WHERE household_id = ? AND role = 'family'"
        " AND contact_id != ? LIMIT 1",
        (household_id, contact_id),
    ).fetchone()
    if family:
        _add(conn, "bridge", at, contact_id=contact_id, household_id=household_id)


def conference_held(
    conn: Tx,
    conference_id: int,
    household_id: int,
    held_on: date,
    agencies: tuple[str, ...],
    at: datetime,
) -> None:
    """Counted on the day it was held; each agency named once per conference."""
    day = held_on.isoformat()
    _add(conn, "conference", at, day=day, household_id=household_id, value=str(conference_id))
    for agency in dict.fromkeys(agencies):
        _add(conn, "agency", at, day=day, household_id=household_id, value=agency)


def item_done(conn: Tx, item_id: int, at: datetime) -> None:
    """An action item done: by its due date (a local date) or not."""
    row = conn.execute(
        "SELECT i.due_on, c.household_id FROM action_items i"
        " JOIN conferences c ON c.id = i.conference_id WHERE i.id = ?",
        (item_id,),
    ).fetchone()
    if row is None:
        return
    day = local_day(at)
    _add(conn, "item_done", at, day=day, household_id=row[1], flag=int(day <= row[0]))


_BUCKET_SQL = (
    "CASE WHEN {c} < 3600 THEN 'under_1h' WHEN {c} < 14400 THEN '1h_4h'"
    " WHEN {c} < 28800 THEN '4h_8h' WHEN {c} < 86400 THEN '8h_24h' ELSE 'over_24h' END"
)
# Each daily counter recomputed from the facts: (counter, group expression, facts' condition).
_RECOUNT = (
    ("first_contact.writer", "COALESCE(writer, 'unknown')", "kind = 'first_contact'"),
    ("first_contact.channel", "COALESCE(channel, '')", "kind = 'first_contact'"),
    ("first_contact.after_hours", "COALESCE(CAST(flag AS TEXT), '')", "kind = 'first_contact'"),
    ("first_answer.clock", _BUCKET_SQL.format(c="seconds"), "kind = 'first_answer'"),
    (
        "first_answer.open",
        _BUCKET_SQL.format(c="open_seconds"),
        "kind = 'first_answer' AND open_seconds IS NOT NULL",
    ),
    ("danger", "COALESCE(level, '')", "kind = 'danger'"),
)


def recount_days(conn: Tx) -> None:
    """The daily counts made again from the facts: for a benchmark's seeded facts, or after
    a repair. Kept equal to what `_counted` adds one fact at a time (tested)."""
    conn.execute("DELETE FROM reporting_days")
    insert = "INSERT INTO reporting_days (kind, day, grp, n)"
    for counter, group, where in _RECOUNT:
        conn.execute(
            f"{insert} SELECT ?, day, {group} AS g, COUNT(*) FROM reporting_events"
            f" WHERE {where} GROUP BY day, g",
            (counter,),
        )
    conn.execute(
        f"{insert} SELECT kind, day, COALESCE(CAST(flag AS TEXT), '') AS g, COUNT(*)"
        " FROM reporting_events WHERE kind IN ('opened', 'ack', 'item_done')"
        " GROUP BY kind, day, g"
    )
    conn.execute(
        f"{insert} SELECT kind, day, COALESCE(value, '') AS g, COUNT(*)"
        " FROM reporting_events WHERE kind IN ('intake', 'agency') GROUP BY kind, day, g"
    )
    conn.execute(
        f"{insert} SELECT kind, day, '', COUNT(*) FROM reporting_events"
        " WHERE kind IN ('reopened', 'handed', 'resolved', 'danger_answer', 'household',"
        " 'bridge', 'conference') GROUP BY kind, day"
    )

"""What staff do besides working a client's conversation: their looks (every view
audited), alerts marked seen, saved replies (定型文) and the weekly review's close. Each
write and its audit run in one transaction here, so console handlers only parse, call and
shape. Its sibling, bot/conversation/desk.py, does what reaches a client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.conversation.refusal import Refusal
from bot.runtime.clock import Clock
from storage import alerts, audit, read_side, reviews
from storage import saved_replies as replies
from storage.database import Database
from storage.read_side import ConversationView, Viewer, open_alerts_on, visibility
from storage.saved_replies import SavedReply
from storage.staff import StaffMember
from storage.tx import Tx


def record_view(
    conn: Tx,
    staff_id: int,
    *,
    action: str,
    now: datetime,
    conversation_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """A staff member looked at something (`view`, `view_queue`, `view_audit`...): the one
    way a look is written to the audit log."""
    audit.record(
        conn,
        staff_id=staff_id,
        action=action,
        conversation_id=conversation_id,
        at=now,
        detail=detail,
    )


def see_alerts(
    conn: Tx, viewer: Viewer, alert_ids: list[int], now: datetime, because: str | None = None
) -> list[int]:
    """Mark alerts seen by the viewer, each audited (`alert_seen`, with why when it was not
    a dismissal); the ids actually marked. A shared alert (for whoever is on duty) is
    cleared for everyone, so only by someone who may see its case."""
    seen = []
    for alert_id in alert_ids:
        alert = alerts.get(conn, alert_id)
        if alert is None:
            continue
        if alert.conversation_id is None:
            # About an action item: always addressed to one staff member, theirs to clear.
            if alert.staff_id != viewer.staff_id:
                continue
        else:
            where = visibility(conn, [alert.conversation_id]).get(alert.conversation_id)
            if where is None or not viewer.sees(where):
                continue
        if alerts.mark_seen(conn, alert_id, viewer.staff_id, now):
            detail: dict[str, object] = {"alert_id": alert_id}
            if alert.action_item_id is not None:
                detail["action_item_id"] = alert.action_item_id
            if because is not None:
                detail["because"] = because
            audit.record(
                conn,
                staff_id=viewer.staff_id,
                action="alert_seen",
                conversation_id=alert.conversation_id,
                at=now,
                detail=detail,
            )
            seen.append(alert_id)
    return seen


def see_conversation_alerts(
    conn: Tx, viewer: Viewer, conversation_id: int, now: datetime, because: str
) -> list[int]:
    """The viewer's unseen alerts on one conversation (theirs and those for whoever is on
    duty; never a colleague's), marked seen: they opened or answered it."""
    return see_alerts(conn, viewer, open_alerts_on(conn, viewer, conversation_id), now, because)


def _may_change(member: StaffMember, reply: SavedReply | None) -> SavedReply:
    # Another's personal reply does not exist for you; shared ones are supervisors' to edit.
    if reply is None or (not reply.shared and reply.owner_id != member.id):
        raise Refusal("no such saved reply", "no_saved_reply")
    if reply.shared and not member.role.can_supervise:
        raise Refusal("shared saved replies are edited by supervisors", "forbidden")
    return reply


def _audit_reply(
    conn: Tx, member: StaffMember, action: str, reply: SavedReply, now: datetime
) -> None:
    audit.record(
        conn,
        staff_id=member.id,
        action=action,
        conversation_id=None,
        at=now,
        detail={"saved_reply_id": reply.id, "shared": reply.shared},
    )


@dataclass(frozen=True)
class ReviewClosed:
    at: datetime
    accepted: int  # cases accepted since the review before


class StaffOffice:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record_view(
        self,
        staff_id: int,
        *,
        action: str,
        conversation_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        now = self._clock.now()
        await self._db.write(
            lambda conn: record_view(
                conn,
                staff_id,
                action=action,
                now=now,
                conversation_id=conversation_id,
                detail=detail,
            )
        )

    async def open_conversation(
        self, viewer: Viewer, conversation_id: int, *, looked: bool
    ) -> ConversationView | None:
        """The conversation as the viewer opens it (None: unknown, or not theirs to see),
        its view audited; when a person `looked` (not a page refreshing itself), their
        alerts on it are seen."""
        view = await self._db.read(read_side.conversation, viewer, conversation_id)
        if view is None:
            return None
        now = self._clock.now()

        def job(conn: Tx) -> None:
            record_view(
                conn, viewer.staff_id, action="view", now=now, conversation_id=conversation_id
            )
            if looked and view.alerts:
                see_conversation_alerts(conn, viewer, conversation_id, now, "opened")

        await self._db.write(job)
        return view

    async def see_alerts(
        self, viewer: Viewer, alert_ids: list[int], because: str | None = None
    ) -> list[int]:
        now = self._clock.now()
        return await self._db.write(lambda conn: see_alerts(conn, viewer, alert_ids, now, because))

    async def close_review(self, staff_id: int) -> ReviewClosed:
        """The weekly review is over: when, and how many cases were accepted since the last."""
        now = self._clock.now()

        def job(conn: Tx) -> int:
            last = reviews.last(conn)
            accepted = reviews.accepted_since(conn, last.closed_at if last else None)
            review_id = reviews.close(conn, staff_id, accepted, now)
            audit.record(
                conn,
                staff_id=staff_id,
                action="close_review",
                conversation_id=None,
                at=now,
                detail={"review_id": review_id, "accepted": accepted},
            )
            return accepted

        return ReviewClosed(now, await self._db.write(job))

    async def add_saved_reply(
        self, member: StaffMember, title: str, text: str, shared: bool
    ) -> SavedReply:
        if shared and not member.role.can_supervise:
            raise Refusal("shared saved replies are written by supervisors", "forbidden")
        now = self._clock.now()

        def job(conn: Tx) -> SavedReply:
            owner = None if shared else member.id
            reply_id = replies.add(conn, owner_id=owner, title=title, body=text, at=now)
            found = replies.get(conn, reply_id)
            assert found is not None
            _audit_reply(conn, member, "saved_reply_add", found, now)
            return found

        return await self._db.write(job)

    async def edit_saved_reply(
        self, member: StaffMember, reply_id: int, title: str, text: str
    ) -> SavedReply:
        now = self._clock.now()

        def job(conn: Tx) -> SavedReply:
            reply = _may_change(member, replies.get(conn, reply_id))
            replies.update(conn, reply.id, title=title, body=text, at=now)
            _audit_reply(conn, member, "saved_reply_edit", reply, now)
            found = replies.get(conn, reply.id)
            assert found is not None
            return found

        return await self._db.write(job)

    async def delete_saved_reply(self, member: StaffMember, reply_id: int) -> None:
        now = self._clock.now()

        def job(conn: Tx) -> None:
            reply = _may_change(member, replies.get(conn, reply_id))
            replies.delete(conn, reply.id)
            _audit_reply(conn, member, "saved_reply_delete", reply, now)

        await self._db.write(job)

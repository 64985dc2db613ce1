"""What staff do to a conversation: answer, accept a queued case, resolve. Each is audited.

The console calls these; each runs in one transaction on the writer, then wakes the sender
and the alarm for what it queued.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from bot.conferences import records as conference_records
from bot.conferences.records import ConferenceInput, Recorded
from bot.conversation import casework, erase, leave_moves, reassign, safety_feedback
from bot.conversation import notes as staff_notes
from bot.conversation.casework import DeskOutcome
from bot.conversation.context import TurnContext
from bot.conversation.erase import Erased
from bot.conversation.office import StaffOffice
from bot.delivery.outcome import Outcome
from bot.households import invitations
from bot.households.invitations import NewInvitation
from bot.runtime.clock import Clock
from bot.runtime.events import Event, EventKind
from flows import FlowSet
from storage import audit, retention, staff
from storage import leave_moves as leave_store
from storage.database import Database
from storage.households import Household
from storage.safety_feedback import Mark
from storage.tx import Tx

AnyOutcome = TypeVar("AnyOutcome", bound=Outcome)


class StaffDesk:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        context: TurnContext,
        kick: Callable[[int], None],
        arm: Callable[[datetime | None], None],
        publish: Callable[[list[Event]], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self._context = context
        self._kick = kick  # sender.kick(contact_id)
        self._arm = arm  # alarm.arm(due)
        self._publish = publish  # events, once committed
        # Looks, alerts seen, saved replies, the review's close: bot/conversation/office.py.
        self.office = StaffOffice(db, clock)

    @property
    def flows(self) -> FlowSet:
        """The flows the service runs: the console shows a tap as its button's label."""
        return self._context.flows

    async def answer(self, conversation_id: int, staff_id: int, text: str) -> DeskOutcome:
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: casework.answer(c, conversation_id, staff_id, text, now, self._context)
        )
        return self._after(outcome)

    async def accept(
        self,
        conversation_id: int,
        counselor_id: int,
        by_staff_id: int,
        pair_id: int | None = None,
    ) -> DeskOutcome:
        """A queued case is the counselor's (and the pair's, when one is named: a counselor
        of the other organisation); the client is told who answers and when."""
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: casework.accept(
                c, conversation_id, counselor_id, by_staff_id, now, self._context, pair_id
            )
        )
        return self._after(outcome)

    async def resolve(self, conversation_id: int, staff_id: int) -> None:
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: casework.resolve(c, conversation_id, staff_id, now)
        )
        self._after(outcome)

    async def reopen(self, conversation_id: int, staff_id: int) -> None:
        now = self._clock.now()
        outcome = await self._db.write(lambda c: casework.reopen(c, conversation_id, staff_id, now))
        self._after(outcome)

    async def set_urgent(self, conversation_id: int, staff_id: int, urgent: bool) -> None:
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: casework.set_urgent(c, conversation_id, staff_id, urgent, now)
        )
        self._after(outcome)

    async def add_note(
        self,
        conversation_id: int,
        staff_id: int,
        kind: str,
        text: str,
        to_staff_id: int | None = None,
    ) -> int:
        """A private or handover note (never sent to the client); returns its id. Raises
        Refusal when it does not apply."""
        now = self._clock.now()
        note_id, outcome = await self._db.write(
            lambda c: staff_notes.add_note(
                c,
                conversation_id=conversation_id,
                author_id=staff_id,
                kind=kind,
                text=text,
                to_staff_id=to_staff_id,
                now=now,
            )
        )
        self._after(outcome)
        return note_id

    async def mark_safety(
        self,
        conversation_id: int,
        message_id: int,
        staff_id: int,
        kind: str,
        level: str | None,
    ) -> Mark:
        """The staff member's "danger missed" / "false alarm" mark on a client's message,
        replacing their earlier one (bot/conversation/safety_feedback.py)."""
        now = self._clock.now()
        found, outcome = await self._db.write(
            lambda c: safety_feedback.mark(
                c,
                conversation_id=conversation_id,
                message_id=message_id,
                staff_id=staff_id,
                kind=kind,
                level=level,
                now=now,
            )
        )
        self._after(outcome)
        return found

    async def withdraw_safety_mark(
        self, conversation_id: int, message_id: int, staff_id: int
    ) -> bool:
        now = self._clock.now()
        withdrawn, outcome = await self._db.write(
            lambda c: safety_feedback.withdraw(
                c,
                conversation_id=conversation_id,
                message_id=message_id,
                staff_id=staff_id,
                now=now,
            )
        )
        self._after(outcome)
        return withdrawn

    async def transfer(
        self,
        conversation_id: int,
        to_staff_id: int | None,
        by_staff_id: int,
        note: str | None = None,
        *,
        action: str = "transfer",
    ) -> None:
        """Give an open case to a colleague (None: the least loaded at work); the client
        is told once when who answers them changes (bot/conversation/reassign.py)."""
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: reassign.transfer(
                c,
                self._context,
                conversation_id=conversation_id,
                to_staff_id=to_staff_id,
                by_staff_id=by_staff_id,
                note=note,
                now=now,
                action=action,
            )
        )
        self._after(outcome)

    async def set_pair(
        self, conversation_id: int, pair_staff_id: int | None, by_staff_id: int
    ) -> None:
        """Pair the case with a counselor of the other organisation (None: unpair)."""
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: reassign.set_pair(
                c,
                self._context,
                conversation_id=conversation_id,
                pair_staff_id=pair_staff_id,
                by_staff_id=by_staff_id,
                now=now,
            )
        )
        self._after(outcome)

    async def set_leave(
        self,
        staff_id: int,
        starts_on: date,
        ends_on: date,
        cover_staff_id: int | None,
        by_staff_id: int,
        note: str | None,
    ) -> int:
        """Record leave from the console (as `tobira staff leave` does), then move what
        starts today at once; returns the leave's id. StaffError when it cannot be."""
        now = self._clock.now()

        def job(conn: Tx) -> int:
            leave_id = staff.add_leave(conn, staff_id, starts_on, ends_on, cover_staff_id, now)
            leave_store.set_note(conn, leave_id, by_staff_id, note)
            audit.record(
                conn,
                staff_id=by_staff_id,
                action="set_leave",
                conversation_id=None,
                at=now,
                detail={
                    "leave_id": leave_id,
                    "staff_id": staff_id,
                    "from": starts_on.isoformat(),
                    "to": ends_on.isoformat(),
                    "cover": cover_staff_id,
                },
            )
            return leave_id

        leave_id = await self._db.write(job)
        await self.move_for_leave()
        return leave_id

    async def move_for_leave(self) -> int:
        """Conversations whose counselor's leave started or ended: the client told, the
        handover note written (bot/conversation/leave_moves.py). Runs every minute."""
        now = self._clock.now()
        outcomes = await self._db.write(lambda c: leave_moves.run(c, now=now, ctx=self._context))
        for outcome in outcomes:
            self._after(outcome)
        return len(outcomes)

    async def offer_queued(self) -> int:
        """Cases queued with no counselor go to one who is available now (one was added,
        came back from leave...). Only with automatic assignment: under review, a
        supervisor accepts them. Runs periodically on the alarm's scheduler. Returns how
        many were given."""
        if self._context.handoff.assignment != "auto":
            return 0
        now = self._clock.now()
        outcomes = await self._db.write(lambda c: casework.offer_queued(c, now, self._context))
        for outcome in outcomes:
            self._after(outcome)
        return len(outcomes)

    async def invite(self, conversation_id: int, staff_id: int) -> NewInvitation:
        """An invitation for the person at home, from a relative's conversation (the household
        is made on the first one, bot/households/invitations.py). The web token is known in
        plain only in what this returns."""
        now = self._clock.now()
        return await self._db.write(
            lambda c: invitations.invite(
                c, self._context.households, conversation_id, staff_id, now
            )
        )

    async def revoke_invitation(self, invitation_id: int, staff_id: int) -> None:
        """Close an open invitation (as a 「いいえ」 would: the two look the same)."""
        now = self._clock.now()
        await self._db.write(lambda c: invitations.revoke(c, invitation_id, staff_id, now))

    async def create_household(self, conversation_id: int, staff_id: int) -> Household:
        """A household made by hand from a conversation, its client as family."""
        now = self._clock.now()
        return await self._db.write(
            lambda c: invitations.create_household(c, conversation_id, staff_id, now)
        )

    async def record_conference(
        self, household_id: int, staff_id: int, given: ConferenceInput
    ) -> Recorded:
        """A case conference on a household, with its action items; the alarm is armed for
        their first reminder (bot/conferences)."""
        now = self._clock.now()
        recorded = await self._db.write(
            lambda c: conference_records.record(
                c, self._context.conferences, household_id, staff_id, given, now
            )
        )
        self._arm(recorded.next_due)
        return recorded

    async def finish_action_item(self, item_id: int, staff_id: int, result: str) -> None:
        """An action item done, with its result; its reminders are cancelled."""
        now = self._clock.now()
        await self._db.write(lambda c: conference_records.finish(c, item_id, staff_id, result, now))

    async def drop_action_item(self, item_id: int, staff_id: int) -> None:
        """An action item no longer needed; its reminders are cancelled."""
        now = self._clock.now()
        await self._db.write(lambda c: conference_records.drop(c, item_id, staff_id, now))

    async def record_summary_shared(
        self, conference_id: int, staff_id: int, shared_with: str, results: bool, form: str
    ) -> None:
        """A conference summary printed or downloaded ('print' | 'pdf'), and for whom."""
        now = self._clock.now()
        await self._db.write(
            lambda c: conference_records.summary_shared(
                c, conference_id, staff_id, shared_with, results, form, now
            )
        )

    async def erase_contact(self, contact_id: int, staff_id: int | None, via: str) -> Erased | None:
        """A person's request to be forgotten (bot/conversation/erase.py); None: no such
        contact. Open pages of their conversations hear that these changed (and are gone)."""
        erased = await erase.erase_contact(
            self._db, self._clock, contact_id, staff_id=staff_id, via=via
        )
        if erased is not None:
            self._publish(
                [
                    Event(EventKind.CONVERSATION_CHANGED, conversation_id=conversation_id)
                    for conversation_id in erased.conversation_ids
                ]
            )
        return erased

    async def close_household(self, household_id: int, staff_id: int) -> bool:
        """The household's support has ended: retention may count its members' time from
        now (storage/retention.py), and its open invitations close. Audited; False when it
        is unknown or already closed."""
        now = self._clock.now()

        def job(conn: Tx) -> bool:
            closed = retention.close_household(conn, household_id, staff_id, now)
            if closed:
                ended = invitations.close_open(conn, household_id, now)
                audit.record(
                    conn,
                    staff_id=staff_id,
                    action="close_household",
                    conversation_id=None,
                    at=now,
                    detail={"household_id": household_id, "invitations_closed": ended},
                )
            return closed

        return await self._db.write(job)

    def _after(self, outcome: AnyOutcome) -> AnyOutcome:
        outcome.carry_out(self._kick, self._arm, self._publish)
        return outcome

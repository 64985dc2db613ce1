"""Every sealed column, with the subject whose data key seals it.

One list for the backfill that seals what older versions wrote in clear, for the tests that
scan the raw files, and for a reader of the schema. `subject` is an SQL expression over the
table's own row (aliased `t`) that names the subject (`contact:12`, `household:3`).
Times, statuses, ids and counts stay clear: queues, deadlines and figures never decrypt.
"""

from __future__ import annotations

from dataclasses import dataclass

_BY_CONVERSATION = (
    "'contact:' || (SELECT c.contact_id FROM conversations c WHERE c.id = t.conversation_id)"
)
_BY_CONFERENCE = (
    "'household:' || (SELECT f.household_id FROM conferences f WHERE f.id = t.conference_id)"
)


@dataclass(frozen=True)
class SealedColumn:
    table: str
    column: str
    subject: str  # SQL over alias t
    row: str = "id"  # the column that names the row in the associated data


SEALED: tuple[SealedColumn, ...] = (
    SealedColumn("contacts", "platform_user_id", "'contact:' || t.id"),
    # an event without a user (a group's, a malformed one) is sealed by the service's key
    SealedColumn("inbound_events", "payload", "COALESCE('contact:' || t.contact_id, 'service')"),
    SealedColumn("conversations", "flow_state", "'contact:' || t.contact_id"),
    SealedColumn("conversations", "intake", "'contact:' || t.contact_id"),
    SealedColumn("messages", "body", _BY_CONVERSATION),
    SealedColumn("outbox", "payload", "'contact:' || t.contact_id"),
    SealedColumn("staff_notes", "body", _BY_CONVERSATION),
    SealedColumn("safety_signals", "matched", _BY_CONVERSATION, row="message_id"),
    SealedColumn("conferences", "decisions", "'household:' || t.household_id"),
    SealedColumn("action_items", "what", _BY_CONFERENCE),
    SealedColumn("action_items", "result", _BY_CONFERENCE),
    SealedColumn("action_items", "owner_person", _BY_CONFERENCE),
)

"""The console's read side, one module a view, as plain dataclasses:

- `viewer`: who may see which conversation (`Viewer`, the one visibility policy);
- `inbox` (with `finding`, what a counselor looks for): the queues and their counts;
- `conversation`: one conversation as opened, earlier conversations, handovers, colleagues;
- `transcript`: its messages, and the look-ups around one message;
- `alerts` and `audit`: what staff are told, and who did or looked at what.

Every function is a sync reader of a `Tx`, run with `await db.read(reader, ...)`: one read
transaction, so a page shows one consistent moment. Rows are read by column name
(`storage.tx.named_rows`). The names below are the read side's public face, so callers
write `read_side.inbox(...)` whatever module holds it.
"""

from storage.read_side.alerts import (
    AlertRecord,
    AlertView,
    alerts,
    alerts_history,
    open_alerts_on,
)
from storage.read_side.audit import AuditEntry, audit_actions, audit_entries
from storage.read_side.common import DEFAULT_ROWS, MAX_ROWS, StaffRef
from storage.read_side.conversation import (
    Colleague,
    ConversationView,
    EarlierConversation,
    colleagues,
    conversation,
    earlier_conversations,
    handover_notes,
)
from storage.read_side.finding import WRITERS, InboxFilter
from storage.read_side.inbox import (
    BRIEF_FIELDS,
    PREVIEW_CHARS,
    QUEUES,
    InboxRow,
    inbox,
    inbox_row,
    queue_counts,
    writer_of,
)
from storage.read_side.transcript import (
    TRANSCRIPT_ROWS,
    TranscriptMessage,
    client_address,
    message,
    recent_staff_answer,
    transcript,
    unread_read_tokens,
)
from storage.read_side.viewer import Owners, Viewer, visibility

__all__ = [
    "BRIEF_FIELDS",
    "DEFAULT_ROWS",
    "MAX_ROWS",
    "PREVIEW_CHARS",
    "QUEUES",
    "TRANSCRIPT_ROWS",
    "WRITERS",
    "AlertRecord",
    "AlertView",
    "AuditEntry",
    "Colleague",
    "ConversationView",
    "EarlierConversation",
    "InboxFilter",
    "InboxRow",
    "Owners",
    "StaffRef",
    "TranscriptMessage",
    "Viewer",
    "alerts",
    "alerts_history",
    "audit_actions",
    "audit_entries",
    "client_address",
    "colleagues",
    "conversation",
    "earlier_conversations",
    "handover_notes",
    "inbox",
    "inbox_row",
    "message",
    "open_alerts_on",
    "queue_counts",
    "recent_staff_answer",
    "transcript",
    "unread_read_tokens",
    "visibility",
    "writer_of",
]

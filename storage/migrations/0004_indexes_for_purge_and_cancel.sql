-- With foreign keys on, deleting an inbound event or a conversation makes SQLite look for
-- rows pointing at it: without these indexes the retention purge scanned every message
-- and the whole audit log per deleted row (seconds, holding the writer).
CREATE INDEX messages_by_inbound_event ON messages (inbound_event_id)
    WHERE inbound_event_id IS NOT NULL;
CREATE INDEX audit_log_by_conversation ON audit_log (conversation_id)
    WHERE conversation_id IS NOT NULL;
-- A new burst or a staff answer cancels the conversation's pending deadlines.
CREATE INDEX deadlines_pending_by_conversation ON deadlines (conversation_id)
    WHERE status = 'pending';

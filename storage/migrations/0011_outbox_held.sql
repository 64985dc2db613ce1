-- A push kept back because the month's allowance is used up is a status of its own, 'held',
-- instead of a pending row whose last_error reads 'not sent: monthly push allowance used'.
-- SQLite cannot change a CHECK constraint: the table is rebuilt under its own name. Messages
-- point at their outbox rows: the links are set aside while the old table goes, then put back.
CREATE TEMP TABLE message_outbox AS
    SELECT id, outbox_id FROM messages WHERE outbox_id IS NOT NULL;
UPDATE messages SET outbox_id = NULL WHERE outbox_id IS NOT NULL;
CREATE TABLE outbox_with_held (
    id               INTEGER PRIMARY KEY,
    contact_id       INTEGER NOT NULL REFERENCES contacts(id),
    conversation_id  INTEGER REFERENCES conversations(id),
    channel          TEXT NOT NULL,
    payload          TEXT NOT NULL,
    reply_token      TEXT,
    reply_deadline   TEXT,
    retry_key        TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'held', 'delivered', 'failed',
                                       'cancelled')),
    method           TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    maybe_sent       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_with_held (id, contact_id, conversation_id, channel, payload, reply_token,
                              reply_deadline, retry_key, status, method, attempts, last_error,
                              created_at, sent_at, maybe_sent)
SELECT id, contact_id, conversation_id, channel, payload, reply_token, reply_deadline,
       retry_key,
       CASE WHEN status = 'pending' AND last_error = 'not sent: monthly push allowance used'
            THEN 'held' ELSE status END,
       method, attempts,
       CASE WHEN status = 'pending' AND last_error = 'not sent: monthly push allowance used'
            THEN NULL ELSE last_error END,
       created_at, sent_at, maybe_sent
  FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_with_held RENAME TO outbox;
UPDATE messages SET outbox_id = (SELECT outbox_id FROM message_outbox m WHERE m.id = messages.id)
 WHERE id IN (SELECT id FROM message_outbox);
DROP TABLE message_outbox;
-- The same order as storage.statuses.OUTBOX_OPEN, so that queries naming it use the index.
CREATE INDEX outbox_open ON outbox (contact_id, id) WHERE status IN ('pending', 'sending', 'held');

-- An outbox row keeps one platform call as its channel rendered it (LINE JSON for LINE,
-- something else for the web chat): the column says so.
ALTER TABLE outbox RENAME COLUMN messages TO payload;

-- Someone whose conversation was resolved and who writes again starts in the language and
-- with what they told us last time: their latest resolved conversation, found quickly.
CREATE INDEX conversations_by_contact ON conversations (contact_id, resolved_at);

-- An outbox row keeps one platform call as its channel rendered it (LINE JSON for LINE,
-- something else for the web chat): the column says so.
ALTER TABLE outbox RENAME COLUMN messages TO payload;

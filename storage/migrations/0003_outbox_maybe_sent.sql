-- Whether any attempt at this row may have reached LINE. Only the last error was kept, so
-- "timeout, then 429" looked like "nothing sent" and a push after it could answer twice.
ALTER TABLE outbox ADD COLUMN maybe_sent INTEGER NOT NULL DEFAULT 0;
-- Rows already tried: unknown unless their one attempt was refused before sending.
UPDATE outbox SET maybe_sent = 1
 WHERE attempts > 1 OR (attempts = 1 AND coalesce(last_error, '') NOT LIKE 'HTTP 429%');

-- Issue 12: the web chat. A visitor is known only by an opaque random token in a cookie;
-- the database keeps its SHA-256 (a copy of the database lets nobody continue a chat), when
-- it was last used (tokens expire), and when the visitor left ("leave quickly" ends it).
CREATE TABLE web_visitors (
    token_hash    TEXT PRIMARY KEY,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    ended_at      TEXT
);
CREATE INDEX web_visitors_by_last_seen ON web_visitors (last_seen_at);

-- The first schema: everything issue 2 needs, and the tables later issues fill.
-- Times are UTC ISO-8601 text with microseconds, so text order is time order.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL
);

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    org_id        TEXT REFERENCES organizations(id),
    role          TEXT NOT NULL CHECK (role IN ('counselor', 'supervisor', 'admin')),
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

CREATE TABLE contacts (
    id                INTEGER PRIMARY KEY,
    channel           TEXT NOT NULL,
    platform_user_id  TEXT NOT NULL,
    reachable         INTEGER NOT NULL DEFAULT 1,
    language          TEXT NOT NULL DEFAULT 'ja',
    counselor_id      INTEGER REFERENCES staff(id),
    created_at        TEXT NOT NULL,
    last_seen_at      TEXT NOT NULL,
    UNIQUE (channel, platform_user_id)
);

CREATE TABLE conversations (
    id                     INTEGER PRIMARY KEY,
    contact_id             INTEGER NOT NULL REFERENCES contacts(id),
    status                 TEXT NOT NULL DEFAULT 'bot'
                           CHECK (status IN ('bot', 'queued', 'assigned', 'resolved')),
    flow_state             TEXT,
    topic                  TEXT,
    intake                 TEXT,
    org_id                 TEXT REFERENCES organizations(id),
    counselor_id           INTEGER REFERENCES staff(id),
    pair_counselor_id      INTEGER REFERENCES staff(id),
    opened_at              TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    resolved_at            TEXT,
    first_human_answer_at  TEXT,
    longest_wait_seconds   REAL
);
-- A contact has at most one open conversation.
CREATE UNIQUE INDEX conversations_one_open ON conversations (contact_id)
    WHERE status != 'resolved';

CREATE TABLE inbound_events (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    user_key        TEXT,
    kind            TEXT NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    received_at     TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'done', 'failed')),
    processed_at    TEXT,
    error           TEXT,
    UNIQUE (channel, event_id)
);
CREATE INDEX inbound_events_pending ON inbound_events (channel, user_key, occurred_at_ms, id)
    WHERE status = 'pending';

CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    conversation_id   INTEGER NOT NULL REFERENCES conversations(id),
    direction         TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    author            TEXT NOT NULL,
    kind              TEXT NOT NULL,
    body              TEXT,
    inbound_event_id  INTEGER REFERENCES inbound_events(id),
    created_at        TEXT NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    contact_id       INTEGER NOT NULL REFERENCES contacts(id),
    conversation_id  INTEGER REFERENCES conversations(id),
    channel          TEXT NOT NULL,
    messages         TEXT NOT NULL,
    reply_token      TEXT,
    reply_deadline   TEXT,
    retry_key        TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled')),
    method           TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_open ON outbox (contact_id, id) WHERE status IN ('pending', 'sending');

CREATE TABLE deadlines (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    kind             TEXT NOT NULL,
    due_at           TEXT NOT NULL,
    generation       INTEGER NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'fired', 'cancelled')),
    payload          TEXT,
    created_at       TEXT NOT NULL,
    fired_at         TEXT
);
CREATE INDEX deadlines_pending ON deadlines (due_at) WHERE status = 'pending';

CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY,
    at               TEXT NOT NULL,
    staff_id         INTEGER REFERENCES staff(id),
    action           TEXT NOT NULL,
    conversation_id  INTEGER REFERENCES conversations(id),
    detail           TEXT
);

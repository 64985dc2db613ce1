-- Issue 21: case conferences (個別ケース検討会議) on a household, their action items, the
-- reminders behind each open item, and alerts that are about an action item rather than a
-- conversation. Only staff ever see what is here; nothing holds a client's words or name.

-- One meeting. `agencies` is a JSON list of names as written (offered from the
-- configuration, others accepted); `lead_agency` (主担当機関) and `key_worker_id`
-- (主たる援助者) are required: someone steers. Dates are local calendar dates (YYYY-MM-DD).
CREATE TABLE conferences (
    id              INTEGER PRIMARY KEY,
    household_id    INTEGER NOT NULL REFERENCES households(id),
    held_on         TEXT NOT NULL,
    agencies        TEXT NOT NULL DEFAULT '[]',
    lead_agency     TEXT NOT NULL CHECK (lead_agency <> ''),
    key_worker_id   INTEGER NOT NULL REFERENCES staff(id),
    decisions       TEXT NOT NULL DEFAULT '',
    next_review_on  TEXT,
    created_by      INTEGER REFERENCES staff(id),
    created_at      TEXT NOT NULL
);
CREATE INDEX conferences_by_household ON conferences (household_id, held_on);

-- What someone agreed to do by a date: a staff member's, or a partner agency's (with its
-- contact person's name). 'done' carries a short result; 'dropped' is no longer needed.
CREATE TABLE action_items (
    id              INTEGER PRIMARY KEY,
    conference_id   INTEGER NOT NULL REFERENCES conferences(id),
    what            TEXT NOT NULL CHECK (what <> ''),
    owner_staff_id  INTEGER REFERENCES staff(id),
    owner_agency    TEXT,
    owner_person    TEXT,
    due_on          TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'dropped')),
    result          TEXT,
    done_at         TEXT,
    done_by         INTEGER REFERENCES staff(id),
    CHECK ((owner_staff_id IS NOT NULL) <> (owner_agency IS NOT NULL))
);
CREATE INDEX action_items_by_conference ON action_items (conference_id);
CREATE INDEX action_items_open ON action_items (due_on) WHERE state = 'open';
CREATE INDEX action_items_by_owner ON action_items (owner_staff_id) WHERE state = 'open';

-- The reminders of an open item, durable like the conversations' deadlines (which hang on
-- a conversation, so cannot hold these): one row per moment, claimed once
-- (pending → fired), cancelled when the item is done or dropped. The alarm
-- (bot/promises/alarm.py) rings for the earliest pending row of either table.
CREATE TABLE action_item_reminders (
    id              INTEGER PRIMARY KEY,
    action_item_id  INTEGER NOT NULL REFERENCES action_items(id),
    kind            TEXT NOT NULL CHECK (kind IN ('before', 'due', 'overdue')),
    due_at          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'fired', 'cancelled')),
    fired_at        TEXT,
    UNIQUE (action_item_id, kind)
);
CREATE INDEX action_item_reminders_pending ON action_item_reminders (due_at)
    WHERE status = 'pending';

-- An alert is about a conversation or, now, about an action item (its reminders): the
-- table is rebuilt with `conversation_id` optional and `action_item_id` beside it, exactly
-- one of the two set. Nothing references staff_alerts, so the copy keeps every id.
CREATE TABLE staff_alerts_new (
    id               INTEGER PRIMARY KEY,
    staff_id         INTEGER REFERENCES staff(id),
    conversation_id  INTEGER REFERENCES conversations(id),
    action_item_id   INTEGER REFERENCES action_items(id),
    kind             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    seen_at          TEXT,
    CHECK ((conversation_id IS NULL) <> (action_item_id IS NULL))
);
INSERT INTO staff_alerts_new (id, staff_id, conversation_id, kind, created_at, seen_at)
    SELECT id, staff_id, conversation_id, kind, created_at, seen_at FROM staff_alerts;
DROP TABLE staff_alerts;
ALTER TABLE staff_alerts_new RENAME TO staff_alerts;
CREATE INDEX staff_alerts_open ON staff_alerts (staff_id, id) WHERE seen_at IS NULL;
CREATE INDEX staff_alerts_by_conversation ON staff_alerts (conversation_id);
CREATE INDEX staff_alerts_by_action_item ON staff_alerts (action_item_id)
    WHERE action_item_id IS NOT NULL;

-- Issue 20: households. A household groups contacts (a relative who wrote first, the
-- person themself, a supporter) so that staff see the bridge between their conversations.
-- Only staff ever see it: nothing here reaches a client.

-- `number` is what staff read and say ("世帯 #12"), like a conversation's number;
-- `label` is a short staff label that never holds a real name.
CREATE TABLE households (
    id          INTEGER PRIMARY KEY,
    number      INTEGER NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  INTEGER REFERENCES staff(id)
);

-- A contact belongs to at most one household (the UNIQUE on contact_id).
-- `relation` is the intake's answer (a choice id such as 'mother'), or NULL.
CREATE TABLE household_members (
    household_id  INTEGER NOT NULL REFERENCES households(id),
    contact_id    INTEGER NOT NULL UNIQUE REFERENCES contacts(id),
    role          TEXT NOT NULL CHECK (role IN ('family', 'self', 'supporter')),
    relation      TEXT,
    joined_at     TEXT NOT NULL
);
CREATE INDEX household_members_by_household ON household_members (household_id);

-- An invitation a counselor makes from a family member's conversation. The code is stored
-- normalised (8 characters, no hyphen); the web token only as its SHA-256. A revoked and a
-- declined invitation are both 'closed' and look the same; closing forgets the code and the
-- token, so that nothing links a declined person's conversation to the household.
-- `conversation_id` is where it was made (NULL once that conversation is purged).
CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households(id),
    conversation_id  INTEGER REFERENCES conversations(id),
    code             TEXT,
    token_hash       TEXT UNIQUE,
    created_by       INTEGER REFERENCES staff(id),
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'used', 'closed')),
    closed_at        TEXT
);
-- A code is unique among the open invitations (a used or closed one may come again).
CREATE UNIQUE INDEX invitations_open_code ON invitations (code) WHERE state = 'open';
CREATE INDEX invitations_by_household ON invitations (household_id);

-- The codes of closed invitations, with nothing that says whose: a person who sends one is
-- told kindly that it no longer works (as for a used or expired code) rather than counted as
-- guessing, yet a declined code cannot be followed back to its household. Kept until the
-- invitation would have expired.
CREATE TABLE spent_codes (
    code   TEXT PRIMARY KEY,
    until  TEXT NOT NULL
);

-- The consent question asked and not yet answered: a contact sent a valid code (or opened
-- a web link). A row, not a flow state, so that a restart loses nothing and an answer of
-- 「いいえ」 can delete every trace of it.
CREATE TABLE invitation_offers (
    contact_id     INTEGER PRIMARY KEY REFERENCES contacts(id),
    invitation_id  INTEGER NOT NULL REFERENCES invitations(id),
    asked_at       TEXT NOT NULL
);

-- Wrong code-shaped guesses, per subject ('contact:<id>', or 'web:<sha256 of the address>'):
-- after 20 in a day, no code from the subject is checked until `blocked_until`.
CREATE TABLE code_guesses (
    subject        TEXT PRIMARY KEY,
    window_start   TEXT NOT NULL,
    wrong          INTEGER NOT NULL,
    blocked_until  TEXT
);

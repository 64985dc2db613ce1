-- Issue 22: the year's figures. Facts written when they happen (Chatwoot's reporting
-- events are the model), so that figures for a year are a GROUP BY over an index and never
-- a scan of messages. One row a fact; ids, kinds and numbers only, never a client's words.
--
-- `at` is the UTC instant; `day` the local calendar date (the organisation's time zone,
-- Asia/Tokyo by default) fixed when the fact is written, so a period of local dates and
-- its months are a range and a substr of this index.
--
-- kinds (storage/statuses.py: FactKind) and what their columns hold:
--   first_contact  a new contact's first conversation: channel, writer (the flow's answer,
--                  or the household role of someone who joined by invitation, else
--                  'unknown'), flag = 1 when it came outside open hours
--   opened         a conversation opened: channel, flag = 1 when the contact had written
--                  before (returning)
--   handed         a conversation handed to a person
--   first_answer   the first human answer: seconds since the handoff (or the reopening),
--                  open_seconds of them in open hours
--   resolved       a conversation resolved: seconds = its longest wait
--   ack            a client's wait for an answer of any kind closed: seconds waited,
--                  flag = 1 within 5 seconds
--   danger         a danger signal: level (crisis, violence, child)
--   danger_answer  the first human answer after a danger signal: level, seconds
--   intake         an intake answer, once per conversation and value: value 'age_band:…',
--                  'relation:…' or 'topic:…'
--   household      a household begun
--   bridge         a `self` member joined a household that began with family
--   conference     a case conference held (day = held_on)
--   agency         an agency at a conference: value = its name as written
--   item_done      an action item done: flag = 1 when done by its due date
CREATE TABLE reporting_events (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    at               TEXT NOT NULL,
    day              TEXT NOT NULL,
    contact_id       INTEGER,
    conversation_id  INTEGER,
    household_id     INTEGER,
    channel          TEXT,
    writer           TEXT,
    level            TEXT,
    value            TEXT,
    seconds          REAL,
    open_seconds     REAL,
    flag             INTEGER
);
-- A period's facts of one kind (the longest waits, the retention's look-ups by kind).
CREATE INDEX reporting_events_by_kind_day ON reporting_events (kind, day);
-- Percentiles walk the waits in order and stop at the rank: no sort, no table look-up.
CREATE INDEX reporting_first_answer_seconds ON reporting_events (seconds, day)
    WHERE kind = 'first_answer';
CREATE INDEX reporting_first_answer_open_seconds ON reporting_events (open_seconds, day)
    WHERE kind = 'first_answer' AND open_seconds IS NOT NULL;
CREATE INDEX reporting_danger_answer_seconds ON reporting_events (seconds, day)
    WHERE kind = 'danger_answer';
-- The longest waits: the resolutions walked from the longest wait down.
CREATE INDEX reporting_resolved_seconds ON reporting_events (seconds, day)
    WHERE kind = 'resolved' AND seconds IS NOT NULL;
-- The writer of a first contact is set when the flow's answer or a household role comes.
CREATE INDEX reporting_events_by_contact ON reporting_events (contact_id, kind)
    WHERE contact_id IS NOT NULL;
-- Retention deletes a conversation's facts with it; intake answers are counted once.
CREATE INDEX reporting_events_by_conversation ON reporting_events (conversation_id, kind)
    WHERE conversation_id IS NOT NULL;
CREATE UNIQUE INDEX reporting_events_intake_once ON reporting_events (conversation_id, value)
    WHERE kind = 'intake';

-- Every count figure reads these: one row per counter, local day and group, kept in the
-- same transaction as the fact (storage/facts.py: _counted), so a fiscal year of a busy
-- window is a few thousand rows whatever its traffic. Counters: 'first_contact.writer'
-- (family, self, supporter, unknown), 'first_contact.channel', 'first_contact.after_hours'
-- ('1', '0', '' unknown), 'first_answer.clock' and 'first_answer.open' (the buckets),
-- 'opened', 'ack' and 'item_done' (the flag), 'danger' (the level), 'intake' and 'agency'
-- (the value), and the other kinds ('').
CREATE TABLE reporting_days (
    kind  TEXT NOT NULL,
    day   TEXT NOT NULL,
    grp   TEXT NOT NULL DEFAULT '',
    n     INTEGER NOT NULL,
    PRIMARY KEY (kind, day, grp)
) WITHOUT ROWID;

-- Backfill from the rows that exist. Local days are Tokyo's (+09:00, no DST): the service's
-- default zone; open-hours seconds cannot be computed in SQL and stay NULL for old rows.

INSERT INTO reporting_events (kind, at, day, contact_id, conversation_id, channel, writer, flag)
SELECT 'first_contact', c.opened_at, date(c.opened_at, '+9 hours'), c.contact_id, c.id,
       ct.channel,
       COALESCE(hm.role, CASE WHEN c.topic IN ('family', 'self', 'supporter')
                              THEN c.topic ELSE 'unknown' END),
       NULL
  FROM conversations c
  JOIN contacts ct ON ct.id = c.contact_id
  LEFT JOIN household_members hm ON hm.contact_id = c.contact_id
 WHERE c.id = (SELECT MIN(c2.id) FROM conversations c2 WHERE c2.contact_id = c.contact_id);

INSERT INTO reporting_events (kind, at, day, contact_id, conversation_id, channel, flag)
SELECT 'opened', c.opened_at, date(c.opened_at, '+9 hours'), c.contact_id, c.id, ct.channel,
       EXISTS (SELECT 1 FROM conversations c2 WHERE c2.contact_id = c.contact_id
                AND c2.id < c.id)
  FROM conversations c JOIN contacts ct ON ct.id = c.contact_id;

INSERT INTO reporting_events (kind, at, day, contact_id, conversation_id, channel)
SELECT 'handed', c.handed_off_at, date(c.handed_off_at, '+9 hours'), c.contact_id, c.id,
       ct.channel
  FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
 WHERE c.handed_off_at IS NOT NULL;

INSERT INTO reporting_events (kind, at, day, contact_id, conversation_id, channel, seconds)
SELECT 'first_answer', c.first_human_answer_at, date(c.first_human_answer_at, '+9 hours'),
       c.contact_id, c.id, ct.channel,
       MAX(0, (julianday(c.first_human_answer_at) - julianday(c.handed_off_at)) * 86400.0)
  FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
 WHERE c.first_human_answer_at IS NOT NULL AND c.handed_off_at IS NOT NULL;

INSERT INTO reporting_events (kind, at, day, contact_id, conversation_id, channel, seconds)
SELECT 'resolved', c.resolved_at, date(c.resolved_at, '+9 hours'), c.contact_id, c.id,
       ct.channel, c.longest_wait_seconds
  FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
 WHERE c.resolved_at IS NOT NULL;

-- Old signals count as answered (flag 1): whether a person answered them is not known, and
-- the next answer must not be timed from a signal of long ago.
INSERT INTO reporting_events (kind, at, day, conversation_id, level, flag)
SELECT 'danger', s.at, date(s.at, '+9 hours'), s.conversation_id, s.level, 1
  FROM safety_signals s WHERE s.certain = 1;

INSERT OR IGNORE INTO reporting_events (kind, at, day, conversation_id, value)
SELECT 'intake', c.opened_at, date(c.opened_at, '+9 hours'), c.id,
       'age_band:' || json_extract(c.intake, '$.age_band')
  FROM conversations c
 WHERE json_valid(c.intake) AND json_extract(c.intake, '$.age_band') IS NOT NULL
   AND json_extract(c.intake, '$.age_band') <> '_skip';

INSERT OR IGNORE INTO reporting_events (kind, at, day, conversation_id, value)
SELECT 'intake', c.opened_at, date(c.opened_at, '+9 hours'), c.id,
       'relation:' || json_extract(c.intake, '$.relationship')
  FROM conversations c
 WHERE json_valid(c.intake) AND json_extract(c.intake, '$.relationship') IS NOT NULL
   AND json_extract(c.intake, '$.relationship') <> '_skip';

INSERT OR IGNORE INTO reporting_events (kind, at, day, conversation_id, value)
SELECT 'intake', c.opened_at, date(c.opened_at, '+9 hours'), c.id, 'topic:' || w.value
  FROM conversations c, json_each(c.intake, '$.wishes') w
 WHERE json_valid(c.intake) AND json_type(c.intake, '$.wishes') = 'array'
   AND w.value <> '_skip';

INSERT INTO reporting_events (kind, at, day, household_id)
SELECT 'household', h.created_at, date(h.created_at, '+9 hours'), h.id FROM households h;

INSERT INTO reporting_events (kind, at, day, contact_id, household_id)
SELECT 'bridge', m.joined_at, date(m.joined_at, '+9 hours'), m.contact_id, m.household_id
  FROM household_members m
 WHERE m.role = 'self'
   AND EXISTS (SELECT 1 FROM household_members f WHERE f.household_id = m.household_id
                AND f.role = 'family' AND f.joined_at <= m.joined_at);

INSERT INTO reporting_events (kind, at, day, household_id, value)
SELECT 'conference', c.created_at, c.held_on, c.household_id, CAST(c.id AS TEXT)
  FROM conferences c;

INSERT INTO reporting_events (kind, at, day, household_id, value)
SELECT 'agency', c.created_at, c.held_on, c.household_id, a.value
  FROM conferences c, json_each(c.agencies) a
 WHERE json_valid(c.agencies) AND json_type(c.agencies) = 'array';

INSERT INTO reporting_events (kind, at, day, household_id, flag)
SELECT 'item_done', i.done_at, date(i.done_at, '+9 hours'), c.household_id,
       date(i.done_at, '+9 hours') <= i.due_on
  FROM action_items i JOIN conferences c ON c.id = i.conference_id
 WHERE i.state = 'done' AND i.done_at IS NOT NULL;

-- The daily counts of what was backfilled (the same groups as storage/facts.py: _counted).
INSERT INTO reporting_days (kind, day, grp, n)
SELECT 'first_contact.writer', day, COALESCE(writer, 'unknown'), COUNT(*)
  FROM reporting_events WHERE kind = 'first_contact' GROUP BY 2, 3;
INSERT INTO reporting_days (kind, day, grp, n)
SELECT 'first_contact.channel', day, COALESCE(channel, ''), COUNT(*)
  FROM reporting_events WHERE kind = 'first_contact' GROUP BY 2, 3;
INSERT INTO reporting_days (kind, day, grp, n)
SELECT 'first_contact.after_hours', day, COALESCE(CAST(flag AS TEXT), ''), COUNT(*)
  FROM reporting_events WHERE kind = 'first_contact' GROUP BY 2, 3;
INSERT INTO reporting_days (kind, day, grp, n)
SELECT 'first_answer.clock', day,
       CASE WHEN seconds < 3600 THEN 'under_1h' WHEN seconds < 14400 THEN '1h_4h'
            WHEN seconds < 28800 THEN '4h_8h' WHEN seconds < 86400 THEN '8h_24h'
            ELSE 'over_24h' END, COUNT(*)
  FROM reporting_events WHERE kind = 'first_answer' GROUP BY 2, 3;
INSERT INTO reporting_days (kind, day, grp, n)
SELECT kind, day, COALESCE(CAST(flag AS TEXT), ''), COUNT(*)
  FROM reporting_events WHERE kind IN ('opened', 'item_done') GROUP BY 1, 2, 3;
INSERT INTO reporting_days (kind, day, grp, n)
SELECT kind, day, COALESCE(level, ''), COUNT(*)
  FROM reporting_events WHERE kind = 'danger' GROUP BY 1, 2, 3;
INSERT INTO reporting_days (kind, day, grp, n)
SELECT kind, day, COALESCE(value, ''), COUNT(*)
  FROM reporting_events WHERE kind IN ('intake', 'agency') GROUP BY 1, 2, 3;
INSERT INTO reporting_days (kind, day, grp, n)
SELECT kind, day, '', COUNT(*)
  FROM reporting_events
 WHERE kind IN ('handed', 'resolved', 'household', 'bridge', 'conference') GROUP BY 1, 2;

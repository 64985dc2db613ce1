-- Issue 18: who on the staff wrote a message is a value, not text matched with LIKE.
-- `author` keeps saying what kind of author wrote it (client, bot, system, staff); a staff
-- answer also names its writer in `staff_id`. Rows written as 'staff:<id>' before are
-- moved over; an id that names no staff member (never expected) keeps the kind only.
ALTER TABLE messages ADD COLUMN staff_id INTEGER REFERENCES staff(id);

UPDATE messages SET staff_id = CAST(substr(author, 7) AS INTEGER)
 WHERE author LIKE 'staff:%'
   AND CAST(substr(author, 7) AS INTEGER) IN (SELECT id FROM staff);

UPDATE messages SET author = 'staff' WHERE author LIKE 'staff:%';

-- "A colleague answered this client a moment ago" and the web chat's "who wrote this".
CREATE INDEX messages_by_staff ON messages (conversation_id, staff_id)
 WHERE staff_id IS NOT NULL;

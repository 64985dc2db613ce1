-- Issue 23: ids are never given twice. SQLite gives a new row MAX(id) + 1, so erasing the
-- newest contact or conversation would hand its id to the next newcomer, and a console
-- tab still open on the erased one would then act on someone else. Deletions record the
-- highest id they saw; new ids start above it (storage/sealing/rows.py).
CREATE TABLE row_high_water (
    name     TEXT PRIMARY KEY,
    last_id  INTEGER NOT NULL
);

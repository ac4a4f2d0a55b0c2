-- Reports with a photo, and residents' suggestions of a place that is not
-- on the map yet (SQLite). The twin is migrations/postgres/0011; keep them
-- column-for-column equal.
--
-- A suggestion (kind 'new_place') has no location until staff create one
-- from it; its area is the kelurahan the resident picked (and, as on
-- locations, its kecamatan and kota), so operators see only their own.
--
-- SQLite cannot relax NOT NULL or change a CHECK, so the table is rebuilt.
-- Migrations run in a transaction with foreign keys on (sqlx), where
-- dropping a table others refer to counts their rows as violations even
-- once the new table has its name: the references (outbox.report_id and
-- the group links) are set aside first and restored at the end.
CREATE TEMP TABLE keep_outbox AS SELECT id, report_id FROM outbox WHERE report_id IS NOT NULL;
UPDATE outbox SET report_id = NULL WHERE report_id IS NOT NULL;
CREATE TEMP TABLE keep_groups AS SELECT id, group_id FROM reports WHERE group_id IS NOT NULL;
CREATE TABLE reports_new (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    location_id   BIGINT REFERENCES locations (id),
    kind          TEXT NOT NULL CHECK (kind IN ('not_arrived', 'wrong_info', 'other', 'new_place')),
    description   TEXT NOT NULL,
    contact       TEXT,
    status        TEXT NOT NULL DEFAULT 'received'
                  CHECK (status IN ('received', 'checking', 'resolved', 'declined')),
    group_id      BIGINT REFERENCES reports (id),
    commitment_id BIGINT REFERENCES commitments (id),
    answer        TEXT,
    lang          TEXT NOT NULL DEFAULT 'id',
    base_url      TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,
    request_hash  TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    -- A suggested place: its name, category, area and (when picked) position.
    suggested_name TEXT,
    category       TEXT,
    kota_code      TEXT REFERENCES areas (code),
    kecamatan_code TEXT REFERENCES areas (code),
    kelurahan_code TEXT REFERENCES areas (code),
    lat            REAL,
    lon            REAL,
    -- The photo (metadata stripped; staff only), stored under its SHA-256
    -- in the upload directory like delivery evidence.
    photo_id       TEXT,
    photo_type     TEXT CHECK (photo_type IN ('jpeg', 'png')),
    photo_bytes    BIGINT,
    CHECK (status IN ('received', 'checking') OR answer IS NOT NULL),
    CHECK ((kind = 'new_place' AND suggested_name IS NOT NULL AND kelurahan_code IS NOT NULL)
        OR (kind <> 'new_place' AND location_id IS NOT NULL)),
    CHECK ((photo_id IS NULL) = (photo_type IS NULL))
);
INSERT INTO reports_new (id, code, location_id, kind, description, contact, status, group_id,
    commitment_id, answer, lang, base_url, idempotency_key, request_hash, created_at, updated_at)
    SELECT id, code, location_id, kind, description, contact, status, NULL,
    commitment_id, answer, lang, base_url, idempotency_key, request_hash, created_at, updated_at
    FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_place ON reports (location_id, kind, status);
CREATE INDEX reports_queue ON reports (status, group_id, created_at);
CREATE INDEX reports_group ON reports (group_id);
CREATE INDEX reports_suggested ON reports (kelurahan_code, kind, status);
CREATE INDEX reports_photo ON reports (photo_id);
UPDATE reports SET group_id = (SELECT k.group_id FROM keep_groups k WHERE k.id = reports.id)
    WHERE id IN (SELECT id FROM keep_groups);
UPDATE outbox SET report_id = (SELECT k.report_id FROM keep_outbox k WHERE k.id = outbox.id)
    WHERE id IN (SELECT id FROM keep_outbox);
DROP TABLE keep_groups;
DROP TABLE keep_outbox;

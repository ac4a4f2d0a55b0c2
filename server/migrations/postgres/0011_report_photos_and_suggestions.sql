-- Reports with a photo, and residents' suggestions of a place that is not
-- on the map yet (PostgreSQL). The twin is migrations/sqlite/0011; keep
-- them column-for-column equal.
--
-- A suggestion (kind 'new_place') has no location until staff create one
-- from it; its area is the kelurahan the resident picked (and, as on
-- locations, its kecamatan and kota), so operators see only their own.
ALTER TABLE reports ALTER COLUMN location_id DROP NOT NULL;
ALTER TABLE reports DROP CONSTRAINT reports_kind_check;
ALTER TABLE reports ADD CONSTRAINT reports_kind_check
    CHECK (kind IN ('not_arrived', 'wrong_info', 'other', 'new_place'));
-- A suggested place: its name, category, area and (when picked) position.
ALTER TABLE reports ADD COLUMN suggested_name TEXT;
ALTER TABLE reports ADD COLUMN category TEXT;
ALTER TABLE reports ADD COLUMN kota_code TEXT REFERENCES areas (code);
ALTER TABLE reports ADD COLUMN kecamatan_code TEXT REFERENCES areas (code);
ALTER TABLE reports ADD COLUMN kelurahan_code TEXT REFERENCES areas (code);
ALTER TABLE reports ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE reports ADD COLUMN lon DOUBLE PRECISION;
-- The photo (metadata stripped; staff only), stored under its SHA-256 in
-- the upload directory like delivery evidence.
ALTER TABLE reports ADD COLUMN photo_id TEXT;
ALTER TABLE reports ADD COLUMN photo_type TEXT CHECK (photo_type IN ('jpeg', 'png'));
ALTER TABLE reports ADD COLUMN photo_bytes BIGINT;
ALTER TABLE reports ADD CONSTRAINT reports_place_check
    CHECK ((kind = 'new_place' AND suggested_name IS NOT NULL AND kelurahan_code IS NOT NULL)
        OR (kind <> 'new_place' AND location_id IS NOT NULL));
ALTER TABLE reports ADD CONSTRAINT reports_photo_check
    CHECK ((photo_id IS NULL) = (photo_type IS NULL));
CREATE INDEX reports_suggested ON reports (kelurahan_code, kind, status);
CREATE INDEX reports_photo ON reports (photo_id);

-- Areas and locations (SQLite). The PostgreSQL twin is migrations/postgres/0001.
-- Timestamps are Unix seconds (BIGINT) in both engines so one row type
-- decodes from either.

-- The administrative hierarchy, loaded from the area file embedded in the
-- server (idn-area-data) and refreshed at every start-up.
CREATE TABLE areas (
    code        TEXT PRIMARY KEY,              -- official code, e.g. 31.71.01.1001
    parent_code TEXT REFERENCES areas (code),  -- NULL for the province
    level       TEXT NOT NULL CHECK (level IN ('province', 'kota', 'kecamatan', 'kelurahan')),
    name        TEXT NOT NULL
);

-- A place that can receive help.
CREATE TABLE locations (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category       TEXT NOT NULL CHECK (category IN
                       ('rw_prioritas', 'pesantren', 'panti_asuhan', 'panti_jompo',
                        'panti_disabilitas', 'umkm', 'lainnya')),
    -- The kelurahan and, denormalised, its kecamatan and kota: an area filter
    -- at any level is then one indexed equality instead of a prefix scan.
    kota_code      TEXT NOT NULL REFERENCES areas (code),
    kecamatan_code TEXT NOT NULL REFERENCES areas (code),
    kelurahan_code TEXT NOT NULL REFERENCES areas (code),
    lat            REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon            REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    headcount      INTEGER NOT NULL CHECK (headcount >= 0),
    headcount_unit TEXT NOT NULL CHECK (headcount_unit IN ('families', 'people')),
    address        TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    -- PRIVATE: never selected by a public endpoint.
    contact_name   TEXT NOT NULL DEFAULT '',
    contact_phone  TEXT NOT NULL DEFAULT '',
    verified       BOOLEAN NOT NULL DEFAULT FALSE,
    -- Deactivated locations keep their history but leave the map.
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    demo           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL
);

-- One index per filter of GET /api/v1/locations (category, each area level,
-- bounding box); `active` leads because every public query filters on it.
CREATE INDEX locations_active_category ON locations (active, category);
CREATE INDEX locations_kota ON locations (kota_code);
CREATE INDEX locations_kecamatan ON locations (kecamatan_code);
CREATE INDEX locations_kelurahan ON locations (kelurahan_code);
CREATE INDEX locations_lon_lat ON locations (lon, lat);

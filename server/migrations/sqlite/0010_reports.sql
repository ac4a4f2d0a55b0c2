-- Residents' reports about a place (SQLite). The twin is
-- migrations/postgres/0010; keep them column-for-column equal.
--
-- What a reporter typed (description, contact) is for staff only; the
-- public sees a report's kind and state, and the answer staff publish.
CREATE TABLE reports (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,            -- the reporter's tracking code
    location_id   BIGINT NOT NULL REFERENCES locations (id),
    kind          TEXT NOT NULL CHECK (kind IN ('not_arrived', 'wrong_info', 'other')),
    description   TEXT NOT NULL,
    contact       TEXT,                            -- optional, never public
    status        TEXT NOT NULL DEFAULT 'received'
                  CHECK (status IN ('received', 'checking', 'resolved', 'declined')),
    -- The open report of the same place and kind this one joined (grouped,
    -- not multiplied); NULL for the first of its group. Staff handle the
    -- first, and its group follows.
    group_id      BIGINT REFERENCES reports (id),
    -- The commitment it concerns, when staff link one.
    commitment_id BIGINT REFERENCES commitments (id),
    answer        TEXT,                            -- staff's public answer
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK (status IN ('received', 'checking') OR answer IS NOT NULL)
);
CREATE INDEX reports_place ON reports (location_id, kind, status);
CREATE INDEX reports_queue ON reports (status, group_id, created_at);
CREATE INDEX reports_group ON reports (group_id);

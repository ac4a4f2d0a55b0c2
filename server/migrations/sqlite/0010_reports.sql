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
    -- The reporter's language and the site address they used, for the
    -- e-mail that tells them of the answer (when the contact is an address).
    lang          TEXT NOT NULL DEFAULT 'id',
    base_url      TEXT NOT NULL DEFAULT '',
    -- A report queued offline is sent with an `Idempotency-Key`: a retry
    -- gets the first answer, never a second report.
    idempotency_key TEXT UNIQUE,
    request_hash  TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK (status IN ('received', 'checking') OR answer IS NOT NULL)
);
CREATE INDEX reports_place ON reports (location_id, kind, status);
CREATE INDEX reports_queue ON reports (status, group_id, created_at);
CREATE INDEX reports_group ON reports (group_id);

-- The reporter hears of the answer by e-mail: the outbox takes messages
-- about reports. SQLite cannot change a CHECK, so the table is rebuilt with
-- the same columns (report_id last, as ALTER TABLE adds it on PostgreSQL).
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN
                        ('committed', 'reminder', 'delivered', 'account_confirm', 'account_exists',
                         'report_answered')),
    commitment_id   BIGINT REFERENCES commitments (id),
    account_id      BIGINT REFERENCES accounts (id),
    lang            TEXT,
    base_url        TEXT,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         BIGINT,
    report_id       BIGINT REFERENCES reports (id)
);
INSERT INTO outbox_new (id, kind, commitment_id, account_id, lang, base_url, created_at, next_attempt_at, attempts, sent_at)
    SELECT id, kind, commitment_id, account_id, lang, base_url, created_at, next_attempt_at, attempts, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_commitment ON outbox (commitment_id);
CREATE INDEX outbox_account ON outbox (account_id, kind, created_at);
CREATE INDEX outbox_report ON outbox (report_id);

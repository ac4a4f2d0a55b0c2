-- Staff accounts, their sessions and audit trail; verification, deliveries
-- with evidence, the place's receipt, and corrections (SQLite). The twin is
-- migrations/postgres/0005; keep them column-for-column equal.

-- Facilitator staff. Separate from collaborator accounts: a collaborator
-- session never grants a staff right. Created by an admin, the first one by
-- `kolaborasi-server create-admin`.
CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,            -- lower-cased
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,                   -- argon2id PHC string
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'verifier')),
    -- Operators act only on locations in this kota or kecamatan.
    scope_code    TEXT REFERENCES areas (code),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL,
    created_by    BIGINT REFERENCES staff (id),
    CHECK ((role = 'operator') = (scope_code IS NOT NULL))
);

-- Only the SHA-256 of the cookie value is stored.
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id   BIGINT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Every staff action, attributed. Append-only by convention; never public.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       BIGINT NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (id);
CREATE INDEX audit_log_staff ON audit_log (staff_id);

-- Failed guesses (receipt codes) per client address, for the rate limit.
CREATE TABLE guess_failures (
    scope TEXT NOT NULL,
    key   TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX guess_failures_scope_key_at ON guess_failures (scope, key, at);

ALTER TABLE accounts ADD COLUMN verified_at BIGINT;
CREATE INDEX accounts_unverified ON accounts (verified_at, created_at);
ALTER TABLE locations ADD COLUMN created_by BIGINT REFERENCES staff (id);
CREATE INDEX locations_unverified ON locations (verified, active, created_at);
ALTER TABLE commitments ADD COLUMN verified_at BIGINT;
CREATE INDEX commitments_status_verified ON commitments (status, verified_at, created_at);

-- What was handed over, and what the place says it received.
ALTER TABLE commitment_lines ADD COLUMN delivered_quantity BIGINT CHECK (delivered_quantity >= 0);
ALTER TABLE commitment_lines ADD COLUMN received_ok BIGINT CHECK (received_ok >= 0);
ALTER TABLE commitment_lines ADD COLUMN received_damaged BIGINT CHECK (received_damaged >= 0);
UPDATE commitment_lines SET delivered_quantity = quantity
WHERE commitment_id IN (SELECT id FROM commitments WHERE status = 'delivered');

-- One delivery report per commitment.
CREATE TABLE deliveries (
    commitment_id     BIGINT PRIMARY KEY REFERENCES commitments (id),
    delivered_on      TEXT NOT NULL,                       -- YYYY-MM-DD
    reported_by       TEXT NOT NULL CHECK (reported_by IN ('collaborator', 'staff')),
    reporter_staff_id BIGINT REFERENCES staff (id),
    reported_at       BIGINT NOT NULL,
    -- The place's one-time code: only its SHA-256; NULL once used.
    confirm_hash      TEXT UNIQUE,
    confirm_expires_at BIGINT NOT NULL,
    -- The staff member who holds the current code (reported as staff, or
    -- issued a new one); they may not verify this delivery.
    confirm_issued_by BIGINT REFERENCES staff (id),
    receipt           TEXT NOT NULL DEFAULT 'pending' CHECK (receipt IN ('pending', 'confirmed', 'disputed')),
    receipt_at        BIGINT,
    dispute_comment   TEXT NOT NULL DEFAULT '',            -- staff only
    verified_at       BIGINT,
    verified_by       BIGINT REFERENCES staff (id)
);
CREATE INDEX deliveries_unverified ON deliveries (verified_at, receipt, reported_at);

-- Uploaded files, named by the SHA-256 of the stored (stripped) bytes;
-- the same file uploaded for two commitments is stored once on disk.
CREATE TABLE evidence (
    id         TEXT NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('jpeg', 'png', 'pdf')),
    bytes      BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    -- The commitment it was uploaded for: only that delivery may attach it,
    -- and uploads per commitment are bounded.
    uploaded_for BIGINT NOT NULL REFERENCES commitments (id),
    PRIMARY KEY (uploaded_for, id)
);

-- Photos are public; documents (the handover certificate) are staff only.
CREATE TABLE delivery_evidence (
    commitment_id BIGINT NOT NULL REFERENCES deliveries (commitment_id),
    evidence_id   TEXT NOT NULL,                       -- evidence (commitment_id, id)
    role          TEXT NOT NULL CHECK (role IN ('photo', 'document')),
    position      INTEGER NOT NULL,
    PRIMARY KEY (commitment_id, role, position)
);
CREATE INDEX delivery_evidence_id ON delivery_evidence (evidence_id, role);

-- Corrections are new public records with a reason; nothing is rewritten.
CREATE TABLE corrections (
    id            INTEGER PRIMARY KEY,
    commitment_id BIGINT NOT NULL REFERENCES commitments (id),
    at            BIGINT NOT NULL,
    staff_id      BIGINT NOT NULL REFERENCES staff (id),
    reason        TEXT NOT NULL
);
CREATE INDEX corrections_commitment ON corrections (commitment_id, id);

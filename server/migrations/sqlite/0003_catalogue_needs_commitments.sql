-- The aid catalogue, needs, commitments and collaborator accounts (SQLite).
-- The PostgreSQL twin is migrations/postgres/0003; keep them column-for-column equal.

-- Programs and their standard packages are rows, not enums: a deployment
-- adds one without a code change. Seeded from server/data/catalogue.json.
CREATE TABLE programs (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 60),
    name_id        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_id TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    sort_order     INTEGER NOT NULL DEFAULT 0,
    active         BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE packages (
    id              INTEGER PRIMARY KEY,
    program_id      BIGINT NOT NULL REFERENCES programs (id),
    slug            TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 60),
    name_id         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    description_id  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    unit_id         TEXT NOT NULL,
    unit_en         TEXT NOT NULL,
    unit_value      BIGINT NOT NULL CHECK (unit_value >= 0),   -- whole Rupiah
    once_per_family BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    active          BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX packages_program ON packages (program_id);

-- What a location needs of a package. `committed` (reserved by open
-- commitments) and `delivered` are maintained in the same transaction as
-- the commitments they sum, so a reservation is one conditional UPDATE; the
-- CHECK is the last line of defence against over-commitment.
CREATE TABLE needs (
    location_id BIGINT NOT NULL REFERENCES locations (id),
    package_id  BIGINT NOT NULL REFERENCES packages (id),
    target      BIGINT NOT NULL CHECK (target > 0),
    committed   BIGINT NOT NULL DEFAULT 0 CHECK (committed >= 0),
    delivered   BIGINT NOT NULL DEFAULT 0 CHECK (delivered >= 0),
    PRIMARY KEY (location_id, package_id),
    CHECK (committed + delivered <= target)
);
CREATE INDEX needs_package ON needs (package_id);

-- Optional collaborator accounts. Passwords are argon2id PHC strings.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,   -- lower-cased; PRIVATE
    password_hash TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('company', 'organisation', 'individual', 'aggregator')),
    phone         TEXT NOT NULL,          -- PRIVATE
    created_at    BIGINT NOT NULL
);

-- Server-side sessions. Only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed sign-ins per e-mail address, for the rate limit. Shared by every
-- instance on the database; old rows are pruned.
CREATE TABLE login_failures (
    email TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX login_failures_email_at ON login_failures (email, at);

CREATE TABLE commitments (
    id                INTEGER PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,           -- tracking code XXXX-XXXX
    location_id       BIGINT NOT NULL REFERENCES locations (id),
    account_id        BIGINT REFERENCES accounts (id),
    status            TEXT NOT NULL CHECK (status IN ('committed', 'delivered', 'cancelled', 'expired')),
    planned_date      TEXT NOT NULL,                  -- YYYY-MM-DD
    collaborator_name TEXT NOT NULL,
    collaborator_kind TEXT NOT NULL CHECK (collaborator_kind IN
                          ('company', 'organisation', 'individual', 'aggregator')),
    show_name         BOOLEAN NOT NULL,               -- consent to publish the name
    contact_email     TEXT NOT NULL,                  -- PRIVATE
    contact_phone     TEXT NOT NULL,                  -- PRIVATE
    -- A retried POST with the same key and body returns this commitment.
    idempotency_key   TEXT NOT NULL UNIQUE,
    request_hash      TEXT NOT NULL,                  -- SHA-256 of the canonical request
    total_value       BIGINT NOT NULL,
    demo              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    closed_at         BIGINT
);
CREATE INDEX commitments_location_status ON commitments (location_id, status);
CREATE INDEX commitments_status_expires ON commitments (status, expires_at);
CREATE INDEX commitments_account ON commitments (account_id);

CREATE TABLE commitment_lines (
    commitment_id BIGINT NOT NULL REFERENCES commitments (id),
    package_id    BIGINT NOT NULL REFERENCES packages (id),
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    unit_value    BIGINT NOT NULL,                    -- reference value when committed
    PRIMARY KEY (commitment_id, package_id)
);

-- Per-deployment secrets (e.g. the key that derives manage tokens),
-- generated at first start and shared by every instance on the database.
CREATE TABLE instance_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

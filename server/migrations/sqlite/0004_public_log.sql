-- The public log and the collaborator reference (SQLite). The PostgreSQL
-- twin is migrations/postgres/0004; keep them column-for-column equal.

-- A pseudonymous, stable reference per collaborator (HMAC of the e-mail
-- address under the deployment's secret): counts distinct collaborators and
-- groups the directory without exposing who they are. Filled at start-up
-- for rows that predate it.
ALTER TABLE commitments ADD COLUMN collaborator_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX commitments_collaborator_ref ON commitments (collaborator_ref);
CREATE INDEX commitments_created_at ON commitments (created_at);

-- Every public state change, hash-chained (see wire/src/log.rs for the
-- canonical form). Append-only: the triggers refuse UPDATE and DELETE, and
-- verification detects whoever gets around them.
CREATE TABLE public_log (
    seq     BIGINT PRIMARY KEY,
    at      BIGINT NOT NULL,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,   -- what the entry is about (a tracking code), for its history
    facts   TEXT NOT NULL,   -- canonical JSON, public facts only
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE INDEX public_log_subject ON public_log (subject, seq);

-- The newest entry; appending updates this one row first, which orders
-- concurrent appenders (a row lock on PostgreSQL).
CREATE TABLE public_log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO public_log_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER public_log_no_update BEFORE UPDATE ON public_log
BEGIN SELECT RAISE(ABORT, 'public_log is append-only'); END;
CREATE TRIGGER public_log_no_delete BEFORE DELETE ON public_log
BEGIN SELECT RAISE(ABORT, 'public_log is append-only'); END;

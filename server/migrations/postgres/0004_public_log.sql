-- The public log and the collaborator reference (PostgreSQL). The SQLite
-- twin is migrations/sqlite/0004; keep them column-for-column equal.

ALTER TABLE commitments ADD COLUMN collaborator_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX commitments_collaborator_ref ON commitments (collaborator_ref);
CREATE INDEX commitments_created_at ON commitments (created_at);

CREATE TABLE public_log (
    seq     BIGINT PRIMARY KEY,
    at      BIGINT NOT NULL,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    facts   TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE INDEX public_log_subject ON public_log (subject, seq);

CREATE TABLE public_log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO public_log_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION public_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'public_log is append-only';
END;
$$;
CREATE TRIGGER public_log_no_update BEFORE UPDATE OR DELETE ON public_log
FOR EACH ROW EXECUTE FUNCTION public_log_append_only();

-- Signed heads of the public log, one a day (issue 20): the public,
-- append-only file `GET /api/v1/log/heads`. The SQLite twin is
-- migrations/sqlite/0009; keep them column-for-column equal.
CREATE TABLE log_heads (
    -- UTC day `YYYY-MM-DD`: the instances of a deployment write one row a day.
    day       TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    key       TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE FUNCTION log_heads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'log_heads is append-only';
END;
$$;
CREATE TRIGGER log_heads_no_update BEFORE UPDATE OR DELETE ON log_heads
FOR EACH ROW EXECUTE FUNCTION log_heads_append_only();

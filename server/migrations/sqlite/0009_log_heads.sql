-- Signed heads of the public log, one a day (issue 20): the public,
-- append-only file `GET /api/v1/log/heads`. The PostgreSQL twin is
-- migrations/postgres/0009; keep them column-for-column equal.
CREATE TABLE log_heads (
    -- UTC day `YYYY-MM-DD`: the instances of a deployment write one row a day.
    day       TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    key       TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TRIGGER log_heads_no_update BEFORE UPDATE ON log_heads
BEGIN SELECT RAISE(ABORT, 'log_heads is append-only'); END;
CREATE TRIGGER log_heads_no_delete BEFORE DELETE ON log_heads
BEGIN SELECT RAISE(ABORT, 'log_heads is append-only'); END;

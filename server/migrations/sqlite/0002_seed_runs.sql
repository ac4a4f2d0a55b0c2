-- One row per one-time seeding step (e.g. 'demo_locations'). Inserting the
-- row and the data it stands for in one transaction makes the step happen
-- once even when several instances start together on an empty database:
-- the second insert waits for the first transaction, then finds the row.
CREATE TABLE seed_runs (
    name   TEXT PRIMARY KEY,
    ran_at BIGINT NOT NULL  -- Unix seconds
);

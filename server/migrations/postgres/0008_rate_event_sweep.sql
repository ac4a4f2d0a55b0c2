-- Rate-limit events are forgotten by an hourly sweep (by age, over every
-- scope) instead of by each request that records one: the index serves it.
CREATE INDEX rate_events_at ON rate_events (at);

-- Sign-in failures moved to rate_events in 0007; this table is unused.
DROP TABLE login_failures;

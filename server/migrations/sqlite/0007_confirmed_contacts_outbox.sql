-- Confirmed contacts (issue 16, finding 3). A commitment whose contact is
-- not confirmed holds its quantities for a short window only; confirming
-- the e-mail address (a link), an account whose address is confirmed, or
-- staff give it the full reservation period.
ALTER TABLE commitments ADD COLUMN confirmed_at BIGINT;
-- The language and the site address the donor used: e-mails about the
-- commitment are written in that language, with links to that address.
ALTER TABLE commitments ADD COLUMN lang TEXT NOT NULL DEFAULT 'id';
ALTER TABLE commitments ADD COLUMN base_url TEXT NOT NULL DEFAULT '';
-- When the reminder before expiry was queued.
ALTER TABLE commitments ADD COLUMN reminded_at BIGINT;
-- Commitments made before this change keep the period they were given.
UPDATE commitments SET confirmed_at = created_at;
-- Open unconfirmed commitments per contact (the per-contact limit).
CREATE INDEX commitments_contact_status ON commitments (contact_email, status);

ALTER TABLE accounts ADD COLUMN email_confirmed_at BIGINT;
-- Accounts made before addresses were confirmed keep signing in.
UPDATE accounts SET email_confirmed_at = created_at;

-- E-mail waiting to be sent, sent, or retried with backoff. A message is
-- rendered when it is sent, from the commitment as it then stands: no link
-- or token is stored here (they derive from the instance secret).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN
                        ('committed', 'reminder', 'delivered', 'account_confirm', 'account_exists')),
    -- What the message is about: a commitment, or an account (registration).
    commitment_id   BIGINT REFERENCES commitments (id),
    account_id      BIGINT REFERENCES accounts (id),
    -- For account messages: the language and site address of the request.
    lang            TEXT,
    base_url        TEXT,
    created_at      BIGINT NOT NULL,
    -- When a sender may next try it; a sender that takes it moves this
    -- forward first, so two instances never send one message twice at once.
    next_attempt_at BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         BIGINT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_commitment ON outbox (commitment_id);
CREATE INDEX outbox_account ON outbox (account_id, kind, created_at);

-- Every rate limit in one table, each under its own scope (receipt-code
-- guesses were the first; unconfirmed commitments per client network now).
ALTER TABLE guess_failures RENAME TO rate_events;

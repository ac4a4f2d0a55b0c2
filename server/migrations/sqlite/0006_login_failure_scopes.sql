-- Collaborator and staff sign-in failures are counted apart: a namespace
-- column, not a prefix in the address (an address a user types could
-- carry the prefix and clear another's count).
ALTER TABLE login_failures ADD COLUMN scope TEXT NOT NULL DEFAULT 'account';
DROP INDEX login_failures_email_at;
CREATE INDEX login_failures_scope_email_at ON login_failures (scope, email, at);
-- Rows written under the old `staff:` prefix.
UPDATE login_failures SET scope = 'staff', email = substr(email, 7) WHERE email LIKE 'staff:%';

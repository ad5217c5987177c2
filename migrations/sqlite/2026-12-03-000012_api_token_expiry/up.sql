-- API tokens expire; tokens issued before this change get the default 30 days from their issue.
-- SQLite adds a NOT NULL column only with a default, which the UPDATE then replaces on every row.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE api_tokens SET expires_at = datetime(created_at, '+30 days');
-- A user lists and revokes their own tokens; a reset, "log out everywhere" and disabling revoke them all.
CREATE INDEX api_tokens_user ON api_tokens (user_id);

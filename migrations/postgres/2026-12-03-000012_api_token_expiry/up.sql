-- API tokens expire; tokens issued before this change get the default 30 days from their issue.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
UPDATE api_tokens SET expires_at = created_at + INTERVAL '30 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
-- A user lists and revokes their own tokens; a reset, "log out everywhere" and disabling revoke them all.
CREATE INDEX api_tokens_user ON api_tokens (user_id);

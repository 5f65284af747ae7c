-- Tokens stored without an expiry before api.token_ttl existed get its
-- default, 12 hours from their creation (milliseconds): a moderator token
-- minted from a guessed PIN must not live for ever. Admins may mint tokens
-- that never expire again.
UPDATE tokens SET expires_at = created_at + 43200000 WHERE expires_at IS NULL;

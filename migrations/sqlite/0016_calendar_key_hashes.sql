-- Calendar link keys are kept as SHA-256 hashes, like session tokens: a copy of the database opens
-- nobody's calendar, and a member sees their link once, when they make it. Keys made before this
-- (in calendar_token) are hashed into the new column by the server at start-up.
ALTER TABLE users ADD COLUMN calendar_key_hash TEXT;
CREATE UNIQUE INDEX users_calendar_key_hash ON users (calendar_key_hash);

-- Sign-in attempts counted in the database rather than in one process's memory, so that the limits
-- hold across restarts and across several servers on one database. `subject` is `account:<key>` or
-- `address:<ip>`; a subject's count starts again once `window_ends` (Unix seconds) has passed.
CREATE TABLE sign_in_attempts (
    subject     TEXT PRIMARY KEY,
    attempts    INTEGER NOT NULL,
    window_ends INTEGER NOT NULL
);
CREATE INDEX sign_in_attempts_window ON sign_in_attempts (window_ends);

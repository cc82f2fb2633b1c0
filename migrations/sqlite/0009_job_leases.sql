-- Background jobs that must run on one server at a time (the IMDb refresher, which shares the
-- API's rate limit) hold a lease here: a holder renews it well before `expires_at` (Unix seconds),
-- and when a server dies another takes the job over once the lease has expired.
CREATE TABLE job_leases (
    job        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

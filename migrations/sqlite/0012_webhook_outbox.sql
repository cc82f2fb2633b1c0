-- Messages for the club's webhook (Discord or Slack), written when a round opens, an hour before
-- its deadline and when its winner is picked, and sent by one background worker with retries.
-- The key makes each message once, however many servers or scheduler turns try to write it.
CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY,
    message_key     TEXT    NOT NULL UNIQUE,
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    -- Set when the hook refused the message for good, or after the last retry.
    failed_at       INTEGER,
    last_error      TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- When the next call to a rate-limited outside API may start, for every server sharing the
-- database (milliseconds since the epoch, by the database's clock): the IMDb pacer's 2 calls a
-- second hold for the whole deployment, not per server.
CREATE TABLE rate_pacers (
    name    TEXT   PRIMARY KEY,
    next_ms BIGINT NOT NULL
);

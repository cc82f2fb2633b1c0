-- Posters are downloaded once per source address, resized and served by Marquee itself.
-- `image_key` names the stored images (`/posters/{image_key}-{width}.webp`): a hash of the source
-- bytes and the placeholder colour, so a new image gets a new name. It is set once stored.
CREATE TABLE posters (
    source_url TEXT PRIMARY KEY,
    image_key TEXT,
    source_bytes BIGINT,
    stored_bytes BIGINT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    last_error TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX posters_next_attempt ON posters (next_attempt_at);

-- The images themselves, when they are kept in the database (the setting `posters.dir`).
CREATE TABLE poster_files (
    name TEXT PRIMARY KEY,
    bytes BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

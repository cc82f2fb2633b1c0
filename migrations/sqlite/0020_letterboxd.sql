-- A member's own film history, brought in from Letterboxd.
-- Ratings made in Marquee are the club's to see (shared = 1); imported ones stay the member's
-- unless they chose to share them. `source` says where a rating came from ('marquee', 'letterboxd').
ALTER TABLE ratings ADD COLUMN shared BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE ratings ADD COLUMN source TEXT NOT NULL DEFAULT 'marquee';

-- The dates a member watched a film, on their own (not the club's nights). watched_on is
-- YYYY-MM-DD. Keyed so that importing the same export twice adds nothing.
CREATE TABLE member_watches (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    watched_on TEXT    NOT NULL,
    rewatch    BOOLEAN NOT NULL DEFAULT 0,
    source     TEXT    NOT NULL,
    PRIMARY KEY (user_id, movie_id, watched_on)
);

-- An uploaded export, matched against the catalogue and kept for the member to review (a dry
-- run) until they apply it. One row per film of the export.
CREATE TABLE letterboxd_imports (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    films      INTEGER NOT NULL,
    skipped    TEXT    NOT NULL DEFAULT '',  -- files of the export that are not imported
    applied_at INTEGER,
    shared     BOOLEAN NOT NULL DEFAULT 0,
    result     TEXT                          -- what applying it did, in words
);
CREATE INDEX letterboxd_imports_user ON letterboxd_imports (user_id, created_at DESC);

CREATE TABLE letterboxd_import_films (
    import_id  INTEGER NOT NULL REFERENCES letterboxd_imports (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    year       INTEGER,
    half_stars INTEGER,
    rated_on   TEXT,
    watches    TEXT    NOT NULL DEFAULT '',  -- 'YYYY-MM-DD' or 'YYYY-MM-DD r' (a rewatch), by ','
    state      TEXT    NOT NULL CHECK (state IN ('matched', 'ambiguous', 'missing')),
    movie_id   INTEGER REFERENCES movies (id) ON DELETE SET NULL,
    candidates TEXT    NOT NULL DEFAULT '',  -- movie ids, by ','
    PRIMARY KEY (import_id, position)
);

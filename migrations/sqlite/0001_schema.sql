-- Marquee schema (SQLite). Timestamps are Unix seconds; booleans are 0/1.
-- Keep in step with migrations/postgres/0001_schema.sql: same tables, columns and indexes.

CREATE TABLE movies (
    id                INTEGER PRIMARY KEY,
    imdb_id           TEXT    NOT NULL UNIQUE,
    title             TEXT    NOT NULL,
    original_title    TEXT,
    year              INTEGER,
    release_date      TEXT,              -- ISO 8601 date
    runtime_minutes   INTEGER,
    genres            TEXT    NOT NULL DEFAULT '',  -- display copy; movie_genres is the queryable form
    plot              TEXT,
    poster_url        TEXT,
    title_search      TEXT    NOT NULL,  -- lower-cased, accents folded
    popularity        REAL,              -- denormalised sort keys, kept in step with metrics
    rating            REAL,
    data_completeness REAL    NOT NULL DEFAULT 0,
    imdb_cached_at    INTEGER,
    imdb_last_error   TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX movies_year ON movies (year);
CREATE INDEX movies_popularity ON movies (popularity DESC, id);
CREATE INDEX movies_rating ON movies (rating DESC, id);
CREATE INDEX movies_title_search ON movies (title_search);

CREATE TABLE movie_genres (
    movie_id INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    genre    TEXT    NOT NULL,
    PRIMARY KEY (movie_id, genre)
);
CREATE INDEX movie_genres_genre ON movie_genres (genre, movie_id);

CREATE TABLE metrics (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    source     TEXT    NOT NULL,   -- imdb, tmdb, metacritic, rotten_tomatoes
    metric     TEXT    NOT NULL,   -- rating, votes, popularity, metascore, tomatometer
    value      REAL    NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (movie_id, source, metric)
);

CREATE TABLE people (
    id                 INTEGER PRIMARY KEY,
    person_key         TEXT    NOT NULL UNIQUE,  -- IMDb nm id, or 'name:' + folded name when unknown
    imdb_id            TEXT,
    name               TEXT    NOT NULL,
    quality            REAL,            -- 0..100, never derived from the target list
    quality_updated_at INTEGER
);
CREATE INDEX people_name ON people (name);

CREATE TABLE credits (
    movie_id  INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role      TEXT    NOT NULL,   -- director, writer, cast, composer, cinematographer
    job       TEXT,               -- character name or precise job
    billing   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (movie_id, person_id, role)
);
CREATE INDEX credits_person ON credits (person_id, role);

CREATE TABLE festivals (
    id      INTEGER PRIMARY KEY,
    slug    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    country TEXT
);

CREATE TABLE ceremonies (
    id          INTEGER PRIMARY KEY,
    festival_id INTEGER NOT NULL REFERENCES festivals (id) ON DELETE CASCADE,
    year        INTEGER NOT NULL,
    name        TEXT,
    UNIQUE (festival_id, year)
);

CREATE TABLE award_categories (
    id          INTEGER PRIMARY KEY,
    festival_id INTEGER NOT NULL REFERENCES festivals (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    UNIQUE (festival_id, name)
);

CREATE TABLE nominations (
    id          INTEGER PRIMARY KEY,
    ceremony_id INTEGER NOT NULL REFERENCES ceremonies (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES award_categories (id) ON DELETE CASCADE,
    movie_id    INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    person_id   INTEGER REFERENCES people (id) ON DELETE SET NULL,
    won         BOOLEAN NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX nominations_unique ON nominations (ceremony_id, category_id, movie_id, COALESCE(person_id, 0));
CREATE INDEX nominations_movie ON nominations (movie_id);

CREATE TABLE canonical_lists (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT,
    is_target   BOOLEAN NOT NULL DEFAULT 0   -- the list the predictions page forecasts
);

CREATE TABLE list_memberships (
    list_id      INTEGER NOT NULL REFERENCES canonical_lists (id) ON DELETE CASCADE,
    movie_id     INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    edition_year INTEGER,          -- edition in which the film was added
    position     INTEGER,
    PRIMARY KEY (list_id, movie_id)
);
CREATE INDEX list_memberships_movie ON list_memberships (movie_id);

-- Per film and target list, so no score ever sees the membership it predicts. NULL = no source.
CREATE TABLE dimension_scores (
    movie_id     INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    list_id      INTEGER NOT NULL REFERENCES canonical_lists (id) ON DELETE CASCADE,
    popular      REAL,
    critical     REAL,
    industry     REAL,
    cultural     REAL,
    people       REAL,
    completeness REAL    NOT NULL,
    computed_at  INTEGER NOT NULL,
    PRIMARY KEY (list_id, movie_id)
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL,
    username_key   TEXT    NOT NULL UNIQUE,   -- lower-cased, for case-insensitive sign-in
    display_name   TEXT    NOT NULL,
    password_hash  TEXT,                      -- NULL: cannot sign in
    role           TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    proposal_limit INTEGER,                   -- NULL: the configured default
    disabled       BOOLEAN NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE weight_profiles (
    id         INTEGER PRIMARY KEY,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    w_popular  REAL    NOT NULL,
    w_critical REAL    NOT NULL,
    w_industry REAL    NOT NULL,
    w_cultural REAL    NOT NULL,
    w_people   REAL    NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT 0,
    is_system  BOOLEAN NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX weight_profiles_one_default ON weight_profiles (is_default) WHERE is_default = 1;

CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,   -- hash of the cookie token, never the token itself
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    user_agent   TEXT,
    ip           TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE proposals (
    id                INTEGER PRIMARY KEY,
    imdb_id           TEXT    NOT NULL,
    movie_id          INTEGER REFERENCES movies (id) ON DELETE SET NULL,
    proposer_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status            TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'watched', 'withdrawn')),
    title             TEXT,
    year              INTEGER,
    runtime_minutes   INTEGER,
    genres            TEXT,
    plot              TEXT,
    poster_url        TEXT,
    imdb_rating       REAL,
    imdb_votes        INTEGER,
    imdb_json         TEXT,
    cached_at         INTEGER,
    last_fetch_error  TEXT,
    fetch_failures    INTEGER NOT NULL DEFAULT 0,
    next_fetch_at     INTEGER,
    created_at        INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL,
    watched_at        INTEGER
);
CREATE UNIQUE INDEX proposals_one_active ON proposals (imdb_id) WHERE status = 'active';
CREATE INDEX proposals_status ON proposals (status, created_at DESC);
CREATE INDEX proposals_proposer ON proposals (proposer_id, status);
CREATE INDEX proposals_refresh ON proposals (next_fetch_at);

CREATE TABLE votes (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    UNIQUE (proposal_id, user_id)
);
CREATE INDEX votes_user ON votes (user_id);

-- Stars for a watched proposal (1..5).
CREATE TABLE watch_ratings (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    rated_at    INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);

-- Catalogue ratings in half stars (1..10 = 0.5..5 stars).
CREATE TABLE ratings (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    half_stars INTEGER NOT NULL CHECK (half_stars BETWEEN 1 AND 10),
    rated_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);
CREATE INDEX ratings_movie ON ratings (movie_id);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action       TEXT    NOT NULL,
    subject_type TEXT,
    subject_id   TEXT,
    details      TEXT,
    ip           TEXT
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_action ON audit_log (action, at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at DESC);

CREATE TABLE job_runs (
    job             TEXT    PRIMARY KEY,
    runs            INTEGER NOT NULL DEFAULT 0,
    last_started_at INTEGER,
    last_finished_at INTEGER,
    last_success_at INTEGER,
    last_error      TEXT,
    last_summary    TEXT
);

CREATE TABLE app_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Movie nights: a voting round with a deadline. It is closed exactly once (by the scheduler at the
-- deadline, or early by an admin), and its result is kept with the full tally. Times are Unix
-- seconds; `time_zone` (an IANA name) is how the screening's time is shown.
CREATE TABLE rounds (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL,
    screening_at       INTEGER NOT NULL,
    time_zone          TEXT    NOT NULL,
    deadline           INTEGER NOT NULL,
    method             TEXT    NOT NULL CHECK (method IN ('approval', 'ranked')),
    carry_over         TEXT    NOT NULL CHECK (carry_over IN ('with_votes', 'without_votes')),
    status             TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_by          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    opened_at          INTEGER NOT NULL,
    closed_at          INTEGER,
    closed_by          TEXT,
    winner_proposal_id INTEGER REFERENCES proposals (id) ON DELETE SET NULL,
    result_json        TEXT
);
-- One open round at a time.
CREATE UNIQUE INDEX rounds_one_open ON rounds (status) WHERE status = 'open';
CREATE INDEX rounds_deadline ON rounds (deadline) WHERE status = 'open';

-- A member's ranking in a ranked-choice round (approval rounds use `votes`).
CREATE TABLE ranked_ballots (
    round_id    INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 1),
    PRIMARY KEY (round_id, user_id, proposal_id),
    UNIQUE (round_id, user_id, position)
);

-- Watched films are rated on the catalogue's scale: 0.5 to 5 stars in half stars (1..10). Existing
-- whole-star ratings are kept (3 stars become 6 half stars). SQLite cannot change a CHECK in place,
-- so the table is rebuilt.
CREATE TABLE watch_ratings_half (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    half_stars  INTEGER NOT NULL CHECK (half_stars BETWEEN 1 AND 10),
    rated_at    INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);
INSERT INTO watch_ratings_half (proposal_id, user_id, half_stars, rated_at)
    SELECT proposal_id, user_id, stars * 2, rated_at FROM watch_ratings;
DROP TABLE watch_ratings;
ALTER TABLE watch_ratings_half RENAME TO watch_ratings;

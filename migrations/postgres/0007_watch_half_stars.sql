-- Watched films are rated on the catalogue's scale: 0.5 to 5 stars in half stars (1..10). Existing
-- whole-star ratings are kept (3 stars become 6 half stars).
ALTER TABLE watch_ratings ADD COLUMN half_stars INTEGER;
UPDATE watch_ratings SET half_stars = stars * 2;
ALTER TABLE watch_ratings ALTER COLUMN half_stars SET NOT NULL;
ALTER TABLE watch_ratings ADD CONSTRAINT watch_ratings_half_stars_check CHECK (half_stars BETWEEN 1 AND 10);
ALTER TABLE watch_ratings DROP COLUMN stars;

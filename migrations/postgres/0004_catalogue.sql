-- Sort keys without NULLs, so every catalogue order is a total order an index can walk and a
-- cursor can resume from.
CREATE INDEX movies_by_popularity ON movies ((COALESCE(popularity, -1)) DESC, id);
CREATE INDEX movies_by_rating ON movies ((COALESCE(rating, -1)) DESC, id);
CREATE INDEX movies_by_year ON movies ((COALESCE(year, 0)) DESC, id);
CREATE INDEX movies_by_title ON movies (title_search, id);
CREATE INDEX ratings_user ON ratings (user_id, rated_at DESC);

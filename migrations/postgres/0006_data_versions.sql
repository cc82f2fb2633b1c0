-- A counter the database itself moves on every change to what predictions are computed from, so
-- any process (this server, `marquee import` beside it, a hand-written UPDATE) sees a change by
-- reading one row. Triggers rather than a checksum of the data: a checksum misses changes that keep
-- counts and sums equal, or that land within the same second.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('scoring_inputs', 1);

-- One bump per statement (not per row): a bulk import moves the counter once per batch statement.
CREATE FUNCTION bump_scoring_inputs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
    RETURN NULL;
END;
$$;

CREATE TRIGGER movies_scoring AFTER INSERT OR DELETE OR UPDATE OF title, year, poster_url, imdb_id ON movies
    FOR EACH STATEMENT EXECUTE FUNCTION bump_scoring_inputs();

CREATE TRIGGER metrics_scoring AFTER INSERT OR DELETE OR UPDATE ON metrics
    FOR EACH STATEMENT EXECUTE FUNCTION bump_scoring_inputs();

CREATE TRIGGER credits_scoring AFTER INSERT OR DELETE OR UPDATE ON credits
    FOR EACH STATEMENT EXECUTE FUNCTION bump_scoring_inputs();

CREATE TRIGGER people_scoring AFTER INSERT OR DELETE OR UPDATE ON people
    FOR EACH STATEMENT EXECUTE FUNCTION bump_scoring_inputs();

CREATE TRIGGER nominations_scoring AFTER INSERT OR DELETE OR UPDATE ON nominations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_scoring_inputs();

CREATE TRIGGER list_memberships_scoring AFTER INSERT OR DELETE OR UPDATE ON list_memberships
    FOR EACH STATEMENT EXECUTE FUNCTION bump_scoring_inputs();

CREATE TRIGGER canonical_lists_scoring AFTER INSERT OR DELETE OR UPDATE ON canonical_lists
    FOR EACH STATEMENT EXECUTE FUNCTION bump_scoring_inputs();

CREATE TRIGGER weight_profiles_scoring AFTER INSERT OR DELETE OR UPDATE ON weight_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION bump_scoring_inputs();

-- A counter the database itself moves on every change to what predictions are computed from, so
-- any process (this server, `marquee import` beside it, a hand-written UPDATE) sees a change by
-- reading one row. Triggers rather than a checksum of the data: a checksum misses changes that keep
-- counts and sums equal, or that land within the same second.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('scoring_inputs', 1);

CREATE TRIGGER movies_insert_scoring AFTER INSERT ON movies
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER movies_update_scoring AFTER UPDATE OF title, year, poster_url, imdb_id ON movies
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER movies_delete_scoring AFTER DELETE ON movies
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER metrics_insert_scoring AFTER INSERT ON metrics
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER metrics_update_scoring AFTER UPDATE ON metrics
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER metrics_delete_scoring AFTER DELETE ON metrics
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER credits_insert_scoring AFTER INSERT ON credits
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER credits_update_scoring AFTER UPDATE ON credits
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER credits_delete_scoring AFTER DELETE ON credits
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER people_insert_scoring AFTER INSERT ON people
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER people_update_scoring AFTER UPDATE ON people
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER people_delete_scoring AFTER DELETE ON people
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER nominations_insert_scoring AFTER INSERT ON nominations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER nominations_update_scoring AFTER UPDATE ON nominations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER nominations_delete_scoring AFTER DELETE ON nominations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER list_memberships_insert_scoring AFTER INSERT ON list_memberships
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER list_memberships_update_scoring AFTER UPDATE ON list_memberships
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER list_memberships_delete_scoring AFTER DELETE ON list_memberships
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER canonical_lists_insert_scoring AFTER INSERT ON canonical_lists
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER canonical_lists_update_scoring AFTER UPDATE ON canonical_lists
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER canonical_lists_delete_scoring AFTER DELETE ON canonical_lists
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER weight_profiles_insert_scoring AFTER INSERT ON weight_profiles
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER weight_profiles_update_scoring AFTER UPDATE ON weight_profiles
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

CREATE TRIGGER weight_profiles_delete_scoring AFTER DELETE ON weight_profiles
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs';
END;

-- A proposal's count changes with each vote; the version goes up with every change, so an open
-- page that hears two counts out of order keeps the newer one.
ALTER TABLE proposals ADD COLUMN vote_version BIGINT NOT NULL DEFAULT 0;

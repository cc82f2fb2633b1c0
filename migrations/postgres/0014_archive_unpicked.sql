-- A round may archive the proposals it did not pick instead of carrying them over: they leave the
-- list (status 'withdrawn'), marked with the round that archived them.
ALTER TABLE rounds ADD COLUMN archive_unpicked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE proposals ADD COLUMN archived_by_round BIGINT;

-- The vote page shows each proposal's first few voters: read them in vote order from an index,
-- touching a handful of rows however many votes a proposal has.
CREATE INDEX votes_in_order ON votes (proposal_id, created_at, id);

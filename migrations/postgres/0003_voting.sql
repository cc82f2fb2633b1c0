-- Votes per proposal are stored with the proposal, so the vote page sorts on an index instead of
-- counting votes for every proposal on every load. Kept in step by the code that writes votes.
ALTER TABLE proposals ADD COLUMN vote_count BIGINT NOT NULL DEFAULT 0;
UPDATE proposals SET vote_count = (SELECT COUNT(*) FROM votes v WHERE v.proposal_id = proposals.id);
CREATE INDEX proposals_ranking ON proposals (status, vote_count DESC, created_at DESC, id DESC);
CREATE INDEX proposals_watched ON proposals (status, watched_at DESC);

-- Invitations for invite-only registration; only a hash of the code is kept.
CREATE TABLE invites (
    code_hash  TEXT    PRIMARY KEY,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    used_at    BIGINT
);

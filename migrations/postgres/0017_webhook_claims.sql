-- A message is claimed before it is sent: the sender that claims it (a random token per attempt)
-- moves its next attempt past the claim's lifetime, by the database's clock, so no other sender
-- takes it meanwhile; only the claimant records the outcome.
ALTER TABLE webhook_outbox ADD COLUMN claimed_by TEXT;

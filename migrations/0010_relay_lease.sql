-- The relay's lease (lib/outbox/relay/relay.ts), in its checkpoint row instead of a transaction-scoped advisory lock:
-- a lock held by an open transaction across a Kafka send stays held while its Lambda container is frozen, and a
-- holder that lost it (idle-in-transaction timeout) could still publish. Now:
--   lease_epoch       the fencing token: incremented on every acquisition, so each holder has its own number;
--   lease_expires_at  set by the database clock on acquisition and renewal (NULL: free); another relay may take the
--                     lease once it has passed.
-- The checkpoint moves only in an UPDATE that names the holder's epoch, requires an unexpired lease, and starts from
-- the position this holder read: it never moves backwards, nor past what this holder sent.
ALTER TABLE event_store.relay_checkpoints
  ADD COLUMN lease_epoch      bigint      NOT NULL DEFAULT 0,
  ADD COLUMN lease_expires_at timestamptz;

-- Write-side tables of the accounts application service (lib/accounts/), kept beside the event store because they
-- are written in the same transaction as the events.

-- Outcome of a successful command per Idempotency-Key. A retry with the same key and fingerprint gets `result`
-- back without a second effect; the same key with another fingerprint is refused.
CREATE TABLE event_store.idempotency_keys (
  scope       text        NOT NULL,
  key         text        NOT NULL,
  fingerprint text        NOT NULL,
  result      jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
-- For an eventual retention job (keys older than N days).
CREATE INDEX idempotency_keys_created_at_idx ON event_store.idempotency_keys (created_at);

-- Account numbers are unique among accounts: the reservation row is inserted in the same transaction as the
-- AccountCreated event, so of two concurrent opens with one number exactly one commits.
CREATE TABLE event_store.account_numbers (
  account_number text        PRIMARY KEY,
  account_id     uuid        NOT NULL UNIQUE,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Outbox relay (lib/relay): the event store is the outbox. Each relay (by name; one per topic in practice) keeps a
-- checkpoint in the gap-free global order (transaction_id, global_position) of event_store.events, advanced only
-- after Kafka acknowledged everything before it, in the same transaction as the facts below.

CREATE TABLE event_store.relay_checkpoints (
  relay_name      text        PRIMARY KEY,
  transaction_id  xid8        NOT NULL DEFAULT '0',
  global_position bigint      NOT NULL DEFAULT 0,
  events_relayed  bigint      NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- What the relay knows about each account after the last event it published (names and balance in cents), so that
-- previousBalance / newBalance are exact and cheap: one row per account, folded forward as events are relayed.
-- Reset together with the checkpoint (a relay restarted from the beginning rebuilds it as it goes).
CREATE TABLE event_store.relay_stream_facts (
  relay_name     text    NOT NULL,
  stream_id      text    NOT NULL,
  version        integer NOT NULL CHECK (version >= 1),
  account_number text    NOT NULL,
  account_name   text    NOT NULL,
  owner_name     text    NOT NULL,
  balance        bigint  NOT NULL,
  PRIMARY KEY (relay_name, stream_id)
);

-- An account stream whose event cannot be mapped to an integration event (undecodable data, unknown type or schema
-- version: a bug or a hand-made row) is quarantined instead of stopping the relay for every account: that event and
-- every later one of the stream go to the dead-letter topic with the reason, the other accounts keep flowing.
-- Visible in GET /api/reports/status (dead letters) and the logs. Lift it once the stream is repaired by deleting
-- the row and resetting the stream's facts (see README, "Operations").
CREATE TABLE event_store.relay_quarantine (
  relay_name     text        NOT NULL,
  stream_id      text        NOT NULL,
  event_id       uuid        NOT NULL,
  stream_version integer     NOT NULL,
  reason         text        NOT NULL,
  quarantined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (relay_name, stream_id)
);

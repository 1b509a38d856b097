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

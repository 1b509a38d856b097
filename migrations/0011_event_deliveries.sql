-- Where the projector consumed each integration event from (issue 15, the event explorer): the Kafka topic,
-- partition and offset of its first delivery, written in the projector's transaction. Kept across rebuilds (not one
-- of the swapped projection tables): a rebuild reads the event store, not Kafka.
CREATE TABLE read_model.event_deliveries (
  event_id       uuid        PRIMARY KEY,
  topic          text        NOT NULL,
  kafka_partition integer    NOT NULL,
  kafka_offset   bigint      NOT NULL,
  first_seen_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON read_model.event_deliveries TO ledgerline_app;

-- The explorer follows a correlation id (an HTTP request) across the events it wrote (both legs of a transfer).
CREATE INDEX events_correlation_id_idx ON event_store.events ((metadata->>'correlationId'));

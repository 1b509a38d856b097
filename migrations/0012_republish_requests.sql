-- Re-publishing a dead letter after a fix (issue 15): an admin asks for it on /explorer/dead-letters, and the relay,
-- the only producer of the banking topic, publishes the event store's own event with the dead letter's event id,
-- mapped as it maps every event (never the dead letter's bytes), then records where Kafka put it.
--   event_id              the stored event to publish (the foreign key: a forged id is never recorded)
--   topic                 the topic to publish it on; the relay of that topic takes the request
--   dead_letter_*         the dead letter it was asked from: one request per dead letter (a double submit is one)
--   published_*           set by the relay under its lease, from Kafka's answer
--   error                 why the relay could not map it (not retried; asking again after a fix clears it)
CREATE TABLE event_store.republish_requests (
  id                    uuid        PRIMARY KEY,
  event_id              uuid        NOT NULL REFERENCES event_store.events (event_id),
  topic                 text        NOT NULL,
  dead_letter_topic     text        NOT NULL,
  dead_letter_partition integer     NOT NULL CHECK (dead_letter_partition >= 0),
  dead_letter_offset    bigint      NOT NULL CHECK (dead_letter_offset >= 0),
  requested_by          text        NOT NULL,
  requested_at          timestamptz NOT NULL DEFAULT now(),
  published_at          timestamptz,
  published_partition   integer,
  published_offset      bigint,
  error                 text,
  UNIQUE (dead_letter_topic, dead_letter_partition, dead_letter_offset),
  CHECK ((published_at IS NULL) = (published_partition IS NULL) AND (published_at IS NULL) = (published_offset IS NULL)),
  CHECK (published_at IS NULL OR error IS NULL)
);

-- What the relay looks for on every pass: the pending requests of its topic.
CREATE INDEX republish_requests_pending_idx ON event_store.republish_requests (topic, requested_at)
  WHERE published_at IS NULL AND error IS NULL;

-- The dead-letter form records requests (and asks again after a failure); the relay marks them published or failed.
GRANT SELECT, INSERT, UPDATE ON event_store.republish_requests TO ledgerline_app;

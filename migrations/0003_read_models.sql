-- Read models (query side), in their own schema, written only by the projector (functions/projector,
-- lib/projections) and by `npm run projections:rebuild`. Never by the command side.
--
-- Money columns are numeric(18,2) like the seed's decimal(18,2): exact; the largest balance the domain allows
-- (1,000,000,000,000.00) fits. Text limits mirror the integration event contract (lib/contracts), which validates
-- them before anything is written, so a too-long value is a dead-lettered message, never a failing batch.
--
-- The rebuild builds a fresh copy of these tables (CREATE TABLE ... LIKE ... INCLUDING ALL) and swaps it in inside one
-- transaction: keep every constraint and index declared on the tables themselves.

CREATE SCHEMA IF NOT EXISTS read_model;

CREATE TABLE read_model.balances (
  account_id           uuid          PRIMARY KEY,
  account_number       varchar(34)   NOT NULL,
  account_name         varchar(100)  NOT NULL,
  owner_name           varchar(100)  NOT NULL,
  balance              numeric(18,2) NOT NULL,
  last_updated         timestamptz   NOT NULL,
  last_applied_version integer       NOT NULL CHECK (last_applied_version >= 1)
);
-- GET /api/reports/balances: ordered by account name (code-point order, stable across locales), then id.
CREATE INDEX balances_account_name_idx ON read_model.balances (account_name COLLATE "C", account_id);

-- One row per account event (transaction_id = the event id): AccountCreated is the opening deposit.
CREATE TABLE read_model.transactions (
  transaction_id  uuid          PRIMARY KEY,
  account_id      uuid          NOT NULL,
  account_number  varchar(34)   NOT NULL,
  account_name    varchar(100)  NOT NULL,
  amount          numeric(18,2) NOT NULL,
  opening_balance numeric(18,2) NOT NULL,
  closing_balance numeric(18,2) NOT NULL,
  description     varchar(200)  NOT NULL,
  date            timestamptz   NOT NULL,
  stream_version  integer       NOT NULL,
  transfer_id     text,
  CONSTRAINT transactions_chain_check CHECK (closing_balance = opening_balance + amount),
  -- GET /api/reports/transactions/{accountId}: newest first = highest stream version first.
  CONSTRAINT transactions_account_version_key UNIQUE (account_id, stream_version)
);

-- Per-account progress of the projector: the last stream version applied to every read model above. Written in the
-- same transaction as the read models, so a redelivered or duplicated event (version <= last) is skipped.
CREATE TABLE read_model.account_progress (
  account_id           uuid        PRIMARY KEY,
  last_applied_version integer     NOT NULL CHECK (last_applied_version >= 0),
  last_event_id        uuid,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Events that arrived ahead of a missing one (version > last + 1): held here, applied in order as soon as the gap is
-- filled, in the transaction that fills it. Never applied out of order, never dropped.
CREATE TABLE read_model.parked_events (
  account_id     uuid        NOT NULL,
  stream_version integer     NOT NULL,
  event_id       uuid        NOT NULL,
  payload        jsonb       NOT NULL,
  source_topic     text,
  source_partition integer,
  source_offset    bigint,
  parked_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, stream_version)
);
CREATE INDEX parked_events_parked_at_idx ON read_model.parked_events (parked_at);

-- When the read models were last rebuilt (`npm run projections:rebuild`) and through which event-store position; one
-- row per rebuild target, shown by GET /api/reports/status. Live progress is read from account_progress (no counter
-- row here: a row every batch updates would serialise the batches of all partitions).
CREATE TABLE read_model.rebuilds (
  projection      text        PRIMARY KEY,
  rebuilt_at      timestamptz NOT NULL,
  rebuilt_through jsonb       NOT NULL,
  events          bigint      NOT NULL,
  duration_ms     bigint      NOT NULL
);

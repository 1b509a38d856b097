-- Read-model audit (issue 18; lib/projections/audit.ts), run by the scheduled sweep: every account's read model
-- (balance, last applied version and event id, transactions) is compared with what the event store's events give,
-- and a divergent account is re-projected from the store. One row per audited read-model schema: the run in progress
-- (its keyset cursor over account ids and its counts, so that one run can span several sweeps) and the last finished
-- run, which GET /api/reports/status and /ops show. Not one of the projection tables: a rebuild does not swap it.
CREATE TABLE read_model.audits (
  projection       text        PRIMARY KEY,
  run_started_at   timestamptz,
  run_cursor       uuid,
  run_checked      integer     NOT NULL DEFAULT 0,
  run_divergent    integer     NOT NULL DEFAULT 0,
  run_repaired     integer     NOT NULL DEFAULT 0,
  -- the first divergent accounts of the run, [{accountId, reason}], at most 20
  run_samples      jsonb       NOT NULL DEFAULT '[]',
  last_started_at  timestamptz,
  last_finished_at timestamptz,
  last_checked     integer,
  last_divergent   integer,
  last_repaired    integer,
  last_samples     jsonb
);

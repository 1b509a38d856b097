-- Read-model rebuilds started from the web (issue 15): POST /ops/rebuilds records a run here and invokes the rebuild
-- function (functions/projector/rebuild.ts), which writes its phase, progress and heartbeat to the row as it goes,
-- then its result or its error (lib/projections/rebuild-runs.ts). Not one of the projection tables: the rebuild swaps
-- those, and this row must outlive the swap.
CREATE TABLE read_model.rebuild_runs (
  id           uuid        PRIMARY KEY,
  requested_by text        NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  -- moved by the running function (progress, and a timer during long steps); a stale one means the function died
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  phase        text        NOT NULL DEFAULT 'requested'
               CHECK (phase IN ('requested', 'copy', 'catch-up', 'swap', 'done', 'failed', 'abandoned')),
  done         bigint      NOT NULL DEFAULT 0 CHECK (done >= 0),
  total        bigint      NOT NULL DEFAULT 0 CHECK (total >= 0),
  finished_at  timestamptz,
  -- done: {events, accounts, quarantined: [{streamId, reason}], durationMs}
  result       jsonb,
  -- failed or abandoned: why
  error        text,
  CHECK ((finished_at IS NOT NULL) = (phase IN ('done', 'failed', 'abandoned')))
);
-- At most one unfinished run at a time.
CREATE UNIQUE INDEX rebuild_runs_one_unfinished ON read_model.rebuild_runs ((true)) WHERE finished_at IS NULL;
CREATE INDEX rebuild_runs_requested_at_idx ON read_model.rebuild_runs (requested_at DESC);
-- The web trigger (application role) requests runs, marks stale ones abandoned and a run it could not start failed;
-- the rebuild function itself connects as the owner.
GRANT SELECT, INSERT, UPDATE ON read_model.rebuild_runs TO ledgerline_app;

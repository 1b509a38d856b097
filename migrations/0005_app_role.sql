-- The application's role, ledgerline_app: least privilege. It reads and writes the rows the application needs and
-- nothing else: no DDL (it owns nothing and may create nothing, not even temporary tables), no TRUNCATE, no
-- superuser; events are append-only for it (no UPDATE or DELETE on event_store.events). Migrations and the read-model
-- rebuild run as the owner (the role that runs this file) on a direct connection (lib/platform/db/pool.ts,
-- createDirectPool).
--
-- On AWS the functions log in as ledgerline_app through RDS Proxy with the password in its own secret, which the
-- migrate function sets (lib/platform/db/app-role.ts). Locally the application may keep connecting as the owner;
-- lib/platform/db/app-role.int.spec.ts runs the application's statements as this role.
--
-- A later migration that adds a table grants this role what it needs on it. The rebuild's fresh read-model tables get
-- the privileges of the tables they replace (lib/projections/rebuild.ts).

-- Roles belong to the cluster, not to the database: another database on the same server (a parallel test run) may
-- have created it first, even while this runs.
DO $$
BEGIN
  CREATE ROLE ledgerline_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- Single statements outside a transaction (reads, single-statement appends) run under these; transactions set
-- their own statement timeout with SET LOCAL (withTransaction). A pooler cannot carry session settings, the role can.
-- (Set only when missing: two databases altering the shared role at once could fail with "tuple concurrently updated".)
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT FROM pg_db_role_setting AS s JOIN pg_roles AS r ON r.oid = s.setrole
     WHERE r.rolname = 'ledgerline_app' AND s.setdatabase = 0
       AND s.setconfig @> ARRAY['statement_timeout=5s', 'idle_in_transaction_session_timeout=60s']
  ) THEN
    ALTER ROLE ledgerline_app SET statement_timeout = '5s';
    ALTER ROLE ledgerline_app SET idle_in_transaction_session_timeout = '60s';
  END IF;
END
$$;

-- Temporary tables are session state (and DDL): nobody but the owner gets them in this database.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO ledgerline_app', current_database());
END
$$;

GRANT USAGE ON SCHEMA event_store, read_model TO ledgerline_app;

-- Event store: append (the streams row is the stream's lock and version), read, snapshots as a cache.
GRANT SELECT, INSERT, UPDATE ON event_store.streams TO ledgerline_app;
GRANT SELECT, INSERT ON event_store.events TO ledgerline_app;
GRANT SELECT, INSERT, UPDATE ON event_store.snapshots TO ledgerline_app;
GRANT EXECUTE ON FUNCTION event_store.append_to_streams(text[], text[], integer[], integer[], uuid[], text[], jsonb[],
  jsonb[]) TO ledgerline_app;

-- Commands: idempotency keys and account numbers are written once.
GRANT SELECT, INSERT ON event_store.idempotency_keys, event_store.account_numbers TO ledgerline_app;

-- Outbox relay: its checkpoint and facts move forward; a quarantine is lifted by an operator (as the owner).
GRANT SELECT, INSERT, UPDATE ON event_store.relay_checkpoints, event_store.relay_stream_facts TO ledgerline_app;
GRANT SELECT, INSERT ON event_store.relay_quarantine TO ledgerline_app;

-- Read models: the projector and the reconciler write them; parked events are deleted once applied. The rebuild
-- (owner) records itself in read_model.rebuilds, which the status page reads.
GRANT SELECT, INSERT, UPDATE ON read_model.balances, read_model.account_progress TO ledgerline_app;
GRANT SELECT, INSERT ON read_model.transactions TO ledgerline_app;
GRANT SELECT, INSERT, DELETE ON read_model.parked_events TO ledgerline_app;
GRANT SELECT ON read_model.rebuilds TO ledgerline_app;

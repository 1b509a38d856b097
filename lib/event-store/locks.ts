import { createHash } from 'node:crypto';
import { assertInTransaction, type Tx } from '../platform/db/pool';

// First key of the two-integer advisory lock form: a namespace of our own, apart from single-bigint lock users.
const STREAM_LOCK_NAMESPACE = 0x45_53_4c_4b; // 'ESLK'

const LOCK_STREAMS = {
  // unnest returns the keys in array order, so the locks are taken in the order given (sorted below).
  text: 'SELECT count(pg_advisory_xact_lock($1::int, key)) FROM unnest($2::int[]) AS key',
};

function streamLockKey(streamId: string): number {
  return createHash('sha256').update(streamId).digest().readInt32BE(0);
}

/**
 * Pessimistic mode: makes writers of the same streams queue until this transaction ends, without taking a
 * transaction id (advisory locks need none), so the expected versions read afterwards still come "before the
 * first write". Use it when optimistic appends keep conflicting (a hot stream). Locks are taken in key order, so
 * two transactions locking overlapping sets cannot deadlock; unrelated streams may share a key now and then
 * (32-bit hash), which only makes them queue.
 */
export async function lockStreams(tx: Tx, streamIds: readonly string[]): Promise<void> {
  assertInTransaction(tx);
  const keys = [...new Set(streamIds.map(streamLockKey))].sort((a, b) => a - b);
  if (keys.length === 0) return;
  await tx.query({ ...LOCK_STREAMS, values: [STREAM_LOCK_NAMESPACE, keys] });
}

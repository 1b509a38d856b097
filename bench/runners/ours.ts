import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import {
  appendToStream,
  isConcurrencyConflict,
  readAll,
  readStream,
  readStreamVersion,
  START_CHECKPOINT,
  type NewEvent,
} from '../../lib/event-store';
import { EVENT_DATA, EVENT_DATA_JSON, EVENT_TYPE, eventMetadata, STREAM_TYPE } from './payload';

function depositEvent(): NewEvent {
  return { type: EVENT_TYPE, data: { ...EVENT_DATA }, metadata: eventMetadata() };
}

/** One checked append of one event on the pool (one statement). Returns the next version, or null on a conflict. */
export async function oursAppend(pool: Pool, streamId: string, expected: number): Promise<number | null> {
  try {
    const result = await appendToStream(pool, {
      streamId,
      streamType: STREAM_TYPE,
      expectedVersion: expected === 0 ? 'no_stream' : expected,
      events: [depositEvent()],
    });
    return result.nextExpectedVersion;
  } catch (error) {
    if (isConcurrencyConflict(error)) return null;
    throw error;
  }
}

export async function oursCurrentVersion(pool: Pool, streamId: string): Promise<number> {
  return (await readStreamVersion(pool, streamId)) ?? 0;
}

export async function oursFillStream(pool: Pool, streamId: string, count: number, chunk = 500): Promise<void> {
  let expected = 0;
  for (let written = 0; written < count; written += chunk) {
    const events = Array.from({ length: Math.min(chunk, count - written) }, depositEvent);
    const result = await appendToStream(pool, {
      streamId,
      streamType: STREAM_TYPE,
      expectedVersion: expected === 0 ? 'no_stream' : expected,
      events,
    });
    expected = result.nextExpectedVersion;
  }
}

/** readStream + the same fold Emmett's aggregateStream runs. */
export async function oursAggregate(pool: Pool, streamId: string): Promise<number> {
  const events = await readStream(pool, streamId);
  let balance = 0;
  for (const event of events) balance += (event.data as { amount: number }).amount;
  return balance;
}

/** The floor: one plain parameterised query for the stream's payloads, same fold. */
export async function plainAggregate(pool: Pool, streamId: string): Promise<number> {
  const { rows } = await pool.query<{ data: { amount: number } }>({
    name: 'bench.plain_read',
    text: 'SELECT data FROM event_store.events WHERE stream_id = $1 ORDER BY stream_version',
    values: [streamId],
  });
  let balance = 0;
  for (const row of rows) balance += row.data.amount;
  return balance;
}

/**
 * A hand-written one-statement checked append with pg (bump the stream row if it is at `expected`, insert the event
 * with the new version) — the leanest Node path, for reference. Returns the next version or null on a conflict.
 */
export async function rawOneStatementAppend(pool: Pool, streamId: string, expected: number): Promise<number | null> {
  if (expected === 0) {
    return oursAppend(pool, streamId, 0); // stream creation goes through the store once per writer
  }
  const { rows } = await pool.query<{ stream_version: number }>({
    name: 'bench.raw_append',
    text: `WITH bumped AS (
             UPDATE event_store.streams SET version = version + 1, last_transaction_id = pg_current_xact_id(),
                    updated_at = now()
              WHERE stream_id = $1 AND version = $2
             RETURNING version)
           INSERT INTO event_store.events (event_id, stream_id, stream_type, stream_version, type, data, metadata)
           SELECT $3, $1, $4, bumped.version, $5, $6, $7 FROM bumped
           RETURNING stream_version`,
    values: [
      streamId,
      expected,
      randomUUID(),
      STREAM_TYPE,
      EVENT_TYPE,
      EVENT_DATA_JSON,
      JSON.stringify(eventMetadata()),
    ],
  });
  return rows[0]?.stream_version ?? null;
}

export interface ConsumeResult {
  delivered: number;
  unique: number;
  ms: number;
}

/** Reads the whole store in gap-free order with readAll (the relay's read path), until a read comes back empty. */
export async function oursConsumeAll(pool: Pool, limit = 1_000): Promise<ConsumeResult> {
  const seen = new Set<string>();
  let delivered = 0;
  let after = START_CHECKPOINT;
  const t0 = performance.now();
  for (;;) {
    const batch = await readAll(pool, { after, limit });
    if (batch.events.length === 0) break;
    delivered += batch.events.length;
    for (const event of batch.events) seen.add(event.eventId);
    after = batch.checkpoint;
  }
  return { delivered, unique: seen.size, ms: performance.now() - t0 };
}

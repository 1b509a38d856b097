import type { JsonObject, StoredEvent } from './types';

// Event reads are the store's hot read path (loading a 10,000-event stream, readAll at tens of thousands of events
// a second), so rows come back as arrays (no per-row key objects), created_at as epoch milliseconds (a float is
// cheaper to print and parse than a timestamptz text) and transaction_id without a cast (pg hands unknown types
// over as text). Stream reads omit stream_id: the caller knows it.

/** Columns of a read within one stream, in EventTuple order (without stream_id). */
export const STREAM_EVENT_COLUMNS = `global_position, transaction_id, event_id, stream_type, stream_version, type, data,
  metadata, date_part('epoch', created_at) * 1000 AS created_ms`;

/** Columns of a read across streams, in EventTuple order followed by stream_id. */
export const EVENT_COLUMNS = `${STREAM_EVENT_COLUMNS}, stream_id`;

export type StreamEventTuple = [
  globalPosition: string,
  transactionId: string,
  eventId: string,
  streamType: string,
  streamVersion: number,
  type: string,
  data: JsonObject,
  metadata: JsonObject,
  createdMs: number,
];

export type EventTuple = [...StreamEventTuple, streamId: string];

export function toStoredEvent(row: readonly [...StreamEventTuple, ...unknown[]], streamId: string): StoredEvent {
  return {
    globalPosition: row[0],
    transactionId: row[1],
    eventId: row[2],
    streamId,
    streamType: row[3],
    streamVersion: row[4],
    type: row[5],
    data: row[6],
    metadata: row[7],
    // Stored at millisecond precision; the float may carry binary noise.
    createdAt: new Date(Math.round(row[8])),
  };
}

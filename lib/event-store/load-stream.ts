import { MAX_STREAM_VERSION } from './read-stream';
import { STREAM_EVENT_COLUMNS, toStoredEvent, type StreamEventTuple } from './rows';
import type { JsonObject, Queryable, Snapshot, StoredEvent } from './types';

export interface LoadStreamOptions {
  /** The state shape the caller folds; snapshots of another shape are ignored. */
  snapshotSchemaVersion: number;
  /** Load the stream as it was at this version (default: newest). */
  toVersion?: number;
  /** Load the stream as it was at this instant. */
  until?: Date;
}

export interface LoadedStream<State> {
  /** Newest usable snapshot at or below the target version, or null. */
  snapshot: Snapshot<State> | null;
  /** Events after the snapshot (all of them without one), up to the target, in version order. */
  events: StoredEvent[];
}

// One round trip: the target version (the `until` bound needs a lookup), the newest snapshot at or below it, then
// the events after that snapshot. The snapshot comes back as the first row, flagged in the last column, with its
// version and state in the stream_version and data columns.
const LOAD_STREAM = {
  text: `WITH target AS (
           SELECT CASE WHEN $4::timestamptz IS NULL THEN $3::int
                       ELSE (SELECT coalesce(max(stream_version), 0) FROM event_store.events
                              WHERE stream_id = $1 AND stream_version <= $3 AND created_at <= $4) END AS version
         ), snapshot AS (
           SELECT s.version, s.state FROM event_store.snapshots AS s
            WHERE s.stream_id = $1 AND s.schema_version = $2 AND s.version <= (SELECT version FROM target)
            ORDER BY s.version DESC
            LIMIT 1
         )
         SELECT NULL::bigint, NULL::xid8, NULL::uuid, NULL::text, version, NULL::text, state, NULL::jsonb, NULL::float8,
                true AS is_snapshot
           FROM snapshot
         UNION ALL
         SELECT ${STREAM_EVENT_COLUMNS}, false
           FROM event_store.events
          WHERE stream_id = $1
            AND stream_version > coalesce((SELECT version FROM snapshot), 0)
            AND stream_version <= (SELECT version FROM target)
         ORDER BY 10 DESC, 5`,
};

type LoadRow = [...StreamEventTuple, isSnapshot: boolean];

/** Newest snapshot + the events after it, as of `toVersion` / `until` when given. One statement. */
export async function loadStream<State = JsonObject>(
  db: Queryable,
  streamId: string,
  { snapshotSchemaVersion, toVersion = MAX_STREAM_VERSION, until }: LoadStreamOptions,
): Promise<LoadedStream<State>> {
  const result = await db.query<LoadRow>({
    ...LOAD_STREAM,
    rowMode: 'array',
    values: [streamId, snapshotSchemaVersion, toVersion, until ?? null],
  });
  let snapshot: Snapshot<State> | null = null;
  const events: StoredEvent[] = [];
  for (const row of result.rows) {
    if (row[9]) {
      snapshot = { streamId, version: row[4], schemaVersion: snapshotSchemaVersion, state: row[6] as State };
    } else {
      events.push(toStoredEvent(row, streamId));
    }
  }
  return { snapshot, events };
}

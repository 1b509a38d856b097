import { STREAM_EVENT_COLUMNS, toStoredEvent, type StreamEventTuple } from './rows';
import type { Queryable, StoredEvent } from './types';

export interface ReadStreamOptions {
  /** First version to return (default 1). */
  fromVersion?: number;
  /** Last version to return (default: the newest). */
  toVersion?: number;
  /** Only events stored at or before this instant (per stream, created_at grows with the version). */
  until?: Date;
  /** At most this many events (default: all). */
  limit?: number;
}

export const MAX_STREAM_VERSION = 2_147_483_647;

const READ_STREAM = {
  text: `SELECT ${STREAM_EVENT_COLUMNS}
           FROM event_store.events
          WHERE stream_id = $1 AND stream_version BETWEEN $2 AND $3
            AND ($4::timestamptz IS NULL OR created_at <= $4)
          ORDER BY stream_version
          LIMIT $5`,
};

/** A stream's events in version order; [] for an unknown stream. One statement: no transaction needed. */
export async function readStream(
  db: Queryable,
  streamId: string,
  options: ReadStreamOptions = {},
): Promise<StoredEvent[]> {
  const { fromVersion = 1, toVersion = MAX_STREAM_VERSION, until = null, limit = null } = options;
  const result = await db.query<StreamEventTuple>({
    ...READ_STREAM,
    rowMode: 'array',
    values: [streamId, fromVersion, toVersion, until, limit],
  });
  return result.rows.map((row) => toStoredEvent(row, streamId));
}

const STREAM_VERSION = {
  text: 'SELECT version FROM event_store.streams WHERE stream_id = $1',
};

/** The stream's current version, or null when it does not exist. */
export async function readStreamVersion(db: Queryable, streamId: string): Promise<number | null> {
  const result = await db.query<{ version: number }>({ ...STREAM_VERSION, values: [streamId] });
  return result.rows[0]?.version ?? null;
}

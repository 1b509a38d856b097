import { EVENT_COLUMNS, toStoredEvent, type EventTuple } from './rows';
import { START_CHECKPOINT, type Checkpoint, type Queryable, type StoredEvent } from './types';

export interface ReadAllOptions {
  /** Exclusive: events after this position (default: from the beginning). */
  after?: Checkpoint;
  /** Batch size (default 1,000). */
  limit?: number;
}

export interface ReadAllResult {
  events: StoredEvent[];
  /** Position of the last returned event, or `after` when none: pass it as the next call's `after`. */
  checkpoint: Checkpoint;
}

// Gap-free global order. A transaction's id is fixed before it inserts, but transactions commit in any order, so
// a plain "position > last seen" reader can pass over an event that commits later with a smaller position.
// pg_snapshot_xmin(pg_current_snapshot()) is the oldest transaction still running: every transaction with a
// smaller id has finished, so the rows below it are final and no later commit can insert among them. Reading only
// those, in (transaction_id, global_position) order, never skips an event; events of running transactions simply
// wait for the next call.
const READ_ALL = {
  text: `SELECT ${EVENT_COLUMNS}
           FROM event_store.events
          WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
            AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY transaction_id, global_position
          LIMIT $3`,
};

export const DEFAULT_READ_ALL_LIMIT = 1_000;

/**
 * The next batch of events in gap-free global order. Per stream, the order is the version order (see the ordering
 * rule in append.ts). A single read-only statement: run it on a pool or on a client that has not written in its
 * transaction (its own transaction id would hold back the visible horizon until it commits).
 */
export async function readAll(db: Queryable, options: ReadAllOptions = {}): Promise<ReadAllResult> {
  const { after = START_CHECKPOINT, limit = DEFAULT_READ_ALL_LIMIT } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`readAll: invalid limit ${limit}`);
  const result = await db.query<EventTuple>({
    ...READ_ALL,
    rowMode: 'array',
    values: [after.transactionId, after.globalPosition, limit],
  });
  const events = result.rows.map((row) => toStoredEvent(row, row[9]));
  const last = events.at(-1);
  return {
    events,
    checkpoint: last ? { transactionId: last.transactionId, globalPosition: last.globalPosition } : after,
  };
}

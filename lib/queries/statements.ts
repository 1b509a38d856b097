import type { Pool, PoolClient } from 'pg';
import { decodeAccountEvent, type AccountEvent } from '../commands/banking/events';
import { ownerParam, visibleAccountSql, type Visibility } from './visibility';
import { retryingRead } from '../platform/db/read-retry';

type Db = Pool | PoolClient;

export type StatementEvent = AccountEvent & { version: number; eventId: string; occurredAt: Date };

/** The most lines one statement holds; a longer period is refused with a hint to shorten it. */
export const MAX_STATEMENT_EVENTS = 5_000;

/**
 * An account's events with `from` ≤ created_at < `until`, in stream order, from the event store (the record, not the
 * read model). At most `limit` (default MAX_STATEMENT_EVENTS + 1, so the caller can tell that there were more).
 */
async function statementEventsOnce(
  db: Db,
  accountId: string,
  period: { from: Date; until: Date },
  options: { limit?: number; visibility?: Visibility } = {},
): Promise<StatementEvent[]> {
  const result = await db.query<{
    stream_version: number;
    event_id: string;
    type: string;
    data: unknown;
    metadata: { schemaVersion?: unknown };
    created_at: Date;
  }>(
    `SELECT stream_version, event_id, type, data, metadata, created_at
       FROM event_store.events
      WHERE stream_id = $1 AND created_at >= $2 AND created_at < $3 AND ${visibleAccountSql('stream_id', 5)}
      ORDER BY stream_version
      LIMIT $4`,
    [accountId, period.from, period.until, options.limit ?? MAX_STATEMENT_EVENTS + 1, ownerParam(options.visibility)],
  );
  return result.rows.map((row) => ({
    ...decodeAccountEvent(row.type, row.data, row.metadata.schemaVersion),
    version: row.stream_version,
    eventId: row.event_id,
    occurredAt: row.created_at,
  }));
}

export const statementEvents = retryingRead(statementEventsOnce);

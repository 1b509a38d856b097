import type { Pool, PoolClient } from 'pg';
import type { JsonObject, StoredEvent } from '../event-store';
import { ownerParam, visibleAccountSql, type Visibility } from './visibility';
import { retryingRead } from '../platform/db/read-retry';

type Db = Pool | PoolClient;

/** One stored event as the explorer shows it, with where it went after the store. */
export interface ExplorerEvent extends StoredEvent {
  /** the projector's first delivery of it (read_model.event_deliveries), null when not consumed (yet) */
  delivery: { topic: string; partition: number; offset: string; at: Date } | null;
  /** whether the read models applied it (the account's last applied version has reached it) */
  applied: boolean;
  /** its row in read_model.transactions, when there is one */
  readModelRow: { amount: string; closingBalance: string } | null;
}

type Row = {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_type: string;
  stream_version: number;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  created_at: Date;
  topic: string | null;
  kafka_partition: number | null;
  kafka_offset: string | null;
  first_seen_at: Date | null;
  applied: boolean;
  amount: string | null;
  closing_balance: string | null;
};

const SELECT = `
  SELECT e.global_position::text AS global_position, e.transaction_id::text AS transaction_id, e.event_id,
         e.stream_id, e.stream_type, e.stream_version, e.type, e.data, e.metadata, e.created_at,
         d.topic, d.kafka_partition, d.kafka_offset::text AS kafka_offset, d.first_seen_at,
         coalesce(p.last_applied_version >= e.stream_version, false) AS applied,
         t.amount::text AS amount, t.closing_balance::text AS closing_balance
    FROM event_store.events AS e
    LEFT JOIN read_model.event_deliveries AS d ON d.event_id = e.event_id
    LEFT JOIN read_model.account_progress AS p ON e.stream_type = 'account' AND p.account_id::text = e.stream_id
    LEFT JOIN read_model.transactions AS t ON t.transaction_id = e.event_id`;

function fromRow(row: Row): ExplorerEvent {
  return {
    globalPosition: row.global_position,
    transactionId: row.transaction_id,
    eventId: row.event_id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    streamVersion: row.stream_version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    createdAt: row.created_at,
    delivery:
      row.topic === null || row.kafka_partition === null || row.kafka_offset === null || row.first_seen_at === null
        ? null
        : { topic: row.topic, partition: row.kafka_partition, offset: row.kafka_offset, at: row.first_seen_at },
    applied: row.applied,
    readModelRow:
      row.amount === null || row.closing_balance === null
        ? null
        : { amount: row.amount, closingBalance: row.closing_balance },
  };
}

export interface LogPage {
  events: ExplorerEvent[];
  /** the global position of the newest event in the store (0 when empty) */
  head: string;
}

/** The global log in store order (ascending global position), `limit` events after position `after`. */
async function readGlobalLogOnce(
  db: Db,
  options: { after?: string; limit: number; visibility?: Visibility },
): Promise<LogPage> {
  const [rows, head] = await Promise.all([
    db.query<Row>(
      `${SELECT}
        WHERE e.global_position > $1::bigint AND ${visibleAccountSql('e.stream_id', 3)}
        ORDER BY e.global_position
        LIMIT $2`,
      [options.after ?? '0', options.limit, ownerParam(options.visibility)],
    ),
    db.query<{ head: string }>(`SELECT coalesce(max(global_position), 0)::text AS head FROM event_store.events`),
  ]);
  return { events: rows.rows.map(fromRow), head: head.rows[0]?.head ?? '0' };
}

/** One stream's events from `fromVersion`, ascending. */
async function readStreamEventsOnce(
  db: Db,
  streamId: string,
  options: { fromVersion: number; limit: number; visibility?: Visibility },
): Promise<ExplorerEvent[]> {
  const rows = await db.query<Row>(
    `${SELECT}
      WHERE e.stream_id = $1 AND e.stream_version >= $2 AND ${visibleAccountSql('e.stream_id', 4)}
      ORDER BY e.stream_version
      LIMIT $3`,
    [streamId, options.fromVersion, options.limit, ownerParam(options.visibility)],
  );
  return rows.rows.map(fromRow);
}

async function readEventOnce(db: Db, eventId: string, visibility?: Visibility): Promise<ExplorerEvent | undefined> {
  const rows = await db.query<Row>(`${SELECT} WHERE e.event_id = $1::uuid AND ${visibleAccountSql('e.stream_id', 2)}`, [
    eventId,
    ownerParam(visibility),
  ]);
  const row = rows.rows[0];
  return row ? fromRow(row) : undefined;
}

/** Every event written under one correlation id (one HTTP request: both legs of a transfer), in store order. */
async function readCorrelationOnce(
  db: Db,
  correlationId: string,
  options: { limit: number; visibility?: Visibility },
): Promise<ExplorerEvent[]> {
  const rows = await db.query<Row>(
    `${SELECT}
      WHERE e.metadata->>'correlationId' = $1 AND ${visibleAccountSql('e.stream_id', 3)}
      ORDER BY e.global_position
      LIMIT $2`,
    [correlationId, options.limit, ownerParam(options.visibility)],
  );
  return rows.rows.map(fromRow);
}

export const readGlobalLog = retryingRead(readGlobalLogOnce);
export const readStreamEvents = retryingRead(readStreamEventsOnce);
export const readEvent = retryingRead(readEventOnce);
export const readCorrelation = retryingRead(readCorrelationOnce);

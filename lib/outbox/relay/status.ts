import type { Pool, PoolClient } from 'pg';

export interface RelayStatus {
  name: string;
  /** null before the relay's first pass */
  checkpoint: { transactionId: string; globalPosition: string } | null;
  /** the newest event in the store (by global order), null for an empty store */
  head: { transactionId: string; globalPosition: string } | null;
  /** events committed after the checkpoint (not yet on Kafka) */
  pendingEvents: number;
  /** when the oldest of them was committed (the relay backlog's age), null when none */
  oldestPendingAt: Date | null;
  eventsRelayed: number;
  lastRelayAt: Date | null;
}

/** Relay checkpoint vs the event store's head. */
export async function relayStatus(db: Pool | PoolClient, name: string): Promise<RelayStatus> {
  const checkpoint = await db.query<{
    transaction_id: string;
    global_position: string;
    events_relayed: string;
    updated_at: Date;
  }>(
    `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position,
            events_relayed::text AS events_relayed, updated_at
       FROM event_store.relay_checkpoints WHERE relay_name = $1`,
    [name],
  );
  const row = checkpoint.rows[0];
  const head = await db.query<{ transaction_id: string; global_position: string }>(
    // Ordered by the qualified columns: a bare name in ORDER BY means the output column, here the text alias, and
    // '999' sorts after '1119'.
    `SELECT e.transaction_id::text AS transaction_id, e.global_position::text AS global_position
       FROM event_store.events AS e ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1`,
  );
  const pending = await db.query<{ count: string; oldest: Date | null }>(
    `SELECT count(*)::text AS count, min(created_at) AS oldest FROM event_store.events
      WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)`,
    [row?.transaction_id ?? '0', row?.global_position ?? '0'],
  );
  const headRow = head.rows[0];
  return {
    name,
    checkpoint: row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : null,
    head: headRow ? { transactionId: headRow.transaction_id, globalPosition: headRow.global_position } : null,
    pendingEvents: Number(pending.rows[0]?.count ?? 0),
    oldestPendingAt: pending.rows[0]?.oldest ?? null,
    eventsRelayed: Number(row?.events_relayed ?? 0),
    lastRelayAt: row?.updated_at ?? null,
  };
}

import type { Pool, PoolClient } from 'pg';
import { auditStatus, type AuditStatus } from './audit';
import { readModelTables } from './tables';

export interface ProjectionProgress {
  name: 'balances' | 'transactions';
  /** rows in the read model */
  rows: number;
  /** account events applied (sum of the accounts' last applied versions) */
  eventsApplied: number;
  /** account events in the event store */
  eventsInStore: number;
  /** eventsInStore - eventsApplied */
  behind: number;
  lastAppliedAt: Date | null;
}

export interface ProjectorStatus {
  projections: ProjectionProgress[];
  accountsTracked: number;
  parkedEvents: number;
  oldestParkedAt: Date | null;
  /** when the oldest account event not yet in the read models was committed (the projection lag's age), or null */
  oldestUnappliedAt: Date | null;
  lastRebuild: { rebuiltAt: Date; events: number; durationMs: number } | null;
  /** the read-model audit (./audit.ts): the last finished run (divergent accounts found and repaired) */
  audit: AuditStatus;
}

/**
 * Progress of the read models. Both are written in the same transaction with the per-account progress, so they
 * share it; each shows its own row count. Compared with the account events in the event store (the streams'
 * versions), which includes events not yet relayed or consumed.
 */
export async function projectorStatus(db: Pool | PoolClient, schema?: string): Promise<ProjectorStatus> {
  const t = readModelTables(schema);
  const [progress, store, balances, transactions, parked, rebuild, audit, unapplied] = await Promise.all([
    db.query<{ accounts: string; applied: string; last: Date | null }>(
      `SELECT count(*) FILTER (WHERE last_applied_version > 0)::text AS accounts,
              coalesce(sum(last_applied_version), 0)::text AS applied, max(updated_at) AS last
         FROM ${t.progress}`,
    ),
    db.query<{ events: string }>(
      `SELECT coalesce(sum(version), 0)::text AS events FROM event_store.streams WHERE stream_type = 'account'`,
    ),
    db.query<{ count: string }>(`SELECT count(*)::text AS count FROM ${t.balances}`),
    db.query<{ count: string }>(`SELECT count(*)::text AS count FROM ${t.transactions}`),
    db.query<{ count: string; oldest: Date | null }>(
      `SELECT count(*)::text AS count, min(parked_at) AS oldest FROM ${t.parked}`,
    ),
    db.query<{ rebuilt_at: Date; events: string; duration_ms: string }>(
      `SELECT rebuilt_at, events::text AS events, duration_ms::text AS duration_ms
         FROM read_model.rebuilds WHERE projection = 'read_model'`,
    ),
    auditStatus(db, t.schema),
    // Per account behind its stream, the first event not applied; the oldest of those.
    db.query<{ oldest: Date | null }>(
      `SELECT min(e.created_at) AS oldest
         FROM event_store.streams AS s
         LEFT JOIN ${t.progress} AS p ON p.account_id::text = s.stream_id
         JOIN event_store.events AS e
           ON e.stream_id = s.stream_id AND e.stream_version = coalesce(p.last_applied_version, 0) + 1
        WHERE s.stream_type = 'account' AND s.version > coalesce(p.last_applied_version, 0)`,
    ),
  ]);
  const applied = Number(progress.rows[0]?.applied ?? 0);
  const inStore = Number(store.rows[0]?.events ?? 0);
  const last = progress.rows[0]?.last ?? null;
  const common = {
    eventsApplied: applied,
    eventsInStore: inStore,
    behind: Math.max(0, inStore - applied),
    lastAppliedAt: last,
  };
  const rebuildRow = rebuild.rows[0];
  return {
    projections: [
      { name: 'balances', rows: Number(balances.rows[0]?.count ?? 0), ...common },
      { name: 'transactions', rows: Number(transactions.rows[0]?.count ?? 0), ...common },
    ],
    accountsTracked: Number(progress.rows[0]?.accounts ?? 0),
    parkedEvents: Number(parked.rows[0]?.count ?? 0),
    oldestParkedAt: parked.rows[0]?.oldest ?? null,
    oldestUnappliedAt: unapplied.rows[0]?.oldest ?? null,
    lastRebuild: rebuildRow
      ? {
          rebuiltAt: rebuildRow.rebuilt_at,
          events: Number(rebuildRow.events),
          durationMs: Number(rebuildRow.duration_ms),
        }
      : null,
    audit,
  };
}

import type { Pool } from 'pg';
import { parseIntegrationEvent } from '../outbox/contracts/integration-events';
import { mapToIntegrationEvent, MappingError, type AccountFacts } from '../outbox/contracts/mapper';
import { withTransaction } from '../platform/db/pool';
import { readStream } from '../event-store';
import { logger } from '../platform/observability/logger';
import { applyEvents, centsFromNumeric, type IncomingEvent } from './store';
import { READ_MODEL_SCHEMA, readModelTables } from './tables';

export interface ReconcileOptions {
  schema?: string;
  /** only accounts whose newest event is at least this old (the normal pipeline gets time to deliver first) */
  settleMs?: number;
  /** at most this many accounts per call */
  maxAccounts?: number;
}

export interface ReconcileResult {
  accounts: number;
  applied: number;
  failed: Array<{ accountId: string; reason: string }>;
}

/**
 * Safety net behind the Kafka path, run by the scheduled sweep: brings every account whose read model is behind its
 * event stream (for longer than `settleMs`) up to date straight from the event store. Kafka's path is the fast one
 * and normally leaves nothing to do; this covers what it cannot: an event the trigger gave up on and dead-lettered
 * after a long database outage (its successors would otherwise stay parked), a topic that lost data, a projector
 * bug fixed later. Same mapper and apply code, same transaction discipline as the projector, so the result is
 * identical and later Kafka deliveries of the same events are skipped as duplicates.
 */
export async function reconcileReadModels(pool: Pool, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const schema = options.schema ?? READ_MODEL_SCHEMA;
  const t = readModelTables(schema);
  const behind = await pool.query<{ stream_id: string }>(
    `SELECT s.stream_id
       FROM event_store.streams AS s
       LEFT JOIN ${t.progress} AS p ON p.account_id::text = s.stream_id
      WHERE s.stream_type = 'account'
        AND s.version > coalesce(p.last_applied_version, 0)
        AND s.updated_at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY s.updated_at
      LIMIT $2`,
    [options.settleMs ?? 60_000, options.maxAccounts ?? 1_000],
  );
  const result: ReconcileResult = { accounts: 0, applied: 0, failed: [] };
  for (const { stream_id: accountId } of behind.rows) {
    try {
      const applied = await withTransaction(pool, async (tx) => {
        await tx.query(
          `INSERT INTO ${t.progress} (account_id, last_applied_version) VALUES ($1, 0) ON CONFLICT (account_id) DO NOTHING`,
          [accountId],
        );
        const progress = await tx.query<{ last_applied_version: number }>(
          `SELECT last_applied_version FROM ${t.progress} WHERE account_id = $1 FOR UPDATE`,
          [accountId],
        );
        const from = (progress.rows[0]?.last_applied_version ?? 0) + 1;
        const row = await tx.query<{
          account_number: string;
          account_name: string;
          owner_name: string;
          balance: string;
          last_applied_version: number;
        }>(
          `SELECT account_number, account_name, owner_name, balance::text AS balance, last_applied_version
             FROM ${t.balances} WHERE account_id = $1`,
          [accountId],
        );
        const balance = row.rows[0];
        let facts: AccountFacts | undefined = balance
          ? {
              accountId,
              accountNumber: balance.account_number,
              accountName: balance.account_name,
              ownerName: balance.owner_name,
              balance: centsFromNumeric(balance.balance),
              version: balance.last_applied_version,
            }
          : undefined;
        const incoming: IncomingEvent[] = [];
        for (const stored of await readStream(tx, accountId, { fromVersion: from })) {
          const mapped = mapToIntegrationEvent(facts, stored);
          const parsed = parseIntegrationEvent(mapped.event);
          if (!parsed.ok) throw new MappingError(stored.eventId, stored.streamId, stored.streamVersion, parsed.reason);
          facts = mapped.facts;
          incoming.push({ event: parsed.event, wire: mapped.event });
        }
        const summary = await applyEvents(tx, incoming, { schema, prefer: 'batch' });
        return summary.applied;
      });
      result.accounts += 1;
      result.applied += applied;
      if (applied > 0)
        logger.warn('Reconciler applied events the Kafka path had not delivered', { accountId, applied });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result.failed.push({ accountId, reason });
      logger.error('Reconciler could not bring an account up to date', { accountId, reason });
    }
  }
  return result;
}

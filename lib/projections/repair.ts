import { readStream } from '../event-store';
import { parseIntegrationEvent } from '../outbox/contracts/integration-events';
import { mapToIntegrationEvent, MappingError, type AccountFacts } from '../outbox/contracts/mapper';
import { assertInTransaction, type Tx } from '../platform/db/pool';
import { logger } from '../platform/observability/logger';
import { applyEvents, type IncomingEvent } from './store';
import { readModelTables, READ_MODEL_SCHEMA } from './tables';

export interface RepairResult {
  accountId: string;
  /** the account's version in the read model afterwards (0: the store has no such account, its rows are gone) */
  version: number;
  /** why the re-projection stopped before the stream's end: a stored event that cannot be mapped */
  stoppedAt?: { version: number; reason: string };
}

/**
 * Re-projects one account from the event store, inside the caller's transaction: with the account's progress row
 * locked (the projector and the reconciler take the same lock), its balances, transactions and parked rows are
 * deleted and its stream is replayed through the relay's mapper and the projector's apply code, up to the stream's
 * end (or the last version that can be mapped, as the relay's quarantine would). An account the store does not know
 * loses its read-model rows altogether. Later Kafka deliveries of these versions are skipped as duplicates.
 */
export async function reprojectAccount(
  tx: Tx,
  accountId: string,
  options: { schema?: string } = {},
): Promise<RepairResult> {
  assertInTransaction(tx);
  const schema = options.schema ?? READ_MODEL_SCHEMA;
  const t = readModelTables(schema);
  await tx.query(
    `INSERT INTO ${t.progress} (account_id, last_applied_version) VALUES ($1, 0) ON CONFLICT (account_id) DO NOTHING`,
    [accountId],
  );
  await tx.query(`SELECT 1 FROM ${t.progress} WHERE account_id = $1 FOR UPDATE`, [accountId]);
  // Read after taking the lock: every event the projector parked or applied for this account is in it.
  const stored = await readStream(tx, accountId);
  const incoming: IncomingEvent[] = [];
  let facts: AccountFacts | undefined;
  let stoppedAt: RepairResult['stoppedAt'];
  for (const event of stored) {
    try {
      const mapped = mapToIntegrationEvent(facts, event);
      const parsed = parseIntegrationEvent(mapped.event);
      if (!parsed.ok) throw new MappingError(event.eventId, event.streamId, event.streamVersion, parsed.reason);
      facts = mapped.facts;
      incoming.push({ event: parsed.event, wire: mapped.event });
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      stoppedAt = { version: event.streamVersion, reason: error.message };
      break;
    }
  }
  await tx.query(`DELETE FROM ${t.transactions} WHERE account_id = $1`, [accountId]);
  await tx.query(`DELETE FROM ${t.balances} WHERE account_id = $1`, [accountId]);
  // Genuine parked events are all in `stored` (the lock orders this after the transaction that parked them).
  await tx.query(`DELETE FROM ${t.parked} WHERE account_id = $1`, [accountId]);
  if (incoming.length === 0) {
    await tx.query(`DELETE FROM ${t.progress} WHERE account_id = $1`, [accountId]);
  } else {
    await tx.query(
      `UPDATE ${t.progress} SET last_applied_version = 0, last_event_id = NULL, updated_at = now() WHERE account_id = $1`,
      [accountId],
    );
    await applyEvents(tx, incoming, { schema, prefer: 'batch' });
  }
  const result: RepairResult = { accountId, version: incoming.length, ...(stoppedAt && { stoppedAt }) };
  logger.warn('Account re-projected from the event store', { ...result, schema });
  return result;
}

import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { pollUntil } from '../../platform/kafka/testing';
import { EVENT_SCHEMA_VERSION } from '../../commands/banking/events';
import { appendToStream, ConcurrencyConflictError } from '../../event-store';
import { ACCOUNT_STREAM_TYPE, type Relay } from './relay';

/**
 * Test helpers: write account events straight into the event store, the way the accounts service does (stream type
 * 'account', stream id = account id, domain event data in cents, schemaVersion and correlation id in metadata).
 */
export async function openTestAccount(
  pool: Pool,
  options: { accountId?: string; initialBalance?: number; accountName?: string; correlationId?: string } = {},
): Promise<string> {
  const accountId = options.accountId ?? randomUUID();
  await appendToStream(pool, {
    streamId: accountId,
    streamType: ACCOUNT_STREAM_TYPE,
    expectedVersion: 'no_stream',
    events: [
      {
        type: 'AccountCreated',
        data: {
          accountId,
          accountNumber: `T-${accountId.slice(0, 8)}`,
          accountName: options.accountName ?? `Test ${accountId.slice(0, 8)}`,
          ownerName: 'Relay Tester',
          initialBalance: options.initialBalance ?? 0,
          description: 'Initial deposit',
        },
        metadata: { schemaVersion: EVENT_SCHEMA_VERSION, correlationId: options.correlationId ?? randomUUID() },
      },
    ],
  });
  return accountId;
}

/** A deposit (amount > 0) or withdrawal (amount < 0) appended at the stream's current version, retried on conflict. */
export async function moveTestMoney(
  pool: Pool,
  accountId: string,
  amount: number,
  correlationId = randomUUID(),
): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    const current = await pool.query<{ version: number }>(
      'SELECT version FROM event_store.streams WHERE stream_id = $1',
      [accountId],
    );
    const version = current.rows[0]?.version;
    if (version === undefined) throw new Error(`No stream ${accountId}`);
    try {
      const result = await appendToStream(pool, {
        streamId: accountId,
        streamType: ACCOUNT_STREAM_TYPE,
        expectedVersion: version,
        events: [
          {
            type: amount > 0 ? 'MoneyDeposited' : 'MoneyWithdrawn',
            data: { amount: Math.abs(amount), description: amount > 0 ? 'Deposit' : 'Withdrawal' },
            metadata: { schemaVersion: EVENT_SCHEMA_VERSION, correlationId, causationId: `cmd-${correlationId}` },
          },
        ],
      });
      return result.nextExpectedVersion;
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError) || attempt >= 50) throw error;
    }
  }
}

/**
 * Drains `relay` until every stored event of these streams is behind its checkpoint. One drain may legitimately stop
 * short: readAll's gap-free horizon is cluster-wide, and a transaction still open anywhere on the shared server holds
 * it back for a while.
 */
export async function drainUntilRelayed(pool: Pool, relay: Relay, streamIds: readonly string[]): Promise<void> {
  await pollUntil(
    async () => {
      await relay.drain();
      const left = await pool.query(
        `SELECT 1 FROM event_store.events e JOIN event_store.relay_checkpoints c ON c.relay_name = $1
          WHERE e.stream_id = ANY($2::text[])
            AND (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
          LIMIT 1`,
        [relay.name, [...streamIds]],
      );
      return left.rowCount === 0 ? true : undefined;
    },
    { what: `relay ${relay.name} to pass every event of its streams` },
  );
}

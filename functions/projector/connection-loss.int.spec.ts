/**
 * The projector whose database connection is terminated while its batch's transaction runs (as a restart, a failover
 * or a proxy dropping it would): the invocation fails (the Kafka event source mapping retries the batch, as its ESM
 * does), nothing of the batch is committed, the process goes on, and the retried batch is applied exactly once: the
 * read model then matches the event store.
 */
import type { IntegrationEventWire } from '../../lib/outbox/contracts/integration-events';
import { getConfig } from '../../lib/platform/config/env';
import { closePool, getPool } from '../../lib/platform/db/pool';
import { holdLock } from '../../lib/platform/db/testing';
import { isDatabaseUnavailable } from '../../lib/platform/db/unavailable';
import { eventHeaders } from '../../lib/platform/kafka/headers';
import { encodeLambdaKafkaEvent, type RecordToEncode } from '../../lib/platform/kafka/lambda-event';
import { divergentAccounts } from '../../lib/projections/audit';
import { storedAccountHistory } from '../../lib/projections/testing';
import { listTransactions } from '../../lib/queries/read-models';
import { disposeProjector, handler } from './handler';

afterAll(async () => {
  await disposeProjector();
  await closePool();
});

let nextOffset = 5_000;
function record(event: IntegrationEventWire): RecordToEncode {
  return {
    topic: getConfig().KAFKA_TOPIC,
    partition: 0,
    offset: nextOffset++,
    key: event.accountId,
    value: JSON.stringify(event),
    headers: eventHeaders({
      eventType: event.eventType,
      eventId: event.eventId,
      schemaVersion: 1,
      correlationId: 'c',
    }) as Record<string, string>,
  };
}

async function readModelOf(accountId: string) {
  const { rows } = await getPool().query<{ balance: string; last_applied_version: number }>(
    'SELECT balance::text AS balance, last_applied_version FROM read_model.balances WHERE account_id = $1',
    [accountId],
  );
  const transactions = await listTransactions(getPool(), accountId, { limit: 100 });
  return { balance: rows[0], transactions: transactions?.items.length ?? 0 };
}

describe('the projector whose connection is terminated mid-batch', () => {
  it('fails the invocation with nothing committed; the retried batch is applied once and the read model matches the store', async () => {
    // given an account whose first event is projected
    const history = await storedAccountHistory(getPool(), { initialBalance: 10_000, movements: [500, -250] });
    const accountId = history[0]!.accountId;
    expect(await handler(encodeLambdaKafkaEvent([record(history[0]!)]))).toEqual({ batchItemFailures: [] });
    const batch = encodeLambdaKafkaEvent(history.slice(1).map(record));

    // when the batch's transaction waits for the account's progress row and its backend is terminated
    const lock = await holdLock('SELECT 1 FROM read_model.account_progress WHERE account_id = $1 FOR UPDATE', [
      accountId,
    ]);
    let failure: unknown;
    try {
      const pending = handler(batch).then(
        () => undefined,
        (error: unknown) => error ?? new Error('rejected without a reason'),
      );
      await lock.terminateWaiters(1, '%FOR UPDATE%');
      failure = await pending;
    } finally {
      await lock.release();
    }

    // then the invocation failed as "database unavailable", and nothing of the batch was committed
    expect(failure).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(await readModelOf(accountId)).toEqual({
      balance: { balance: '100.00', last_applied_version: 1 },
      transactions: 1,
    });

    // when the trigger retries the batch (twice: a retry after a commit whose answer was lost changes nothing)
    expect(await handler(batch)).toEqual({ batchItemFailures: [] });
    expect(await handler(batch)).toEqual({ batchItemFailures: [] });

    // then every event is applied once, and the read model matches the store
    expect(await readModelOf(accountId)).toEqual({
      balance: { balance: '102.50', last_applied_version: 3 },
      transactions: 3,
    });
    expect(await divergentAccounts(getPool(), [accountId])).toEqual([]);
  });
});

import type { Pool } from 'pg';
import { getConfig } from '../../lib/platform/config/env';
import { closePool, getPool } from '../../lib/platform/db/pool';
import { getKafka } from '../../lib/platform/kafka/client';
import { consumeUntil, pollUntil } from '../../lib/platform/kafka/testing';
import { moveTestMoney, openTestAccount } from '../../lib/outbox/relay/testing';
import { expectNothingLeftRunningInOneOf, idlePoolClients } from '../../test/support/nothing-left-running';
import { disposeRelay, handler } from './relay';

afterAll(async () => {
  await disposeRelay();
  await closePool();
});

const context = { getRemainingTimeInMillis: () => 20_000 };

/** Whether the relay's checkpoint has passed every event of the account. */
async function allRelayed(pool: Pool, accountId: string): Promise<boolean> {
  const left = await pool.query(
    `SELECT 1 FROM event_store.events e, event_store.relay_checkpoints c
      WHERE c.relay_name = $1 AND e.stream_id = $2
        AND (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)`,
    [getConfig().KAFKA_TOPIC, accountId],
  );
  return left.rowCount === 0;
}

describe('relay function', () => {
  it('given committed events, when the relay function runs (hand-off or schedule), then they reach the configured topic in order and it answers once drained', async () => {
    // given
    const pool = getPool();
    const accountId = await openTestAccount(pool, { initialBalance: 500 });
    await moveTestMoney(pool, accountId, 25);

    // when (repeated only while a transaction elsewhere on the shared server holds the gap-free horizon back)
    await pollUntil(async () => {
      const result = await handler({ source: 'ledgerline.hand-off' }, context);
      expect(result).toHaveProperty('passes');
      return (await allRelayed(pool, accountId)) || undefined;
    });

    // then
    const messages = await consumeUntil(
      getKafka(),
      getConfig().KAFKA_TOPIC,
      (seen) => seen.filter((m) => m.key === accountId).length >= 2,
    );
    const versions = messages
      .filter((m) => m.key === accountId)
      .map((m) => (JSON.parse(m.value!) as { streamVersion: number }).streamVersion);
    expect(versions.slice(0, 2)).toEqual([1, 2]);
  });

  it('given a warm relay container, when it is invoked again, then nothing it started is left running once it answered (its producer stays connected, idle)', async () => {
    const pool = getPool();
    await handler(undefined, context); // warm: producer connected, pool clients idle
    await openTestAccount(pool, { initialBalance: 7 });
    // (one of three invocations: this jest worker's other sockets and timers may open meanwhile; a leak repeats)
    const result = await expectNothingLeftRunningInOneOf(3, () => handler(undefined, context), [idlePoolClients(pool)]);
    expect(result).toHaveProperty('passes');
  });

  it('given invocations arriving while one runs in the same process (serverless-offline), when they run, then they join it and it looks again before answering', async () => {
    const pool = getPool();
    await handler(undefined, context); // warm
    const accountId = await openTestAccount(pool, { initialBalance: 9 });
    const [first, second] = await Promise.all([handler(undefined, context), handler(undefined, context)]);
    expect(second).toEqual({ joined: true });
    expect(first).toHaveProperty('passes'); // it drained (until idle, or its deadline on a busy shared store)
    await pollUntil(async () => {
      await handler(undefined, context);
      return (await allRelayed(pool, accountId)) || undefined;
    });
  });
});

import { getConfig } from '../../lib/platform/config/env';
import { closePool, getPool } from '../../lib/platform/db/pool';
import { getKafka } from '../../lib/platform/kafka/client';
import { consumeUntil, pollUntil } from '../../lib/platform/kafka/testing';
import { moveTestMoney, openTestAccount } from '../../lib/outbox/relay/testing';
import { disposeSweep, handler } from './sweep';

afterAll(async () => {
  await disposeSweep();
  await closePool();
});

describe('scheduled relay sweep', () => {
  it('given events no nudge delivered, when the sweep runs, then they reach the configured topic in order', async () => {
    // given: events committed without any nudge
    const pool = getPool();
    const accountId = await openTestAccount(pool, { initialBalance: 500 });
    await moveTestMoney(pool, accountId, 25);

    // when (repeated only while a transaction elsewhere on the shared server holds the gap-free horizon back)
    await pollUntil(async () => {
      const result = await handler(undefined, { getRemainingTimeInMillis: () => 20_000 });
      expect(result.reconcile).toEqual(expect.objectContaining({ failed: expect.any(Array) }));
      const left = await pool.query(
        `SELECT 1 FROM event_store.events e, event_store.relay_checkpoints c
          WHERE c.relay_name = $1 AND e.stream_id = $2
            AND (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)`,
        [getConfig().KAFKA_TOPIC, accountId],
      );
      return left.rowCount === 0 ? true : undefined;
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
    expect(versions).toEqual([1, 2]);
  });
});

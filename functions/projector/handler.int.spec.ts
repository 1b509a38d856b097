import { randomUUID } from 'node:crypto';
import { getConfig } from '../../lib/platform/config/env';
import type { IntegrationEventWire } from '../../lib/outbox/contracts/integration-events';
import { closePool, createPool, getPool } from '../../lib/platform/db/pool';
import { getKafka } from '../../lib/platform/kafka/client';
import { DLQ_HEADER, eventHeaders } from '../../lib/platform/kafka/headers';
import {
  decodeLambdaKafkaEvent,
  encodeLambdaKafkaEvent,
  type RecordToEncode,
} from '../../lib/platform/kafka/lambda-event';
import { consumeUntil } from '../../lib/platform/kafka/testing';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { projectRecords } from '../../lib/projections/projector';
import { storedAccountHistory } from '../../lib/projections/testing';
import { listBalances, listTransactions } from '../../lib/queries/read-models';
import { disposeProjector, handler } from './handler';

const config = getConfig();
const topic = config.KAFKA_TOPIC;
let nextOffset = 1_000;

function record(event: IntegrationEventWire | string, partition: number, key?: string): RecordToEncode {
  const value = typeof event === 'string' ? event : JSON.stringify(event);
  return {
    topic,
    partition,
    offset: nextOffset++,
    key: key ?? (typeof event === 'string' ? 'poison' : event.accountId),
    value,
    headers:
      typeof event === 'string'
        ? { 'content-type': 'application/json' }
        : (eventHeaders({
            eventType: event.eventType,
            eventId: event.eventId,
            schemaVersion: 1,
            correlationId: 'c',
          }) as Record<string, string>),
  };
}

// Deterministic shuffle (seeded LCG), so a failure can be replayed.
function shuffled<T>(items: T[], seed: number): T[] {
  const result = [...items];
  let state = seed;
  for (let i = result.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}

async function readModelOf(accountId: string) {
  const pool = getPool();
  const balance = await pool.query<{ balance: string; last_applied_version: number; account_name: string }>(
    'SELECT balance::text AS balance, last_applied_version, account_name FROM read_model.balances WHERE account_id = $1',
    [accountId],
  );
  const transactions = await listTransactions(pool, accountId, { limit: 1000 });
  const parked = await pool.query('SELECT 1 FROM read_model.parked_events WHERE account_id = $1', [accountId]);
  const progress = await pool.query<{ last_applied_version: number }>(
    'SELECT last_applied_version FROM read_model.account_progress WHERE account_id = $1',
    [accountId],
  );
  return {
    balance: balance.rows[0],
    transactions: transactions?.items ?? [],
    parked: parked.rowCount,
    progress: progress.rows[0]?.last_applied_version,
  };
}

function expectExactlyAsInOrder(model: Awaited<ReturnType<typeof readModelOf>>, history: IntegrationEventWire[]) {
  const last = history.at(-1)!;
  const finalBalance = last.eventType === 'AccountCreatedEvent' ? last.initialBalance : last.newBalance;
  expect(model.balance).toEqual({
    balance: finalBalance,
    last_applied_version: history.length,
    account_name: last.accountName,
  });
  expect(model.progress).toBe(history.length);
  expect(model.parked).toBe(0);
  // newest first, one row per event, chained: closing = opening + amount, next opening = previous closing
  const rows = [...model.transactions].reverse();
  expect(rows.map((row) => row.transactionId)).toEqual(history.map((event) => event.eventId));
  rows.forEach((row, index) => {
    expect(row.closingBalance).toBe(row.openingBalance + row.amount);
    expect(row.openingBalance).toBe(index === 0 ? 0 : rows[index - 1]!.closingBalance);
  });
}

/** An account history written to the event store: the projector only applies events the store wrote. */
function accountHistory(options: { initialBalance: number; movements: number[] }): Promise<IntegrationEventWire[]> {
  return storedAccountHistory(getPool(), options);
}

beforeAll(async () => {
  await ensureTopics();
});

afterAll(async () => {
  await disposeProjector();
  await closePool();
});

describe('projector (Lambda MSK trigger)', () => {
  it('given three accounts delivered out of order, duplicated and interleaved over two partitions, when projected batch by batch, then the read model is exactly as if delivered once in order', async () => {
    // given
    const histories = await Promise.all([
      accountHistory({ initialBalance: 10_000, movements: [500, -250, 1_000, -9_999, 1, 2, 3] }),
      accountHistory({ initialBalance: 0, movements: [100, 200, -300, 400] }),
      accountHistory({
        initialBalance: 123_45,
        movements: Array.from({ length: 15 }, (_, i) => (i % 2 ? -i : i * 10 + 10)),
      }),
    ]);
    const all = histories.flat();
    const deliveries = shuffled([...all, ...shuffled(all, 7).slice(0, 12)], 42);
    const records = deliveries.map((event, index) => record(event, index % 2));

    // when: batches of 1..7 records through the real handler
    let at = 0;
    let size = 1;
    while (at < records.length) {
      const response = await handler(encodeLambdaKafkaEvent(records.slice(at, at + size)));
      expect(response).toEqual({ batchItemFailures: [] });
      at += size;
      size = (size % 7) + 1;
    }

    // then
    for (const history of histories) expectExactlyAsInOrder(await readModelOf(history[0]!.accountId), history);
  });

  it('given the later versions first, when the earlier one arrives in a later batch, then the parked ones are applied at that moment', async () => {
    const history = await accountHistory({ initialBalance: 100, movements: [1, 2, 3] });
    await handler(encodeLambdaKafkaEvent([record(history[3]!, 0), record(history[2]!, 0), record(history[0]!, 0)]));
    const midway = await readModelOf(history[0]!.accountId);
    expect(midway.progress).toBe(1);
    expect(midway.parked).toBe(2);
    expect(midway.balance?.balance).toBe('1.00');

    await handler(encodeLambdaKafkaEvent([record(history[1]!, 1)]));
    expectExactlyAsInOrder(await readModelOf(history[0]!.accountId), history);
  });

  it('given poison messages between good ones, when projected, then they land in the dead-letter topic with their reason and the later good messages are projected', async () => {
    // given
    const history = await accountHistory({ initialBalance: 5_000, movements: [700] });
    const marker = randomUUID();
    const badAmount = { ...history[1]!, newBalance: 57.0 } as unknown as IntegrationEventWire;
    const futureVersion = { ...history[1]!, schemaVersion: 9 } as unknown as IntegrationEventWire;
    const batch = [
      record(history[0]!, 0),
      record('{not json', 0, `${marker}-json`),
      record(badAmount, 0, `${marker}-amount`),
      record(futureVersion, 1, `${marker}-version`),
      record(history[1]!, 1),
    ];

    // when
    const response = await handler(encodeLambdaKafkaEvent(batch));

    // then
    expect(response).toEqual({ batchItemFailures: [] });
    expectExactlyAsInOrder(await readModelOf(history[0]!.accountId), history);
    const dead = await consumeUntil(
      getKafka(),
      config.KAFKA_DLQ_TOPIC,
      (seen) => seen.filter((m) => m.key?.startsWith(marker)).length >= 3,
    );
    const reasons = Object.fromEntries(
      dead.filter((m) => m.key?.startsWith(marker)).map((m) => [m.key!.slice(marker.length + 1), m.headers]),
    );
    expect(reasons.json?.[DLQ_HEADER.reason]).toMatch(/not valid JSON/);
    expect(reasons.amount?.[DLQ_HEADER.reason]).toMatch(/newBalance/);
    expect(reasons.version?.[DLQ_HEADER.reason]).toMatch(/unsupported schemaVersion 9/);
    expect(reasons.json).toMatchObject({
      [DLQ_HEADER.originalTopic]: topic,
      [DLQ_HEADER.originalPartition]: '0',
      [DLQ_HEADER.originalOffset]: String(batch[1]!.offset),
      'content-type': 'application/json',
    });
  });

  it('given the dead-letter topic unreachable, when a poison message is projected, then it is reported as a batch item failure and the good ones are still projected', async () => {
    const history = await accountHistory({ initialBalance: 1, movements: [99] });
    const poison = record('[]', 3);
    const records = decodeLambdaKafkaEvent(
      encodeLambdaKafkaEvent([record(history[0]!, 3), poison, record(history[1]!, 3)]),
    );
    const outcome = await projectRecords(records, {
      pool: getPool(),
      deadLetter: async () => {
        throw new Error('dead-letter topic unreachable');
      },
    });
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: { partition: `${topic}-3`, offset: poison.offset } }]);
    expectExactlyAsInOrder(await readModelOf(history[0]!.accountId), history);
  });

  it('given a whole batch redelivered after it was applied (the trigger retrying), when projected again, then nothing changes', async () => {
    const history = await accountHistory({ initialBalance: 300, movements: [-100, -100, -100] });
    const event = encodeLambdaKafkaEvent(history.map((e) => record(e, 2)));
    await handler(event);
    const before = await readModelOf(history[0]!.accountId);
    const again = await projectRecords(decodeLambdaKafkaEvent(event), {
      pool: getPool(),
      deadLetter: async () => undefined,
    });
    expect(again.summary).toMatchObject({ applied: 0, skipped: 4, parked: 0 });
    expect(await readModelOf(history[0]!.accountId)).toEqual(before);
    const page = await listBalances(getPool(), { limit: 1000 });
    expect(page.items.filter((row) => row.accountId === history[0]!.accountId)).toHaveLength(1);
  });

  it('given the projector dies in the middle of a batch (connection killed after partial writes), when the batch is redelivered, then the read model is exact', async () => {
    // given: a pool whose connection kills itself at the progress update (after the balances and transactions writes,
    // before COMMIT)
    const history = await accountHistory({ initialBalance: 1_000, movements: [10, 20, 30] });
    const event = encodeLambdaKafkaEvent(history.map((e) => record(e, 4)));
    const dying = createPool({ max: 1 });
    dying.on('connect', (client) => {
      client.on('error', () => undefined);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
        return /^\s*UPDATE\s\S*account_progress/.test(text ?? '')
          ? query('SELECT pg_terminate_backend(pg_backend_pid())')
          : query(...args);
      };
    });
    dying.on('error', () => undefined);

    // when
    await expect(
      projectRecords(decodeLambdaKafkaEvent(event), { pool: dying, deadLetter: async () => undefined }),
    ).rejects.toThrow();
    await dying.end().catch(() => undefined);
    const afterCrash = await readModelOf(history[0]!.accountId);
    expect(afterCrash.balance).toBeUndefined();
    expect(afterCrash.transactions).toEqual([]);
    await handler(event);

    // then
    expectExactlyAsInOrder(await readModelOf(history[0]!.accountId), history);
  });
});

import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { freePort } from '../../../local/ports';
import { parseIntegrationEvent, type IntegrationEvent } from '../contracts/integration-events';
import { createPool } from '../../platform/db/pool';
import { appendToStream } from '../../event-store';
import { createKafka } from '../../platform/kafka/client';
import { HEADER } from '../../platform/kafka/headers';
import { consumeUntil, pollUntil, type ConsumedMessage } from '../../platform/kafka/testing';
import { ensureTopics } from '../../platform/kafka/topics';
import { createRelay, type CreateRelayOptions, type Relay } from './index';
import { relayStatus } from './status';
import { moveTestMoney, openTestAccount } from './testing';

const kafka = createKafka();
let pool: Pool;
const relays: Relay[] = [];
function track(relay: Relay): Relay {
  relays.push(relay);
  return relay;
}

beforeAll(() => {
  pool = createPool({ max: 16 });
});

afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.close()));
  await pool.end();
});

/** A tracked relay for `topic` (checkpoint and lease named after it, dead letters to `<topic>-dlq`) that publishes
 * only the events `accepts` takes: other suites write to the same store meanwhile. */
function testRelay(topic: string, accepts: CreateRelayOptions['accepts'], options: CreateRelayOptions = {}): Relay {
  return track(
    createRelay({
      kafka,
      pool,
      topic,
      deadLetterTopic: `${topic}-dlq`,
      name: topic,
      ensureTopics: false,
      accepts,
      ...options,
    }),
  );
}

async function freshTopic(label: string): Promise<string> {
  const topic = `relay-${label}-${randomUUID().slice(0, 8)}`;
  await ensureTopics({ kafka, topic, deadLetterTopic: `${topic}-dlq`, partitions: 6 });
  return topic;
}

function eventsOf(messages: ConsumedMessage[], accountId: string): IntegrationEvent[] {
  return messages
    .filter((message) => message.key === accountId)
    .map((message) => {
      const parsed = parseIntegrationEvent(JSON.parse(message.value ?? 'null'));
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.event;
    });
}

function expectInOrderOnce(messages: ConsumedMessage[], accountId: string, versions: number): void {
  const events = eventsOf(messages, accountId);
  expect(events.map((event) => event.streamVersion)).toEqual(Array.from({ length: versions }, (_, i) => i + 1));
  expect(new Set(messages.filter((m) => m.key === accountId).map((m) => m.partition)).size).toBe(1);
  let balance = 0;
  for (const event of events) {
    if (event.eventType === 'AccountCreatedEvent') {
      balance = event.initialBalance;
    } else {
      expect(event.previousBalance).toBe(balance);
      expect(event.newBalance).toBe(balance + event.transaction.amount);
      balance = event.newBalance;
    }
  }
}

/**
 * Drains until every event of these streams is behind the relay's checkpoint. readAll's gap-free horizon is
 * cluster-wide: a transaction still open anywhere on the (shared) server holds it back for a while, so one drain
 * may legitimately stop short.
 */
async function drainUntilRelayed(relay: Relay, streamIds: string[]): Promise<void> {
  await pollUntil(
    async () => {
      await relay.drain();
      const left = await pool.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM event_store.events e, event_store.relay_checkpoints c
          WHERE c.relay_name = $1 AND e.stream_id = ANY($2::text[])
            AND (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)`,
        [relay.name, streamIds],
      );
      return left.rows[0]?.n === '0' ? true : undefined;
    },
    { what: `relay ${relay.name} to pass every event of its streams` },
  );
}

async function streamVersion(accountId: string): Promise<number> {
  const result = await pool.query<{ version: number }>('SELECT version FROM event_store.streams WHERE stream_id = $1', [
    accountId,
  ]);
  return result.rows[0]?.version ?? 0;
}

describe('outbox relay', () => {
  it('given 8 concurrent writers and two competing relays, when everything is relayed, then each account arrives on Kafka once, in version order, on one partition, with headers', async () => {
    // given
    const topic = await freshTopic('order');
    const mine = new Set<string>();
    const relayFor = () => testRelay(topic, (e) => mine.has(e.streamId), { batchSize: 40 });
    const relays = [relayFor(), relayFor()];
    const accounts = Array.from({ length: 8 }, () => randomUUID());
    for (const id of accounts) mine.add(id);
    await Promise.all(accounts.map((accountId) => openTestAccount(pool, { accountId, initialBalance: 1_000_000 })));

    // when: 8 writers, 25 commands each, on random accounts, while two relays drain concurrently
    let writing = true;
    const relaying = relays.map(async (relay) => {
      while (writing) await relay.drain({ maxPasses: 5 });
    });
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        for (let i = 0; i < 25; i += 1) {
          const accountId = accounts[(writer * 7 + i * 3) % accounts.length]!;
          await moveTestMoney(pool, accountId, i % 3 === 0 ? -(i + 1) : 100 + writer);
        }
      }),
    );
    writing = false;
    await Promise.all(relaying);
    await drainUntilRelayed(relays[0]!, accounts);

    // then
    const versions = new Map(await Promise.all(accounts.map(async (id) => [id, await streamVersion(id)] as const)));
    const expected = [...versions.values()].reduce((sum, n) => sum + n, 0);
    expect(expected).toBe(8 + 200);
    const messages = await consumeUntil(
      kafka,
      topic,
      (seen) => seen.filter((m) => mine.has(m.key ?? '')).length >= expected,
    );
    expect(messages.filter((m) => mine.has(m.key ?? ''))).toHaveLength(expected);
    for (const accountId of accounts) expectInOrderOnce(messages, accountId, versions.get(accountId)!);

    const sample = messages.find((m) => m.key === accounts[0])!;
    expect(sample.headers).toMatchObject({
      [HEADER.eventType]: 'AccountCreatedEvent',
      [HEADER.contentType]: 'application/json',
      [HEADER.schemaVersion]: '1',
    });
    expect(sample.headers[HEADER.eventId]).toBe(JSON.parse(sample.value!).eventId);
    expect(sample.headers[HEADER.correlationId]).toEqual(expect.any(String));
    expect(sample.headers[HEADER.causationId]).toEqual(expect.any(String));
  });

  it('given Kafka unreachable while 100 commands run, when Kafka is back, then every event is delivered once, in order', async () => {
    // given a relay pointed at a closed port
    const topic = await freshTopic('outage');
    const accountId = randomUUID();
    const accepts = (event: { streamId: string }) => event.streamId === accountId;
    const deadKafka = createKafka({ brokers: [`127.0.0.1:${await freePort()}`], connectionTimeout: 300, retries: 0 });
    const unreachable = testRelay(topic, accepts, { kafka: deadKafka });

    // when 100 commands run, the relay trying after each (and failing)
    await openTestAccount(pool, { accountId, initialBalance: 50_000 });
    for (let i = 1; i <= 100; i += 1) {
      await moveTestMoney(pool, accountId, i % 4 === 0 ? -i : i);
      if (i % 25 === 0) await expect(unreachable.drain()).rejects.toThrow();
    }

    // then nothing was marked as relayed
    const during = await relayStatus(pool, topic);
    expect(during.eventsRelayed).toBe(0);
    expect(during.pendingEvents).toBeGreaterThanOrEqual(101);

    // when Kafka is back (a relay with the same checkpoint, on the real broker)
    const relay = testRelay(topic, accepts);
    await drainUntilRelayed(relay, [accountId]);

    // then everything arrives once, in order
    const messages = await consumeUntil(kafka, topic, (seen) => seen.filter((m) => m.key === accountId).length >= 101);
    expect(messages.filter((m) => m.key === accountId)).toHaveLength(101);
    expectInOrderOnce(messages, accountId, 101);
    const after = await relayStatus(pool, topic);
    expect(after.eventsRelayed).toBe(101);
  });

  it('given a relay already holding the lease, when another pass starts, then it reports busy and does nothing', async () => {
    const topic = await freshTopic('lease');
    const relay = testRelay(topic, () => false);
    await relay.drain(); // creates the checkpoint row
    const { RELAY_LOCK_NAMESPACE, relayLockKey } = await import('./relay');
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [RELAY_LOCK_NAMESPACE, relayLockKey(topic)]);
      await expect(relay.runPass()).resolves.toEqual({ status: 'busy' });
      await holder.query('ROLLBACK');
    } finally {
      holder.release();
    }
    await expect(relay.runPass()).resolves.not.toEqual({ status: 'busy' });
  });

  it('given an account event that cannot be mapped, when relayed, then that account is quarantined (its events dead-lettered with the reason) and the other accounts keep flowing', async () => {
    // given
    const topic = await freshTopic('quarantine');
    const sick = await openTestAccount(pool, { initialBalance: 100 });
    const healthy = await openTestAccount(pool, { initialBalance: 100 });
    await appendToStream(pool, {
      streamId: sick,
      streamType: 'account',
      expectedVersion: 1,
      events: [{ type: 'MoneyDeposited', data: { amount: 'ten' }, metadata: { schemaVersion: 1 } }],
    });
    await moveTestMoney(pool, sick, 5);
    await moveTestMoney(pool, healthy, 5);
    const mine = new Set([sick, healthy]);
    const relay = testRelay(topic, (e) => mine.has(e.streamId));

    // when
    await drainUntilRelayed(relay, [sick, healthy]);
    await moveTestMoney(pool, sick, 7);
    await moveTestMoney(pool, healthy, 7);
    await drainUntilRelayed(relay, [sick, healthy]);

    // then
    const delivered = await consumeUntil(kafka, topic, (seen) => seen.filter((m) => mine.has(m.key ?? '')).length >= 4);
    expectInOrderOnce(delivered, healthy, 3);
    expectInOrderOnce(delivered, sick, 1);
    const dead = await consumeUntil(kafka, `${topic}-dlq`, (seen) => seen.filter((m) => m.key === sick).length >= 3);
    const letters = dead.filter((m) => m.key === sick);
    expect(letters.map((m) => (JSON.parse(m.value!) as { streamVersion: number }).streamVersion)).toEqual([2, 3, 4]);
    expect(letters[0]!.headers['dlq-reason']).toMatch(/amount/);
    expect(letters[2]!.headers['dlq-reason']).toMatch(/stream quarantined since version 2/);
    const quarantine = await pool.query(
      'SELECT stream_version FROM event_store.relay_quarantine WHERE relay_name = $1',
      [topic],
    );
    expect(quarantine.rows).toEqual([{ stream_version: 2 }]);
  });
});

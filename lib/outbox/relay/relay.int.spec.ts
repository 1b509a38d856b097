import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { Pool as PgPool, type Pool, type PoolClient } from 'pg';
import { freePort } from '../../../local/ports';
import { parseIntegrationEvent, type IntegrationEvent } from '../contracts/integration-events';
import { createPool } from '../../platform/db/pool';
import { appendToStream } from '../../event-store';
import { createKafka } from '../../platform/kafka/client';
import { HEADER } from '../../platform/kafka/headers';
import { consumeUntil, pollUntil, type ConsumedMessage } from '../../platform/kafka/testing';
import { ensureTopics } from '../../platform/kafka/topics';
import { createRelay, ProducerHandle, Relay as RelayClass, type CreateRelayOptions, type Relay } from './index';
import { relayStatus } from './status';
import { drainUntilRelayed, moveTestMoney, openTestAccount } from './testing';

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
  // A stalling pool a failed or timed-out case left behind must not keep connecting into the next suite.
  await Promise.all(stallingPools.map((stalling) => stalling.abandon()));
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

async function streamVersion(accountId: string): Promise<number> {
  const result = await pool.query<{ version: number }>('SELECT version FROM event_store.streams WHERE stream_id = $1', [
    accountId,
  ]);
  return result.rows[0]?.version ?? 0;
}

/** A producer whose sends are never acknowledged until release() (a broker that does not answer in time). */
class StuckProducer extends ProducerHandle {
  sends = 0;
  private released = false;
  private readonly waiting: Array<() => void> = [];
  override async connect(): Promise<void> {
    await super.connect();
  }
  override async sendBatch(topicMessages: Array<{ topic: string; messages: Message[] }>, timeoutMs?: number) {
    this.sends += 1;
    if (!this.released) await new Promise<void>((resolve) => this.waiting.push(resolve));
    await super.sendBatch(topicMessages, timeoutMs);
  }
  release(): void {
    this.released = true;
    for (const resume of this.waiting.splice(0)) resume();
  }
}

async function leaseEpoch(name: string): Promise<number> {
  const row = await pool.query<{ epoch: string }>(
    'SELECT lease_epoch::text AS epoch FROM event_store.relay_checkpoints WHERE relay_name = $1',
    [name],
  );
  return Number(row.rows[0]?.epoch);
}

/**
 * A pool whose clients pause (idle, inside their transaction) before a statement matching `pattern`, as a frozen
 * Lambda container would: the server's idle-in-transaction timeout ends the connection meanwhile.
 */
const stallingPools: Array<{ abandon: () => Promise<void> }> = [];

function stallingPool(pattern: RegExp, stallMs: number) {
  // A plain pg pool, without the error listeners of ours: the relay's own handling is what is under test.
  const stalled = new PgPool({ connectionString: process.env.DATABASE_URL, max: 2, connectionTimeoutMillis: 10_000 });
  const handedOut = new Set<PoolClient>();
  const pending: Promise<unknown>[] = [];
  const state = { stalls: 0 };
  // (idle clients the server ends are the pool's business, not the relay's: pg-pool reports them on the pool)
  stalled.on('error', () => undefined);
  const connect = stalled.connect.bind(stalled) as (...args: unknown[]) => Promise<PoolClient>;
  (stalled as unknown as { connect: (...args: unknown[]) => unknown }).connect = async (...args: unknown[]) => {
    if (args.length > 0) return connect(...args); // pool.query's callback form
    const client = await connect();
    handedOut.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      if (text && pattern.test(text)) {
        state.stalls += 1;
        const pause = new Promise((resolve) => setTimeout(resolve, stallMs));
        pending.push(pause);
        await pause;
      }
      return query(...args);
    };
    return client;
  };
  let ended: Promise<void> | undefined;
  const end = () => (ended ??= stalled.end());
  const handle = {
    pool: stalled,
    get stalls() {
      return state.stalls;
    },
    settled: async () => {
      await Promise.all(pending);
      await end();
    },
    /** Closes every connection it handed out (released or not) and ends the pool. */
    abandon: async () => {
      for (const client of handedOut)
        (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      await end().catch(() => undefined);
    },
  };
  stallingPools.push(handle);
  return handle;
}

/** Issue 12's guarantee: the first appearance of v+1 comes after the first appearance of v, none missing. */
function expectFirstAppearancesInOrder(messages: ConsumedMessage[], accountId: string, versions: number): void {
  const firsts: number[] = [];
  for (const event of eventsOf(messages, accountId))
    if (!firsts.includes(event.streamVersion)) firsts.push(event.streamVersion);
  expect(firsts).toEqual(Array.from({ length: versions }, (_, i) => i + 1));
}

// One retry, with the first failure logged (the idle-in-transaction case hung once in a full run on a loaded 2-core machine): a real defect fails both attempts.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

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
    await drainUntilRelayed(pool, relays[0]!, accounts);

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
    await drainUntilRelayed(pool, relay, [accountId]);

    // then everything arrives once, in order
    const messages = await consumeUntil(kafka, topic, (seen) => seen.filter((m) => m.key === accountId).length >= 101);
    expect(messages.filter((m) => m.key === accountId)).toHaveLength(101);
    expectInOrderOnce(messages, accountId, 101);
    const after = await relayStatus(pool, topic);
    expect(after.eventsRelayed).toBe(101);
  });

  it('given a relay holding the lease, when another relay drains, then it reports busy; waiting for the lease, it delivers once the holder is gone', async () => {
    const topic = await freshTopic('lease');
    const accountId = await openTestAccount(pool, { initialBalance: 3 });
    const holder = testRelay(topic, (e) => e.streamId === accountId);
    const other = testRelay(topic, (e) => e.streamId === accountId);
    await holder.drain({ maxPasses: 0 }); // checkpoint row, connection
    const lease = await holder.acquireLease();
    expect(lease).toBeDefined();

    await expect(other.drain()).resolves.toMatchObject({ stoppedBecause: 'busy', passes: 0 });
    const waiting = other.drain({ waitForLease: true, deadline: Date.now() + 20_000 });
    await pool.query('UPDATE event_store.relay_checkpoints SET lease_expires_at = NULL WHERE relay_name = $1', [topic]);
    await expect(waiting).resolves.toMatchObject({ stoppedBecause: 'idle' });
    await drainUntilRelayed(pool, other, [accountId]);
    expectInOrderOnce(await consumeUntil(kafka, topic, (seen) => seen.length >= 1), accountId, 1);
  });

  it('given a Kafka send that outlasts the lease, when the lease ends, then the pass gives up without moving the checkpoint or throwing, and another relay delivers everything once the lease expired', async () => {
    // given: a relay whose producer never gets its acknowledgement
    const topic = await freshTopic('slow-send');
    const accountId = await openTestAccount(pool, { initialBalance: 10 });
    await moveTestMoney(pool, accountId, 5);
    const accepts = (e: { streamId: string }) => e.streamId === accountId;
    const stuck = new StuckProducer(kafka);
    const slow = track(
      new RelayClass({
        pool,
        producer: stuck,
        topic,
        name: topic,
        deadLetterTopic: `${topic}-dlq`,
        accepts,
        leaseMs: 1_500,
      }),
    );

    await slow.drain({ maxPasses: 0 }); // connected, checkpoint row in place: what follows is the pass alone

    // when
    const started = Date.now();
    const result = await slow.drain();

    // then: it stopped at the lease's end (bounded wait), nothing moved
    expect(result.stoppedBecause).toBe('lease-lost');
    expect(stuck.sends).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_500 + 2_000);
    expect((await relayStatus(pool, topic)).eventsRelayed).toBe(0);
    const healthy = testRelay(topic, accepts);
    await drainUntilRelayed(pool, healthy, [accountId]);
    expectInOrderOnce(await consumeUntil(kafka, topic, (seen) => seen.length >= 2), accountId, 2);
  });

  it('given a holder whose lease was taken over while it waited for Kafka, when its acknowledgement comes, then its checkpoint update is fenced off (the checkpoint never moves backwards) and it stops quietly', async () => {
    // given: holder A blocked in its send; its lease expired and relay B drained everything meanwhile
    const topic = await freshTopic('fence');
    const accountId = await openTestAccount(pool, { initialBalance: 10 });
    const accepts = (e: { streamId: string }) => e.streamId === accountId;
    const blocked = new StuckProducer(kafka);
    const a = track(
      new RelayClass({
        pool,
        producer: blocked,
        topic,
        name: topic,
        deadLetterTopic: `${topic}-dlq`,
        accepts,
        leaseMs: 30_000,
      }),
    );
    const draining = a.drain();
    await pollUntil(() => (blocked.sends > 0 ? true : undefined), { what: 'A to send' });
    const epochA = await leaseEpoch(topic);
    await pool.query(
      "UPDATE event_store.relay_checkpoints SET lease_expires_at = now() - interval '1 second' WHERE relay_name = $1",
      [topic],
    );
    const b = testRelay(topic, accepts);
    await moveTestMoney(pool, accountId, 5);
    await drainUntilRelayed(pool, b, [accountId]);
    const afterB = (await relayStatus(pool, topic)).checkpoint;
    expect(await leaseEpoch(topic)).toBeGreaterThan(epochA);

    // when: A's send is acknowledged now (it really publishes: a redelivery of version 1)
    blocked.release();

    // then
    await expect(draining).resolves.toMatchObject({ stoppedBecause: 'lease-lost' });
    expect((await relayStatus(pool, topic)).checkpoint).toEqual(afterB);
    const messages = await consumeUntil(kafka, topic, (seen) => seen.filter((m) => m.key === accountId).length >= 3);
    expect(eventsOf(messages, accountId).map((e) => e.streamVersion)).toEqual([1, 2, 1]);
    expectFirstAppearancesInOrder(messages, accountId, 2);
  });

  it('given the database ends the relay connection in the middle of a pass (idle-in-transaction timeout), then the drain fails cleanly (no uncaught exception), nothing moves, and the next drain delivers', async () => {
    // given: a relay whose read transaction idles past the server's idle-in-transaction timeout (as a frozen container)
    const topic = await freshTopic('idle-kill');
    const accountId = await openTestAccount(pool, { initialBalance: 10 });
    const accepts = (e: { streamId: string }) => e.streamId === accountId;
    const frozen = stallingPool(/relay_stream_facts/, 1_500);
    const relay = testRelay(topic, accepts, { pool: frozen.pool, leaseMs: 800 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);

    // when
    try {
      // (a deadline: a drain that went on instead of failing ends as 'deadline' and fails here, never hangs)
      await expect(relay.drain({ deadline: Date.now() + 20_000 })).rejects.toThrow(
        /idle-in-transaction|terminat|Connection/i,
      );
      await frozen.settled();
    } finally {
      process.off('uncaughtException', onUncaught);
    }

    // then
    expect(uncaught).toEqual([]);
    expect(frozen.stalls).toBeGreaterThan(0);
    expect((await relayStatus(pool, topic)).eventsRelayed).toBe(0);
    await drainUntilRelayed(pool, testRelay(topic, accepts), [accountId]);
    expectInOrderOnce(await consumeUntil(kafka, topic, (seen) => seen.length >= 1), accountId, 1);
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
    await drainUntilRelayed(pool, relay, [sick, healthy]);
    await moveTestMoney(pool, sick, 7);
    await moveTestMoney(pool, healthy, 7);
    await drainUntilRelayed(pool, relay, [sick, healthy]);

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

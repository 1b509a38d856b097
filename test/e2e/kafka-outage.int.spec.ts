/**
 * Issue 4's rule against real processes: Kafka stopped while 100 commands run → all 100 succeed (and none waits on
 * Kafka); Kafka restarted → the relay delivers everything and the read models converge, nothing lost or doubled.
 *
 * A dedicated embedded broker (local/kafka.ts) that the spec stops and restarts on the same data directory and
 * ports; the run's PostgreSQL (DATABASE_URL from the jest global setup); the accounts service, the relay (as the
 * relay function runs it: production Kafka timeouts) and the projector handler behind the local Kafka trigger core,
 * all in-process. Commands never touch Kafka (they hand off to the relay function), so they do not slow down.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { disposeProjector, handler as projector } from '../../functions/projector/handler';
import { createAccountService, type AccountService } from '../../lib/commands/accounts/service';
import { parseIntegrationEvent } from '../../lib/outbox/contracts/integration-events';
import { resetConfigForTests } from '../../lib/platform/config/env';
import { closePool, getPool } from '../../lib/platform/db/pool';
import { createKafka, resetKafkaForTests } from '../../lib/platform/kafka/client';
import { HEADER } from '../../lib/platform/kafka/headers';
import { consumeUntil, pollUntil } from '../../lib/platform/kafka/testing';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { listTransactions } from '../../lib/queries/read-models';
import { centsFromNumeric } from '../../lib/projections/store';
import { createRelay, type Relay } from '../../lib/outbox/relay';
import { startLocalKafka, type LocalKafka } from '../../local/kafka';
import { mapping } from 'serverless-offline-kafka-trigger/testing/fixtures';
import { startKafkaTrigger, type KafkaTrigger } from 'serverless-offline-kafka-trigger/trigger';
import { freePort } from '../../local/ports';

jest.setTimeout(300_000);

const COMMANDS = 100;
const COMMAND_LIMIT_MS = 1_500;
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topic = `outage-${runId}`;
const deadLetterTopic = `${topic}-dlq`;
const consumerGroup = `outage-projector-${runId}`;

let dataDir: string;
let port: number;
let controllerPort: number;
let broker: LocalKafka | undefined;
let trigger: KafkaTrigger | undefined;
let drainer: Relay | undefined;
let relay: Relay | undefined;
let service: AccountService;
const mine = new Set<string>();

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ledgerline-kafka-outage-'));
  port = await freePort();
  do controllerPort = await freePort();
  while (controllerPort === port);
  broker = await startLocalKafka({ dataDir, port, controllerPort });

  // Everything Kafka in this spec goes to the dedicated broker, on topics and a group of its own.
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  process.env.KAFKA_TOPIC = topic;
  process.env.KAFKA_DLQ_TOPIC = deadLetterTopic;
  process.env.PROJECTOR_CONSUMER_GROUP = consumerGroup;
  resetConfigForTests();
  resetKafkaForTests();

  service = createAccountService({ pool: getPool(), snapshotEvery: 50 });
  // The relay as the relay function creates it, narrowed to this spec's accounts.
  relay = createRelay({ accepts: (event) => mine.has(event.streamId) });
});

afterAll(async () => {
  await trigger?.stop().catch(() => undefined);
  await relay?.close().catch(() => undefined);
  await drainer?.close().catch(() => undefined);
  await disposeProjector().catch(() => undefined);
  await closePool().catch(() => undefined);
  await broker?.stop().catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function openAccount(initialBalance: number): Promise<string> {
  const { result } = await service.openAccount(
    {
      accountNumber: `T-${randomBytes(6).toString('hex')}`,
      accountName: 'Outage',
      ownerName: 'Kafka Outage',
      initialBalance,
    },
    { correlationId: randomUUID() },
  );
  mine.add(result.accountId);
  return result.accountId;
}

/** How many events of these accounts the relay named `name` has not yet passed. */
async function notRelayed(name: string, accountIds: string[]): Promise<number> {
  const left = await getPool().query<{ n: string }>(
    `SELECT count(*)::text AS n FROM event_store.events e
       LEFT JOIN event_store.relay_checkpoints c ON c.relay_name = $1
      WHERE e.stream_id = ANY($2::text[])
        AND (c.relay_name IS NULL OR (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position))`,
    [name, accountIds],
  );
  return Number(left.rows[0]?.n);
}

/** Drains until every event of these accounts is behind the relay's checkpoint. */
async function drainUntilRelayed(relay: Relay, accountIds: string[]): Promise<void> {
  await pollUntil(
    async () => {
      await relay.drain();
      return (await notRelayed(relay.name, accountIds)) === 0 ? true : undefined;
    },
    { timeoutMs: 90_000, what: `relay ${relay.name} to pass every event of this spec's accounts` },
  );
}

async function readModelOf(accountId: string) {
  const pool = getPool();
  const balance = await pool.query<{ balance: string; last_applied_version: number }>(
    'SELECT balance::text AS balance, last_applied_version FROM read_model.balances WHERE account_id = $1',
    [accountId],
  );
  const transactions = await listTransactions(pool, accountId, { limit: 1_000 });
  return {
    balance: balance.rows[0] ? centsFromNumeric(balance.rows[0].balance) : undefined,
    version: balance.rows[0]?.last_applied_version,
    transactions: transactions?.items ?? [],
  };
}

describe('Kafka outage (issue 4)', () => {
  it('given Kafka stopped, when 100 commands run, then all succeed quickly; when Kafka is back, then the read models converge with nothing lost or doubled', async () => {
    // given: two accounts, their events relayed, then the broker stopped
    await ensureTopics();
    const a = await openAccount(1_000_000);
    const b = await openAccount(1_000_000);
    await drainUntilRelayed(relay!, [a, b]);
    await broker!.stop();

    // when: 100 commands while Kafka is away (the relay's runs fail meanwhile)
    const expected = new Map([
      [a, 1_000_000],
      [b, 1_000_000],
    ]);
    let succeeded = 0;
    const commandTimes: number[] = [];
    for (let i = 0; i < COMMANDS; i += 1) {
      const ctx = { correlationId: randomUUID() };
      const amount = 100 + i;
      const started = performance.now();
      if (i % 3 === 0) {
        const { result } = await service.deposit(a, { amount, description: `deposit ${i}` }, ctx);
        expected.set(a, expected.get(a)! + amount);
        expect(result.balance).toBe(expected.get(a));
      } else if (i % 3 === 1) {
        const { result } = await service.withdraw(b, { amount, description: `withdrawal ${i}` }, ctx);
        expected.set(b, expected.get(b)! - amount);
        expect(result.balance).toBe(expected.get(b));
      } else {
        const { result } = await service.transfer(a, { toAccountId: b, amount, description: `transfer ${i}` }, ctx);
        expected.set(a, expected.get(a)! - amount);
        expected.set(b, expected.get(b)! + amount);
        expect(result).toMatchObject({ fromAccountNewBalance: expected.get(a), toAccountNewBalance: expected.get(b) });
      }
      commandTimes.push(performance.now() - started);
      succeeded += 1;
    }
    await expect(relay!.drain()).rejects.toThrow();

    // then: every command succeeded, none waited on the absent broker
    expect(succeeded).toBe(COMMANDS);
    expect(Math.max(...commandTimes)).toBeLessThan(COMMAND_LIMIT_MS);
    const commandSide = {
      a: (await service.getAccount(a))!,
      b: (await service.getAccount(b))!,
    };
    expect(commandSide.a.balance).toBe(expected.get(a));
    expect(commandSide.b.balance).toBe(expected.get(b));
    // 1 opening + 34 deposits + 33 transfers on a; 1 opening + 33 withdrawals + 33 transfers on b
    expect(commandSide.a.version).toBe(1 + 34 + 33);
    expect(commandSide.b.version).toBe(1 + 33 + 33);

    // the outage was real: none of the 100 commands' events reached Kafka (each transfer is two events)
    expect(await notRelayed(topic, [a, b])).toBe(commandSide.a.version + commandSide.b.version - 2);

    // when: Kafka restarted on the same data directory and ports, the relay drained, the projector triggered
    broker = await startLocalKafka({ dataDir, port, controllerPort });
    drainer = createRelay({ accepts: (event) => mine.has(event.streamId) });
    await drainUntilRelayed(drainer, [a, b]);

    const brokers = broker.brokers;
    trigger = await startKafkaTrigger({
      mapping: mapping({
        topic,
        consumerGroupId: consumerGroup,
        // The mapping's own on-failure destination, as serverless.yml declares it: never the projector's poison topic.
        deadLetterTopic: `${topic}-projector-failures`,
        retry: {
          maximumRetryAttempts: 3,
          bisectBatchOnFunctionError: false,
          reportBatchItemFailures: true,
          maximumRecordAgeMs: null,
        },
      }),
      brokers,
      invoke: (event) => projector(event),
      clientId: `outage-trigger-${runId}`,
      backoff: { baseMs: 10, maxMs: 50 },
      consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
    });

    // then: the read model equals the command side, one transaction per event
    for (const [accountId, account] of [
      [a, commandSide.a],
      [b, commandSide.b],
    ] as const) {
      const model = await pollUntil(
        async () => {
          const current = await readModelOf(accountId);
          return current.version === account.version ? current : undefined;
        },
        { timeoutMs: 90_000, what: `read model of ${accountId} at version ${account.version}` },
      );
      expect(model.balance).toBe(account.balance);
      expect(model.transactions).toHaveLength(account.version);
      expect(new Set(model.transactions.map((row) => row.transactionId)).size).toBe(account.version);
      expect(model.transactions.map((row) => row.version).sort((x, y) => x - y)).toEqual(
        Array.from({ length: account.version }, (_, index) => index + 1),
      );
      expect(model.transactions[0]?.closingBalance).toBe(account.balance);
    }
    expect(trigger.stats.deadLettered).toBe(0);

    // and: every event reached the topic (at least once), for both accounts, none dead-lettered by the relay
    const total = commandSide.a.version + commandSide.b.version;
    const onTopic = await consumeUntil(createKafka(), topic, (messages) => {
      const ids = new Set(
        messages.filter((m) => m.key === a || m.key === b).map((m) => m.headers[HEADER.eventId] ?? m.value),
      );
      return ids.size >= total;
    });
    const versions = new Map<string, Set<number>>([
      [a, new Set()],
      [b, new Set()],
    ]);
    for (const message of onTopic) {
      const parsed = parseIntegrationEvent(JSON.parse(message.value ?? 'null'));
      if (!parsed.ok) throw new Error(parsed.reason);
      versions.get(parsed.event.accountId)?.add(parsed.event.streamVersion);
    }
    expect(versions.get(a)!.size).toBe(commandSide.a.version);
    expect(versions.get(b)!.size).toBe(commandSide.b.version);
  });
});

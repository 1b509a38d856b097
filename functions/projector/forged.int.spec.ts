/**
 * Issue 18, "Events nobody wrote": messages on the real banking topic that the event store did not write (or not as
 * they are) never reach the read models. The genuine events come from the event store through a real relay (its own
 * checkpoint, narrowed to this spec's accounts, publishing on the run's topic); the forged ones are produced on the
 * same topic with the same key (so the same partition). Everything is read back from Kafka and handed to the
 * projector's handler as Lambda's event source mapping would, in offset order.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Producer } from 'kafkajs';
import { handler as listBalances } from '../reports/list-balances';
import { handler as listTransactions } from '../reports/list-transactions';
import {
  ACCOUNT_BALANCE_UPDATED_EVENT,
  type AccountBalanceUpdatedEventWire,
  type IntegrationEventWire,
} from '../../lib/outbox/contracts/integration-events';
import { createRelay, type Relay } from '../../lib/outbox/relay';
import { drainUntilRelayed, moveTestMoney, openTestAccount } from '../../lib/outbox/relay/testing';
import { getConfig } from '../../lib/platform/config/env';
import { closePool, getPool } from '../../lib/platform/db/pool';
import { getKafka } from '../../lib/platform/kafka/client';
import { DLQ_HEADER, eventHeaders, headersToStrings } from '../../lib/platform/kafka/headers';
import {
  decodeLambdaKafkaEvent,
  encodeLambdaKafkaEvent,
  type RecordToEncode,
} from '../../lib/platform/kafka/lambda-event';
import { ACKS_ALL, createIdempotentProducer } from '../../lib/platform/kafka/producer';
import { pollUntil, type ConsumedMessage } from '../../lib/platform/kafka/testing';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { apiEvent, invoke } from '../../lib/presentation/http/testing';
import { authHeaders, teller, useTestIssuer } from '../../test/support/auth';
import { projectRecords } from '../../lib/projections/projector';
import { ident } from '../../lib/projections/tables';
import { publishedEvents, useScratchReadModel } from '../../lib/projections/testing';
import { listBalances as balancesIn } from '../../lib/queries/read-models';
import { disposeProjector, handler } from './handler';

const config = getConfig();
const topic = config.KAFKA_TOPIC;
const FORGERY = 'x-test-forgery';
const run = randomUUID().slice(0, 8);
/** A read model of this file's own, where a row can be damaged without the run's audits repairing it first */
const scratch = useScratchReadModel('rm_forged', { max: 2 });
const mine = new Set<string>();
/** `${partition}:${offset}` of the records already handed to the projector */
const handed = new Set<string>();
let relay: Relay;
let forger: Producer;
/** One consumer for the whole file: everything on the banking and dead-letter topics, as it arrives. */
let collector: Consumer;
const received: ConsumedMessage[] = [];

useTestIssuer();

beforeAll(async () => {
  await ensureTopics();
  relay = createRelay({ name: `forged-spec-${run}`, accepts: (event) => mine.has(event.streamId) });
  forger = createIdempotentProducer(getKafka());
  await forger.connect();
  collector = getKafka().consumer({ groupId: `forged-spec-${run}`, allowAutoTopicCreation: false });
  await collector.connect();
  await collector.subscribe({ topics: [topic, config.KAFKA_DLQ_TOPIC], fromBeginning: true });
  await collector.run({
    eachMessage: async ({ topic: from, partition, message }) => {
      received.push({
        topic: from,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: headersToStrings(message.headers),
      });
    },
  });
});

afterAll(async () => {
  await collector?.disconnect();
  await forger?.disconnect();
  await relay?.close();
  await disposeProjector();
  await closePool();
});

async function openAccount(initialBalance: number): Promise<string> {
  const accountId = randomUUID();
  mine.add(accountId);
  await openTestAccount(getPool(), { accountId, initialBalance, accountName: `000 forged ${run} ${accountId}` });
  return accountId;
}

/** Drains this spec's relay until every stored event of its accounts is behind its checkpoint. */
function relayAll(): Promise<void> {
  return drainUntilRelayed(getPool(), relay, [...mine]);
}

/** Produces a message on the banking topic as the relay would (key, headers), tagged so the spec can find it. */
async function forge(event: IntegrationEventWire, tag: string): Promise<void> {
  await forger.send({
    topic,
    acks: ACKS_ALL,
    messages: [
      {
        key: event.accountId,
        value: JSON.stringify(event),
        headers: {
          ...eventHeaders({ eventType: event.eventType, eventId: event.eventId, schemaVersion: 1, correlationId: tag }),
          [FORGERY]: tag,
        },
      },
    ],
  });
}

/** The account's messages on the topic (once there are `count`) not yet handed to the projector, in offset order. */
async function freshRecords(accountId: string, count: number): Promise<RecordToEncode[]> {
  const seen = await pollUntil(
    () => {
      const messages = ofAccount(received, accountId);
      return messages.length >= count ? messages : undefined;
    },
    { what: `${count} messages of account ${accountId} on ${topic}` },
  );
  const fresh = seen.filter((m) => !handed.has(`${m.partition}:${m.offset}`));
  for (const m of fresh) handed.add(`${m.partition}:${m.offset}`);
  return fresh.map((m) => ({
    topic: m.topic,
    partition: m.partition,
    offset: Number(m.offset),
    key: m.key,
    value: m.value,
    headers: m.headers,
  }));
}

function ofAccount(messages: ConsumedMessage[], accountId: string): ConsumedMessage[] {
  return messages
    .filter((m) => m.topic === topic && m.key === accountId)
    .sort((a, b) => Number(a.offset) - Number(b.offset));
}

/** Hands the account's new messages to the projector's handler in one batch. */
async function deliver(accountId: string, count: number): Promise<void> {
  const response = await handler(encodeLambdaKafkaEvent(await freshRecords(accountId, count)));
  expect(response).toEqual({ batchItemFailures: [] });
}

/** The account as the balances and transactions reports show it. */
async function reports(accountId: string) {
  const balances = await invoke(
    listBalances,
    apiEvent({
      path: '/api/reports/balances',
      routeKey: 'GET /api/reports/balances',
      query: { limit: '1000' },
      headers: await authHeaders(teller),
    }),
  );
  const transactions = await invoke(
    listTransactions,
    apiEvent({
      path: `/api/reports/transactions/${accountId}`,
      routeKey: 'GET /api/reports/transactions/{accountId}',
      pathParameters: { accountId },
      headers: await authHeaders(teller),
    }),
  );
  const row = (balances.body as Array<{ accountId: string; balance: number; lastAppliedVersion: number }>).find(
    (candidate) => candidate.accountId === accountId,
  );
  return {
    balance: row?.balance,
    version: row?.lastAppliedVersion,
    transactions: (transactions.body as Array<{ transactionId: string; amount: number; version: number }>).map(
      (t) => `v${t.version} ${t.transactionId} ${t.amount.toFixed(2)}`,
    ),
  };
}

/** The dead-lettered copies of the forged messages with these tags: tag → dlq-reason. */
async function deadLetterReasons(tags: string[]): Promise<Record<string, string>> {
  const dead = await pollUntil(
    () => {
      const letters = received.filter(
        (m) => m.topic === config.KAFKA_DLQ_TOPIC && tags.includes(m.headers[FORGERY] ?? ''),
      );
      return tags.every((tag) => letters.some((m) => m.headers[FORGERY] === tag)) ? letters : undefined;
    },
    { what: `dead letters ${tags.join(', ')}` },
  );
  return Object.fromEntries(dead.map((m) => [m.headers[FORGERY], m.headers[DLQ_HEADER.reason]]));
}

/** A copy of a genuine balance update with other amounts (previousBalance and newBalance kept consistent). */
function altered(
  genuine: IntegrationEventWire,
  change: { amount?: string; previousBalance?: string; eventId?: string },
): AccountBalanceUpdatedEventWire {
  if (genuine.eventType !== ACCOUNT_BALANCE_UPDATED_EVENT) throw new Error('not a balance update');
  const previous = change.previousBalance ?? genuine.previousBalance;
  const amount = change.amount ?? genuine.transaction.amount;
  const eventId = change.eventId ?? genuine.eventId;
  return {
    ...genuine,
    eventId,
    previousBalance: previous,
    newBalance: ((Math.round(Number(previous) * 100) + Math.round(Number(amount) * 100)) / 100).toFixed(2),
    transaction: { ...genuine.transaction, transactionId: eventId, amount },
  };
}

describe('events nobody wrote (issue 18)', () => {
  it('given a forged message with the account next version crediting 900,000.00 on the topic, when projected, then the reports do not change, it is dead-lettered with its reason, and the genuine event of that version is applied when it comes', async () => {
    // given: an account at version 1, projected
    const accountId = await openAccount(100_00);
    await relayAll();
    await deliver(accountId, 1);
    const [created] = await publishedEvents(getPool(), accountId);
    const before = await reports(accountId);
    expect(before).toMatchObject({ balance: 100, version: 1 });

    // when: a forged version 2 arrives first
    const forgedId = randomUUID();
    const now = new Date().toISOString();
    await forge(
      {
        eventType: ACCOUNT_BALANCE_UPDATED_EVENT,
        schemaVersion: 1,
        eventId: forgedId,
        occurredAt: now,
        streamVersion: 2,
        accountId,
        accountNumber: created!.accountNumber,
        accountName: created!.accountName,
        ownerName: created!.ownerName,
        previousBalance: '100.00',
        newBalance: '900100.00',
        transaction: { transactionId: forgedId, amount: '900000.00', description: 'Deposit', createdAt: now },
      },
      `${run}-next-version`,
    );
    await deliver(accountId, 2);

    // then: nothing changed, and the forgery is on the dead-letter topic with the reason
    expect(await reports(accountId)).toEqual(before);
    const reasons = await deadLetterReasons([`${run}-next-version`]);
    expect(reasons[`${run}-next-version`]).toMatch(
      /^not written by the event store: the event store has no event at version 2/,
    );

    // when: the genuine version 2 is committed, relayed and delivered
    await moveTestMoney(getPool(), accountId, 10_00);
    await relayAll();
    await deliver(accountId, 3);

    // then: it is applied (not skipped as a duplicate of the forgery)
    const genuine = (await publishedEvents(getPool(), accountId))[1]!;
    expect(await reports(accountId)).toEqual({
      balance: 110,
      version: 2,
      transactions: [`v2 ${genuine.eventId} 10.00`, `v1 ${created!.eventId} 100.00`],
    });
  });

  it('given copies of real events with changed amounts or balances and an unknown event id, delivered in one batch before the genuine event of their version, when projected, then only the genuine one is applied and each forgery is dead-lettered with its reason', async () => {
    // given: an account at version 2, projected; version 3 committed but not yet relayed
    const accountId = await openAccount(50_00);
    await moveTestMoney(getPool(), accountId, 5_00);
    await relayAll();
    await deliver(accountId, 2);
    await moveTestMoney(getPool(), accountId, 7_00);
    const [, v2, v3] = await publishedEvents(getPool(), accountId);

    // when: forgeries first, then the genuine version 3, all in one batch
    const tags = {
      appliedCopy: `${run}-applied-copy`,
      unknownId: `${run}-unknown-id`,
      amountCopy: `${run}-amount-copy`,
      balanceCopy: `${run}-balance-copy`,
    };
    await forge(altered(v2!, { amount: '5000.00' }), tags.appliedCopy);
    await forge(altered(v3!, { eventId: randomUUID() }), tags.unknownId);
    await forge(altered(v3!, { amount: '7000.00' }), tags.amountCopy);
    await forge(altered(v3!, { previousBalance: '1000055.00' }), tags.balanceCopy);
    await relayAll();
    await deliver(accountId, 7);

    // then
    expect(await reports(accountId)).toEqual({
      balance: 62,
      version: 3,
      transactions: [
        `v3 ${v3!.eventId} 7.00`,
        `v2 ${v2!.eventId} 5.00`,
        expect.stringMatching(/^v1 [0-9a-f-]{36} 50\.00$/),
      ],
    });
    const reasons = await deadLetterReasons(Object.values(tags));
    expect(reasons[tags.appliedCopy]).toMatch(
      /differs from the stored event at version 2 .*transaction\.amount "5000\.00" \(stored: "5\.00"\)/,
    );
    expect(reasons[tags.unknownId]).toMatch(/eventId [0-9a-f-]{36} is not the stored event at version 3/);
    expect(reasons[tags.amountCopy]).toMatch(
      /differs from the stored event at version 3 .*transaction\.amount "7000\.00"/,
    );
    expect(reasons[tags.balanceCopy]).toMatch(
      /differs from what the stored history gives at version 3 .*previousBalance "1000055\.00" \(stored: "55\.00"\)/,
    );
  });

  it('given a damaged read-model row, when the next genuine event arrives, then the account is re-projected from the store and the event applied, nothing dead-lettered', async () => {
    // given: the account projected into the file's own read model, then its balance changed in SQL
    const accountId = await openAccount(20_00);
    await relayAll();
    const letters: unknown[] = [];
    const project = async (count: number) =>
      projectRecords(decodeLambdaKafkaEvent(encodeLambdaKafkaEvent(await freshRecords(accountId, count))), {
        pool: scratch.pool,
        schema: scratch.schema,
        deadLetter: async (batch) => void letters.push(...batch),
      });
    await project(1);
    await scratch.pool.query(`UPDATE ${ident(scratch.schema)}.balances SET balance = 999999.00 WHERE account_id = $1`, [
      accountId,
    ]);
    await moveTestMoney(getPool(), accountId, 1_00);
    await relayAll();

    // when
    const outcome = await project(2);

    // then
    expect(letters).toEqual([]);
    expect(outcome.repaired).toEqual([{ accountId, version: 2 }]);
    const page = await balancesIn(scratch.pool, { limit: 1000, schema: scratch.schema });
    expect(page.items.find((row) => row.accountId === accountId)).toMatchObject({
      balance: 21_00,
      lastAppliedVersion: 2,
    });
  });
});

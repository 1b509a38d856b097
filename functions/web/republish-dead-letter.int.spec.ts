/**
 * Issue 15, "admins can re-publish a dead letter": through the real handlers, a real relay (its own checkpoint,
 * narrowed to this spec's accounts, on the run's topics) and the projector's handler fed from Kafka in offset order.
 * An account stream is dead-lettered by the relay (an event it cannot map), re-published before and after the stored
 * event is repaired, and the read model converges. Forged dead letters, non-admins, missing CSRF tokens and double
 * submits record nothing more than they should.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { appendToStream } from '../../lib/event-store';
import { createRelay, type Relay } from '../../lib/outbox/relay';
import { drainUntilRelayed, moveTestMoney, openTestAccount } from '../../lib/outbox/relay/testing';
import { getConfig } from '../../lib/platform/config/env';
import { createDirectPool, getPool } from '../../lib/platform/db/pool';
import { getKafka } from '../../lib/platform/kafka/client';
import { DLQ_HEADER, HEADER, headersToStrings, REPUBLISH_HEADER } from '../../lib/platform/kafka/headers';
import { encodeLambdaKafkaEvent } from '../../lib/platform/kafka/lambda-event';
import { ACKS_ALL, createIdempotentProducer } from '../../lib/platform/kafka/producer';
import { pollUntil, type ConsumedMessage } from '../../lib/platform/kafka/testing';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { apiEvent } from '../../lib/presentation/http/testing';
import { useTestCsrfSecret } from '../../test/support/csrf';
import type { WebResult } from '../../lib/presentation/web/http';
import { admin, authHeaders, customer, teller, type TestUser } from '../../test/support/auth';
import { handlerResources } from '../accounts/testing';
import { disposeProjector, handler as projector } from '../projector/handler';
import { handler as deadLettersPage } from './dead-letters';
import { handler as openAccountPage } from './open-account';
import { handler as republish } from './republish-dead-letter';

const config = getConfig();
const HOST = 'bank.test';
const SECURE: Record<string, string> = { host: HOST, 'x-forwarded-proto': 'https' };
const run = randomUUID().slice(0, 8);
const mine = new Set<string>();
/** `${partition}:${offset}` of the banking-topic records already handed to the projector */
const handed = new Set<string>();
const received: ConsumedMessage[] = [];
let relay: Relay;
let producer: Producer;
let collector: Consumer;
let owner: Pool;

useTestCsrfSecret();
const { handOffs } = handlerResources();

beforeAll(async () => {
  await ensureTopics();
  owner = createDirectPool({ max: 1 });
  relay = createRelay({ name: `republish-spec-${run}`, accepts: (event) => mine.has(event.streamId) });
  producer = createIdempotentProducer(getKafka());
  await producer.connect();
  collector = getKafka().consumer({ groupId: `republish-spec-${run}`, allowAutoTopicCreation: false });
  await collector.connect();
  await collector.subscribe({ topics: [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC], fromBeginning: true });
  await collector.run({
    eachMessage: async ({ topic, partition, message }) => {
      received.push({
        topic,
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
  await producer?.disconnect();
  await relay?.close();
  await disposeProjector();
  await owner?.end();
});

type Session = { cookie: string; token: string };

/** A browser session: the session cookie and the CSRF token of a form page. */
async function session(): Promise<Session> {
  const page = await openAccountPage(
    apiEvent({ path: '/accounts/new', headers: { ...SECURE, ...(await authHeaders(admin)) } }),
  );
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body ?? '')?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return { cookie: (page.cookies?.[0] ?? '').split(';')[0] ?? '', token };
}

async function post(
  at: { partition: number; offset: string },
  options: { as?: TestUser; session: Session; token?: string | null; headers?: Record<string, string> },
): Promise<WebResult> {
  const fields: Record<string, string> =
    options.token === null ? {} : { _csrf: options.token ?? options.session.token };
  return republish(
    apiEvent({
      method: 'POST',
      path: `/explorer/dead-letters/${at.partition}/${at.offset}/republish`,
      pathParameters: { partition: String(at.partition), offset: at.offset },
      headers: {
        ...SECURE,
        ...(await authHeaders(options.as ?? admin)),
        'content-type': 'application/x-www-form-urlencoded',
        cookie: options.session.cookie,
        origin: `https://${HOST}`,
        'sec-fetch-site': 'same-origin',
        ...options.headers,
      },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** The dead-letters page as an admin's browser gets it (with a notice cookie, if given). */
async function page(cookies: string[] = []): Promise<WebResult> {
  const result = await deadLettersPage(
    apiEvent({
      path: '/explorer/dead-letters',
      headers: { ...SECURE, ...(await authHeaders(admin)), ...(cookies.length ? { cookie: cookies.join('; ') } : {}) },
    }),
  );
  expect(result.statusCode).toBe(200);
  return result;
}

/** The page's row of one dead letter (its cells' text, tags dropped). */
function rowOf(result: WebResult, at: { partition: number; offset: string }): string {
  const match = new RegExp(`<tr id="dead-letter-${at.partition}-${at.offset}">([\\s\\S]*?)</tr>`).exec(
    result.body ?? '',
  );
  if (!match) throw new Error(`no row for the dead letter p${at.partition} @ ${at.offset}`);
  return match[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

async function openAccount(initialBalance: number): Promise<string> {
  const accountId = randomUUID();
  mine.add(accountId);
  await openTestAccount(getPool(), { accountId, initialBalance, accountName: `republish ${run} ${accountId}` });
  return accountId;
}

/** Drains this spec's relay until every stored event of its accounts is behind its checkpoint. */
function relayAll(): Promise<void> {
  return drainUntilRelayed(getPool(), relay, [...mine]);
}

type RequestRow = {
  id: string;
  event_id: string;
  requested_by: string;
  published_partition: number | null;
  published_offset: string | null;
  error: string | null;
};

async function requestsFor(at: { partition: number; offset: string }): Promise<RequestRow[]> {
  const rows = await getPool().query<RequestRow>(
    `SELECT id, event_id, requested_by, published_partition, published_offset::text AS published_offset, error
       FROM event_store.republish_requests
      WHERE dead_letter_topic = $1 AND dead_letter_partition = $2 AND dead_letter_offset = $3::bigint`,
    [config.KAFKA_DLQ_TOPIC, at.partition, at.offset],
  );
  return rows.rows;
}

/** Runs the relay until the dead letter's request is settled (published or failed); its row. */
async function relayRequest(at: { partition: number; offset: string }): Promise<RequestRow> {
  return pollUntil(
    async () => {
      await relay.drain();
      const [row] = await requestsFor(at);
      return row && (row.published_offset !== null || row.error !== null) ? row : undefined;
    },
    { what: `the relay to settle the request of p${at.partition} @ ${at.offset}` },
  );
}

/** Hands the account's banking-topic messages not handed yet (once there are `total`) to the projector, in offset order. */
async function deliver(accountId: string, total: number): Promise<void> {
  const seen = await pollUntil(
    () => {
      const ofAccount = received.filter((m) => m.topic === config.KAFKA_TOPIC && m.key === accountId);
      return ofAccount.length >= total ? ofAccount : undefined;
    },
    { what: `${total} messages of account ${accountId} on ${config.KAFKA_TOPIC}` },
  );
  const fresh = seen
    .filter((m) => !handed.has(`${m.partition}:${m.offset}`))
    .sort((a, b) => Number(a.offset) - Number(b.offset));
  for (const m of fresh) handed.add(`${m.partition}:${m.offset}`);
  const response = await projector(encodeLambdaKafkaEvent(fresh.map((m) => ({ ...m, offset: Number(m.offset) }))));
  expect(response).toEqual({ batchItemFailures: [] });
}

async function readModel(
  accountId: string,
): Promise<{ version: number | null; balance: string | null; parked: number }> {
  const row = await getPool().query<{ version: number | null; balance: string | null; parked: number }>(
    `SELECT (SELECT last_applied_version FROM read_model.account_progress WHERE account_id = $1::uuid) AS version,
            (SELECT balance::text FROM read_model.balances WHERE account_id = $1::uuid) AS balance,
            (SELECT count(*)::int FROM read_model.parked_events WHERE account_id = $1::uuid) AS parked`,
    [accountId],
  );
  return row.rows[0]!;
}

/** The relay's dead letters of the account (once there are `count`), by stream version. */
async function deadLettersOf(
  accountId: string,
  count: number,
): Promise<Array<{ partition: number; offset: string; eventId: string }>> {
  const letters = await pollUntil(
    () => {
      const found = received.filter((m) => m.topic === config.KAFKA_DLQ_TOPIC && m.key === accountId);
      return found.length >= count ? found : undefined;
    },
    { what: `${count} dead letters of account ${accountId}` },
  );
  return letters
    .map((m) => ({
      partition: m.partition,
      offset: m.offset,
      eventId: m.headers[HEADER.eventId]!,
      version: (JSON.parse(m.value!) as { streamVersion: number }).streamVersion,
    }))
    .sort((a, b) => a.version - b.version);
}

/** A message produced straight onto the dead-letter topic (as anyone able to produce there could): where it went. */
async function produceDeadLetter(headers: Record<string, string>): Promise<{ partition: number; offset: string }> {
  const [written] = await producer.send({
    topic: config.KAFKA_DLQ_TOPIC,
    acks: ACKS_ALL,
    messages: [
      {
        key: randomUUID(),
        value: JSON.stringify({ forged: run }),
        headers: { [DLQ_HEADER.reason]: 'test', ...headers },
      },
    ],
  });
  return { partition: written!.partition, offset: written!.baseOffset! };
}

async function requestCount(): Promise<number> {
  const rows = await getPool().query<{ n: number }>(
    'SELECT count(*)::int AS n FROM event_store.republish_requests WHERE dead_letter_topic = $1',
    [config.KAFKA_DLQ_TOPIC],
  );
  return rows.rows[0]!.n;
}

describe('re-publishing a dead letter (issue 15)', () => {
  it("given an account whose version 2 the relay could not map (2 and 3 dead-lettered), when an admin re-publishes them before and after the stored event is repaired, then the first attempt fails with the reason, the store's events reach Kafka from the relay, and the read model converges", async () => {
    // given: v1 published and projected; v2 unmappable, so v2 and v3 are dead-lettered (stream quarantined)
    const accountId = await openAccount(100_00);
    await appendToStream(getPool(), {
      streamId: accountId,
      streamType: 'account',
      expectedVersion: 1,
      events: [{ type: 'MoneyDeposited', data: { amount: 'ten' }, metadata: { schemaVersion: 1 } }],
    });
    await moveTestMoney(getPool(), accountId, 5_00);
    await relayAll();
    await deliver(accountId, 1);
    const [v2, v3] = await deadLettersOf(accountId, 2);
    expect(rowOf(await page(), v2!)).toMatch(/Not requested .*Re-publish .*Not applied v2 of .* \(read model at v1\)/);
    const browser = await session();

    // when: re-published before the fix
    const asked = handOffs().length;
    const first = await post(v2!, { session: browser });
    expect(first.statusCode).toBe(303);
    expect(first.headers?.location).toBe('/explorer/dead-letters');
    expect(handOffs().length).toBe(asked + 1);
    const failed = await relayRequest(v2!);

    // then: the mapping failure is the request's error, nothing was sent, and the page says so (with its notice once)
    expect(failed).toMatchObject({ event_id: v2!.eventId, requested_by: admin.username, published_offset: null });
    expect(failed.error).toMatch(/amount/);
    const noticed = await page([browser.cookie, ...(first.cookies ?? []).map((c) => c.split(';')[0]!)]);
    expect(noticed.body).toContain(
      `Re-publish of the dead letter at partition ${v2!.partition}, offset ${v2!.offset} requested`,
    );
    expect(rowOf(noticed, v2!)).toMatch(/Failed .*amount.* Try again/);

    // when: the stored event is repaired (as the owner), then v3 and v2 are re-published, in that order
    await owner.query(
      `UPDATE event_store.events SET data = '{"amount": 1000, "description": "Deposit"}'::jsonb WHERE event_id = $1`,
      [v2!.eventId],
    );
    expect((await post(v3!, { session: browser })).statusCode).toBe(303);
    const third = await relayRequest(v3!);
    await deliver(accountId, 2);
    expect(await readModel(accountId)).toEqual({ version: 1, balance: '100.00', parked: 1 });
    const again = await post(v2!, { session: browser });
    expect(again.statusCode).toBe(303);
    const second = await relayRequest(v2!);
    await deliver(accountId, 3);

    // then: each is on the banking topic where the request says, as the relay maps the stored event, marked as a
    // re-publish of its request; the projector filled the gap and applied the parked version
    expect(second.error).toBeNull();
    for (const [request, version, previous, next] of [
      [second, 2, '100.00', '110.00'],
      [third, 3, '110.00', '115.00'],
    ] as const) {
      const message = received.find(
        (m) =>
          m.topic === config.KAFKA_TOPIC &&
          m.partition === request.published_partition &&
          m.offset === request.published_offset,
      );
      expect(message).toBeDefined();
      expect(message!.key).toBe(accountId);
      expect(message!.headers[REPUBLISH_HEADER]).toBe(request.id);
      expect(message!.headers[HEADER.eventId]).toBe(request.event_id);
      expect(JSON.parse(message!.value!)).toMatchObject({
        eventId: request.event_id,
        streamVersion: version,
        previousBalance: previous,
        newBalance: next,
      });
    }
    expect(await readModel(accountId)).toEqual({ version: 3, balance: '115.00', parked: 0 });
    const settled = await page();
    expect(rowOf(settled, v2!)).toMatch(
      new RegExp(
        `Re-published .* to partition ${second.published_partition} offset ${second.published_offset} .*Applied v2`,
      ),
    );
    expect(rowOf(settled, v3!)).toMatch(/Re-published .*Applied v3/);
  }, 180_000);

  it('given a dead letter whose event id the store does not hold, or without one, when re-published, then 422 and nothing is recorded; an offset the topic does not hold is 404', async () => {
    const browser = await session();
    const before = await requestCount();
    const forged = await produceDeadLetter({ [HEADER.eventId]: randomUUID() });
    const bare = await produceDeadLetter({});

    const refused = await post(forged, { session: browser });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toMatch(/not written by it/);
    expect((await post(bare, { session: browser })).statusCode).toBe(422);
    expect(
      (
        await post(
          { partition: forged.partition, offset: String(BigInt(forged.offset) + 1_000_000n) },
          { session: browser },
        )
      ).statusCode,
    ).toBe(404);
    expect((await post({ partition: 9_999, offset: '0' }, { session: browser })).statusCode).toBe(404);
    expect(await requestCount()).toBe(before);
  });

  it("given a genuine event's dead letter, when a teller or a customer posts, or an admin posts without the CSRF token or from another site, then 403 and nothing is recorded; an admin's double submit is one request", async () => {
    const accountId = await openAccount(1_00);
    const stored = await getPool().query<{ event_id: string }>(
      'SELECT event_id FROM event_store.events WHERE stream_id = $1',
      [accountId],
    );
    const letter = await produceDeadLetter({ [HEADER.eventId]: stored.rows[0]!.event_id });
    const browser = await session();

    for (const as of [teller, customer('republish-customer')]) {
      expect((await post(letter, { as, session: browser })).statusCode).toBe(403);
    }
    expect((await post(letter, { session: browser, token: null })).statusCode).toBe(403);
    expect((await post(letter, { session: browser, token: 'forged-token' })).statusCode).toBe(403);
    expect(
      (
        await post(letter, {
          session: browser,
          headers: { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' },
        })
      ).statusCode,
    ).toBe(403);
    expect(await requestsFor(letter)).toEqual([]);

    const asked = handOffs().length;
    const first = await post(letter, { session: browser });
    const second = await post(letter, { session: browser });
    expect([first.statusCode, second.statusCode]).toEqual([303, 303]);
    expect(await requestsFor(letter)).toHaveLength(1);
    expect(handOffs().length).toBe(asked + 1);
    const notice = await page([browser.cookie, second.cookies![0]!.split(';')[0]!]);
    expect(notice.body).toContain('was already requested: nothing changed');
  });
});

import { randomUUID } from 'node:crypto';
import { getConfig } from '../../lib/platform/config/env';
import { parseIntegrationEvent, type IntegrationEventWire } from '../../lib/outbox/contracts/integration-events';
import { closePool, getPool, withTransaction } from '../../lib/platform/db/pool';
import { apiEvent, invoke, type ParsedResponse } from '../../lib/presentation/http/testing';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { applyEvents } from '../../lib/projections/store';
import { storedAccountHistory } from '../../lib/projections/testing';
import { handler as listBalances } from './list-balances';
import { handler as listTransactions } from './list-transactions';
import { statusSchema } from '../../lib/presentation/api/report-routes';
import { pollUntil } from '../../lib/platform/kafka/testing';
import { handler as status } from './status';
import { admin, authHeaders, customer, subjectOf, teller, useTestIssuer, type TestUser } from '../../test/support/auth';

const run = randomUUID().slice(0, 8);

async function project(events: IntegrationEventWire[]): Promise<void> {
  const incoming = events.map((wire) => {
    const parsed = parseIntegrationEvent(wire);
    if (!parsed.ok) throw new Error(parsed.reason);
    return { event: parsed.event, wire };
  });
  await withTransaction(getPool(), (tx) => applyEvents(tx, incoming));
}

useTestIssuer();

// Staff see every account; what customers see is in "reports by role" below.
async function getBalances(query: Record<string, string> = {}, as: TestUser = teller): Promise<ParsedResponse> {
  return invoke(
    listBalances,
    apiEvent({
      path: '/api/reports/balances',
      routeKey: 'GET /api/reports/balances',
      query,
      headers: await authHeaders(as),
    }),
  );
}

async function getTransactions(
  accountId: string,
  query: Record<string, string> = {},
  as: TestUser = teller,
): Promise<ParsedResponse> {
  return invoke(
    listTransactions,
    apiEvent({
      headers: await authHeaders(as),
      path: `/api/reports/transactions/${accountId}`,
      routeKey: 'GET /api/reports/transactions/{accountId}',
      pathParameters: { accountId },
      query,
    }),
  );
}

const names = [`zeta ${run}`, `Alpha ${run}`, `beta ${run}`, `Émile ${run}`, `alpha ${run}`, `Beta ${run}`];
// Written to the event store first (the read models hold nothing the store did not write: the scheduled audit would
// remove it), then projected.
let histories: IntegrationEventWire[][];

beforeAll(async () => {
  histories = await Promise.all(
    names.map((accountName, index) =>
      storedAccountHistory(getPool(), {
        accountName,
        initialBalance: 10_000 * (index + 1),
        movements: [1_050, -25, 3],
      }),
    ),
  );
  await project(histories.flat());
});

afterAll(async () => {
  await closePool();
});

describe('GET /api/reports/balances', () => {
  it('given projected accounts, when listed, then they come ordered by account name with 2-decimal balances', async () => {
    const response = await getBalances({ limit: '1000' });
    expect(response.status).toBe(200);
    const mine = (response.body as Array<{ accountName: string }>).filter((row) => row.accountName.endsWith(run));
    expect(mine.map((row) => row.accountName)).toEqual([...names].sort());
    const alpha = histories[1]![0]!;
    expect(mine.find((row) => row.accountName === `Alpha ${run}`)).toEqual({
      accountId: alpha.accountId,
      accountNumber: alpha.accountNumber,
      accountName: `Alpha ${run}`,
      ownerName: alpha.ownerName,
      balance: 210.28,
      lastUpdated: histories[1]!.at(-1)!.occurredAt,
      lastAppliedVersion: 4,
    });
    expect(response.text).toContain('"balance":210.28');
    expect(response.text).toMatch(/"balance":\d+\.\d{2}[,}]/);
  });

  it('given more rows than the limit, when paged by cursor or by offset, then every row comes exactly once in order', async () => {
    type Row = { accountId: string; accountName: string };
    // Other spec files add accounts to the same read model meanwhile: this run's six rows must come once, in order.
    const ours = (rows: Row[]) => rows.filter((row) => row.accountName.endsWith(run)).map((row) => row.accountId);
    const all = (await getBalances({ limit: '1000' })).body as Row[];
    const seen: Row[] = [];
    let query: Record<string, string> = { limit: '2' };
    for (let page = 0; page < 1000; page += 1) {
      const response = await getBalances(query);
      expect(response.status).toBe(200);
      expect(response.body.length).toBeLessThanOrEqual(2);
      seen.push(...(response.body as Row[]));
      const next = response.headers['x-next-cursor'];
      if (!next) break;
      expect(response.headers.link).toBe(`</api/reports/balances?limit=2&cursor=${next}>; rel="next"`);
      query = { limit: '2', cursor: next };
    }
    expect(ours(seen)).toEqual(ours(all));
    expect(ours(all)).toHaveLength(names.length);

    // Offsets shift when a row is added before them: compare against listings taken just before and after.
    let compared = false;
    for (let attempt = 0; attempt < 20 && !compared; attempt += 1) {
      const before = (await getBalances({ limit: '1000' })).body as Row[];
      const byOffset = (await getBalances({ limit: '2', offset: '2' })).body as Row[];
      const after = (await getBalances({ limit: '1000' })).body as Row[];
      const ids = (rows: Row[]) => rows.map((row) => row.accountId).join();
      if (ids(before) !== ids(after)) continue;
      expect(byOffset.map((row) => row.accountId)).toEqual(before.slice(2, 4).map((row) => row.accountId));
      compared = true;
    }
    expect(compared).toBe(true);
  });

  it('given no limit, when listed, then at most 100 rows come back', async () => {
    const extra = await Promise.all(
      Array.from({ length: 101 }, (_, i) =>
        storedAccountHistory(getPool(), {
          accountName: `bulk ${run} ${String(i).padStart(3, '0')}`,
          initialBalance: i,
          movements: [],
        }),
      ),
    );
    await project(extra.flat());
    const response = await getBalances();
    expect(response.body).toHaveLength(100);
    expect(response.headers['x-next-cursor']).toEqual(expect.any(String));
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: '1e2' }, 'limit'],
    [{ offset: '-1' }, 'offset'],
    [{ cursor: 'not-a-cursor' }, 'cursor'],
    [{ cursor: Buffer.from('{"n":1}').toString('base64url') }, 'cursor'],
    [{ cursor: Buffer.from(JSON.stringify({ n: 'a\u0000', i: randomUUID() })).toString('base64url') }, 'cursor'],
    [{ offset: '1', cursor: Buffer.from(JSON.stringify({ n: 'a', i: randomUUID() })).toString('base64url') }, 'cursor'],
  ])('given the bad parameters %p, when listed, then 400 problem+json names %s', async (query, field) => {
    const response = await getBalances(query);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ field })] });
  });
});

describe('GET /api/reports/transactions/{accountId}', () => {
  it('given an account, when its transactions are listed, then newest first, chained, amounts with 2 decimals', async () => {
    const history = histories[2]!;
    const response = await getTransactions(history[0]!.accountId);
    expect(response.status).toBe(200);
    const rows = response.body as Array<Record<string, unknown>>;
    expect(rows.map((row) => row.version)).toEqual([4, 3, 2, 1]);
    expect(rows[0]).toEqual({
      transactionId: history[3]!.eventId,
      accountId: history[0]!.accountId,
      accountNumber: history[0]!.accountNumber,
      accountName: `beta ${run}`,
      amount: 0.03,
      openingBalance: 310.25,
      closingBalance: 310.28,
      description: 'Deposit',
      date: history[3]!.occurredAt,
      version: 4,
    });
    expect(rows[3]).toMatchObject({
      amount: 300,
      openingBalance: 0,
      closingBalance: 300,
      description: 'Initial deposit',
    });
    expect(response.text).toContain('"openingBalance":0.00');
    for (let i = 0; i < rows.length - 1; i += 1) expect(rows[i]!.openingBalance).toBe(rows[i + 1]!.closingBalance);
  });

  it('given a limit, when paged by cursor, then all transactions come once, newest first', async () => {
    const accountId = histories[0]![0]!.accountId;
    const first = await getTransactions(accountId, { limit: '3' });
    expect(first.body.map((row: { version: number }) => row.version)).toEqual([4, 3, 2]);
    const second = await getTransactions(accountId, { limit: '3', cursor: first.headers['x-next-cursor']! });
    expect(second.body.map((row: { version: number }) => row.version)).toEqual([1]);
    expect(second.headers['x-next-cursor']).toBeUndefined();
    const byOffset = await getTransactions(accountId, { limit: '2', offset: '1' });
    expect(byOffset.body.map((row: { version: number }) => row.version)).toEqual([3, 2]);
  });

  it('given an unknown or malformed account id, when listed, then 404 problem+json', async () => {
    for (const accountId of [randomUUID(), 'not-a-uuid']) {
      const response = await getTransactions(accountId);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status: 404, type: '/problems/account-not-found' });
    }
  });

  it('given a bad limit, when listed, then 400', async () => {
    const response = await getTransactions(histories[0]![0]!.accountId, { limit: '5000' });
    expect(response.status).toBe(400);
  });
});

describe('GET /api/reports/status', () => {
  it('given the pipeline, when the status is asked, then relay, consumer lag per partition, projections and dead letters are reported', async () => {
    await ensureTopics();
    const response = await invoke(
      status,
      apiEvent({ path: '/api/reports/status', routeKey: 'GET /api/reports/status', headers: await authHeaders(admin) }),
    );
    expect(response.status).toBe(200);
    const config = getConfig();
    expect(response.body).toMatchObject({
      relay: { name: config.KAFKA_TOPIC, pendingEvents: expect.any(Number), upToDate: expect.any(Boolean) },
      kafka: {
        topic: config.KAFKA_TOPIC,
        consumerGroup: config.PROJECTOR_CONSUMER_GROUP,
        available: true,
        totalLag: expect.any(Number),
      },
      projections: [
        expect.objectContaining({ name: 'balances', rows: expect.any(Number), eventsApplied: expect.any(Number) }),
        expect.objectContaining({ name: 'transactions', rows: expect.any(Number) }),
      ],
      projector: {
        parkedEvents: expect.any(Number),
        audit: expect.objectContaining({ running: expect.any(Boolean), divergent: expect.any(Array) }),
      },
      deadLetter: { topic: config.KAFKA_DLQ_TOPIC, count: expect.any(Number) },
    });
    expect(statusSchema.safeParse(response.body).error).toBeUndefined();
    expect(response.body.kafka.partitions).toHaveLength(config.KAFKA_TOPIC_PARTITIONS);
    const [first] = response.body.kafka.partitions;
    expect(first).toEqual({
      partition: 0,
      lowWatermark: expect.any(Number),
      highWatermark: expect.any(Number),
      committedOffset: first.committedOffset === null ? null : expect.any(Number), // null until the group commits
      lag: expect.any(Number),
    });
    expect(response.body.projections[1].rows).toBeGreaterThanOrEqual(histories.flat().length);
  });

  it('given a finished read-model audit, when the status is asked, then it reports the divergent accounts found and when it ran', async () => {
    const accountId = randomUUID();
    const reported = await pollUntil(async () => {
      // (a sweep elsewhere in the run may finish a real audit meanwhile: set the row again until it is read as set)
      await getPool().query(
        `INSERT INTO read_model.audits (projection, last_started_at, last_finished_at, last_checked, last_divergent,
                                        last_repaired, last_samples)
         VALUES ('read_model', '2026-11-27T09:00:00Z', '2026-11-27T09:01:30Z', 1500, 3, 3, $1)
         ON CONFLICT (projection) DO UPDATE SET last_started_at = excluded.last_started_at,
           last_finished_at = excluded.last_finished_at, last_checked = excluded.last_checked,
           last_divergent = excluded.last_divergent, last_repaired = excluded.last_repaired,
           last_samples = excluded.last_samples`,
        [JSON.stringify([{ accountId, reason: 'balances row: balance 900100.00 (store: 100.00)' }])],
      );
      const response = await invoke(
        status,
        apiEvent({
          path: '/api/reports/status',
          routeKey: 'GET /api/reports/status',
          headers: await authHeaders(admin),
        }),
      );
      return response.body.projector.audit.finishedAt === '2026-11-27T09:01:30.000Z' ? response.body : undefined;
    });
    expect(reported.projector.audit).toEqual({
      divergentAccounts: 3,
      repairedAccounts: 3,
      accountsChecked: 1500,
      startedAt: '2026-11-27T09:00:00.000Z',
      finishedAt: '2026-11-27T09:01:30.000Z',
      divergent: [{ accountId, reason: 'balances row: balance 900100.00 (store: 100.00)' }],
      running: expect.any(Boolean),
    });
    expect(statusSchema.safeParse(reported).error).toBeUndefined();
  });
});

describe('reports by role', () => {
  const alice = customer(`alice-${run}`);
  const bob = customer(`bob-${run}`);
  let owned: IntegrationEventWire[][];

  beforeAll(async () => {
    owned = await Promise.all(
      [`alice one ${run}`, `alice two ${run}`, `bob ${run}`].map((accountName) =>
        storedAccountHistory(getPool(), { accountName, initialBalance: 500, movements: [100] }),
      ),
    );
    await project(owned.flat());
    // The owners' index the handlers read (written with the AccountCreated event by the command side).
    const owners = [alice, alice, bob];
    for (const [index, history] of owned.entries()) {
      await getPool().query(
        'INSERT INTO event_store.account_numbers (account_number, account_id, owner_id) VALUES ($1, $2, $3)',
        [history[0]!.accountNumber, history[0]!.accountId, subjectOf(owners[index]!.username)],
      );
    }
  });

  it('given a customer, when balances are listed, then only their own accounts, paged as usual', async () => {
    const response = await getBalances({ limit: '1000' }, alice);
    expect(response.status).toBe(200);
    expect((response.body as Array<{ accountName: string }>).map((row) => row.accountName)).toEqual([
      `alice one ${run}`,
      `alice two ${run}`,
    ]);
    const first = await getBalances({ limit: '1' }, alice);
    expect(first.body).toHaveLength(1);
    const second = await getBalances({ limit: '1', cursor: first.headers['x-next-cursor']! }, alice);
    expect((second.body as Array<{ accountName: string }>).map((row) => row.accountName)).toEqual([`alice two ${run}`]);
    expect(second.headers['x-next-cursor']).toBeUndefined();
  });

  it('given a teller or an admin, when balances are listed, then every account', async () => {
    for (const user of [teller, admin]) {
      const names = ((await getBalances({ limit: '1000' }, user)).body as Array<{ accountName: string }>).map(
        (row) => row.accountName,
      );
      expect(names).toEqual(expect.arrayContaining([`alice one ${run}`, `alice two ${run}`, `bob ${run}`]));
    }
  });

  it("given another customer's account, when its transactions are asked, then 404 exactly as for an unknown id", async () => {
    const bobs = owned[2]![0]!.accountId;
    const refused = await getTransactions(bobs, {}, alice);
    const unknown = await getTransactions(randomUUID(), {}, alice);
    expect(refused.status).toBe(404);
    expect(refused.body.type).toBe(unknown.body.type);
    expect(refused.body.title).toBe(unknown.body.title);
    expect((await getTransactions(bobs, {}, bob)).status).toBe(200);
    expect((await getTransactions(bobs, {}, teller)).status).toBe(200);
  });

  it('given a customer or a teller, when the status is asked, then 403; without a token 401', async () => {
    for (const user of [alice, teller]) {
      const response = await invoke(
        status,
        apiEvent({
          path: '/api/reports/status',
          routeKey: 'GET /api/reports/status',
          headers: await authHeaders(user),
        }),
      );
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toBe('application/problem+json');
    }
    const anonymous = await invoke(
      status,
      apiEvent({ path: '/api/reports/status', routeKey: 'GET /api/reports/status' }),
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
  });
});

/**
 * The query functions (reports and account reads) whose database connection is terminated while their statement runs
 * (pg_terminate_backend on the backend, as a restart, a failover or a proxy dropping it would): the process goes on;
 * the read runs once more on a new connection (lib/platform/db/read-retry.ts), and when that one is lost too the
 * answer is 503 problem+json with Retry-After, never a 500; the same request answers 200 with the right data once
 * the database serves again.
 */
import { getPool } from '../../lib/platform/db/pool';
import { holdLock } from '../../lib/platform/db/testing';
import { apiEvent, invoke, type ParsedResponse } from '../../lib/presentation/http/testing';
import { DEFAULT_USER, expectProblem, givenAccount, handlerResources, postCommand } from '../accounts/testing';
import { authHeaders } from '../../test/support/auth';
import { handler as getAccount } from '../accounts/get-account';
import { handler as getHistory } from '../accounts/get-history';
import { projectStoredAccount } from '../../lib/projections/testing';
import { handler as listBalances } from './list-balances';
import { handler as listTransactions } from './list-transactions';

handlerResources();
let auth: Record<string, string>;
beforeAll(async () => {
  auth = await authHeaders(DEFAULT_USER);
});

let accountId: string;
beforeAll(async () => {
  accountId = await givenAccount(100);
  expect((await postCommand('deposit', accountId, { body: { amount: 25 } })).status).toBe(200);
  await projectStoredAccount(getPool(), accountId);
});

interface QueryCase {
  name: string;
  /** a lock its statement waits for, and the text that tells its statement from other spec files' */
  lock: string;
  statement: string;
  request: () => Promise<ParsedResponse>;
  expectAnswer: (response: ParsedResponse) => void;
}

const cases: QueryCase[] = [
  {
    name: 'GET /api/reports/balances',
    lock: 'LOCK TABLE read_model.balances IN ACCESS EXCLUSIVE MODE',
    statement: '%FROM "read_model".balances%account_name COLLATE "C", account_id) >%',
    request: () =>
      invoke(
        listBalances,
        apiEvent({ headers: auth, path: '/api/reports/balances', routeKey: 'GET /api/reports/balances' }),
      ),
    expectAnswer: (response) =>
      expect(response.body).toEqual(
        expect.arrayContaining([expect.objectContaining({ accountId, balance: 125, lastAppliedVersion: 2 })]),
      ),
  },
  {
    name: 'GET /api/reports/transactions/{accountId}',
    lock: 'LOCK TABLE read_model.transactions IN ACCESS EXCLUSIVE MODE',
    statement: '%FROM "read_model".transactions AS tr%',
    request: () =>
      invoke(
        listTransactions,
        apiEvent({
          headers: auth,
          path: `/api/reports/transactions/${accountId}`,
          routeKey: 'GET /api/reports/transactions/{accountId}',
          pathParameters: { accountId },
        }),
      ),
    expectAnswer: (response) => expect(response.body.map((row: { amount: number }) => row.amount)).toEqual([25, 100]),
  },
  {
    name: 'GET /api/accounts/{id}',
    lock: 'LOCK TABLE event_store.snapshots IN ACCESS EXCLUSIVE MODE',
    statement: '%FROM event_store.snapshots AS s%',
    request: () =>
      invoke(
        getAccount,
        apiEvent({
          headers: auth,
          path: `/api/accounts/${accountId}`,
          routeKey: 'GET /api/accounts/{id}',
          pathParameters: { id: accountId },
        }),
      ),
    expectAnswer: (response) => expect(response.body).toMatchObject({ id: accountId, balance: 125, version: 2 }),
  },
  {
    name: 'GET /api/accounts/{id}/history',
    lock: 'LOCK TABLE event_store.events IN ACCESS EXCLUSIVE MODE',
    statement: '%stream_version BETWEEN $2 AND $3%',
    request: () =>
      invoke(
        getHistory,
        apiEvent({
          headers: auth,
          path: `/api/accounts/${accountId}/history`,
          routeKey: 'GET /api/accounts/{id}/history',
          pathParameters: { id: accountId },
        }),
      ),
    expectAnswer: (response) =>
      expect(response.body.map((entry: { type: string }) => entry.type)).toEqual(['AccountCreated', 'MoneyDeposited']),
  },
];

async function withConnectionsLost(query: QueryCase, times: number): Promise<ParsedResponse> {
  const lock = await holdLock(query.lock);
  const pending = query.request();
  try {
    await lock.terminateWaiters(times, query.statement);
  } finally {
    // before the answer is awaited: a read run again waits for this very lock
    await lock.release();
  }
  return pending;
}

describe.each(cases)('$name whose connection is terminated mid-statement', (query) => {
  it('once: the read runs again on a new connection and answers 200 with the right data', async () => {
    const answered = await withConnectionsLost(query, 1);
    expect(answered.status).toBe(200);
    query.expectAnswer(answered);
  });

  it('on the retry too: answers 503 problem+json with Retry-After, then 200 once the database serves', async () => {
    const lost = await withConnectionsLost(query, 2);
    expectProblem(lost, 503);
    expect(lost.headers['retry-after']).toBe('2');
    expect(lost.body.type).toBe('/problems/service-unavailable');

    const answered = await query.request();
    expect(answered.status).toBe(200);
    query.expectAnswer(answered);
  });
});

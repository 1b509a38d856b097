/**
 * The web pages whose database connection is terminated while their statement runs: the process goes on; the read
 * runs once more on a new connection, and when that one is lost too the browser gets the 503 error page with
 * Retry-After (never a 500, never a stack); the same page renders with the right figures once the database serves.
 */
import { randomBytes } from 'node:crypto';
import { getPool } from '../../lib/platform/db/pool';
import { holdLock } from '../../lib/platform/db/testing';
import { apiEvent } from '../../lib/presentation/http/testing';
import { useTestCsrfSecret } from '../../test/support/csrf';
import type { WebEvent, WebResult } from '../../lib/presentation/web/http';
import { projectStoredAccount } from '../../lib/projections/testing';
import { DEFAULT_USER, givenAccount, handlerResources, postCommand } from '../accounts/testing';
import { authHeaders } from '../../test/support/auth';
import { handler as accountPage } from './account';
import { handler as balancesPage } from './balances';
import { handler as transactionsPage } from './transactions';

useTestCsrfSecret();
handlerResources();
let auth: Record<string, string>;
beforeAll(async () => {
  auth = await authHeaders(DEFAULT_USER);
});

// First in code-point order, so that it is on the first page of the balances report whatever other spec files add.
const accountName = `!Pages ${randomBytes(4).toString('hex')}`;
let accountId: string;
beforeAll(async () => {
  accountId = await givenAccount(100, { accountName });
  expect((await postCommand('deposit', accountId, { body: { amount: 25 } })).status).toBe(200);
  await projectStoredAccount(getPool(), accountId);
});

interface PageCase {
  name: string;
  lock: string;
  statement: string;
  render: () => Promise<WebResult>;
}

const get = (handler: (event: WebEvent) => Promise<WebResult>, path: string, id?: string) =>
  handler(apiEvent({ path, headers: { host: 'bank.test', ...auth }, ...(id ? { pathParameters: { id } } : {}) }));

const cases: PageCase[] = [
  {
    name: 'GET /reports/balances',
    lock: 'LOCK TABLE read_model.balances IN ACCESS EXCLUSIVE MODE',
    statement: '%FROM read_model.balances%ORDER BY%',
    render: () => get(balancesPage, '/reports/balances'),
  },
  {
    name: 'GET /reports/transactions/{id}',
    lock: 'LOCK TABLE read_model.transactions IN ACCESS EXCLUSIVE MODE',
    statement: '%FROM "read_model".transactions AS tr%',
    render: () => get(transactionsPage, `/reports/transactions/${accountId}`, accountId),
  },
  {
    name: 'GET /accounts/{id}',
    lock: 'LOCK TABLE event_store.snapshots IN ACCESS EXCLUSIVE MODE',
    statement: '%FROM event_store.snapshots AS s%',
    render: () => get(accountPage, `/accounts/${accountId}`, accountId),
  },
];

async function withConnectionsLost(page: PageCase, times: number): Promise<WebResult> {
  const lock = await holdLock(page.lock);
  const pending = page.render();
  try {
    await lock.terminateWaiters(times, page.statement);
  } finally {
    // before the answer is awaited: a read run again waits for this very lock
    await lock.release();
  }
  return pending;
}

function expectFigures(shown: WebResult): void {
  expect(shown.statusCode).toBe(200);
  expect(shown.body).toContain(accountName);
  expect(shown.body).toContain('125.00');
}

describe.each(cases)('$name whose connection is terminated mid-statement', (page) => {
  it('once: the read runs again on a new connection and the page shows the right figures', async () => {
    expectFigures(await withConnectionsLost(page, 1));
  });

  it('on the retry too: the 503 error page with Retry-After, then the page once the database serves', async () => {
    const lost = await withConnectionsLost(page, 2);
    expect(lost.statusCode).toBe(503);
    expect(lost.headers).toMatchObject({ 'retry-after': '2', 'content-type': 'text/html; charset=utf-8' });
    expect(lost.body).toContain('Please try again in a moment');
    expect(lost.body).not.toMatch(/Error:|at .*\.ts:\d+/);

    expectFigures(await page.render());
  });
});

/**
 * Issue 12: Lambda freezes a container as soon as the handler's promise settles, so no function may leave work running
 * past its answer (a background drain, an unawaited query, a timer). Every function file under functions/ is invoked
 * here twice as serverless.yml wires it: once to warm the container (pool clients, producer, cached secrets), then
 * under expectNothingLeftRunning (test/support/nothing-left-running.ts), which fails if more sockets, timers or
 * requests are active after the handler settled than before, idle pooled connections aside.
 */
import type { Context } from 'aws-lambda';
import { getPool } from '../lib/platform/db/pool';
import { apiEvent, lambdaContext, type EventInit } from '../lib/presentation/http/testing';
import { useTestCsrfSecret } from '../test/support/csrf';
import { formSession } from '../lib/presentation/web/session';
import { admin, authHeaders } from '../test/support/auth';
import { expectNothingLeftRunningInOneOf, idlePoolClients } from '../test/support/nothing-left-running';
import { givenAccount, handlerResources, openAccountBody } from './accounts/testing';
import { handler as deposit } from './accounts/deposit';
import { handler as getAccount } from './accounts/get-account';
import { handler as getHistory } from './accounts/get-history';
import { handler as openAccount } from './accounts/open-account';
import { handler as transfer } from './accounts/transfer';
import { handler as withdraw } from './accounts/withdraw';
import { handler as health } from './health';
import { handler as migrate } from './migrate';
import { disposeProjector, handler as projector } from './projector/handler';
import { handler as rebuild } from './projector/rebuild';
import { disposeRelay, handler as relay } from './relay/relay';
import { handler as sweep } from './relay/sweep';
import { handler as listBalances } from './reports/list-balances';
import { handler as listTransactions } from './reports/list-transactions';
import { handler as reportFreshness } from './reports/freshness';
import { handler as reportStatus } from './reports/status';
import { handler as reportRebuildRun } from './reports/rebuild-run';
import { handler as webAccountAction } from './web/account-action';
import { handler as webAccount } from './web/account';
import { handler as webAssets } from './web/assets';
import { handler as webAuth } from './web/auth';
import { handler as webAuthorizer } from './web/authorizer';
import { handler as webBalances } from './web/balances';
import { handler as webDeadLetters } from './web/dead-letters';
import { handler as webExplorer } from './web/explorer';
import { handler as webHome } from './web/home';
import { handler as notFound } from './web/not-found';
import { handler as webOpenAccount } from './web/open-account';
import { handler as openApi } from './web/openapi';
import { handler as webOps } from './web/ops';
import { handler as webRebuilds } from './web/rebuilds';
import { handler as webRepublishDeadLetter } from './web/republish-dead-letter';
import { handler as webStatement } from './web/statement';
import { handler as swaggerUi } from './web/swagger';
import { handler as webTransactions } from './web/transactions';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHandler = (event: any, context: Context) => Promise<unknown>;

const { handOffs } = handlerResources();
let accountId = '';
let otherId = '';
useTestCsrfSecret();

beforeAll(async () => {
  accountId = await givenAccount(1_000);
  otherId = await givenAccount(1_000);
});

afterAll(async () => {
  await disposeRelay();
  await disposeProjector();
});

const context = { ...lambdaContext, getRemainingTimeInMillis: () => 20_000 };
const http = (init: EventInit) => () => apiEvent(init);
const account =
  (path: string, routeKey: string, extra: Partial<EventInit> = {}) =>
  () =>
    apiEvent({ path: path.replace('{id}', accountId), routeKey, pathParameters: { id: accountId }, ...extra });

const cases: Array<[string, AnyHandler, () => unknown]> = [
  [
    'openAccount',
    openAccount,
    () => apiEvent({ method: 'POST', path: '/api/accounts', routeKey: 'POST /api/accounts', body: openAccountBody() }),
  ],
  [
    'deposit',
    deposit,
    account('/api/accounts/{id}/deposit', 'POST /api/accounts/{id}/deposit', { method: 'POST', body: { amount: 1 } }),
  ],
  [
    'withdraw',
    withdraw,
    account('/api/accounts/{id}/withdraw', 'POST /api/accounts/{id}/withdraw', { method: 'POST', body: { amount: 1 } }),
  ],
  [
    'transfer',
    transfer,
    () =>
      apiEvent({
        method: 'POST',
        path: `/api/accounts/${accountId}/transfer`,
        routeKey: 'POST /api/accounts/{id}/transfer',
        pathParameters: { id: accountId },
        body: { toAccountId: otherId, amount: 1 },
      }),
  ],
  ['getAccount', getAccount, account('/api/accounts/{id}', 'GET /api/accounts/{id}')],
  ['getHistory', getHistory, account('/api/accounts/{id}/history', 'GET /api/accounts/{id}/history')],
  ['health', health, http({ path: '/health' })],
  ['listBalances', listBalances, http({ path: '/api/reports/balances', routeKey: 'GET /api/reports/balances' })],
  [
    'listTransactions',
    listTransactions,
    () =>
      apiEvent({
        path: `/api/reports/transactions/${accountId}`,
        routeKey: 'GET /api/reports/transactions/{accountId}',
        pathParameters: { accountId },
      }),
  ],
  ['reportStatus', reportStatus, http({ path: '/api/reports/status', routeKey: 'GET /api/reports/status' })],
  [
    'projector',
    projector,
    () => ({
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/x/y',
      records: {},
    }),
  ],
  ['relay', relay, () => ({ source: 'ledgerline.hand-off' })],
  ['relaySweep', sweep, () => ({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })],
  ['migrate', migrate, () => ({ source: 'invoke' })],
  ['webHome', webHome, http({ path: '/', routeKey: 'GET /' })],
  ['webOpenAccount', webOpenAccount, http({ path: '/accounts/new', routeKey: 'GET /accounts/new' })],
  ['webAccount', webAccount, account('/accounts/{id}', 'GET /accounts/{id}')],
  [
    'webAccountAction',
    webAccountAction,
    () =>
      apiEvent({
        method: 'POST',
        path: `/accounts/${accountId}/deposit`,
        routeKey: 'POST /accounts/{id}/{action}',
        pathParameters: { id: accountId, action: 'deposit' },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'amount=1',
      }),
  ],
  ['webBalances', webBalances, http({ path: '/reports/balances', routeKey: 'GET /reports/balances' })],
  ['webTransactions', webTransactions, account('/reports/transactions/{id}', 'GET /reports/transactions/{id}')],
  ['webOps', webOps, http({ path: '/ops', routeKey: 'GET /ops' })],
  // A run that is not waiting to start (unknown): the function looks it up and ends; the rebuild itself is covered
  // by functions/projector/rebuild.int.spec.ts.
  ['rebuild', rebuild, () => ({ runId: '00000000-0000-4000-8000-000000000000' })],
  [
    'webRebuilds',
    webRebuilds,
    () =>
      apiEvent({
        path: '/ops/rebuilds/00000000-0000-4000-8000-000000000000',
        routeKey: 'GET /ops/rebuilds/{id}',
        pathParameters: { id: '00000000-0000-4000-8000-000000000000' },
      }),
  ],
  [
    'reportRebuildRun',
    reportRebuildRun,
    () =>
      apiEvent({
        path: '/api/admin/rebuilds/00000000-0000-4000-8000-000000000000',
        routeKey: 'GET /api/admin/rebuilds/{id}',
        pathParameters: { id: '00000000-0000-4000-8000-000000000000' },
      }),
  ],
  [
    'webAssets',
    webAssets,
    () =>
      apiEvent({ path: '/assets/styles.css', routeKey: 'GET /assets/{file+}', pathParameters: { file: 'styles.css' } }),
  ],
  [
    'reportFreshness',
    reportFreshness,
    http({ path: '/api/reports/freshness', routeKey: 'GET /api/reports/freshness' }),
  ],
  ['webStatement', webStatement, account('/accounts/{id}/statement', 'GET /accounts/{id}/statement')],
  ['webExplorer', webExplorer, http({ path: '/explorer', routeKey: 'GET /explorer' })],
  ['webDeadLetters', webDeadLetters, http({ path: '/explorer/dead-letters', routeKey: 'GET /explorer/dead-letters' })],
  [
    'webRepublishDeadLetter',
    webRepublishDeadLetter,
    async () => {
      // A valid form (CSRF token of its session) for a partition the dead-letter topic does not have: Kafka is asked.
      const form = await formSession(apiEvent({ path: '/explorer/dead-letters' }));
      return apiEvent({
        method: 'POST',
        path: '/explorer/dead-letters/9999/0/republish',
        routeKey: 'POST /explorer/dead-letters/{partition}/{offset}/republish',
        pathParameters: { partition: '9999', offset: '0' },
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookies[0]!.split(';')[0]! },
        body: new URLSearchParams({ _csrf: form.csrfToken }).toString(),
      });
    },
  ],
  ['webAuth', webAuth, http({ path: '/signin', routeKey: 'GET /signin' })],
  [
    'webAuthorizer',
    webAuthorizer,
    () => ({
      type: 'REQUEST',
      routeKey: 'GET /',
      rawPath: '/',
      headers: {},
      requestContext: { http: { method: 'GET' } },
    }),
  ],
  ['openApi', openApi, http({ path: '/openapi.json', routeKey: 'GET /openapi.json' })],
  ['swaggerUi', swaggerUi, http({ path: '/swagger', routeKey: 'GET /swagger' })],
  ['notFound', notFound, http({ path: '/nope', routeKey: '$default' })],
];

describe('no work left running after a handler settles (every function)', () => {
  it.each(cases)(
    '%s: once warm, an invocation leaves nothing running when it settles',
    async (_name, handler, event) => {
      // Every event as an admin's request (bearer token): the events that are not HTTP requests ignore it.
      const signedIn = async () => {
        const built = (await event()) as { headers?: Record<string, string> };
        return { ...built, headers: { ...built.headers, ...(await authHeaders(admin)) } };
      };
      await handler(await signedIn(), context);
      // A leak repeats at every invocation; a socket or timer of the shared jest process opening meanwhile does not.
      const next = await signedIn();
      await expectNothingLeftRunningInOneOf(3, () => handler(next, context), [idlePoolClients(getPool())]);
    },
  );

  it('the command functions handed off to the relay function after each successful command, asynchronously', () => {
    const types = new Set(handOffs().map((invoke) => invoke.invocationType));
    expect(types).toEqual(new Set(['Event']));
    expect(handOffs().length).toBeGreaterThanOrEqual(2 + 8); // the two accounts, then two per command case
  });
});

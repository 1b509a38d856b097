/**
 * Issue 15: an admin starts a read-model rebuild from /ops and follows it. The whole loop through the real handlers
 * and PostgreSQL: POST /ops/rebuilds records a run and invokes the rebuild function asynchronously (a stand-in Lambda
 * API records the invoke), the spec plays Lambda and runs the rebuild function with the recorded event, and the run's
 * page and JSON follow it to its result. The rebuild targets a read model of this file's own (the shared one belongs
 * to the other specs of the run). All in one file: the table admits one unfinished run at a time.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createDirectPool } from '../../lib/platform/db/pool';
import { holdLock } from '../../lib/platform/db/testing';
import { waitUntil } from '../../lib/platform/wait-until';
import { moveTestMoney, openTestAccount } from '../../lib/outbox/relay/testing';
import { getRebuildRun, requestRebuildRun } from '../../lib/projections/rebuild-runs';
import { useScratchReadModel } from '../../lib/projections/testing';
import { ident } from '../../lib/projections/tables';
import { apiEvent, invoke } from '../../lib/presentation/http/testing';
import { useTestCsrfSecret } from '../../test/support/csrf';
import type { WebResult } from '../../lib/presentation/web/http';
import { handlerResources } from '../accounts/testing';
import { admin, authHeaders, customer } from '../../test/support/auth';
import { handler as opsPage } from '../web/ops';
import { handler as rebuildsPage } from '../web/rebuilds';
import { handler as rebuildRunApi } from '../reports/rebuild-run';
import { handler as deployedRebuild, rebuildHandler } from './rebuild';

const readModel = useScratchReadModel('rm_run', { max: 4 });
const { lambda } = handlerResources();
const REBUILD_FUNCTION_NAME = 'ledgerline-test-rebuild';
let owner: Pool;

useTestCsrfSecret();
beforeAll(() => {
  process.env.REBUILD_FUNCTION_NAME = REBUILD_FUNCTION_NAME;
  owner = createDirectPool({ max: 2 });
});
afterAll(async () => {
  delete process.env.REBUILD_FUNCTION_NAME;
  await owner.end();
});
// No run of an earlier case left unfinished (each case starts with the table free).
beforeEach(async () => {
  await owner.query(
    `UPDATE read_model.rebuild_runs SET phase = 'abandoned', finished_at = now(), error = 'spec: next case'
      WHERE finished_at IS NULL`,
  );
  const fake = lambda();
  if (fake) {
    fake.status = 202;
    fake.invocations.length = 0;
  }
});

const HOST = 'bank.test';
const ORIGIN = `https://${HOST}`;
const FORM = 'application/x-www-form-urlencoded';

type Browser = { headers: Record<string, string>; cookie: string; csrfToken: string };

/** An admin's (or another user's) browser after opening /ops: its session cookie and the rebuild form's token. */
async function openOps(user = admin): Promise<Browser & { page: WebResult }> {
  const headers = { host: HOST, 'x-forwarded-proto': 'https', ...(await authHeaders(user)) };
  const page = await opsPage(apiEvent({ path: '/ops', routeKey: 'GET /ops', headers }));
  const cookie = page.cookies?.[0]?.split(';')[0] ?? '';
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(page.body ?? '')?.[1] ?? '';
  return { page, headers, cookie, csrfToken };
}

function postRebuild(browser: Browser, fields: Record<string, string> = { _csrf: browser.csrfToken }, extra = {}) {
  return rebuildsPage(
    apiEvent({
      method: 'POST',
      path: '/ops/rebuilds',
      routeKey: 'POST /ops/rebuilds',
      headers: {
        ...browser.headers,
        'content-type': FORM,
        cookie: browser.cookie,
        origin: ORIGIN,
        'sec-fetch-site': 'same-origin',
        ...extra,
      },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** GET of the page a 303 points at, with the cookies it set (the one-time notice) and the browser's session. */
function follow(browser: Browser, answer: WebResult) {
  const location = String(answer.headers?.location ?? '');
  const id = location.split('/').pop() ?? '';
  const cookies = [browser.cookie, ...(answer.cookies ?? []).map((c) => c.split(';')[0])].join('; ');
  return rebuildsPage(
    apiEvent({
      path: location,
      routeKey: 'GET /ops/rebuilds/{id}',
      pathParameters: { id },
      headers: { ...browser.headers, cookie: cookies },
    }),
  );
}

async function runsCount(): Promise<number> {
  const { rows } = await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM read_model.rebuild_runs');
  return rows[0]?.n ?? 0;
}

async function accountEvents(): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM event_store.events WHERE stream_type = 'account'",
  );
  return rows[0]?.n ?? 0;
}

/** Account events committed before `instant`, leaving out the streams given. */
async function accountEventsBefore(instant: Date, except: string[]): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM event_store.events
      WHERE stream_type = 'account' AND stream_id <> ALL($1::text[]) AND created_at < $2`,
    [except, instant],
  );
  return rows[0]?.n ?? 0;
}

describe('read-model rebuild started from /ops', () => {
  it('given an admin on /ops when they ask for a rebuild then the run is recorded, the rebuild function invoked asynchronously with it, and the run rebuilds the read model and records its result, its page following it to the end', async () => {
    const a = await openTestAccount(readModel.pool, { initialBalance: 10_000 });
    for (let i = 1; i <= 12; i += 1) await moveTestMoney(readModel.pool, a, i % 4 === 0 ? -i : i * 10);
    const browser = await openOps();
    expect(browser.page.statusCode).toBe(200);
    expect(browser.page.body).toContain('<form method="post" action="/ops/rebuilds">');

    const answer = await postRebuild(browser);
    expect(answer.statusCode).toBe(303);
    const location = String(answer.headers?.location);
    expect(location).toMatch(/^\/ops\/rebuilds\/[0-9a-f-]{36}$/);
    const runId = location.split('/').pop() as string;
    expect(lambda()?.invocations).toEqual([
      { functionName: REBUILD_FUNCTION_NAME, invocationType: 'Event', payload: { runId } },
    ]);
    const waiting = await follow(browser, answer);
    expect(waiting.body).toContain('Rebuild requested.');
    expect(waiting.body).toContain('<span class="badge warn">Requested</span>');
    expect(waiting.body).toContain(`data-poll="/api/admin/rebuilds/${runId}"`);

    // Lambda runs the function with the event it queued; the swap's lock waits behind a transaction of the spec, so
    // the progress committed so far can be looked at while the run is under way.
    const startedAt = new Date();
    const blocker = await holdLock(`LOCK TABLE ${ident(readModel.schema)}.balances IN ROW SHARE MODE`);
    let outcome: ReturnType<ReturnType<typeof rebuildHandler>> | undefined;
    try {
      outcome = rebuildHandler({ targetSchema: readModel.schema, batchSize: 50 })(lambda()?.invocations[0]?.payload);
      const during = await waitUntil('the run to report catch-up', async () => {
        const run = await getRebuildRun(owner, runId);
        return run?.phase === 'catch-up' ? run : undefined;
      });
      expect(during.startedAt).not.toBeNull();
      expect(during.finishedAt).toBeNull();
      expect(during.done).toBeGreaterThanOrEqual(13);
      expect(during.total).toBeGreaterThanOrEqual(during.done);
      const api = await invoke(
        rebuildRunApi,
        apiEvent({
          path: `/api/admin/rebuilds/${runId}`,
          routeKey: 'GET /api/admin/rebuilds/{id}',
          pathParameters: { id: runId },
          headers: await authHeaders(admin),
        }),
      );
      expect(api.status).toBe(200);
      expect(api.body).toMatchObject({ id: runId, phase: 'catch-up', done: during.done, finished: false });
    } finally {
      await blocker.release();
    }
    const result = await outcome;
    const after = await accountEvents();

    expect(result?.outcome).toBe('done');
    const run = await getRebuildRun(owner, runId);
    expect(run).toMatchObject({ phase: 'done', error: null, requestedBy: admin.username });
    expect(run?.finishedAt).not.toBeNull();
    expect(run?.result?.events).toBe(run?.done);
    // Every event committed before the run, but those of streams it had to leave at their last good version
    // (quarantined: other suites write unmappable events into the same store meanwhile).
    const quarantined = (run?.result?.quarantined ?? []).map((q) => q.streamId);
    const committedBefore = await accountEventsBefore(startedAt, quarantined);
    expect(run?.result?.events).toBeGreaterThanOrEqual(committedBefore);
    expect(run?.result?.events).toBeLessThanOrEqual(after);
    expect(run?.total).toBeGreaterThanOrEqual(run?.done ?? Infinity);
    expect(run?.result?.accounts).toBeGreaterThanOrEqual(1);
    // the scratch read model now comes from the store: the account's balance and every one of its events
    const { rows } = await readModel.pool.query<{ cents: number; last_applied_version: number }>(
      `SELECT (balance * 100)::int AS cents, last_applied_version
         FROM ${ident(readModel.schema)}.balances WHERE account_id = $1`,
      [a],
    );
    const movements = Array.from({ length: 12 }, (_, k) => ((k + 1) % 4 === 0 ? -(k + 1) : (k + 1) * 10));
    expect(rows).toEqual([{ cents: movements.reduce((sum, m) => sum + m, 10_000), last_applied_version: 13 }]);

    const page = await follow(browser, { statusCode: 303, headers: { location } });
    expect(page.body).toContain('<span class="badge ok">Done</span>');
    expect(page.body).not.toContain('data-poll');
    expect(page.body).not.toContain('Rebuild requested.'); // the notice was one-time
    const ops = await openOps();
    expect(ops.page.body).toContain(`href="/ops/rebuilds/${runId}"`);
  });

  it('given a run that fails when the rebuild function runs it then the failure and its reason are recorded, and a later delivery of the same invoke does nothing', async () => {
    const { run } = await requestRebuildRun(owner, { id: randomUUID(), requestedBy: 'spec' });
    const outcome = await rebuildHandler({ targetSchema: 'rm_run_missing' })({ runId: run.id });
    expect(outcome.outcome).toBe('failed');
    const failed = await getRebuildRun(owner, run.id);
    expect(failed?.phase).toBe('failed');
    expect(failed?.finishedAt).not.toBeNull();
    expect(failed?.error).toMatch(/rm_run_missing/);
    // a second delivery of the same invoke does nothing
    await expect(deployedRebuild({ runId: run.id })).resolves.toEqual({ outcome: 'not-started' });
    await expect(deployedRebuild({ nope: 1 })).resolves.toEqual({ outcome: 'not-started' });
  });

  it('given a run under way when another is asked for then none is started: 303 to the running one with a notice', async () => {
    const browser = await openOps();
    const first = await postRebuild(browser);
    const second = await postRebuild(browser);
    expect(second.statusCode).toBe(303);
    expect(second.headers?.location).toBe(first.headers?.location);
    expect(lambda()?.invocations).toHaveLength(1);
    const page = await follow(browser, second);
    expect(page.body).toContain('A rebuild is already running');
    // and the record admits no second unfinished run even when asked concurrently
    const together = await Promise.all(
      [1, 2, 3].map(() => requestRebuildRun(owner, { id: randomUUID(), requestedBy: 'spec' })),
    );
    expect(together.filter((r) => r.created)).toHaveLength(0);
    expect(new Set(together.map((r) => r.run.id)).size).toBe(1);
  });

  it('given a run whose function stopped beating when another is asked for then the old one is marked abandoned and the new one starts', async () => {
    const { run: dead } = await requestRebuildRun(owner, { id: randomUUID(), requestedBy: 'spec' });
    await owner.query(
      `UPDATE read_model.rebuild_runs SET heartbeat_at = now() - interval '10 minutes', phase = 'copy' WHERE id = $1`,
      [dead.id],
    );
    const { run, created } = await requestRebuildRun(owner, { id: randomUUID(), requestedBy: 'spec' });
    expect(created).toBe(true);
    expect(run.id).not.toBe(dead.id);
    const abandoned = await getRebuildRun(owner, dead.id);
    expect(abandoned?.phase).toBe('abandoned');
    expect(abandoned?.error).toMatch(/No sign of life/);
    // its late function, should it come back, does not take the run again
    await expect(rebuildHandler({ targetSchema: readModel.schema })({ runId: dead.id })).resolves.toEqual({
      outcome: 'not-started',
    });
  });

  it('given the Lambda API refusing the invoke when a rebuild is asked for then the run is recorded as failed with the reason and the page says so', async () => {
    const fake = lambda();
    if (!fake) throw new Error('no stand-in Lambda API');
    fake.status = 403;
    const browser = await openOps();
    const answer = await postRebuild(browser);
    expect(answer.statusCode).toBe(303);
    const runId = String(answer.headers?.location).split('/').pop() as string;
    const run = await getRebuildRun(owner, runId);
    expect(run?.phase).toBe('failed');
    expect(run?.error).toMatch(/^The rebuild function could not be started: /);
    const page = await follow(browser, answer);
    expect(page.body).toContain('The rebuild could not be started: The rebuild function could not be started');
    expect(page.body).toContain('<span class="badge bad">Failed</span>');
  });

  it('given a post without a valid CSRF token or from another site when a rebuild is asked for then it is refused (403) and nothing is recorded nor invoked', async () => {
    const browser = await openOps();
    const runs = await runsCount();
    expect((await postRebuild(browser, {})).statusCode).toBe(403);
    expect((await postRebuild(browser, { _csrf: 'forged' })).statusCode).toBe(403);
    expect((await postRebuild(browser, undefined, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect(await runsCount()).toBe(runs);
    expect(lambda()?.invocations).toHaveLength(0);
  });

  it('given someone who is not an admin then /ops, the rebuild form, the run page and its JSON are refused (403), and an unknown run is a 404', async () => {
    const { run } = await requestRebuildRun(owner, { id: randomUUID(), requestedBy: 'spec' });
    const other = await openOps(customer('rebuild-c'));
    expect(other.page.statusCode).toBe(403);
    const runs = await runsCount();
    expect((await postRebuild({ ...other, csrfToken: 'x' })).statusCode).toBe(403);
    expect(await runsCount()).toBe(runs);
    const pageAs = async (headers: Record<string, string>, id: string) =>
      rebuildsPage(
        apiEvent({ path: `/ops/rebuilds/${id}`, routeKey: 'GET /ops/rebuilds/{id}', pathParameters: { id }, headers }),
      );
    expect((await pageAs(await authHeaders(customer('rebuild-c')), run.id)).statusCode).toBe(403);
    expect((await pageAs(await authHeaders(admin), run.id)).statusCode).toBe(200);
    expect((await pageAs(await authHeaders(admin), randomUUID())).statusCode).toBe(404);
    expect((await pageAs(await authHeaders(admin), 'not-a-uuid')).statusCode).toBe(404);

    const apiAs = async (headers: Record<string, string>, id: string) =>
      invoke(
        rebuildRunApi,
        apiEvent({
          path: `/api/admin/rebuilds/${id}`,
          routeKey: 'GET /api/admin/rebuilds/{id}',
          pathParameters: { id },
          headers,
        }),
      );
    expect((await apiAs(await authHeaders(customer('rebuild-c')), run.id)).status).toBe(403);
    const missing = await apiAs(await authHeaders(admin), randomUUID());
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body.type).toMatch(/rebuild-not-found$/);
    expect((await apiAs(await authHeaders(admin), 'nope')).status).toBe(404);
  });
});

/**
 * Issue 18 through the real form handlers: amounts read one way, UTF-8 only, cross-site posts refused, the CSRF token
 * bound to a server-signed session — and after every refusal nothing is stored (version and balance unchanged, the
 * account number still free).
 */
import { randomBytes } from 'node:crypto';
import { apiEvent } from '../../lib/presentation/http/testing';
import { useTestCsrfSecret } from '../../test/support/csrf';
import type { WebResult } from '../../lib/presentation/web/http';
import { DEFAULT_USER, getAccountResponse, givenAccount, handlerResources } from '../accounts/testing';
import { authHeaders } from '../../test/support/auth';
import { handler as accountAction } from './account-action';
import { handler as accountPage } from './account';
import { handler as openAccountPage } from './open-account';

const HOST = 'bank.test';
const ORIGIN = `https://${HOST}`;
// Pages take the API's bearer token too; the spec's user is the one the account helpers act as.
const SECURE: Record<string, string> = { host: HOST, 'x-forwarded-proto': 'https' };
const FORM = 'application/x-www-form-urlencoded';

useTestCsrfSecret();
handlerResources();
beforeAll(async () => {
  Object.assign(SECURE, await authHeaders(DEFAULT_USER));
});

type Session = { cookie: string; token: string };

function tokenIn(page: WebResult): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body ?? '')?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

/** A browser's first visit: the form page, its session cookie and the token in its hidden field. */
async function visit(cookieHeader?: string): Promise<Session & { page: WebResult }> {
  const page = await openAccountPage(
    apiEvent({ path: '/accounts/new', headers: { ...SECURE, ...(cookieHeader ? { cookie: cookieHeader } : {}) } }),
  );
  expect(page.statusCode).toBe(200);
  const setCookie = page.cookies?.[0] ?? '';
  return { page, cookie: setCookie.split(';')[0] ?? '', token: tokenIn(page) };
}

const encode = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

type PostInit = { headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };

function browserHeaders(session: Session, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...SECURE,
    'content-type': FORM,
    cookie: session.cookie,
    origin: ORIGIN,
    'sec-fetch-site': 'same-origin',
    ...extra,
  };
}

function postAction(accountId: string, action: string, init: PostInit): Promise<WebResult> {
  return accountAction(
    apiEvent({
      method: 'POST',
      path: `/accounts/${accountId}/${action}`,
      pathParameters: { id: accountId, action },
      headers: init.headers,
      body: init.body ?? '',
      isBase64Encoded: init.isBase64Encoded,
    }),
  );
}

function postOpen(init: PostInit): Promise<WebResult> {
  return openAccountPage(
    apiEvent({
      method: 'POST',
      path: '/accounts/new',
      headers: init.headers,
      body: init.body ?? '',
      isBase64Encoded: init.isBase64Encoded,
    }),
  );
}

async function expectUnchanged(accountId: string, balance: number, version: number): Promise<void> {
  expect((await getAccountResponse(accountId)).body).toMatchObject({ balance, version });
}

const uniqueNumber = () => `W-${randomBytes(5).toString('hex').toUpperCase()}`;

describe('deposit form', () => {
  it('given a plain, grouped amount from our own page when posted then 303 and the exact amount is booked', async () => {
    const session = await visit();
    const id = await givenAccount(100);
    const done = await postAction(id, 'deposit', {
      headers: browserHeaders(session),
      body: encode({ amount: '1,234.56', _csrf: session.token }),
    });
    expect(done.statusCode).toBe(303);
    await expectUnchanged(id, 1334.56, 2);
  });

  it.each([
    ['5,00', 'Use a dot for cents: 5.00'],
    ['1,2,3', 'Put commas only between groups of three digits, as in 1,234,567.89, or leave them out'],
    ['1 000', 'Use commas between thousands, or nothing: 1,000'],
    ['1_000', 'Use commas between thousands, or nothing: 1,000'],
    ['.5', 'Put a digit before the dot: 0.50'],
    ['10.0000000000000001', 'Amount must have at most 2 decimal places'],
  ])('given the amount %p when posted then 400 saying what to type, and nothing is booked', async (amount, message) => {
    const session = await visit();
    const id = await givenAccount(100);
    const page = await postAction(id, 'deposit', {
      headers: browserHeaders(session),
      body: encode({ amount, _csrf: session.token }),
    });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain(`<span class="field-error" id="deposit-amount-error">${message}</span>`);
    await expectUnchanged(id, 100, 1);
  });

  it.each([
    ['a right-to-left override', 'rent \u202Egnp.exe'],
    ['a control character', 'rent\u0007'],
  ])(
    'given a description with %s when posted then 400 naming it, and nothing is booked',
    async (_what, description) => {
      const session = await visit();
      const id = await givenAccount(100);
      const page = await postAction(id, 'deposit', {
        headers: browserHeaders(session),
        body: encode({ amount: '1.00', description, _csrf: session.token }),
      });
      expect(page.statusCode).toBe(400);
      expect(page.body).toMatch(/id="deposit-description-error">Description must not contain/);
      await expectUnchanged(id, 100, 1);
    },
  );

  it('given a declared charset other than UTF-8 when posted then 415, and nothing is booked', async () => {
    const session = await visit();
    const id = await givenAccount(100);
    const page = await postAction(id, 'deposit', {
      headers: browserHeaders(session, { 'content-type': `${FORM}; charset=iso-8859-1` }),
      body: encode({ amount: '1.00', _csrf: session.token }),
    });
    expect(page.statusCode).toBe(415);
    await expectUnchanged(id, 100, 1);
  });

  it('given bytes that are not UTF-8, raw or percent-encoded, when posted then 400, and nothing is booked', async () => {
    const session = await visit();
    const id = await givenAccount(100);
    const raw = Buffer.from(`amount=1.00&description=caf\u00e9&_csrf=${session.token}`, 'latin1');
    const rawPage = await postAction(id, 'deposit', {
      headers: browserHeaders(session),
      body: raw.toString('base64'),
      isBase64Encoded: true,
    });
    expect(rawPage.statusCode).toBe(400);
    const encoded = await postAction(id, 'deposit', {
      headers: browserHeaders(session),
      body: `amount=1.00&description=caf%E9&_csrf=${encodeURIComponent(session.token)}`,
    });
    expect(encoded.statusCode).toBe(400);
    await expectUnchanged(id, 100, 1);
  });
});

describe('cross-site form posts', () => {
  it.each([
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
    ['another Origin', { origin: 'https://evil.test' }],
    ['Origin null', { origin: 'null' }],
    ['our host over http', { origin: `http://${HOST}` }],
  ])('given %s with a valid session and token when posted then 403, and nothing is booked', async (_what, extra) => {
    const session = await visit();
    const id = await givenAccount(100);
    const page = await postAction(id, 'withdraw', {
      headers: browserHeaders(session, extra),
      body: encode({ amount: '1.00', _csrf: session.token }),
    });
    expect(page.statusCode).toBe(403);
    await expectUnchanged(id, 100, 1);
  });

  it('given no Origin nor Sec-Fetch-Site (a non-browser client) with a valid token when posted then it is accepted', async () => {
    const session = await visit();
    const id = await givenAccount(100);
    const page = await postAction(id, 'withdraw', {
      headers: { ...SECURE, 'content-type': FORM, cookie: session.cookie },
      body: encode({ amount: '1.00', _csrf: session.token }),
    });
    expect(page.statusCode).toBe(303);
    await expectUnchanged(id, 99, 2);
  });
});

describe('CSRF token bound to the session', () => {
  it('given a session cookie the client chose when a page is visited then the server issues its own session', async () => {
    const chosen = `__Host-ll_session=${'A'.repeat(43)}`;
    const visited = await visit(chosen);
    expect(visited.page.cookies?.[0]).toMatch(
      /^__Host-ll_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/,
    );
    expect(visited.cookie).not.toBe(chosen);
    // The token the page carried belongs to the issued session: with the chosen cookie it is refused.
    const id = await givenAccount(100);
    const page = await postAction(id, 'deposit', {
      headers: browserHeaders(visited, { cookie: chosen }),
      body: encode({ amount: '1.00', _csrf: visited.token }),
    });
    expect(page.statusCode).toBe(403);
    await expectUnchanged(id, 100, 1);
  });

  it("given another session's token when posted then 403, and nothing is booked", async () => {
    const mine = await visit();
    const theirs = await visit();
    const id = await givenAccount(100);
    const page = await postAction(id, 'deposit', {
      headers: browserHeaders(mine),
      body: encode({ amount: '1.00', _csrf: theirs.token }),
    });
    expect(page.statusCode).toBe(403);
    await expectUnchanged(id, 100, 1);
  });

  it('given a session cookie under the plain name over HTTPS (as a sibling domain could set) when posted then 403', async () => {
    const session = await visit();
    const id = await givenAccount(100);
    const page = await postAction(id, 'deposit', {
      headers: browserHeaders(session, { cookie: session.cookie.replace('__Host-ll_session', 'll_session') }),
      body: encode({ amount: '1.00', _csrf: session.token }),
    });
    expect(page.statusCode).toBe(403);
    await expectUnchanged(id, 100, 1);
  });

  it('given the session cookie when the account page is visited then the same session and token are used', async () => {
    const session = await visit();
    const id = await givenAccount(100);
    const page = await accountPage(
      apiEvent({ path: `/accounts/${id}`, pathParameters: { id }, headers: { ...SECURE, cookie: session.cookie } }),
    );
    expect(page.statusCode).toBe(200);
    expect(page.cookies).toBeUndefined();
    expect(tokenIn(page)).toBe(session.token);
  });
});

describe('open-account form', () => {
  const fields = (overrides: Record<string, string>, token: string) =>
    encode({ accountName: 'Savings', ownerName: 'Ada', initialBalance: '10.00', _csrf: token, ...overrides });

  it('given eu-… when EU-… exists then 409 next to the number, and nothing else is opened', async () => {
    const session = await visit();
    const number = uniqueNumber();
    const first = await postOpen({
      headers: browserHeaders(session),
      body: fields({ accountNumber: number }, session.token),
    });
    expect(first.statusCode).toBe(303);
    const duplicate = await postOpen({
      headers: browserHeaders(session),
      body: fields({ accountNumber: number.toLowerCase() }, session.token),
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.body).toContain(`id="open-accountNumber-error">An account with number ${number} already exists`);
  });

  it.each([
    ['initialBalance', { initialBalance: '5,00' }, 'Use a dot for cents: 5.00'],
    ['ownerName', { ownerName: '\u2067Eve\u2069' }, 'Owner name must not contain bidirectional control characters'],
    ['accountNumber', { accountNumber: 'W-\u202E1' }, 'Account number must be 1 to 34 characters'],
  ])('given a bad %s when posted then 400 naming it, and the number stays free', async (field, overrides, message) => {
    const session = await visit();
    const number = uniqueNumber();
    const page = await postOpen({
      headers: browserHeaders(session),
      body: fields({ accountNumber: number, ...overrides }, session.token),
    });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain(`id="open-${field}-error">${message}`);
    const retry = await postOpen({
      headers: browserHeaders(session),
      body: fields({ accountNumber: number }, session.token),
    });
    expect(retry.statusCode).toBe(303);
  });

  it('given a cross-site post when opening then 403, and the number stays free', async () => {
    const session = await visit();
    const number = uniqueNumber();
    const refused = await postOpen({
      headers: browserHeaders(session, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' }),
      body: fields({ accountNumber: number }, session.token),
    });
    expect(refused.statusCode).toBe(403);
    const retry = await postOpen({
      headers: browserHeaders(session),
      body: fields({ accountNumber: number }, session.token),
    });
    expect(retry.statusCode).toBe(303);
  });
});

/**
 * The forms' CSRF key from Secrets Manager (WEB_CSRF_SECRET_ARN), through the real form handlers and the real SDK
 * against a local stand-in of the Secrets Manager API: read once per container by the first form request and awaited
 * by it; a failed read answers 503 with Retry-After (never 500), is not kept, and leaves nothing running.
 */
import { createCsrf, resetCsrfForTests } from '../../lib/presentation/web/csrf';
import { apiEvent } from '../../lib/presentation/http/testing';
import type { WebResult } from '../../lib/presentation/web/http';
import { freePort } from '../../local/ports';
import { authHeaders } from '../../test/support/auth';
import {
  startFakeSecretsManager,
  useSecretsManagerAt,
  type FakeSecretsManager,
} from '../../test/support/fake-secrets-manager';
import { expectNothingLeftRunningInOneOf } from '../../test/support/nothing-left-running';
import { DEFAULT_USER, handlerResources } from '../accounts/testing';
import { handler as openAccountPage } from './open-account';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ledgerline-web-csrf-AbCdEf';
const KEY = 'k'.repeat(24) + 'K'.repeat(24);
const HOST = 'bank.test';
const HEADERS: Record<string, string> = { host: HOST, 'x-forwarded-proto': 'https' };

let fake: FakeSecretsManager;
let restoreSdk: () => void = () => undefined;
const saved = { secret: process.env.WEB_CSRF_SECRET, arn: process.env.WEB_CSRF_SECRET_ARN };

handlerResources();

beforeAll(async () => {
  Object.assign(HEADERS, await authHeaders(DEFAULT_USER));
  fake = await startFakeSecretsManager();
  delete process.env.WEB_CSRF_SECRET;
  process.env.WEB_CSRF_SECRET_ARN = ARN;
});

beforeEach(() => {
  // A new container: no key in memory, nothing cached by the SDK client.
  resetCsrfForTests();
  fake.reset();
});

afterEach(() => restoreSdk());

afterAll(async () => {
  for (const [name, value] of [
    ['WEB_CSRF_SECRET', saved.secret],
    ['WEB_CSRF_SECRET_ARN', saved.arn],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetCsrfForTests();
  await fake.close();
});

const formPage = (): Promise<WebResult> => openAccountPage(apiEvent({ path: '/accounts/new', headers: HEADERS }));

function sessionOf(page: WebResult): { cookie: string; token: string } {
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body ?? '')?.[1];
  const cookie = page.cookies?.[0]?.split(';')[0];
  if (!token || !cookie) throw new Error('no CSRF token or session cookie on the page');
  return { cookie, token };
}

const post = (session: { cookie: string; token: string }): Promise<WebResult> =>
  openAccountPage(
    apiEvent({
      method: 'POST',
      path: '/accounts/new',
      headers: {
        ...HEADERS,
        'content-type': 'application/x-www-form-urlencoded',
        cookie: session.cookie,
        origin: `https://${HOST}`,
        'sec-fetch-site': 'same-origin',
      },
      // No account fields: a post whose token is accepted is then refused by the form's own checks (400).
      body: new URLSearchParams({ _csrf: session.token }).toString(),
    }),
  );

function expectUnavailablePage(page: WebResult): void {
  expect(page.statusCode).toBe(503);
  expect(page.headers?.['retry-after']).toBeDefined();
  expect(page.headers?.['content-type']).toMatch(/^text\/html/);
}

describe('CSRF key from Secrets Manager', () => {
  it('given the secret, when the first form pages of a container render (two at once, then one), then the secret is read once and signs their sessions', async () => {
    restoreSdk = useSecretsManagerAt(fake.endpoint);
    fake.secrets.set(ARN, KEY);

    const [first, second] = await Promise.all([formPage(), formPage()]);
    const third = await formPage();

    for (const page of [first, second, third]) expect(page.statusCode).toBe(200);
    expect(fake.hits(ARN)).toBe(1);
    const { cookie, token } = sessionOf(first);
    const cookieValue = cookie.slice(cookie.indexOf('=') + 1);
    expect(createCsrf(Buffer.from(KEY)).verify(cookieValue, token)).toBe(true);
  });

  it("given the secret, when a form is posted, then its token is verified with the secret's key: ours passes, another key's is refused", async () => {
    restoreSdk = useSecretsManagerAt(fake.endpoint);
    fake.secrets.set(ARN, KEY);
    const session = sessionOf(await formPage());
    const cookieValue = session.cookie.slice(session.cookie.indexOf('=') + 1);
    const sessionId = cookieValue.split('.')[0] ?? '';
    const forged = createCsrf(Buffer.from('x'.repeat(48))).tokenFor(sessionId);

    expect((await post(session)).statusCode).toBe(400);
    expect((await post({ ...session, token: forged })).statusCode).toBe(403);
    expect(fake.hits(ARN)).toBe(1);
  });

  it('given the secret cannot be read, when a form page is asked for, then 503 with Retry-After; once it can, the next request reads it', async () => {
    restoreSdk = useSecretsManagerAt(fake.endpoint);

    expectUnavailablePage(await formPage());
    fake.secrets.set(ARN, KEY);
    const page = await formPage();

    expect(page.statusCode).toBe(200);
    expect(fake.hits(ARN)).toBe(2);
  });

  it('given Secrets Manager is unreachable, when a form is posted, then 503 with Retry-After and nothing is left running', async () => {
    restoreSdk = useSecretsManagerAt(`http://127.0.0.1:${await freePort()}`);
    const session = { cookie: 'll_session=unknown.unknown', token: 'unknown' };

    const page = await expectNothingLeftRunningInOneOf(3, () => post(session));

    expectUnavailablePage(page);
  }, 30_000);
});

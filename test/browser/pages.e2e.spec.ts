/**
 * The web pages in a real browser (test/support/chromium.ts, through playwright-core) against the whole local stack:
 * LEDGERLINE_BASE_URL when set, else serverless offline started by test/support/stack.ts with this run's database and topics.
 * Screenshots of every page go to test-results/screenshots/ (git-ignored).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitUntil } from '../../lib/platform/wait-until';
import { launchChromium } from '../support/chromium';
import { useStack, type Stack } from '../support/stack';

const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots');
const XSS_OWNER = '<script>alert(1)</script>';
/** How long the read models may take to follow a command (relay hand-off → Kafka → trigger → projector). */
const CONVERGE_MS = 60_000;

jest.setTimeout(300_000);

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];
const run = Date.now().toString(36).toUpperCase();

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function goto(pathname: string): Promise<number> {
  const response = await page.goto(`${stack.baseUrl}${pathname}`, { waitUntil: 'load' });
  return response?.status() ?? 0;
}

/** Reloads `pathname` until `check` holds (the read models are eventually consistent). */
async function reloadUntil(pathname: string, check: () => Promise<boolean>, what: string): Promise<void> {
  await waitUntil(
    what,
    async () => {
      await goto(pathname);
      return (await check()) || undefined;
    },
    { timeoutMs: CONVERGE_MS, intervalMs: 500 },
  );
}

async function openAccount(fields: { number: string; name: string; owner: string; initial: string }): Promise<string> {
  await goto('/accounts/new');
  await page.getByLabel('Account number').fill(fields.number);
  await page.getByLabel('Account name').fill(fields.name);
  await page.getByLabel('Owner name').fill(fields.owner);
  await page.getByLabel('Initial balance').fill(fields.initial);
  await Promise.all([
    page.waitForURL(/\/accounts\/[0-9a-f-]{36}$/),
    page.getByRole('button', { name: 'Open account' }).click(),
  ]);
  const id = /\/accounts\/([0-9a-f-]{36})/.exec(page.url())?.[1];
  if (!id) throw new Error(`no account id in ${page.url()}`);
  return id;
}

async function submit(
  form: 'deposit' | 'withdraw' | 'transfer',
  amount: string,
  extra?: () => Promise<void>,
): Promise<void> {
  const section = page.locator(`section:has(h2#${form}-title)`);
  await extra?.();
  await section.getByLabel('Amount').fill(amount);
  await section.getByRole('button').click();
  await page.waitForLoadState('load');
}

/** Signs in through the sign-in page (the local issuer), as a user would; lands on `next` (default the home page). */
async function signIn(username: string, groups: Array<'tellers' | 'admins'> = [], next = '/'): Promise<void> {
  await goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(username);
  for (const group of groups) await page.getByLabel(group, { exact: true }).check();
  await Promise.all([
    page.waitForURL((url) => url.pathname === next.split('?')[0]),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

async function signOut(): Promise<void> {
  await goto('/signout');
  await Promise.all([page.waitForURL(/\/signin/), page.getByRole('button', { name: 'Sign out' }).click()]);
}

async function balanceText(): Promise<string> {
  return (await page.locator('#balance').textContent())?.trim() ?? '';
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await useStack('browser');
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('signing in', () => {
  it('given no session when a page is opened then the sign-in page comes, and signing in leads back to it', async () => {
    await goto('/reports/balances');
    expect(new URL(page.url()).pathname).toBe('/signin');
    await shot('00-signin');
    await signIn(`staff-${run.toLowerCase()}`, ['admins'], '/reports/balances');
    await expect(page.title()).resolves.toBe('Balances · Ledgerline');
    const cookie = (await context.cookies()).find((item) => item.name === 'ledgerline_token');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  });

  it('given a bad username when signing in then the issuer’s message is shown and no session starts', async () => {
    await signOut();
    await goto('/signin');
    await page.getByLabel('Username').fill('Not Valid!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    await expect(page.locator('#signin-error').textContent()).resolves.toMatch(/Username must be/);
    expect((await context.cookies()).some((item) => item.name === 'ledgerline_token')).toBe(false);
  });
});

describe('web pages in a browser', () => {
  beforeAll(async () => {
    await signIn(`staff-${run.toLowerCase()}`, ['admins']);
  });

  let aliceId: string;
  let bobId: string;
  const alice = { number: `WEB-A-${run}`, name: `Alice savings ${run}`, owner: XSS_OWNER, initial: '1,000.00' };
  const bob = { number: `WEB-B-${run}`, name: `Bob current ${run}`, owner: 'Bob Example', initial: '0' };

  it('given the home page when opened then it links to every part of the app', async () => {
    expect(await goto('/')).toBe(200);
    await expect(page.title()).resolves.toBe('Home · Ledgerline');
    for (const name of ['Open an account', 'Balances', 'Operations', 'API']) {
      await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).count()).resolves.toBe(1);
    }
    await shot('01-home');
  });

  it('given an empty open-account form when submitted then the API messages appear next to the fields', async () => {
    await goto('/accounts/new');
    await page.getByLabel('Initial balance').fill('12.345');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Open account' }).click(),
    ]);
    expect(response.status()).toBe(400);
    await expect(page.locator('#open-accountNumber-error').textContent()).resolves.toBe('Account number is required');
    await expect(page.locator('#open-initialBalance-error').textContent()).resolves.toBe(
      'Amount must have at most 2 decimal places',
    );
    await expect(page.getByLabel('Owner name').getAttribute('aria-invalid')).resolves.toBe('true');
    await shot('02-open-account-errors');
  });

  it('given a hostile owner name when an account is opened through the form then it renders as text', async () => {
    aliceId = await openAccount(alice);
    await expect(page.locator('.notice.success').textContent()).resolves.toBe(
      'Account opened with 1,000.00 — balance 1,000.00, version 1.',
    );
    await expect(balanceText()).resolves.toBe('1,000.00');
    await expect(page.locator('dl.facts dd').nth(1).textContent()).resolves.toBe(XSS_OWNER);
    await expect(page.locator('script').count()).resolves.toBe(0);
    expect(dialogs).toEqual([]);
    bobId = await openAccount(bob);
    await expect(balanceText()).resolves.toBe('0.00');
  });

  it('given the account page when depositing and withdrawing then the balance and history follow (post/redirect/get)', async () => {
    await goto(`/accounts/${aliceId}`);
    await submit('deposit', '250.50');
    expect(page.url()).toBe(`${stack.baseUrl}/accounts/${aliceId}`);
    await expect(page.locator('.notice.success').textContent()).resolves.toBe(
      'Deposited 250.50 — balance 1,250.50, version 2.',
    );
    await expect(balanceText()).resolves.toBe('1,250.50');
    await submit('withdraw', '100');
    await expect(page.locator('.notice.success').textContent()).resolves.toBe(
      'Withdrew 100.00 — balance 1,150.50, version 3.',
    );
    // The notice was for that one page: a reload does not show it again.
    await page.reload();
    await expect(page.locator('.notice').count()).resolves.toBe(0);
    await expect(balanceText()).resolves.toBe('1,150.50');
    await expect(page.locator('table tbody tr').count()).resolves.toBe(3);
    await expect(page.locator('table tbody tr').first().locator('.badge').textContent()).resolves.toBe(
      'Money withdrawn',
    );
  });

  it('given too large a withdrawal when submitted then the refusal is shown next to the amount and nothing changes', async () => {
    await submit('withdraw', '5000');
    await expect(page.locator('#withdraw-amount-error').textContent()).resolves.toMatch(/Insufficient funds/);
    await expect(balanceText()).resolves.toBe('1,150.50');
    await shot('03-account-refused-withdrawal');
  });

  it('given another account in the report when transferring through the form then both balances move', async () => {
    await reloadUntil(
      `/accounts/${aliceId}`,
      async () => (await page.locator(`#transfer-targets option[value="${bob.number}"]`).count()) === 1,
      'the second account to appear in the transfer choices',
    );
    await submit('transfer', '150.25', async () => {
      await page.locator('#transfer-toAccountNumber').fill(bob.number.toLowerCase());
    });
    await expect(page.locator('.notice.success').textContent()).resolves.toBe(
      `Transferred 150.25 to ${bob.number} — balance 1,000.25, version 4.`,
    );
    await expect(balanceText()).resolves.toBe('1,000.25');
    await expect(page.locator('table tbody tr').first().locator('.badge').textContent()).resolves.toBe('Transfer out');
    await shot('04-account');
    await goto(`/accounts/${bobId}`);
    await expect(balanceText()).resolves.toBe('150.25');
  });

  it('given the commands when the balances report is opened then it shows both new balances', async () => {
    const row = (id: string) => page.locator(`tr:has(a[href="/accounts/${id}"])`).first();
    await reloadUntil(
      '/reports/balances',
      async () =>
        (await row(aliceId).count()) === 1 &&
        (await row(aliceId).locator('td.num').textContent()) === '1,000.25' &&
        (await row(bobId).locator('td.num').textContent()) === '150.25',
      'the balances report to show the transfer',
    );
    await expect(row(aliceId).textContent()).resolves.toContain(XSS_OWNER);
    await shot('05-balances');
  });

  it("given the commands when the account's transactions report is opened then every transaction is there, chained", async () => {
    await reloadUntil(
      `/reports/transactions/${aliceId}`,
      async () => (await page.locator('table tbody tr').count()) === 4,
      'four transactions in the report',
    );
    const amounts = await page.locator('table tbody tr td:nth-child(3)').allTextContents();
    expect(amounts).toEqual(['-150.25', '-100.00', '+250.50', '+1,000.00']);
    const closing = await page.locator('table tbody tr td:nth-child(5)').allTextContents();
    expect(closing).toEqual(['1,000.25', '1,150.50', '1,250.50', '1,000.00']);
    await expect(page.locator('table tbody tr td time').first().textContent()).resolves.toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/,
    );
    await shot('06-transactions');
  });

  it('given the operations page when opened then relay, consumer lag, dead letters and projections are shown', async () => {
    expect(await goto('/ops')).toBe(200);
    for (const heading of [
      'Relay lag',
      'Consumer lag',
      'Dead letters',
      'Projections',
      'Consumer lag per partition',
      'Projection progress',
    ]) {
      await expect(page.getByRole('heading', { name: heading, exact: true }).count()).resolves.toBe(1);
    }
    await shot('07-ops');
  });

  it('given an unknown page when opened then a 404 page is shown', async () => {
    expect(await goto(`/no-such-page-${run}`)).toBe(404);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found');
    expect(await goto('/accounts/00000000-0000-4000-8000-000000000000')).toBe(404);
    await shot('08-not-found');
  });

  it('given Swagger UI when opened then it loads the API document from the app itself', async () => {
    const external: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(stack.baseUrl)) external.push(request.url());
    });
    expect(await goto('/swagger')).toBe(200);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    await expect(page.locator('.opblock').count()).resolves.toBeGreaterThanOrEqual(10);
    expect(external.filter((url) => !url.startsWith('data:'))).toEqual([]);
    await shot('09-swagger');
  });

  it('given a form post without its CSRF token when sent then it is refused and nothing changes', async () => {
    const response = await context.request.post(`${stack.baseUrl}/accounts/${aliceId}/deposit`, {
      form: { amount: '1.00' },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    await goto(`/accounts/${aliceId}`);
    await expect(balanceText()).resolves.toBe('1,000.25');
  });

  it('given /openapi.json when fetched then it is a valid OpenAPI 3.1 document listing every API route', async () => {
    const response = await fetch(`${stack.baseUrl}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/accounts',
      '/api/accounts/{id}',
      '/api/accounts/{id}/deposit',
      '/api/accounts/{id}/history',
      '/api/accounts/{id}/transfer',
      '/api/accounts/{id}/withdraw',
      '/api/admin/rebuilds/{id}',
      '/api/reports/balances',
      '/api/reports/freshness',
      '/api/reports/status',
      '/api/reports/transactions/{accountId}',
      '/health',
    ]);
    expect(Object.keys(doc.paths['/api/accounts/{id}/transfer']?.post?.responses ?? {}).sort()).toEqual([
      '200',
      '400',
      '401',
      '404',
      '409',
      '413',
      '415',
      '422',
      '500',
    ]);
  });
});

describe('pages by role', () => {
  const customer = `cust-${run.toLowerCase()}`;
  let staffAccount: string;

  beforeAll(async () => {
    await signOut();
    await signIn(`teller-${run.toLowerCase()}`, ['tellers']);
    staffAccount = await openAccount({ number: `WEB-T-${run}`, name: `Teller own ${run}`, owner: 'T', initial: '5' });
    await signOut();
    await signIn(customer);
  });

  it('given a customer then their own account is theirs, and other accounts, other balances and /ops are not', async () => {
    const mine = await openAccount({ number: `WEB-C-${run}`, name: `Customer own ${run}`, owner: 'C', initial: '7' });
    expect(await goto(`/accounts/${mine}`)).toBe(200);
    expect(await goto(`/accounts/${staffAccount}`)).toBe(404);
    expect(await goto(`/reports/transactions/${staffAccount}`)).toBe(404);
    expect(await goto('/ops')).toBe(403);
    await reloadUntil(
      '/reports/balances',
      async () => (await page.locator(`a[href="/accounts/${mine}"]`).count()) >= 1,
      "the customer's account in their balances report",
    );
    const links = await page
      .locator('table a[href^="/accounts/"]')
      .evaluateAll((items) => items.map((item) => item.getAttribute('href')));
    expect(new Set(links)).toEqual(new Set([`/accounts/${mine}`]));
    await shot('10-customer-balances');
  });

  it('given a bearer token instead of the cookie then pages answer for that user; a forged one is a 401', async () => {
    const token = (await (
      await fetch(`${stack.baseUrl}/local/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: customer }),
      })
    ).json()) as { access_token: string };
    const asCustomer = await fetch(`${stack.baseUrl}/reports/balances`, {
      headers: { authorization: `Bearer ${token.access_token}` },
      redirect: 'manual',
    });
    expect(asCustomer.status).toBe(200);
    expect(await asCustomer.text()).not.toContain(staffAccount);
    const forged = await fetch(`${stack.baseUrl}/reports/balances`, {
      headers: { authorization: `Bearer ${token.access_token.slice(0, -6)}AAAAAA` },
      redirect: 'manual',
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('given sign-out then the session is gone and pages ask to sign in again', async () => {
    await signOut();
    expect((await context.cookies()).some((item) => item.name === 'ledgerline_token')).toBe(false);
    await goto('/');
    expect(new URL(page.url()).pathname).toBe('/signin');
  });
});

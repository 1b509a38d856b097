/**
 * Issue 15 in a real browser (test/support/chromium.ts) against the whole local stack (test/support/stack.ts): honest
 * freshness with the projector held, the phone-sized layout, time travel, statements, the event explorer and
 * search. Every page is shot at 1280×900 and 390×844 into test-results/screenshots/15-*.png.
 *
 * "The projector paused": the test holds the row lock the projector takes on an account's progress row
 * (read_model.account_progress … FOR UPDATE in lib/projections/store.ts), so that account's events wait in the
 * projector — a few seconds only, well inside its statement timeout, so nothing is retried or dead-lettered.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createKafka } from '../../lib/platform/kafka/client';
import { waitUntil } from '../../lib/platform/wait-until';
import { launchChromium } from '../support/chromium';
import { useStack, type Stack } from '../support/stack';
import { localToken } from '../e2e/http-client';

const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots');
const CONVERGE_MS = 60_000;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

jest.setTimeout(300_000);

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const run = Date.now().toString(36).toUpperCase();

/** The page at desktop and at phone size (full page), then back to desktop. */
async function shots(name: string, on: Page = page): Promise<void> {
  await on.setViewportSize(DESKTOP);
  await on.screenshot({ path: path.join(SCREENSHOTS, `15-${name}-desktop.png`), fullPage: true });
  await on.setViewportSize(PHONE);
  await on.screenshot({ path: path.join(SCREENSHOTS, `15-${name}-phone.png`), fullPage: true });
  await on.setViewportSize(DESKTOP);
}

let token: string;

/** fetch as this file's user (an admin): its token in the Authorization header. */
function authed(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
  });
}

/**
 * Navigates `on` to pathname. A report page left open by an earlier test reloads itself when its freshness changes
 * (/assets/freshness.js), which can interrupt this navigation: then it is simply made again.
 */
async function goto(pathname: string, on: Page = page): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await on.goto(`${stack.baseUrl}${pathname}`, { waitUntil: 'load' });
      return response?.status() ?? 0;
    } catch (error) {
      if (attempt >= 3 || !/interrupted by another navigation/.test(String(error))) throw error;
    }
  }
}

async function api(method: string, pathname: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await authed(`${stack.baseUrl}${pathname}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${pathname} → ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function openAccountByApi(number: string, name: string, owner: string, initialBalance: number): Promise<string> {
  const created = await api('POST', '/api/accounts', {
    accountNumber: number,
    accountName: name,
    ownerName: owner,
    initialBalance,
  });
  return String(created.accountId);
}

/** Until the account's read model has applied every event of the store (its freshness API says so). */
async function projected(accountId: string): Promise<void> {
  await waitUntil(
    `account ${accountId} to be projected`,
    async () => (await api('GET', `/api/reports/freshness?accountId=${accountId}`)).upToDate === true || undefined,
    { timeoutMs: CONVERGE_MS, intervalMs: 200 },
  );
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await useStack('browser-front-end');
  browser = await launchChromium();
  context = await browser.newContext({ viewport: DESKTOP });
  // The session cookie the sign-in page sets (test/browser/pages.e2e.spec.ts signs in through the page itself).
  token = await localToken(stack.baseUrl, { username: `front-end-${run.toLowerCase()}`, groups: ['admins'] });
  await context.addCookies([
    { name: 'ledgerline_token', value: token, url: stack.baseUrl, httpOnly: true, sameSite: 'Lax' },
  ]);
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('freshness of the report pages', () => {
  it('given the projector held on an account when a deposit is made then both report pages say how far behind within 2 s, and up to date after it catches up', async () => {
    const id = await openAccountByApi(`FR-${run}`, `Fresh ${run}`, 'Fran', 738.91);
    await projected(id);
    const balances = await context.newPage();
    await goto(`/reports/transactions/${id}`);
    await goto('/reports/balances', balances);
    await expect(page.locator('#freshness .badge').textContent()).resolves.toBe('Up to date');

    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      await db.query('BEGIN');
      await db.query('SELECT 1 FROM read_model.account_progress WHERE account_id = $1 FOR UPDATE', [id]);
      await api('POST', `/api/accounts/${id}/deposit`, { amount: 100, description: 'held back' });
      const depositedAt = Date.now();
      // The open pages notice on their own (no reload by the test).
      await page.locator('#freshness .badge', { hasText: '1 event behind' }).waitFor({ timeout: 2_000 });
      await balances
        .locator('#freshness.behind')
        .waitFor({ timeout: Math.max(100, 2_000 - (Date.now() - depositedAt)) });
      await expect(page.locator('#freshness').textContent()).resolves.toMatch(
        /as of \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/,
      );
      await expect(page.locator('#divergence').textContent()).resolves.toMatch(
        /event store is at version 2 \(balance 838\.91\).*applied up to version 1 \(balance 738\.91\)/s,
      );
      const api1 = await authed(`${stack.baseUrl}/api/reports/transactions/${id}`);
      expect(api1.headers.get('x-read-model-events-behind')).toBe('1');
      expect(api1.headers.get('x-read-model-as-of')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      await shots('freshness-behind');
      await shots('freshness-behind-balances', balances);
    } finally {
      await db.query('ROLLBACK').catch(() => undefined);
      await db.end();
    }
    // Released: the projector applies the deposit and the open page reloads itself.
    await page.locator('#freshness .badge', { hasText: 'Up to date' }).waitFor({ timeout: CONVERGE_MS });
    await expect(page.locator('#divergence').count()).resolves.toBe(0);
    await expect(page.locator('table tbody tr').count()).resolves.toBe(2);
    const api2 = await authed(`${stack.baseUrl}/api/reports/transactions/${id}`);
    expect(api2.headers.get('x-read-model-events-behind')).toBe('0');
    await shots('freshness-caught-up');
    await balances.close();
  });
});

describe('forms, notices and the phone-sized layout', () => {
  let id: string;
  const number = `PH-${run}`;

  it('given the open-account form when submitted then the notice names what happened, the URL carries nothing, and a reload drops it', async () => {
    await goto('/accounts/new');
    await page.getByLabel('Account number').fill(number);
    await page.getByLabel('Account name').fill(`Phone ${run} with a rather long account name`);
    await page.getByLabel('Owner name').fill('Pat');
    await page.getByLabel('Initial balance').fill('1,000.00');
    await Promise.all([
      page.waitForURL(/\/accounts\/[0-9a-f-]{36}$/),
      page.getByRole('button', { name: 'Open account' }).click(),
    ]);
    id = /\/accounts\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
    await expect(page.locator('.notice.success').textContent()).resolves.toBe(
      'Account opened with 1,000.00 — balance 1,000.00, version 1.',
    );
    await page.locator('section:has(h2#deposit-title)').getByLabel('Amount').fill('1,000.50');
    await Promise.all([
      page.waitForURL(`${stack.baseUrl}/accounts/${id}`),
      page.getByRole('button', { name: 'Deposit' }).click(),
    ]);
    await page.waitForLoadState('load');
    await expect(page.locator('.notice.success').textContent()).resolves.toBe(
      'Deposited 1,000.50 — balance 2,000.50, version 2.',
    );
    await page.reload();
    await expect(page.locator('.notice').count()).resolves.toBe(0);
  });

  it('given an invalid amount on a phone when submitted then the focus is on the error summary, in view', async () => {
    await page.setViewportSize(PHONE);
    await goto(`/accounts/${id}`);
    await page.locator('section:has(h2#withdraw-title)').getByLabel('Amount').fill('5,00');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Withdraw' }).click(),
    ]);
    expect(response.status()).toBe(400);
    await page.waitForLoadState('load');
    await waitUntil(
      'the error summary to take the focus',
      async () =>
        (await page.evaluate<string | undefined>('document.activeElement?.id')) === 'withdraw-errors' || undefined,
      { timeoutMs: 5_000 },
    );
    const box = await page.locator('#withdraw-errors').boundingBox();
    const scrollY = await page.evaluate<number>('window.scrollY');
    expect(box).not.toBeNull();
    // in the viewport (boundingBox is relative to it)
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(PHONE.height);
    expect(scrollY).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, '15-error-summary-phone-viewport.png') });
    await page.setViewportSize(DESKTOP);
  });

  it('given the history, transactions and balances tables on a phone then each row shows its amount on screen', async () => {
    await projected(id);
    await page.setViewportSize(PHONE);
    for (const [pathname, row] of [
      [`/accounts/${id}`, '#history tbody tr'],
      [`/reports/transactions/${id}`, 'table tbody tr'],
      ['/reports/balances', `table tbody tr:has(a[href="/accounts/${id}"])`],
    ] as const) {
      await goto(pathname);
      const amount = page.locator(`${row} td.amount`).first();
      const box = await amount.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    }
    await page.setViewportSize(DESKTOP);
    await goto(`/accounts/${id}`);
    await shots('account');
    await goto(`/reports/transactions/${id}`);
    await shots('transactions');
    await goto('/reports/balances');
    await shots('balances');
  });
});

describe('time travel', () => {
  let id: string;

  it('given an account with three events then the history shows the running balance, and the chart one point per event', async () => {
    id = await openAccountByApi(`TT-${run}`, `Travel ${run}`, 'Tess', 1000);
    await api('POST', `/api/accounts/${id}/deposit`, { amount: 250.5 });
    await api('POST', `/api/accounts/${id}/withdraw`, { amount: 100 });
    await goto(`/accounts/${id}`);
    const running = (await page.locator('#history tbody tr td:nth-child(7)').allTextContents()).map((t) => t.trim());
    expect(running).toEqual(['1,150.50', '1,250.50', '1,000.00']);
    await expect(page.locator('figure.chart svg[role="img"] circle').count()).resolves.toBe(3);
  });

  it('given a history row when its version is followed then the account is shown as of that version, without forms', async () => {
    await Promise.all([
      page.waitForURL(/\?version=2$/),
      page.getByRole('link', { name: 'The account as of version 2' }).click(),
    ]);
    await expect(page.locator('#balance').textContent()).resolves.toBe('1,250.50');
    await expect(page.locator('#moment').textContent()).resolves.toMatch(/As of\s+version 2/);
    await expect(page.locator('form[action$="/deposit"]').count()).resolves.toBe(0);
    await expect(page.locator('#history tbody tr').count()).resolves.toBe(2);
    await shots('account-as-of-version');
  });

  it('given a date and time in the picker when shown then the page agrees with the API as of that instant', async () => {
    const created = await page.locator('#history tbody tr:last-child time').getAttribute('datetime');
    const instant = new Date(Date.parse(created!) + 1_000).toISOString().slice(0, 19);
    await goto(`/accounts/${id}`);
    await page.getByLabel(/Show the account as of/).fill(instant);
    await Promise.all([page.waitForURL(/\?asOf=/), page.getByRole('button', { name: 'Show' }).click()]);
    const expected = await api('GET', `/api/accounts/${id}?asOf=${instant}Z`);
    await expect(page.locator('#balance').textContent()).resolves.toBe(
      Number(expected.balance).toLocaleString('en-US', { minimumFractionDigits: 2 }),
    );
    await expect(page.locator('dl.facts').textContent()).resolves.toContain(String(expected.version));
    await shots('account-as-of-instant');
  });
});

describe('statements', () => {
  it('given an account with movements today when its statement is shown and downloaded then opening and closing balances agree in the page, the CSV and the PDF', async () => {
    const id = await openAccountByApi(`ST-${run}`, `Statement ${run}`, 'Stella', 1000);
    await api('POST', `/api/accounts/${id}/deposit`, { amount: 250.5, description: 'Salary' });
    await api('POST', `/api/accounts/${id}/withdraw`, { amount: 100 });
    const today = new Date().toISOString().slice(0, 10);
    await goto(`/accounts/${id}`);
    await Promise.all([
      page.waitForURL(/\/statement$/),
      page.getByRole('link', { name: 'Statement (CSV, PDF)' }).click(),
    ]);
    await page.getByLabel(/^From/).fill(today);
    await page.getByLabel(/^To/).fill(today);
    await Promise.all([
      page.waitForURL(/\/statement\?from=/),
      page.getByRole('button', { name: 'Show', exact: true }).click(),
    ]);
    await expect(page.locator('#opening').textContent()).resolves.toBe('0.00 EUR');
    await expect(page.locator('#closing').textContent()).resolves.toBe('1,150.50 EUR');
    await expect(page.locator('#statement tbody tr').count()).resolves.toBe(3);
    await shots('statement');

    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(csvDownload.suggestedFilename()).toBe(`statement-ST-${run}-${today}-${today}.csv`);
    const csv = await authed(`${stack.baseUrl}/accounts/${id}/statement?from=${today}&to=${today}&format=csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = await csv.text();
    expect(text).toContain('"Opening balance","0.00"');
    expect(text).toContain('"Closing balance","1150.50"');
    expect(text).toMatch(/"2","Salary","250\.50","1250\.50","EUR"/);

    const pdf = await authed(`${stack.baseUrl}/accounts/${id}/statement?from=${today}&to=${today}&format=pdf`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer()).toString('latin1');
    expect(bytes.startsWith('%PDF-1.4')).toBe(true);
    expect(bytes).toContain('(Closing balance: 1,150.50 EUR) Tj');
  });

  it('given a period that ends before it starts then the page says so next to the dates, focused', async () => {
    const id = await openAccountByApi(`SX-${run}`, `Statement bad ${run}`, 'Stella', 1);
    expect(await goto(`/accounts/${id}/statement?from=2026-12-05&to=2026-12-01`)).toBe(400);
    await expect(page.locator('#period-error').textContent()).resolves.toBe(
      'The last day must not be before the first day.',
    );
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('period-error');
  });
});

describe('event explorer', () => {
  it("given a transfer's correlation id when followed then both legs show their Kafka partition and offset and their read-model rows", async () => {
    const from = await openAccountByApi(`EX-A-${run}`, `Explore from ${run}`, 'Ezra', 500);
    const to = await openAccountByApi(`EX-B-${run}`, `Explore to ${run}`, 'Zoe', 0);
    const response = await authed(`${stack.baseUrl}/api/accounts/${from}/transfer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': `transfer-${run}` },
      body: JSON.stringify({ toAccountId: to, amount: 123.45, description: 'Explored' }),
    });
    expect(response.status).toBe(200);
    const correlationId = response.headers.get('x-correlation-id')!;
    expect(correlationId).toBe(`transfer-${run}`);
    await projected(from);
    await projected(to);

    expect(await goto(`/explorer/correlations/${correlationId}`)).toBe(200);
    const rows = page.locator('#events tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const streams = await rows.locator('td:nth-child(3)').allTextContents();
    expect(streams.map((s) => s.trim()).sort()).toEqual([from, to].sort());
    for (const kafka of await rows.locator('td:nth-child(7)').allTextContents())
      expect(kafka.trim()).toMatch(/^p\d+ @ \d+$/);
    for (const applied of await rows.locator('td:nth-child(8)').allTextContents())
      expect(applied.trim()).toBe('Applied');
    await shots('explorer-correlation');

    const legs: Array<{ amount: string; partition: string; offset: string }> = [];
    for (const index of [0, 1]) {
      await goto(`/explorer/correlations/${correlationId}`);
      await Promise.all([page.waitForURL(/\/explorer\/events\//), rows.nth(index).locator('td.lead a').click()]);
      await expect(page.locator('#event-facts').textContent()).resolves.toContain(correlationId);
      await expect(page.locator('#applied').textContent()).resolves.toContain('Applied');
      legs.push({
        amount: (await page.locator('#read-model-row').textContent())!.replace(/\s+/g, ' ').trim(),
        partition: (await page.locator('#kafka-partition').textContent())!,
        offset: (await page.locator('#kafka-offset').textContent())!,
      });
      const payload = JSON.parse((await page.locator('#payload').textContent())!) as Record<string, unknown>;
      expect(payload.transferId).toEqual(expect.any(String));
      const metadata = JSON.parse((await page.locator('#metadata').textContent())!) as Record<string, unknown>;
      expect(metadata).toMatchObject({ correlationId, schemaVersion: 1 });
      if (index === 0) await shots('explorer-event');
    }
    expect(legs.map((leg) => leg.amount).sort()).toEqual([
      'transaction amount -123.45, closing balance 376.55',
      'transaction amount 123.45, closing balance 123.45',
    ]);

    // The same events in the stream view and in the global log.
    expect(await goto(`/explorer/streams/${from}`)).toBe(200);
    await expect(page.locator('#events tbody tr').count()).resolves.toBe(2);
    expect(await goto('/explorer')).toBe(200);
    await expect(page.locator('#events tbody tr').count()).resolves.toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Newest events' }).click();
    await page.waitForLoadState('load');
    await expect(page.locator('#events').textContent()).resolves.toContain(correlationId);
    await shots('explorer-log');
  });
});

describe('dead letters', () => {
  it('given a poison message on the events topic when the projector refuses it then the dead-letter page lists it with its reason', async () => {
    const kafka = createKafka({ retries: 2 });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: process.env.KAFKA_TOPIC!,
        messages: [{ key: `poison-${run}`, value: `{"poison":"${run}"}` }],
      });
    } finally {
      await producer.disconnect();
    }
    await waitUntil(
      'the poison message on the dead-letter page',
      async () => {
        expect(await goto('/explorer/dead-letters')).toBe(200);
        return (await page.locator('#dead-letters').count()) === 1 &&
          (await page.locator('#dead-letters').textContent())!.includes(run)
          ? true
          : undefined;
      },
      { timeoutMs: CONVERGE_MS, intervalMs: 1_000 },
    );
    const row = page.locator('#dead-letters tbody tr', { hasText: run });
    await expect(row.locator('td.lead').textContent()).resolves.toMatch(/\S/);
    await expect(row.locator('td[data-label="From"]').textContent()).resolves.toContain(process.env.KAFKA_TOPIC!);
    await shots('dead-letters');

    // Nothing to re-publish: the poison message names no event of the event store (and its own bytes never are).
    await expect(row.locator('td[data-label="Re-publish"]').textContent()).resolves.toContain(
      'No event id: cannot be re-published',
    );
    await expect(row.getByRole('button', { name: /re-publish/i }).count()).resolves.toBe(0);
  });
});

describe('finding things', () => {
  const tag = `FIND${run}`;
  let ids: string[] = [];

  it('given accounts when searched by number, name or owner then only they come back, totalled, and sorting by balance orders them', async () => {
    ids = [
      await openAccountByApi(`${tag}-1`, `Alpha ${tag}`, 'Olga One', 30),
      await openAccountByApi(`${tag}-2`, `Beta ${tag}`, 'Otto Two', 10.5),
      await openAccountByApi(`${tag}-3`, `Gamma ${tag}`, 'Olga Three', 20.25),
    ];
    for (const id of ids) await projected(id);
    await goto('/reports/balances');
    await page.getByLabel(/Find an account/).fill(tag.toLowerCase());
    await Promise.all([page.waitForURL(/q=/), page.getByRole('button', { name: 'Find' }).click()]);
    const names = async () => (await page.locator('#balances tbody td.lead').allTextContents()).map((t) => t.trim());
    await expect(names()).resolves.toEqual([`Alpha ${tag}`, `Beta ${tag}`, `Gamma ${tag}`]);
    await expect(page.locator('#balances-total').textContent()).resolves.toMatch(/Total of 3 accounts\s+60\.75/);

    await Promise.all([
      page.waitForURL(/sort=balance&dir=asc/),
      page
        .locator('#balances thead')
        .getByRole('link', { name: /^Balance/ })
        .click(),
    ]);
    await expect(names()).resolves.toEqual([`Beta ${tag}`, `Gamma ${tag}`, `Alpha ${tag}`]);
    await expect(page.locator('th[aria-sort="ascending"]').textContent()).resolves.toContain('Balance');
    await Promise.all([
      page.waitForURL(/sort=balance&dir=desc/),
      page
        .locator('#balances thead')
        .getByRole('link', { name: /^Balance/ })
        .click(),
    ]);
    await expect(names()).resolves.toEqual([`Alpha ${tag}`, `Gamma ${tag}`, `Beta ${tag}`]);
    await shots('balances-search-sorted');

    expect(await goto(`/reports/balances?q=${encodeURIComponent(`Olga`)}&sort=number`)).toBe(200);
    const olga = await names();
    expect(olga).toEqual(expect.arrayContaining([`Alpha ${tag}`, `Gamma ${tag}`]));
    expect(olga).not.toContain(`Beta ${tag}`);
  });

  it('given a transfer target typed by account number then the type-ahead offers it and an unknown number is refused next to the field', async () => {
    await goto(`/accounts/${ids[0]}`);
    await expect(page.locator(`#transfer-targets option[value="${tag}-2"]`).count()).resolves.toBe(1);
    await expect(page.locator('#transfer-toAccountNumber').getAttribute('list')).resolves.toBe('transfer-targets');
    const transfer = page.locator('section:has(h2#transfer-title)');
    await transfer.getByLabel('To account').fill(`${tag}-404`);
    await transfer.getByLabel('Amount').fill('1.00');
    await transfer.getByRole('button', { name: 'Transfer' }).click();
    await page.waitForLoadState('load');
    await expect(page.locator('#transfer-toAccountNumber-error').textContent()).resolves.toBe(
      `There is no account with number ${tag}-404`,
    );
    await page.locator('section:has(h2#transfer-title)').getByLabel('To account').fill(`${tag}-2`.toLowerCase());
    await page.locator('section:has(h2#transfer-title)').getByLabel('Amount').fill('5.25');
    await page.locator('section:has(h2#transfer-title)').getByRole('button', { name: 'Transfer' }).click();
    await page.waitForLoadState('load');
    await expect(page.locator('.notice.success').textContent()).resolves.toBe(
      `Transferred 5.25 to ${tag}-2 — balance 24.75, version 2.`,
    );
  });
});

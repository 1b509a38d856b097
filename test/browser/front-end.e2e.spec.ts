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
import { waitUntil } from '../../lib/platform/wait-until';
import { launchChromium } from '../support/chromium';
import { useStack, type Stack } from '../support/stack';

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

async function goto(pathname: string, on: Page = page): Promise<number> {
  const response = await on.goto(`${stack.baseUrl}${pathname}`, { waitUntil: 'load' });
  return response?.status() ?? 0;
}

async function api(method: string, pathname: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.baseUrl}${pathname}`, {
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
      const api1 = await fetch(`${stack.baseUrl}/api/reports/transactions/${id}`);
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
    const api2 = await fetch(`${stack.baseUrl}/api/reports/transactions/${id}`);
    expect(api2.headers.get('x-read-model-events-behind')).toBe('0');
    await shots('freshness-caught-up');
    await balances.close();
  });
});

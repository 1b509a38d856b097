/**
 * Every page of ours, at desktop and at phone size, checked with axe-core (WCAG 2 A and AA rules) in a real browser
 * against the whole local stack: no violation on any of them. The pages are those a signed-in admin reaches (an
 * admin sees every page), plus the sign-in page. Each is also shot, full page, into
 * test-results/screenshots/pages-<size>-<page>.png.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import type { Browser, BrowserContext } from 'playwright-core';
import { createPool } from '../../lib/platform/db/pool';
import { launchChromium } from '../support/chromium';
import { useStack, type Stack } from '../support/stack';
import { localToken } from '../e2e/http-client';

jest.setTimeout(300_000);

const RULE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

type Violation = { id: string; impact: string | null; nodes: Array<{ target: unknown[] }> };

const SCREENSHOTS = join(__dirname, '../../test-results/screenshots');

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let accountId = '';
let otherNumber = '';
let rebuildRunId = '';

async function api(token: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(path, stack.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const parsed = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`POST ${path} → ${response.status}: ${JSON.stringify(parsed)}`);
  return parsed;
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await useStack('browser-accessibility');
  browser = await launchChromium();
  const token = await localToken(stack.baseUrl, { username: 'axe-admin', groups: ['admins'] });
  const number = () => `AXE-${randomBytes(4).toString('hex').toUpperCase()}`;
  const open = async (accountNumber: string) =>
    String(
      (await api(token, '/api/accounts', { accountNumber, accountName: 'Axe', ownerName: 'Ada', initialBalance: 100 }))
        .accountId,
    );
  accountId = await open(number());
  otherNumber = number();
  await open(otherNumber);
  await api(token, `/api/accounts/${accountId}/deposit`, { amount: 25.5 });
  rebuildRunId = await finishedRebuildRun();
  // bypassCSP: our pages allow scripts from the site only; the test injects axe-core inline.
  context = await browser.newContext({ bypassCSP: true });
  await context.addCookies([
    { name: 'ledgerline_token', value: token, url: stack.baseUrl, httpOnly: true, sameSite: 'Lax' },
  ]);
});

/**
 * A finished rebuild run for its page, written straight into the record: a real rebuild would rewrite the read models
 * that other suites of the run are looking at (functions/projector/rebuild.int.spec.ts runs one on a scratch schema).
 */
async function finishedRebuildRun(): Promise<string> {
  const pool = createPool({ max: 1 });
  const id = randomUUID();
  try {
    await pool.query(
      `INSERT INTO read_model.rebuild_runs
         (id, requested_by, started_at, phase, done, total, finished_at, result)
       VALUES ($1, 'axe-admin', now(), 'done', 3, 3, now(), $2)`,
      [id, JSON.stringify({ events: 3, accounts: 2, quarantined: [], durationMs: 120 })],
    );
  } finally {
    await pool.end();
  }
  return id;
}

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const pages = (): string[] => [
  '/',
  '/accounts/new',
  `/accounts/${accountId}`,
  `/accounts/${accountId}?version=1`,
  `/accounts/${accountId}/statement`,
  '/reports/balances',
  `/reports/balances?search=${otherNumber}`,
  `/reports/transactions/${accountId}`,
  '/explorer',
  `/explorer/streams/${accountId}`,
  '/explorer/dead-letters',
  '/ops',
  `/ops/rebuilds/${rebuildRunId}`,
];

describe.each(Object.entries(SIZES))('axe-core at %s size', (size, viewport) => {
  it('given every page of ours when checked then axe finds no WCAG 2 A/AA violation', async () => {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    const found: Record<string, string[]> = {};
    for (const path of [...pages(), '/signin']) {
      const response = await page.goto(`${stack.baseUrl}${path}`, { waitUntil: 'load' });
      expect([path, response?.status()]).toEqual([path, 200]);
      // Every page of ours at this size, to look at (test-results/screenshots/pages-<size>-<page>.png).
      const slug = path
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'id')
        .replace(/AXE-[0-9A-F]+/g, 'number')
        .replace(/[^a-z0-9]+/gi, '-')
        .replace(/^-|-$/g, '');
      await page.screenshot({ path: join(SCREENSHOTS, `pages-${size}-${slug || 'home'}.png`), fullPage: true });
      await page.addScriptTag({ content: axe.source });
      // Evaluated in the page, where axe-core was just injected (a string: this file is not compiled for the DOM).
      const violations = await page.evaluate<Violation[]>(
        `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(RULE_TAGS)} } }).then((r) => r.violations)`,
      );
      if (violations.length > 0) {
        found[path] = violations.map(
          (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`,
        );
      }
    }
    await page.close();
    expect(found).toEqual({});
  });
});

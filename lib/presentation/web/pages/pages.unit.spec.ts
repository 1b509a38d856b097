import { accountPage } from './account';
import { balancesPage } from './balances';
import { openAccountPage } from './open-account';
import { opsPage } from './ops';
import { rebuildRunPage, rebuildSection } from './rebuild';
import { transactionsPage } from './transactions';
import { emptyForm } from '../widgets';
import type { SystemStatus } from '../../../queries/system-status';
import type { RebuildRun } from '../../../projections/rebuild-runs';

const XSS = '<script>alert(1)</script>';
const account = {
  id: '0b9f6f0e-7c39-4a57-9a53-0f3d6d2f4c11',
  accountNumber: 'ACC-1',
  accountName: `Savings ${XSS}`,
  ownerName: XSS,
  balance: 123456789,
  version: 3,
  isActive: true,
};

function accountHtml(overrides: Partial<Parameters<typeof accountPage>[0]> = {}): string {
  return accountPage({
    account,
    history: [
      {
        id: 'e1',
        type: 'AccountCreated',
        version: 1,
        timestamp: new Date('2026-11-27T09:12:00Z'),
        data: { initialBalance: 100000, description: XSS },
      },
      {
        id: 'e2',
        type: 'MoneyWithdrawn',
        version: 2,
        timestamp: new Date('2026-11-27T09:13:00Z'),
        data: {
          amount: 2550,
          description: 'Transfer to ACC-2',
          transferId: 't',
          counterpartyAccountId: 'a2',
          counterpartyAccountNumber: 'ACC-2',
        },
      },
    ],
    historyPager: { next: '/accounts/x?upTo=1', nextLabel: 'Older →' },
    forms: {
      deposit: emptyForm,
      withdraw: { values: { amount: `1"><b>` }, errors: { amount: ['Insufficient funds in account ACC-1'] } },
      transfer: emptyForm,
    },
    idempotencyKeys: { deposit: 'k1', withdraw: 'k2', transfer: 'k3' },
    transferChoices: [{ value: 'a2', label: `ACC-2 — ${XSS}` }],
    csrfToken: 'tok"en',
    chart: [],
    chartFrom: 1,
    ...overrides,
  }).value;
}

describe('pages escape every user string', () => {
  it('given an owner name with a script tag when the account page renders then it is text, never markup', () => {
    const out = accountHtml();
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('value="1&quot;&gt;&lt;b&gt;"');
    expect(out).toContain('value="tok&quot;en"');
  });

  it('given an account when rendered then amounts have 2 decimals and thousands separators, dates are UTC', () => {
    const out = accountHtml();
    expect(out).toContain('<div class="amount" id="balance">1,234,567.89</div>');
    expect(out).toContain('+1,000.00');
    expect(out).toContain('-25.50');
    expect(out).toContain('2026-11-27 09:12:00 UTC');
  });

  it('given a refused withdrawal when rendered then the message is next to its field and the field is marked invalid', () => {
    const out = accountHtml();
    expect(out).toMatch(
      /id="withdraw-amount"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*withdraw-amount-error/,
    );
    expect(out).toContain(
      '<span class="field-error" id="withdraw-amount-error">Insufficient funds in account ACC-1</span>',
    );
  });

  it('given history entries when rendered then each carries its event-type badge', () => {
    const out = accountHtml();
    expect(out).toContain('<span class="badge created" title="AccountCreated">Account created</span>');
    expect(out).toContain('<span class="badge withdrawn" title="MoneyWithdrawn">Transfer out</span>');
  });

  it('given the other pages when rendered with hostile names then none contains markup from the data', () => {
    const item = {
      accountId: account.id,
      accountNumber: 'ACC-1',
      accountName: XSS,
      ownerName: XSS,
      balance: 5,
      lastUpdated: new Date(),
    };
    const pages = [
      balancesPage({
        items: [item],
        pager: {},
        freshness: { eventsBehind: 0, asOf: null, checkedAt: new Date() },
        search: XSS,
        sort: { sort: 'name', direction: 'asc', href: () => '/reports/balances' },
        total: { accounts: 1, balance: 5 },
      }).value,
      transactionsPage({
        account,
        items: [
          {
            transactionId: 't',
            accountId: account.id,
            accountNumber: 'ACC-1',
            accountName: XSS,
            amount: -5,
            openingBalance: 10,
            closingBalance: 5,
            description: XSS,
            date: new Date(),
          },
        ],
        pager: {},
        freshness: {
          eventsBehind: 1,
          asOf: new Date(),
          checkedAt: new Date(),
          storeVersion: 3,
          appliedVersion: 2,
          readModelBalance: 5,
        },
      }).value,
      openAccountPage({
        form: { values: { ownerName: XSS }, errors: { accountNumber: [XSS] } },
        csrfToken: 't',
        idempotencyKey: 'k',
      }).value,
    ];
    for (const page of pages) expect(page).not.toContain('<script>');
  });

  it('given Kafka is down when the operations page renders then it says so and still shows the relay', () => {
    const status: SystemStatus = {
      generatedAt: new Date('2026-11-27T09:12:00Z'),
      relay: {
        name: 't',
        checkpoint: null,
        head: { transactionId: '9', globalPosition: '1234' },
        pendingEvents: 1234,
        oldestPendingAt: new Date('2026-11-27T09:11:30Z'),
        eventsRelayed: 0,
        lastRelayAt: null,
      },
      projector: {
        projections: [
          { name: 'balances', rows: 1, eventsApplied: 1, eventsInStore: 3, behind: 2, lastAppliedAt: null },
        ],
        accountsTracked: 1,
        parkedEvents: 0,
        oldestParkedAt: null,
        oldestUnappliedAt: null,
        lastRebuild: null,
        audit: { last: null, running: null },
      },
      topic: 'banking-events',
      consumerGroup: 'ledgerline-projector',
      kafka: { available: false, error: `connect ECONNREFUSED ${XSS}` },
      deadLetterTopic: 'banking-events-dlq',
    };
    const out = opsPage(status, { runs: [], csrfToken: 'token' }).value;
    expect(out).toContain('Kafka is not reachable');
    expect(out).toContain('<div class="stat">1,234</div>');
    expect(out).toContain('oldest 30 s ago');
    expect(out).not.toContain('<script>');
  });

  it('given an audit that found divergent accounts when the operations page renders then it shows the count, when it ran and why each diverged', () => {
    const status: SystemStatus = {
      generatedAt: new Date('2026-11-27T09:12:00Z'),
      relay: {
        name: 't',
        checkpoint: null,
        head: null,
        pendingEvents: 0,
        oldestPendingAt: null,
        eventsRelayed: 0,
        lastRelayAt: null,
      },
      projector: {
        projections: [],
        accountsTracked: 3,
        parkedEvents: 0,
        oldestParkedAt: null,
        oldestUnappliedAt: null,
        lastRebuild: null,
        audit: {
          last: {
            startedAt: new Date('2026-11-27T09:00:00Z'),
            finishedAt: new Date('2026-11-27T09:01:00Z'),
            accountsChecked: 1500,
            divergentAccounts: 2,
            repairedAccounts: 2,
            divergent: [{ accountId: '9f1e0000-0000-4000-8000-000000000000', reason: `balances row: ${XSS}` }],
          },
          running: null,
        },
      },
      topic: 'banking-events',
      consumerGroup: 'ledgerline-projector',
      kafka: { available: false, error: 'down' },
      deadLetterTopic: 'banking-events-dlq',
    };
    const out = opsPage(status, { runs: [], csrfToken: 'token' }).value;
    expect(out).toMatch(/<h2 id="divergent-accounts">Divergent accounts<\/h2>\s*<div class="stat">2<\/div>/);
    expect(out).toContain('1,500 accounts checked');
    expect(out).toContain('9f1e0000-0000-4000-8000-000000000000');
    expect(out).not.toContain('<script>');
  });
});

describe('read-model rebuild pages', () => {
  const run: RebuildRun = {
    id: '5d1c0000-0000-4000-8000-000000000001',
    requestedBy: `ada ${XSS}`,
    requestedAt: new Date('2026-11-27T09:00:00Z'),
    startedAt: new Date('2026-11-27T09:00:01Z'),
    heartbeatAt: new Date('2026-11-27T09:00:30Z'),
    phase: 'copy',
    done: 1_500,
    total: 6_000,
    finishedAt: null,
    result: null,
    error: null,
  };

  it('given a run copying events when its page renders then it shows the phase and a progress bar, and refreshes itself (script, and without script)', () => {
    const out = rebuildRunPage(run, { runId: run.id, outcome: 'already-running' }).value;
    expect(out).toContain('<span class="badge warn">Copying</span>');
    expect(out).toMatch(/<progress id="rebuild-progress" max="6000" value="1500">\s*25 %\s*<\/progress>/);
    expect(out).toContain('1,500 of 6,000 (25 %)');
    expect(out).toContain(`data-poll="/api/admin/rebuilds/${run.id}"`);
    expect(out).toContain('data-watch="phase done total"');
    expect(out).toContain('data-shown="copy 1500 6000"');
    expect(out).toContain('<noscript><meta http-equiv="refresh" content="1" /></noscript>');
    expect(out).toContain('A rebuild is already running');
    expect(out).not.toContain('<script>alert');
  });

  it('given a finished run when its page renders then it shows the result and no longer refreshes', () => {
    const done: RebuildRun = {
      ...run,
      phase: 'done',
      done: 6_000,
      finishedAt: new Date('2026-11-27T09:02:00Z'),
      result: { events: 6_000, accounts: 40, quarantined: [{ streamId: 'acc-x', reason: XSS }], durationMs: 119_000 },
    };
    const out = rebuildRunPage(done).value;
    expect(out).toContain('<span class="badge ok">Done</span>');
    expect(out).toMatch(/6,000 events, 40 accounts in\s+1 min 59 s/);
    expect(out).toContain('acc-x');
    expect(out).not.toContain('data-poll');
    expect(out).not.toContain('http-equiv="refresh"');
    expect(out).not.toContain('<script>alert');
  });

  it('given a run that could not be started when its page renders after the request then it says so with the reason', () => {
    const failed: RebuildRun = {
      ...run,
      phase: 'failed',
      startedAt: null,
      finishedAt: new Date('2026-11-27T09:00:01Z'),
      error: `The rebuild function could not be started: ${XSS}`,
    };
    const out = rebuildRunPage(failed, { runId: run.id, outcome: 'started' }).value;
    expect(out).toContain('class="notice error" role="alert">The rebuild could not be started: The rebuild function');
    expect(out).toContain('<span class="badge bad">Failed</span>');
    expect(out).not.toContain('<script>alert');
  });

  it('given runs when the operations section renders then it has the form with the CSRF token, links the running one and lists them', () => {
    const out = rebuildSection([run], 'tok"en').value;
    expect(out).toContain('<form method="post" action="/ops/rebuilds">');
    expect(out).toContain('name="_csrf" value="tok&quot;en"');
    expect(out).toContain(`A rebuild is in progress: <a href="/ops/rebuilds/${run.id}">follow it</a>`);
    expect(out).toContain('blue/green');
  });
});

import { html, type SafeHtml } from '../html';
import { layout } from '../layout';
import type { Freshness } from '../../../queries/freshness';
import { freshnessBanner, freshnessHead } from '../freshness';
import type { BalanceItem } from '../view-models';
import { balancesTable } from './balances';

export function homePage(input: { accounts: readonly BalanceItem[]; more: boolean; freshness: Freshness }): SafeHtml {
  return layout({
    title: 'Home',
    section: 'home',
    head: freshnessHead(input.freshness),
    body: html`<h1>Ledgerline</h1>
      <p class="lead">Accounts kept as events in PostgreSQL, published through Kafka to the reports.</p>
      <div class="grid">
        <section class="card">
          <h2>Accounts</h2>
          <p>Open an account, then deposit, withdraw and transfer from its page.</p>
          <p><a class="button" href="/accounts/new">Open an account</a></p>
        </section>
        <section class="card">
          <h2>Reports</h2>
          <p>Balances of every account and each account's transactions, from the read models.</p>
          <p><a class="button secondary" href="/reports/balances">Balances report</a></p>
        </section>
        <section class="card">
          <h2>Operations &amp; API</h2>
          <p>Relay and consumer lag, dead letters, projection progress; the OpenAPI document.</p>
          <p class="actions">
            <a class="button secondary" href="/ops">Operations</a
            ><a class="button secondary" href="/swagger">API (Swagger)</a>
          </p>
        </section>
      </div>
      <section aria-labelledby="accounts-title">
        <h2 id="accounts-title">Accounts</h2>
        ${freshnessBanner(input.freshness, '/api/reports/freshness')}
        <form method="get" action="/reports/balances" class="inline-form card" role="search">
          <div class="field">
            <label for="home-q"
              >Find an account <span class="hint" id="home-q-hint">Part of its number, name or owner</span></label
            >
            <input type="search" id="home-q" name="q" aria-describedby="home-q-hint" maxlength="100" />
          </div>
          <button type="submit">Find</button>
        </form>
        ${
          input.accounts.length === 0
            ? html`<div class="card">
                <p>No accounts yet. <a href="/accounts/new">Open the first one</a>.</p>
              </div>`
            : html`${balancesTable(input.accounts, 'Accounts by name')}${input.more ? html`<p><a href="/reports/balances">All balances →</a></p>` : ''}`
        }
      </section>`,
  });
}

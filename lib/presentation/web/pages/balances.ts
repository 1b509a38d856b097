import { moneyCell, pager } from '../components';
import { timeElement } from '../format';
import { html, urlPart, type SafeHtml } from '../html';
import { layout } from '../layout';
import type { Freshness } from '../../../queries/freshness';
import { freshnessBanner, freshnessHead } from '../freshness';
import type { BalanceItem, Pager } from '../view-models';

export function balancesTable(items: readonly BalanceItem[], caption: string): SafeHtml {
  return html`<div class="table-wrap">
    <table class="stack">
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">Account name</th>
          <th scope="col">Account number</th>
          <th scope="col">Owner</th>
          <th scope="col" class="num">Balance</th>
          <th scope="col">Last updated</th>
          <th scope="col">Report</th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (item) =>
            html`<tr>
              <td class="wrap lead"><a href="/accounts/${urlPart(item.accountId)}">${item.accountName}</a></td>
              <td class="mono" data-label="Number">${item.accountNumber}</td>
              <td class="wrap" data-label="Owner">${item.ownerName}</td>
              ${moneyCell(item.balance, { css: 'amount' })}
              <td data-label="Last updated">${timeElement(item.lastUpdated)}</td>
              <td>
                <a
                  href="/reports/transactions/${urlPart(item.accountId)}"
                  aria-label="Transactions of ${item.accountNumber}"
                  >Transactions</a
                >
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function balancesPage(input: { items: readonly BalanceItem[]; pager: Pager; freshness: Freshness }): SafeHtml {
  return layout({
    title: 'Balances',
    section: 'balances',
    head: freshnessHead(input.freshness),
    body: html`<h1>Balances</h1>
      <p class="lead">Every account's balance from the read model, ordered by account name.</p>
      ${freshnessBanner(input.freshness, '/api/reports/freshness')}
      ${
        input.items.length === 0
          ? html`<div class="card">
              <p>No accounts yet. <a href="/accounts/new">Open the first one</a>.</p>
            </div>`
          : balancesTable(input.items, 'Account balances')
      }
      ${pager(input.pager, 'Balance pages')}`,
  });
}

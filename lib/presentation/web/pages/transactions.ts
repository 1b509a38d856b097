import { moneyCell, pager } from '../components';
import { formatMoney, timeElement } from '../format';
import { html, urlPart, type SafeHtml } from '../html';
import { layout } from '../layout';
import type { AccountFreshness } from '../../../queries/freshness';
import { divergenceExplanation, freshnessBanner, freshnessHead } from '../freshness';
import type { AccountSummary, Pager, TransactionItem } from '../view-models';

export function transactionsPage(input: {
  account: AccountSummary;
  items: readonly TransactionItem[];
  pager: Pager;
  freshness: AccountFreshness;
}): SafeHtml {
  const { account } = input;
  return layout({
    title: `Transactions of ${account.accountNumber}`,
    section: 'balances',
    head: freshnessHead(input.freshness),
    body: html`<h1>Transactions</h1>
      ${freshnessBanner(input.freshness, `/api/reports/freshness?accountId=${urlPart(account.id)}`)}
      <section class="card balance-card" aria-label="Account">
        <div>
          <div class="muted">${account.accountNumber}</div>
          <div>
            <a href="/accounts/${urlPart(account.id)}"><strong>${account.accountName}</strong></a> ·
            ${account.ownerName}
          </div>
        </div>
        <div>
          <div class="muted">Balance (event store)</div>
          <div class="amount">${formatMoney(account.balance)}</div>
        </div>
      </section>
      ${divergenceExplanation(account, input.freshness)}
      ${
        input.items.length === 0
          ? html`<div class="card">
              <p>No transactions in the report yet.</p>
            </div>`
          : html`<div class="table-wrap" tabindex="0">
              <table class="stack">
                <caption>
                  Transactions from the read model, newest first
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">Description</th>
                    <th scope="col" class="num">Amount</th>
                    <th scope="col" class="num">Opening balance</th>
                    <th scope="col" class="num">Closing balance</th>
                  </tr>
                </thead>
                <tbody>
                  ${input.items.map(
                    (item) =>
                      html`<tr>
                        <td class="lead">${timeElement(item.date)}</td>
                        <td class="wrap" data-label="Description">${item.description}</td>
                        ${moneyCell(item.amount, { signed: true, css: 'amount' })}
                        ${moneyCell(item.openingBalance, { label: 'Opening balance' })}
                        ${moneyCell(item.closingBalance, { label: 'Closing balance' })}
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
      ${pager(input.pager, 'Transaction pages')}`,
  });
}

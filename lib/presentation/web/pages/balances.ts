import { moneyCell, pager } from '../components';
import { formatCount, formatMoney, timeElement } from '../format';
import { html, urlPart, type SafeHtml } from '../html';
import { layout } from '../layout';
import type { Freshness } from '../../../queries/freshness';
import type { BalanceSort, SortDirection } from '../../../queries/accounts-search';
import { freshnessBanner, freshnessHead } from '../freshness';
import type { BalanceItem, Pager } from '../view-models';

/** How the report is ordered, and the href that orders it by a column (the current one flips its direction). */
export type SortState = { sort: BalanceSort; direction: SortDirection; href: (sort: BalanceSort) => string };

const COLUMNS: ReadonlyArray<{ key?: BalanceSort; label: string; num?: boolean }> = [
  { key: 'name', label: 'Account name' },
  { key: 'number', label: 'Account number' },
  { key: 'owner', label: 'Owner' },
  { key: 'balance', label: 'Balance', num: true },
  { key: 'updated', label: 'Last updated' },
  { label: 'Report' },
];

function header(column: (typeof COLUMNS)[number], sort: SortState | undefined): SafeHtml {
  const css = column.num ? html` class="num"` : '';
  if (!sort || !column.key) return html`<th scope="col" ${css}>${column.label}</th>`;
  const current = sort.sort === column.key;
  const ariaSort = current ? html` aria-sort="${sort.direction === 'asc' ? 'ascending' : 'descending'}"` : '';
  const arrow = current ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : '';
  return html`<th scope="col" ${css}${ariaSort}>
    <a href="${sort.href(column.key)}">${column.label}${arrow}</a>
  </th>`;
}

export function balancesTable(
  items: readonly BalanceItem[],
  caption: string,
  options: { sort?: SortState; total?: { accounts: number; balance: number } } = {},
): SafeHtml {
  return html`<div class="table-wrap" tabindex="0">
    <table class="stack" id="balances">
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          ${COLUMNS.map((column) => header(column, options.sort))}
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
      ${
        options.total
          ? html`<tfoot>
              <tr id="balances-total">
                <th scope="row" colspan="3" class="lead">
                  Total of ${formatCount(options.total.accounts)} account${options.total.accounts === 1 ? '' : 's'}
                </th>
                <td class="num amount">${formatMoney(options.total.balance)}</td>
                <td colspan="2"></td>
              </tr>
            </tfoot>`
          : ''
      }
    </table>
  </div>`;
}

export function balancesPage(input: {
  items: readonly BalanceItem[];
  pager: Pager;
  freshness: Freshness;
  search: string;
  sort: SortState;
  total: { accounts: number; balance: number };
}): SafeHtml {
  return layout({
    title: 'Balances',
    section: 'balances',
    head: freshnessHead(input.freshness),
    body: html`<h1>Balances</h1>
      <p class="lead">Every account's balance from the read model; find one by number, name or owner.</p>
      ${freshnessBanner(input.freshness, '/api/reports/freshness')}
      <form method="get" action="/reports/balances" class="inline-form card" role="search">
        <div class="field">
          <label for="q">Find an account <span class="hint" id="q-hint">Part of its number, name or owner</span></label>
          <input type="search" id="q" name="q" value="${input.search}" aria-describedby="q-hint" maxlength="100" />
        </div>
        <input type="hidden" name="sort" value="${input.sort.sort}" />
        <input type="hidden" name="dir" value="${input.sort.direction}" />
        <button type="submit">Find</button>
      </form>
      ${
        input.items.length === 0
          ? html`<div class="card">
              ${
                input.search
                  ? html`<p>No account matches “${input.search}”. <a href="/reports/balances">Show all</a>.</p>`
                  : html`<p>No accounts yet. <a href="/accounts/new">Open the first one</a>.</p>`
              }
            </div>`
          : balancesTable(input.items, input.search ? `Accounts matching “${input.search}”` : 'Account balances', {
              sort: input.sort,
              total: input.total,
            })
      }
      ${pager(input.pager, 'Balance pages')}`,
  });
}

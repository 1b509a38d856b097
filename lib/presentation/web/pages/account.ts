import { eventBadge, pager } from '../components';
import { formatMoney, formatSignedMoney, timeElement } from '../format';
import { html, urlPart, type SafeHtml } from '../html';
import { layout, type Notice } from '../layout';
import type { BalancePoint } from '../balance-chart';
import { entryAmount, type AccountMoment } from '../history';
import { momentBanner, timeTravelPanel } from '../time-travel-view';
import type { AccountSummary, HistoryItem, Pager } from '../view-models';
import { formErrors, hiddenFields, textField, type FormState, type SelectOption } from '../widgets';

export type AccountAction = 'deposit' | 'withdraw' | 'transfer';
export const ACCOUNT_ACTIONS: readonly AccountAction[] = ['deposit', 'withdraw', 'transfer'];

export const ACTION_FIELDS: Readonly<Record<AccountAction, readonly string[]>> = {
  deposit: ['amount', 'description'],
  withdraw: ['amount', 'description'],
  transfer: ['toAccountNumber', 'amount', 'description'],
};

export const ACTION_LABELS: Readonly<Record<string, string>> = {
  toAccountNumber: 'To account',
  amount: 'Amount',
  description: 'Description',
};

export type AccountPageInput = {
  account: AccountSummary;
  history: HistoryItem[];
  historyPager: Pager;
  forms: Record<AccountAction, FormState>;
  idempotencyKeys: Record<AccountAction, string>;
  transferChoices: SelectOption[];
  csrfToken: string;
  notice?: Notice | undefined;
  /** set when the page shows the account as it was (no forms then) */
  moment?: AccountMoment | undefined;
  chart: readonly BalancePoint[];
  chartFrom: number;
};

function describe(entry: HistoryItem): string {
  const { data } = entry;
  return typeof data.description === 'string' ? data.description : '';
}

function counterparty(entry: HistoryItem): SafeHtml | string {
  const { data } = entry;
  if (typeof data.counterpartyAccountId !== 'string') return '';
  const label =
    typeof data.counterpartyAccountNumber === 'string' ? data.counterpartyAccountNumber : data.counterpartyAccountId;
  return html`<a href="/accounts/${urlPart(data.counterpartyAccountId)}">${label}</a>`;
}

function historyTable(input: AccountPageInput): SafeHtml {
  if (input.history.length === 0) return html`<p class="muted">No events on this page.</p>`;
  return html`<div class="table-wrap" tabindex="0">
    <table class="stack" id="history">
      <caption>
        Events of this account, newest first (a version shows the account as it was then)
      </caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Event</th>
          <th scope="col">Date</th>
          <th scope="col">Description</th>
          <th scope="col">Counterparty</th>
          <th scope="col" class="num">Amount</th>
          <th scope="col" class="num">Balance after</th>
        </tr>
      </thead>
      <tbody>
        ${input.history.map((entry) => {
          const amount = entryAmount(entry);
          const css = amount === undefined ? '' : amount < 0 ? 'debit' : 'credit';
          return html`<tr>
            <td class="num" data-label="Version">
              <a
                href="/accounts/${urlPart(input.account.id)}?version=${entry.version}"
                aria-label="The account as of version ${entry.version}"
                >${entry.version}</a
              >
            </td>
            <td class="lead">${eventBadge(entry.type, entry.data)}</td>
            <td data-label="Date">${timeElement(entry.timestamp)}</td>
            <td class="wrap" data-label="Description">${describe(entry)}</td>
            <td data-label="Counterparty">${counterparty(entry)}</td>
            <td class="num amount ${css}">${amount === undefined ? '—' : formatSignedMoney(amount)}</td>
            <td class="num" data-label="Balance after">
              ${entry.balanceAfter === undefined ? '—' : formatMoney(entry.balanceAfter)}
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

function actionForm(input: AccountPageInput, action: AccountAction, title: string, button: string): SafeHtml {
  const state = input.forms[action];
  const field = (name: string) => ({ form: action, name, label: ACTION_LABELS[name] ?? name, state });
  const id = input.account.id;
  return html`<section class="card" aria-labelledby="${action}-title">
    <h2 id="${action}-title">${title}</h2>
    <form method="post" action="/accounts/${urlPart(id)}/${action}" novalidate>
      ${formErrors(action, state, ACTION_LABELS)} ${hiddenFields(input.csrfToken, input.idempotencyKeys[action])}
      ${
        action === 'transfer'
          ? html`${textField({
                ...field('toAccountNumber'),
                required: true,
                maxLength: 34,
                list: 'transfer-targets',
                hint: 'Its account number; suggestions appear as you type',
              })}
              <datalist id="transfer-targets">
                ${input.transferChoices.map((choice) => html`<option value="${choice.value}">${choice.label}</option>`)}
              </datalist>`
          : ''
      }
      ${textField({ ...field('amount'), required: true, inputMode: 'decimal', hint: 'A dot for cents, e.g. 250.00 or 1,250.00' })}
      ${textField({ ...field('description'), maxLength: 200 })}
      <button type="submit">${button}</button>
    </form>
  </section>`;
}

export function accountPage(input: AccountPageInput): SafeHtml {
  const { account } = input;
  return layout({
    title: `${account.accountName} (${account.accountNumber})`,
    section: 'none',
    notice: input.notice,
    body: html`<h1>${account.accountName}</h1>
      <section class="card balance-card" aria-label="Balance">
        <div>
          <div class="muted">Balance</div>
          <div class="amount" id="balance">${formatMoney(account.balance)}</div>
        </div>
        <dl class="facts">
          <dt>Account number</dt>
          <dd class="mono">${account.accountNumber}</dd>
          <dt>Owner</dt>
          <dd>${account.ownerName}</dd>
          <dt>Status</dt>
          <dd>
            ${account.isActive ? html`<span class="badge ok">Active</span>` : html`<span class="badge bad">Inactive</span>`}
          </dd>
          <dt>Version</dt>
          <dd>${account.version}</dd>
          <dt>Account id</dt>
          <dd class="mono">${account.id}</dd>
        </dl>
      </section>
      <p class="actions">
        <a href="/reports/transactions/${urlPart(account.id)}">Transactions report</a
        ><a href="/accounts/${urlPart(account.id)}/statement">Statement (CSV, PDF)</a
        ><a href="/api/accounts/${urlPart(account.id)}">JSON</a>
      </p>
      ${
        input.moment
          ? momentBanner(account.id, input.moment, account.version, input.history[0]?.timestamp)
          : html`<div class="grid">
              ${actionForm(input, 'deposit', 'Deposit', 'Deposit')}
              ${actionForm(input, 'withdraw', 'Withdraw', 'Withdraw')}
              ${actionForm(input, 'transfer', 'Transfer', 'Transfer')}
            </div>`
      }
      ${timeTravelPanel({ accountId: account.id, moment: input.moment, chart: input.chart, chartFrom: input.chartFrom })}
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        ${historyTable(input)} ${pager(input.historyPager, 'History pages')}
      </section>`,
  });
}

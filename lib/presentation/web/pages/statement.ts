import { moneyCell } from '../components';
import { timeElement } from '../format';
import { html, urlPart, type SafeHtml } from '../html';
import { layout } from '../layout';
import { money, type Statement } from '../statement';

export type StatementForm = { from: string; to: string; error?: string | undefined };

function periodForm(accountId: string, form: StatementForm): SafeHtml {
  const invalid = form.error ? html` aria-invalid="true" aria-describedby="period-error"` : '';
  return html`<form method="get" action="/accounts/${urlPart(accountId)}/statement" class="inline-form card" novalidate>
    ${
      form.error
        ? html`<div class="notice error" role="alert" id="period-error" tabindex="-1" autofocus>${form.error}</div>`
        : ''
    }
    <div class="field">
      <label for="from">From <span class="hint">First day, UTC</span></label>
      <input type="date" id="from" name="from" value="${form.from}" required ${invalid} />
    </div>
    <div class="field">
      <label for="to">To <span class="hint">Last day, UTC (included)</span></label>
      <input type="date" id="to" name="to" value="${form.to}" required ${invalid} />
    </div>
    <p class="actions">
      <button type="submit">Show</button>
      <button type="submit" class="secondary" name="format" value="csv">Download CSV</button>
      <button type="submit" class="secondary" name="format" value="pdf">Download PDF</button>
    </p>
  </form>`;
}

export function statementPage(input: {
  account: { id: string; accountName: string; accountNumber: string };
  form: StatementForm;
  statement?: Statement | undefined;
}): SafeHtml {
  const { account, statement } = input;
  return layout({
    title: `Statement of ${account.accountNumber}`,
    section: 'none',
    body: html`<h1>Statement</h1>
      <p class="lead">
        <a href="/accounts/${urlPart(account.id)}">${account.accountName}</a> ·
        <span class="mono">${account.accountNumber}</span> · from the event store
      </p>
      ${periodForm(account.id, input.form)}
      ${
        statement
          ? html`<section class="card" aria-labelledby="statement-title">
                <h2 id="statement-title">${statement.from} to ${statement.to}</h2>
                <dl class="facts">
                  <dt>Opening balance</dt>
                  <dd id="opening">${money(statement.opening, statement.currency)}</dd>
                  <dt>Closing balance</dt>
                  <dd id="closing">${money(statement.closing, statement.currency)}</dd>
                  <dt>Transactions</dt>
                  <dd>${statement.lines.length}</dd>
                </dl>
              </section>
              ${
                statement.lines.length === 0
                  ? html`<p class="muted">No transactions in this period.</p>`
                  : html`<div class="table-wrap" tabindex="0">
                      <table class="stack" id="statement">
                        <caption>
                          Transactions in the period, oldest first, amounts in ${statement.currency}
                        </caption>
                        <thead>
                          <tr>
                            <th scope="col">Date</th>
                            <th scope="col">Version</th>
                            <th scope="col">Description</th>
                            <th scope="col" class="num">Amount</th>
                            <th scope="col" class="num">Balance</th>
                          </tr>
                        </thead>
                        <tbody>
                          ${statement.lines.map(
                            (line) =>
                              html`<tr>
                                <td class="lead">${timeElement(line.date)}</td>
                                <td data-label="Version">${line.version}</td>
                                <td class="wrap" data-label="Description">${line.description}</td>
                                ${moneyCell(line.amount, { signed: true, css: 'amount' })}
                                ${moneyCell(line.balance, { label: 'Balance' })}
                              </tr>`,
                          )}
                        </tbody>
                      </table>
                    </div>`
              }`
          : ''
      }`,
  });
}

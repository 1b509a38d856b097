import { balanceChart, type BalancePoint } from './balance-chart';
import { formatCount, timeElement } from './format';
import type { AccountMoment } from './history';
import { html, urlPart, type SafeHtml } from './html';

/** The instant shown in a datetime-local field (UTC, to the second). */
function localValue(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/** "As of version 3 (…)", with the way back to now; shown instead of the forms while looking at the past. */
export function momentBanner(
  accountId: string,
  moment: AccountMoment,
  version: number,
  at: Date | undefined,
): SafeHtml {
  return html`<div class="notice info" id="moment" role="status">
    <strong
      >As of
      ${'version' in moment ? html`version ${formatCount(moment.version)}` : html`${timeElement(moment.asOf)}`}</strong
    >
    — the account as it was then (version ${formatCount(version)}${at ? html`, ${timeElement(at)}` : ''}). Nothing can
    be changed in the past.
    <a href="/accounts/${urlPart(accountId)}">Back to now</a>
  </div>`;
}

/** The date/time picker (a plain GET form) and the balance-over-time chart. */
export function timeTravelPanel(input: {
  accountId: string;
  moment: AccountMoment | undefined;
  chart: readonly BalancePoint[];
  chartFrom: number;
}): SafeHtml {
  const asOf = input.moment && 'asOf' in input.moment ? localValue(input.moment.asOf) : '';
  return html`<section class="card" aria-labelledby="over-time-title">
    <h2 id="over-time-title">Balance over time</h2>
    ${balanceChart(input.chart)}
    ${input.chartFrom > 1 ? html`<p class="muted">The last ${input.chart.length} events.</p>` : ''}
    <form method="get" action="/accounts/${urlPart(input.accountId)}" class="inline-form">
      <div class="field">
        <label for="asOf"
          >Show the account as of <span class="hint" id="asOf-hint">A date and time in UTC, to the second</span></label
        >
        <input type="datetime-local" id="asOf" name="asOf" step="1" value="${asOf}" aria-describedby="asOf-hint" />
      </div>
      <button type="submit" class="secondary">Show</button>
    </form>
  </section>`;
}

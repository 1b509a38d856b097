import { formatMoney, formatSignedMoney } from './format';
import { html, type SafeHtml } from './html';
import type { Pager } from './view-models';

const EVENT_BADGES: Readonly<Record<string, { css: string; label: string }>> = {
  AccountCreated: { css: 'created', label: 'Account created' },
  MoneyDeposited: { css: 'deposited', label: 'Money deposited' },
  MoneyWithdrawn: { css: 'withdrawn', label: 'Money withdrawn' },
};

/** A coloured badge naming an event type (the type name itself is kept as the tooltip). */
export function eventBadge(type: string, data: Record<string, unknown> = {}): SafeHtml {
  const badge = EVENT_BADGES[type] ?? { css: 'warn', label: type };
  const transfer = typeof data.transferId === 'string';
  const label = transfer ? (type === 'MoneyDeposited' ? 'Transfer in' : 'Transfer out') : badge.label;
  return html`<span class="badge ${badge.css}" title="${type}">${label}</span>`;
}

/**
 * A money cell: right-aligned, tabular; signed amounts coloured (and announced by their sign, not by colour only).
 * `css` adds classes (`amount`: the cell a stacked phone row keeps on its first line), `label` names the cell in a
 * stacked row.
 */
export function moneyCell(cents: number, options: { signed?: boolean; css?: string; label?: string } = {}): SafeHtml {
  const label = options.label ? html` data-label="${options.label}"` : '';
  const sign = options.signed ? (cents > 0 ? 'credit' : cents < 0 ? 'debit' : '') : '';
  const css = ['num', options.css, sign].filter(Boolean).join(' ');
  return html`<td class="${css}" ${label}>${options.signed ? formatSignedMoney(cents) : formatMoney(cents)}</td>`;
}

export function pager(page: Pager, label: string): SafeHtml | string {
  if (!page.next && !page.previous) return page.label ? html`<p class="muted">${page.label}</p>` : '';
  return html`<nav class="pager" aria-label="${label}">
    ${page.previous ? html`<a class="button secondary" href="${page.previous}" rel="prev">${page.previousLabel ?? '← Previous'}</a>` : ''}
    ${page.label ? html`<span class="muted">${page.label}</span>` : ''}
    ${page.next ? html`<a class="button secondary" href="${page.next}" rel="next">${page.nextLabel ?? 'Next →'}</a>` : ''}
  </nav>`;
}

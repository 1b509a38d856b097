import { formatAmount, type Cents } from '../../commands/banking/money';
import { html, type SafeHtml } from './html';

/** Cents → '1,234,567.89' (2 decimals, comma thousands separators, '-' for negatives). */
export function formatMoney(cents: Cents): string {
  const plain = formatAmount(cents); // exact, '-1234567.89'
  const negative = plain.startsWith('-');
  const [units = '0', fraction = '00'] = (negative ? plain.slice(1) : plain).split('.');
  const grouped = units.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}.${fraction}`;
}

/** As formatMoney but with an explicit '+' on positive amounts (credits). */
export function formatSignedMoney(cents: Cents): string {
  return cents > 0 ? `+${formatMoney(cents)}` : formatMoney(cents);
}

function toDate(value: Date | string): Date | undefined {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** One date format everywhere, to the second: '2026-11-27 09:12:34 UTC'. Invalid input → '—'. */
export function formatDateTime(value: Date | string): string {
  const date = toDate(value);
  if (!date) return '—';
  const iso = date.toISOString(); // 2026-11-27T09:12:34.567Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** A <time> element: the readable form, with the full ISO instant as machine-readable value and tooltip. */
export function timeElement(value: Date | string): SafeHtml {
  const date = toDate(value);
  if (!date) return html`<span>—</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}" title="${iso}">${formatDateTime(date)}</time>`;
}

/** Whole numbers with thousands separators (lags, counts). */
export function formatCount(value: number | bigint | string): string {
  const text = String(value);
  return /^-?\d+$/.test(text) ? text.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : text;
}

/** '3 s', '2 min 5 s', '1 h 4 min' — for lags given in milliseconds. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return ms < 1000 ? `${Math.round(ms)} ms` : `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

import type { AccountFreshness, Freshness } from '../../queries/freshness';
import { formatCount, formatMoney, timeElement } from './format';
import { html, type SafeHtml } from './html';

/** Seconds between two looks at the read models while a report page is open (script) or behind (no script). */
export const FRESHNESS_POLL_SECONDS = 1;

export function freshnessText(freshness: Freshness): string {
  const n = freshness.eventsBehind;
  return n === 0 ? 'Up to date' : `${formatCount(n)} event${n === 1 ? '' : 's'} behind`;
}

/**
 * The line every read-model page carries: "Up to date" or "N events behind, as of …". `pollUrl` is the freshness
 * API the page's small script (/assets/freshness.js) polls: the page reloads itself when the answer changes.
 */
export function freshnessBanner(freshness: Freshness, pollUrl: string): SafeHtml {
  const behind = freshness.eventsBehind > 0;
  return html`<p
    class="freshness ${behind ? 'behind' : 'fresh'}"
    id="freshness"
    role="status"
    data-poll="${pollUrl}"
    data-watch="eventsBehind"
    data-shown="${freshness.eventsBehind}"
  >
    <span class="badge ${behind ? 'warn' : 'ok'}">${freshnessText(freshness)}</span>
    ${
      behind
        ? html`<span
            >as of ${freshness.asOf ? timeElement(freshness.asOf) : 'the first event'} — the events are on their way to
            the read model; this page refreshes itself.</span
          >`
        : html`<span class="muted">read model checked ${timeElement(freshness.checkedAt)}</span>`
    }
  </p>`;
}

/** Why the event-store balance and the read-model rows can differ, when they do. */
export function divergenceExplanation(
  account: { balance: number; version: number },
  f: AccountFreshness,
): SafeHtml | '' {
  if (f.eventsBehind === 0 && f.readModelBalance === account.balance) return '';
  const store = `The event store is at version ${formatCount(account.version)} (balance ${formatMoney(account.balance)})`;
  const applied = f.readModelBalance === null ? 'no balance yet' : `balance ${formatMoney(f.readModelBalance)}`;
  const readModel = `the read model has applied up to version ${formatCount(f.appliedVersion)} (${applied})`;
  return html`<div class="notice info" id="divergence">
    <strong>The balance above and the table below differ for now.</strong>
    <span>${store}; ${readModel}.</span>
    <span>${freshnessText(f)}: the event store is the record, the read model follows it within moments.</span>
  </div>`;
}

/** Head elements of a page showing read models: without script, a plain reload every second while behind. */
export function freshnessHead(freshness: Freshness): SafeHtml {
  return selfRefreshingHead(freshness.eventsBehind > 0);
}

/**
 * Head elements of a page that refreshes itself: the script (/assets/freshness.js) watches the element carrying
 * `data-poll` (the JSON to ask), `data-watch` (its fields, space-separated) and `data-shown` (their values on this
 * page, space-separated); without script, a plain reload every second while `reloadWithoutScript`.
 */
export function selfRefreshingHead(reloadWithoutScript: boolean): SafeHtml {
  return html`<script src="/assets/freshness.js" defer></script>
    ${
      reloadWithoutScript
        ? html`<noscript><meta http-equiv="refresh" content="${FRESHNESS_POLL_SECONDS}" /></noscript>`
        : ''
    }`;
}

/** /assets/freshness.js: polls the page's JSON and reloads the page once a watched field changes. */
export const FRESHNESS_SCRIPT = `(() => {
  const line = document.querySelector('[data-poll]');
  const url = line && line.dataset.poll;
  if (!url) return;
  const fields = (line.dataset.watch || '').split(' ').filter(Boolean);
  const shown = line.dataset.shown;
  const look = async () => {
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (response.ok) {
        const answer = await response.json();
        if (fields.map((field) => String(answer[field])).join(' ') !== shown) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // offline for a moment: look again
    }
    setTimeout(look, ${FRESHNESS_POLL_SECONDS * 1000});
  };
  setTimeout(look, ${FRESHNESS_POLL_SECONDS * 1000});
})();
`;

import {
  deadLetterKey,
  type DeadLetterView,
  type RepublishState,
  type StoredEventFate,
} from '../../../queries/dead-letters';
import type { ExplorerEvent } from '../../../queries/explorer';
import { formatCount, timeElement } from '../format';
import { html, urlPart, type SafeHtml } from '../html';
import { layout, type Notice } from '../layout';
import { pager } from '../components';
import type { Pager } from '../view-models';
import { csrfField } from '../widgets';

const KNOWN_METADATA = ['correlationId', 'causationId', 'schemaVersion', 'actor', 'traceparent', 'idempotencyKey'];

function correlationOf(event: ExplorerEvent): string | undefined {
  const value = event.metadata.correlationId;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function streamLink(event: ExplorerEvent): SafeHtml {
  return html`<a href="/explorer/streams/${urlPart(event.streamId)}" class="mono">${event.streamId}</a>`;
}

function correlationLink(id: string | undefined): SafeHtml | string {
  return id ? html`<a href="/explorer/correlations/${urlPart(id)}" class="mono">${id}</a>` : '—';
}

function kafkaCell(event: ExplorerEvent): SafeHtml {
  return event.delivery
    ? html`<span class="mono">p${event.delivery.partition} @ ${event.delivery.offset}</span>`
    : html`<span class="muted">not consumed yet</span>`;
}

function appliedBadge(event: ExplorerEvent): SafeHtml {
  if (event.streamType !== 'account') return html`<span class="badge">n/a</span>`;
  return event.applied
    ? html`<span class="badge ok">Applied</span>`
    : html`<span class="badge warn">Not applied yet</span>`;
}

export function explorerNav(current: 'log' | 'dead-letters' | 'other'): SafeHtml {
  return html`<p class="actions">
    <a href="/explorer" ${current === 'log' ? html`aria-current="page"` : ''}>Global log</a>
    <a href="/explorer/dead-letters" ${current === 'dead-letters' ? html`aria-current="page"` : ''}>Dead letters</a>
  </p>`;
}

/** Events as a table: each row opens the event; stream and correlation link to their own views. */
export function eventsTable(events: readonly ExplorerEvent[], caption: string): SafeHtml {
  if (events.length === 0) return html`<p class="muted">No events.</p>`;
  return html`<div class="table-wrap" tabindex="0">
    <table class="stack" id="events">
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          <th scope="col" class="num">Position</th>
          <th scope="col">Event</th>
          <th scope="col">Stream</th>
          <th scope="col" class="num">Version</th>
          <th scope="col">Time</th>
          <th scope="col">Correlation</th>
          <th scope="col">Kafka</th>
          <th scope="col">Read model</th>
        </tr>
      </thead>
      <tbody>
        ${events.map(
          (event) =>
            html`<tr>
              <td class="num" data-label="Position">${formatCount(event.globalPosition)}</td>
              <td class="lead">
                <a
                  href="/explorer/events/${urlPart(event.eventId)}"
                  aria-label="Event ${event.type} at position ${event.globalPosition}"
                  >${event.type}</a
                >
              </td>
              <td class="wrap" data-label="Stream">${streamLink(event)}</td>
              <td class="num amount" data-label="Version">v${event.streamVersion}</td>
              <td data-label="Time">${timeElement(event.createdAt)}</td>
              <td class="wrap" data-label="Correlation">${correlationLink(correlationOf(event))}</td>
              <td data-label="Kafka">${kafkaCell(event)}</td>
              <td data-label="Read model">${appliedBadge(event)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function explorerLogPage(input: {
  events: readonly ExplorerEvent[];
  head: string;
  newestHref: string;
  pager: Pager;
}): SafeHtml {
  return layout({
    title: 'Event log',
    section: 'explorer',
    body: html`<h1>Event log</h1>
      <p class="lead">
        Every event in the store, in store order (global position), up to position ${formatCount(input.head)}.
        <a href="${input.newestHref}">Newest events</a>
      </p>
      ${explorerNav('log')} ${eventsTable(input.events, 'Events in store order')} ${pager(input.pager, 'Log pages')}`,
  });
}

export function explorerStreamPage(input: {
  streamId: string;
  events: readonly ExplorerEvent[];
  pager: Pager;
}): SafeHtml {
  const isAccount = input.events[0]?.streamType === 'account';
  return layout({
    title: `Stream ${input.streamId}`,
    section: 'explorer',
    body: html`<h1>Stream <span class="mono">${input.streamId}</span></h1>
      ${explorerNav('other')}
      ${
        isAccount
          ? html`<p class="actions">
              <a href="/accounts/${urlPart(input.streamId)}">Account page</a>
              <a href="/reports/transactions/${urlPart(input.streamId)}">Transactions report</a>
            </p>`
          : ''
      }
      ${eventsTable(input.events, 'Events of this stream, by version')} ${pager(input.pager, 'Stream pages')}`,
  });
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function explorerEventPage(event: ExplorerEvent): SafeHtml {
  const correlation = correlationOf(event);
  const extra = Object.keys(event.metadata).filter((key) => !KNOWN_METADATA.includes(key));
  const meta = (key: string) => {
    const value = event.metadata[key];
    if (value === undefined || value === null) return html`<span class="muted">—</span>`;
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const transferId = typeof event.data.transferId === 'string' ? event.data.transferId : undefined;
  return layout({
    title: `Event ${event.type}`,
    section: 'explorer',
    body: html`<h1>${event.type}</h1>
      ${explorerNav('other')}
      <div class="grid">
        <section class="card" aria-labelledby="store-title">
          <h2 id="store-title">In the event store</h2>
          <dl class="facts" id="event-facts">
            <dt>Event id</dt>
            <dd class="mono">${event.eventId}</dd>
            <dt>Stream</dt>
            <dd>${streamLink(event)} (${event.streamType})</dd>
            <dt>Stream version</dt>
            <dd>${event.streamVersion}</dd>
            <dt>Global position</dt>
            <dd>${event.globalPosition}</dd>
            <dt>Transaction id</dt>
            <dd class="mono">${event.transactionId}</dd>
            <dt>Stored at</dt>
            <dd>${timeElement(event.createdAt)}</dd>
            <dt>Schema version</dt>
            <dd>${meta('schemaVersion')}</dd>
            <dt>Correlation id</dt>
            <dd>${correlationLink(correlation)}</dd>
            <dt>Causation id</dt>
            <dd class="mono">${meta('causationId')}</dd>
            <dt>Actor</dt>
            <dd>${meta('actor')}</dd>
            <dt>Traceparent</dt>
            <dd class="mono">${meta('traceparent')}</dd>
            ${
              transferId
                ? html`<dt>Transfer</dt>
                    <dd class="mono">${transferId}</dd>`
                : ''
            }
          </dl>
        </section>
        <section class="card" aria-labelledby="after-title">
          <h2 id="after-title">After the store</h2>
          <dl class="facts" id="event-delivery">
            <dt>Kafka</dt>
            <dd>
              ${
                event.delivery
                  ? html`topic <span class="mono">${event.delivery.topic}</span>, partition
                      <span class="mono" id="kafka-partition">${event.delivery.partition}</span>, offset
                      <span class="mono" id="kafka-offset">${event.delivery.offset}</span> (consumed
                      ${timeElement(event.delivery.at)})`
                  : html`<span class="muted">not consumed by the projector yet</span>`
              }
            </dd>
            <dt>Projector</dt>
            <dd id="applied">${appliedBadge(event)}</dd>
            <dt>Read-model row</dt>
            <dd id="read-model-row">
              ${
                event.readModelRow
                  ? html`transaction amount ${event.readModelRow.amount}, closing balance
                    ${event.readModelRow.closingBalance}`
                  : html`<span class="muted">none</span>`
              }
            </dd>
          </dl>
        </section>
      </div>
      <section class="card" aria-labelledby="payload-title">
        <h2 id="payload-title">Payload</h2>
        <pre class="json" id="payload">${json(event.data)}</pre>
      </section>
      <section class="card" aria-labelledby="metadata-title">
        <h2 id="metadata-title">Metadata</h2>
        <pre class="json" id="metadata">${json(event.metadata)}</pre>
        ${extra.length ? html`<p class="muted">Other keys: ${extra.join(', ')}</p>` : ''}
      </section>`,
  });
}

export function explorerCorrelationPage(correlationId: string, events: readonly ExplorerEvent[]): SafeHtml {
  return layout({
    title: `Correlation ${correlationId}`,
    section: 'explorer',
    body: html`<h1>Correlation <span class="mono">${correlationId}</span></h1>
      <p class="lead">
        Every event written under this correlation id (one request: a transfer writes both legs), with where Kafka
        carried it and whether the read models applied it.
      </p>
      ${explorerNav('other')} ${eventsTable(events, 'Events of this correlation, in store order')}`,
  });
}

/** Where a dead letter's re-publish stands, and the button to ask for it when it may be asked. */
function republishCell(letter: DeadLetterView, state: RepublishState | undefined, csrfToken: string): SafeHtml {
  if (!state?.stored) {
    return html`<span class="muted"
      >${letter.eventId ? 'Not an event of the store: never re-published' : 'No event id: cannot be re-published'}</span
    >`;
  }
  const request = state.request;
  const status = !request
    ? html`<span class="muted">Not requested</span>`
    : request.published
      ? html`<span class="badge ok">Re-published</span> ${timeElement(request.published.at)} to partition
          <span class="mono">${request.published.partition}</span> offset
          <span class="mono">${request.published.offset}</span> (asked by ${request.requestedBy})`
      : request.error
        ? html`<span class="badge warn">Failed</span> ${request.error}`
        : html`<span class="badge">Requested</span> ${timeElement(request.requestedAt)} by ${request.requestedBy}`;
  const canAsk = !request || request.error !== null;
  return html`<span class="republish-state">${status}</span> ${
      canAsk
        ? html`<form
            method="post"
            action="/explorer/dead-letters/${letter.partition}/${urlPart(letter.offset)}/republish"
            class="inline-form"
          >
            ${csrfField(csrfToken)}
            <button
              type="submit"
              class="secondary"
              aria-label="Re-publish the dead letter at partition ${letter.partition}, offset ${letter.offset}"
            >
              ${request ? 'Try again' : 'Re-publish'}
            </button>
          </form>`
        : ''
    }`;
}

function readModelCell(stored: StoredEventFate | null | undefined): SafeHtml {
  if (!stored) return html`<span class="muted">—</span>`;
  const where = html`v${stored.streamVersion} of
    <a href="/explorer/streams/${urlPart(stored.accountId)}" class="mono">${stored.accountId}</a>`;
  return stored.applied
    ? html`<span class="badge ok">Applied</span> ${where}`
    : html`<span class="badge warn">Not applied</span> ${where} (read model at v${stored.readModelVersion ?? 0})`;
}

export function deadLettersPage(input: {
  topic: string;
  letters: readonly DeadLetterView[];
  total: number;
  complete: boolean;
  perPartition: number;
  error?: string | undefined;
  states?: ReadonlyMap<string, RepublishState>;
  csrfToken?: string;
  notice?: Notice | undefined;
}): SafeHtml {
  return layout({
    title: 'Dead letters',
    section: 'explorer',
    notice: input.notice,
    body: html`<h1>Dead letters</h1>
      <p class="lead">
        Messages that did not reach the read models, on <span class="mono">${input.topic}</span>, with the reason
        (newest ${input.perPartition} of each partition): the projector's (poison or forged messages) and the relay's
        (stored events it could not map). Once the cause is fixed, an admin may re-publish one: the relay then publishes
        the event store's own event with that id, never the dead letter itself.
      </p>
      ${explorerNav('dead-letters')}
      ${
        input.error
          ? html`<div class="notice error" role="alert">Kafka could not be read: ${input.error}</div>`
          : html`<p id="dead-letter-count">
                ${formatCount(input.total)} message${input.total === 1 ? '' : 's'} in the topic.
                ${input.complete ? '' : html`<span class="badge warn">Partly read (Kafka was slow)</span>`}
              </p>
              ${
                input.letters.length === 0
                  ? html`<p class="muted">No dead letters.</p>`
                  : html`<div class="table-wrap" tabindex="0">
                      <table class="stack" id="dead-letters">
                        <caption>
                          Dead letters, newest first
                        </caption>
                        <thead>
                          <tr>
                            <th scope="col">Reason</th>
                            <th scope="col">Event</th>
                            <th scope="col">From</th>
                            <th scope="col">Failed at</th>
                            <th scope="col">Dead-letter position</th>
                            <th scope="col">Re-publish</th>
                            <th scope="col">Read model</th>
                            <th scope="col">Payload</th>
                          </tr>
                        </thead>
                        <tbody>
                          ${input.letters.map((letter) => {
                            const state = input.states?.get(deadLetterKey(letter));
                            return html`<tr id="dead-letter-${letter.partition}-${letter.offset}">
                              <td class="lead wrap">${letter.reason}</td>
                              <td data-label="Event">
                                ${
                                  letter.eventId
                                    ? html`<a href="/explorer/events/${urlPart(letter.eventId)}"
                                        >${letter.eventType ?? letter.eventId}</a
                                      >`
                                    : (letter.eventType ?? '—')
                                }
                              </td>
                              <td data-label="From" class="mono">
                                ${letter.original.topic ?? '?'} p${letter.original.partition ?? '?'} @
                                ${letter.original.offset ?? '?'}
                              </td>
                              <td data-label="Failed at">${letter.failedAt ? timeElement(letter.failedAt) : '—'}</td>
                              <td data-label="Position" class="mono">p${letter.partition} @ ${letter.offset}</td>
                              <td data-label="Re-publish" class="wrap">
                                ${republishCell(letter, state, input.csrfToken ?? '')}
                              </td>
                              <td data-label="Read model" class="wrap">${readModelCell(state?.stored)}</td>
                              <td data-label="Payload">
                                <details>
                                  <summary>Show</summary>
                                  <pre class="json">${letter.payload}</pre>
                                </details>
                              </td>
                            </tr>`;
                          })}
                        </tbody>
                      </table>
                    </div>`
              }`
      }`,
  });
}

/** A re-publish request that was not recorded (no such event in the store, Kafka away): why, and the way back. */
export function republishRefusedPage(title: string, reason: string): SafeHtml {
  return layout({
    title,
    section: 'explorer',
    body: html`<h1>${title}</h1>
      <div class="card">
        <p id="refusal">${reason} Nothing was recorded.</p>
        <p><a class="button" href="/explorer/dead-letters">Back to the dead letters</a></p>
      </div>`,
  });
}

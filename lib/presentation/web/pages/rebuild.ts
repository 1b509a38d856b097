import { isFinished, type RebuildPhase, type RebuildRun } from '../../../projections/rebuild-runs';
import { CSRF_FIELD } from '../csrf';
import type { RebuildFlash } from '../flash';
import { formatCount, formatDuration, timeElement } from '../format';
import { selfRefreshingHead } from '../freshness';
import { html, type SafeHtml } from '../html';
import { layout, type Notice } from '../layout';

const PHASES: Readonly<Record<RebuildPhase, { label: string; badge: 'ok' | 'warn' | 'bad'; detail: string }>> = {
  requested: { label: 'Requested', badge: 'warn', detail: 'Waiting for the rebuild function to start.' },
  copy: {
    label: 'Copying',
    badge: 'warn',
    detail: 'Replaying the event store into staging tables; the live read models still answer every query.',
  },
  'catch-up': {
    label: 'Catching up',
    badge: 'warn',
    detail: 'Live tables locked against writes (reads continue); bringing every account up to the live projector.',
  },
  swap: { label: 'Swapping', badge: 'warn', detail: 'Swapping the rebuilt tables in, in one transaction.' },
  done: { label: 'Done', badge: 'ok', detail: 'The read models now come from this rebuild.' },
  failed: { label: 'Failed', badge: 'bad', detail: 'Nothing was swapped: the live read models are unchanged.' },
  abandoned: {
    label: 'Abandoned',
    badge: 'bad',
    detail: 'The rebuild function stopped answering; nothing was swapped unless its swap had committed.',
  },
};

export function rebuildRunPath(id: string): string {
  return `/ops/rebuilds/${id}`;
}

export function rebuildRunApiPath(id: string): string {
  return `/api/admin/rebuilds/${id}`;
}

function phaseBadge(phase: RebuildPhase): SafeHtml {
  const { label, badge } = PHASES[phase];
  return html`<span class="badge ${badge}">${label}</span>`;
}

function percent(run: Pick<RebuildRun, 'done' | 'total'>): number {
  return run.total === 0 ? 0 : Math.min(100, Math.floor((run.done / run.total) * 100));
}

function when(value: Date | null): SafeHtml | string {
  return value ? timeElement(value) : '—';
}

/** The "Rebuild read models" card of /ops: what a rebuild does, the button, and the last few runs. */
export function rebuildSection(runs: readonly RebuildRun[], csrfToken: string): SafeHtml {
  const running = runs.find((run) => !isFinished(run));
  return html`<section class="card" aria-labelledby="rebuild-title">
    <h2 id="rebuild-title">Rebuild read models</h2>
    <p>
      Rebuilds the balances and transactions read models from the event store, blue/green: new tables are filled beside
      the live ones, brought up to the live projector, then swapped in in one transaction. Reads continue throughout;
      projector writes wait only during the short swap.
    </p>
    ${
      running
        ? html`<p>
            A rebuild is in progress: <a href="${rebuildRunPath(running.id)}">follow it</a>
            (${PHASES[running.phase].label.toLowerCase()}).
          </p>`
        : ''
    }
    <form method="post" action="/ops/rebuilds">
      <input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}" />
      <button type="submit">Rebuild read models</button>
    </form>
    ${
      runs.length === 0
        ? html`<p class="muted">No rebuild has been started from here yet.</p>`
        : html`<div class="table-wrap" tabindex="0">
            <table>
              <caption>
                Latest rebuilds
              </caption>
              <thead>
                <tr>
                  <th scope="col">Requested</th>
                  <th scope="col">By</th>
                  <th scope="col">Phase</th>
                  <th scope="col" class="num">Events</th>
                  <th scope="col">Finished</th>
                </tr>
              </thead>
              <tbody>
                ${runs.map(
                  (run) =>
                    html`<tr>
                      <td><a href="${rebuildRunPath(run.id)}">${timeElement(run.requestedAt)}</a></td>
                      <td>${run.requestedBy}</td>
                      <td>${phaseBadge(run.phase)}</td>
                      <td class="num">${formatCount(run.done)}</td>
                      <td>${when(run.finishedAt)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function flashNotice(flash: RebuildFlash | undefined, run: RebuildRun): Notice | undefined {
  if (run.phase === 'failed' && flash?.outcome === 'started') {
    return { kind: 'error', message: `The rebuild could not be started: ${run.error ?? 'unknown reason'}` };
  }
  if (flash?.outcome === 'started') return { kind: 'success', message: 'Rebuild requested.' };
  if (flash?.outcome === 'already-running') {
    return {
      kind: 'info',
      message: 'A rebuild is already running, so no other was started: this is its progress.',
    };
  }
  return undefined;
}

/** GET /ops/rebuilds/{id}: the run's phase and progress; refreshes itself while it is unfinished. */
export function rebuildRunPage(run: RebuildRun, flash?: RebuildFlash): SafeHtml {
  const finished = isFinished(run);
  const phase = PHASES[run.phase];
  // What the page shows of the fields its script watches (data-watch), in the same order.
  const shown = `${run.phase} ${run.done} ${run.total}`;
  return layout({
    title: 'Read-model rebuild',
    section: 'ops',
    head: selfRefreshingHead(!finished),
    notice: flashNotice(flash, run),
    body: html`<h1>Read-model rebuild</h1>
      <p class="lead">
        <a href="/ops">Operations</a> · requested by ${run.requestedBy} ${timeElement(run.requestedAt)}
      </p>
      <section class="card" aria-labelledby="run-title">
        <h2 id="run-title">Progress</h2>
        <div
          id="rebuild-status"
          role="status"
          ${
            finished
              ? ''
              : html` data-poll="${rebuildRunApiPath(run.id)}" data-watch="phase done total" data-shown="${shown}"`
          }
        >
          <p>${phaseBadge(run.phase)} ${phase.detail}${finished ? '' : ' This page refreshes itself.'}</p>
          <p>
            <label for="rebuild-progress">Events replayed</label>
            <progress id="rebuild-progress" max="${Math.max(run.total, 1)}" value="${Math.min(run.done, run.total)}">
              ${percent(run)} %
            </progress>
            ${formatCount(run.done)} of ${formatCount(run.total)} (${percent(run)} %)
          </p>
        </div>
        <dl class="facts">
          <dt>Requested</dt>
          <dd>${timeElement(run.requestedAt)} by ${run.requestedBy}</dd>
          <dt>Started</dt>
          <dd>${when(run.startedAt)}</dd>
          <dt>Last sign of life</dt>
          <dd>${timeElement(run.heartbeatAt)}</dd>
          <dt>Finished</dt>
          <dd>${when(run.finishedAt)}</dd>
          ${
            run.result
              ? html`<dt>Result</dt>
                  <dd>
                    ${formatCount(run.result.events)} events, ${formatCount(run.result.accounts)} accounts in
                    ${formatDuration(run.result.durationMs)}; ${formatCount(run.result.quarantined.length)} account
                    stream${run.result.quarantined.length === 1 ? '' : 's'} left at their last good version
                  </dd>`
              : ''
          }
          ${
            run.error
              ? html`<dt>Error</dt>
                  <dd>${run.error}</dd>`
              : ''
          }
        </dl>
        ${
          run.result && run.result.quarantined.length > 0
            ? html`<div class="table-wrap" tabindex="0">
                <table>
                  <caption>
                    Account streams left at their last good version
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Account</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${run.result.quarantined.map(
                      (q) =>
                        html`<tr>
                          <td class="mono">${q.streamId}</td>
                          <td>${q.reason}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
            : ''
        }
      </section>`,
  });
}

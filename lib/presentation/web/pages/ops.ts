import { formatCount, formatDuration, timeElement } from '../format';
import { html, type SafeHtml } from '../html';
import { layout } from '../layout';
import { pipelineBacklog, type SystemStatus } from '../../../queries/system-status';
import type { RebuildRun } from '../../../projections/rebuild-runs';
import { rebuildSection } from './rebuild';

function statusBadge(ok: boolean, good: string, bad: string, warn = false): SafeHtml {
  return html`<span class="badge ${ok ? 'ok' : warn ? 'warn' : 'bad'}">${ok ? good : bad}</span>`;
}

function when(value: Date | null): SafeHtml | string {
  return value ? timeElement(value) : '—';
}

function position(value: { transactionId: string; globalPosition: string } | null): SafeHtml | string {
  return value
    ? html`<span class="mono">#${formatCount(value.globalPosition)}</span>
        <span class="muted">(tx ${value.transactionId})</span>`
    : '—';
}

/** /ops: the pipeline's state, and the read-model rebuild (its form needs the CSRF token of the page's session). */
export function opsPage(status: SystemStatus, rebuilds: { runs: readonly RebuildRun[]; csrfToken: string }): SafeHtml {
  const { relay, projector, kafka } = status;
  // The numbers the sweep writes as CloudWatch metrics (RelayBacklogEvents/Age, ProjectionLagEvents/Age).
  const backlog = pipelineBacklog(relay, projector, status.generatedAt);
  const behind = backlog.projectionLagEvents;
  const consumerLag = kafka.available ? kafka.consumer.totalLag : undefined;
  const deadLetters = kafka.available ? kafka.deadLetters : undefined;
  const audit = projector.audit.last;
  return layout({
    title: 'Operations',
    section: 'ops',
    notice: kafka.available
      ? undefined
      : {
          kind: 'error',
          message: html`Kafka is not reachable: ${kafka.error}. Commands still succeed; events wait in the event store.`,
        },
    body: html`<h1>Operations</h1>
      <p class="lead">
        The event pipeline: event store → relay → Kafka topic <span class="mono">${status.topic}</span> → projector
        (group <span class="mono">${status.consumerGroup}</span>) → read models. As of
        ${timeElement(status.generatedAt)} · <a href="/ops">Refresh</a> · <a href="/api/reports/status">JSON</a>
      </p>
      <div class="grid stats">
        <section class="card" aria-labelledby="relay-lag">
          <h2 id="relay-lag">Relay lag</h2>
          <div class="stat">${formatCount(backlog.relayBacklogEvents)}</div>
          <p class="muted">
            events committed, not yet on
            Kafka${
              backlog.relayBacklogEvents > 0
                ? html`; oldest ${formatDuration(backlog.relayBacklogAgeSeconds * 1_000)} ago`
                : ''
            }
          </p>
          ${statusBadge(relay.pendingEvents === 0, 'Up to date', 'Behind', true)}
        </section>
        <section class="card" aria-labelledby="consumer-lag">
          <h2 id="consumer-lag">Consumer lag</h2>
          <div class="stat">${consumerLag === undefined ? '—' : formatCount(consumerLag)}</div>
          <p class="muted">messages not yet processed by the projector</p>
          ${consumerLag === undefined ? statusBadge(false, '', 'Unknown') : statusBadge(consumerLag === 0, 'Caught up', 'Behind', true)}
        </section>
        <section class="card" aria-labelledby="dead-letters">
          <h2 id="dead-letters">Dead letters</h2>
          <div class="stat">${deadLetters === undefined ? '—' : formatCount(deadLetters)}</div>
          <p class="muted">messages in <span class="mono">${status.deadLetterTopic}</span></p>
          ${deadLetters === undefined ? statusBadge(false, '', 'Unknown') : statusBadge(deadLetters === 0, 'None', 'Needs attention')}
        </section>
        <section class="card" aria-labelledby="projection-lag">
          <h2 id="projection-lag">Projections</h2>
          <div class="stat">${formatCount(behind)}</div>
          <p class="muted">
            account events not yet in the read
            models${behind > 0 ? html`; oldest ${formatDuration(backlog.projectionLagAgeSeconds * 1_000)} ago` : ''}
          </p>
          ${statusBadge(behind === 0, 'Up to date', 'Behind', true)}
        </section>
        <section class="card" aria-labelledby="divergent-accounts">
          <h2 id="divergent-accounts">Divergent accounts</h2>
          <div class="stat">${audit ? formatCount(audit.divergentAccounts) : '—'}</div>
          <p class="muted">read models that disagreed with the event store in the last audit</p>
          ${audit ? statusBadge(audit.divergentAccounts === 0, 'None', 'Repaired from the store', true) : statusBadge(false, '', 'No audit yet', true)}
        </section>
      </div>

      <section class="card" aria-labelledby="relay-title">
        <h2 id="relay-title">Relay</h2>
        <dl class="facts">
          <dt>Checkpoint</dt>
          <dd>${position(relay.checkpoint)}</dd>
          <dt>Event store head</dt>
          <dd>${position(relay.head)}</dd>
          <dt>Pending events</dt>
          <dd>${formatCount(relay.pendingEvents)}</dd>
          <dt>Events relayed</dt>
          <dd>${formatCount(relay.eventsRelayed)}</dd>
          <dt>Last pass</dt>
          <dd>${when(relay.lastRelayAt)}</dd>
        </dl>
      </section>

      <section class="card" aria-labelledby="partitions-title">
        <h2 id="partitions-title">Consumer lag per partition</h2>
        ${
          kafka.available
            ? kafka.consumer.partitions.length === 0
              ? html`<p class="muted">The topic has no partitions yet.</p>`
              : html`<div class="table-wrap" tabindex="0">
                  <table>
                    <caption>
                      Topic ${status.topic}, group ${status.consumerGroup}
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col" class="num">Partition</th>
                        <th scope="col" class="num">Low watermark</th>
                        <th scope="col" class="num">High watermark</th>
                        <th scope="col" class="num">Committed offset</th>
                        <th scope="col" class="num">Lag</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${kafka.consumer.partitions.map(
                        (p) =>
                          html`<tr>
                            <td class="num">${p.partition}</td>
                            <td class="num">${formatCount(p.lowWatermark)}</td>
                            <td class="num">${formatCount(p.highWatermark)}</td>
                            <td class="num">${p.committedOffset === null ? '—' : formatCount(p.committedOffset)}</td>
                            <td class="num">
                              ${p.lag === 0 ? formatCount(0) : html`<strong>${formatCount(p.lag)}</strong>`}
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
            : html`<p class="muted">Unavailable while Kafka is not reachable.</p>`
        }
      </section>

      <section class="card" aria-labelledby="projections-title">
        <h2 id="projections-title">Projection progress</h2>
        <div class="table-wrap" tabindex="0">
          <table>
            <caption>
              Read models compared with the event store
            </caption>
            <thead>
              <tr>
                <th scope="col">Read model</th>
                <th scope="col" class="num">Rows</th>
                <th scope="col" class="num">Events applied</th>
                <th scope="col" class="num">Events in store</th>
                <th scope="col" class="num">Behind</th>
                <th scope="col">Last applied</th>
              </tr>
            </thead>
            <tbody>
              ${projector.projections.map(
                (p) =>
                  html`<tr>
                    <td>${p.name}</td>
                    <td class="num">${formatCount(p.rows)}</td>
                    <td class="num">${formatCount(p.eventsApplied)}</td>
                    <td class="num">${formatCount(p.eventsInStore)}</td>
                    <td class="num">${formatCount(p.behind)}</td>
                    <td>${when(p.lastAppliedAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <dl class="facts">
          <dt>Accounts tracked</dt>
          <dd>${formatCount(projector.accountsTracked)}</dd>
          <dt>Parked events</dt>
          <dd>
            ${formatCount(projector.parkedEvents)}${projector.oldestParkedAt ? html` <span class="muted">(oldest since ${timeElement(projector.oldestParkedAt)})</span>` : ''}
          </dd>
          <dt>Last audit</dt>
          <dd>
            ${
              audit
                ? html`${timeElement(audit.finishedAt)}: ${formatCount(audit.accountsChecked)} accounts checked,
                  ${formatCount(audit.divergentAccounts)} divergent, ${formatCount(audit.repairedAccounts)} re-projected
                  from the event store`
                : 'never'
            }${projector.audit.running ? html` <span class="muted">(one running since ${timeElement(projector.audit.running.startedAt)})</span>` : ''}
          </dd>
          <dt>Last rebuild</dt>
          <dd>
            ${
              projector.lastRebuild
                ? html`${timeElement(projector.lastRebuild.rebuiltAt)}: ${formatCount(projector.lastRebuild.events)}
                  events in ${formatDuration(projector.lastRebuild.durationMs)}`
                : 'never'
            }
          </dd>
        </dl>
        ${
          audit && audit.divergent.length > 0
            ? html`<div class="table-wrap" tabindex="0">
                <table>
                  <caption>
                    Divergent accounts found by the last audit
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Account</th>
                      <th scope="col">What differed from the event store</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${audit.divergent.map(
                      (d) =>
                        html`<tr>
                          <td class="mono">${d.accountId}</td>
                          <td>${d.reason}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
            : ''
        }
      </section>

      ${rebuildSection(rebuilds.runs, rebuilds.csrfToken)}`,
  });
}

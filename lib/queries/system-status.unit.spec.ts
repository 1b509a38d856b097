import { captureEmf } from '../platform/observability/testing';
import type { RelayStatus } from '../outbox/relay/status';
import type { ProjectorStatus } from '../projections/status';
import { backlogMetrics, pipelineBacklog } from './system-status';
import { emitMetrics } from '../platform/observability/metrics';

const now = new Date('2026-12-06T04:00:00.000Z');

const relay: RelayStatus = {
  name: 'banking-events',
  checkpoint: null,
  head: null,
  pendingEvents: 7,
  oldestPendingAt: new Date('2026-12-06T03:59:48.500Z'),
  eventsRelayed: 100,
  lastRelayAt: null,
};

const projection = { rows: 1, eventsApplied: 90, eventsInStore: 107, behind: 17, lastAppliedAt: null };
const projector: ProjectorStatus = {
  projections: [
    { name: 'balances', ...projection },
    { name: 'transactions', ...projection },
  ],
  accountsTracked: 3,
  parkedEvents: 2,
  oldestParkedAt: null,
  oldestUnappliedAt: new Date('2026-12-06T03:59:30.000Z'),
  lastRebuild: null,
  audit: { last: null, running: null },
};

describe('pipeline backlog (/ops and the sweep metrics)', () => {
  it('given relay and projector status when the backlog is computed then events and ages (seconds) come from them', () => {
    expect(pipelineBacklog(relay, projector, now)).toEqual({
      relayBacklogEvents: 7,
      relayBacklogAgeSeconds: 11.5,
      projectionLagEvents: 17,
      projectionLagAgeSeconds: 30,
      parkedEvents: 2,
    });
  });

  it('given nothing pending when the backlog is computed then both ages are 0', () => {
    const idle = pipelineBacklog(
      { ...relay, pendingEvents: 0, oldestPendingAt: null },
      { ...projector, oldestUnappliedAt: null },
      now,
    );
    expect([idle.relayBacklogAgeSeconds, idle.projectionLagAgeSeconds]).toEqual([0, 0]);
  });

  it('given a backlog when written as metrics then the sweep writes the same numbers /ops shows, service dimension only', async () => {
    const backlog = pipelineBacklog(relay, projector, now);
    const { emf } = await captureEmf(() => emitMetrics(backlogMetrics(backlog)));
    expect(emf).toEqual([
      {
        namespace: 'Ledgerline',
        dimensionNames: ['service'],
        dimensions: { service: 'ledgerline' },
        values: {
          RelayBacklogEvents: 7,
          RelayBacklogAge: 11.5,
          ProjectionLagEvents: 17,
          ProjectionLagAge: 30,
          ParkedEvents: 2,
        },
        units: {
          RelayBacklogEvents: 'Count',
          RelayBacklogAge: 'Seconds',
          ProjectionLagEvents: 'Count',
          ProjectionLagAge: 'Seconds',
          ParkedEvents: 'Count',
        },
      },
    ]);
  });
});

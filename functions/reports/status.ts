import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse } from '../../lib/presentation/http/json';
import { loadSystemStatus, pipelineBacklog } from '../../lib/queries/system-status';

/**
 * GET /api/reports/status → relay checkpoint vs event-store head, consumer lag per partition of the projector's
 * group, per-projection progress and parked events, the last read-model audit (divergent accounts), dead-letter count. 200 while the database answers (Kafka being
 * away is reported in the body, it is what this page is for).
 */
export const handler = httpHandler({ access: 'admins' }, async () => {
  const { relay, projector, kafka, topic, consumerGroup, deadLetterTopic, generatedAt } = await loadSystemStatus();
  return jsonResponse(200, {
    backlog: pipelineBacklog(relay, projector, generatedAt),
    relay: {
      ...relay,
      oldestPendingAt: relay.oldestPendingAt?.toISOString() ?? null,
      lastRelayAt: relay.lastRelayAt?.toISOString() ?? null,
      upToDate: relay.pendingEvents === 0,
    },
    kafka: {
      topic,
      consumerGroup,
      available: kafka.available,
      ...(kafka.available
        ? { partitions: kafka.consumer.partitions, totalLag: kafka.consumer.totalLag }
        : { error: kafka.error }),
    },
    projections: projector.projections.map((projection) => ({
      ...projection,
      lastAppliedAt: projection.lastAppliedAt?.toISOString() ?? null,
    })),
    projector: {
      accountsTracked: projector.accountsTracked,
      parkedEvents: projector.parkedEvents,
      oldestParkedAt: projector.oldestParkedAt?.toISOString() ?? null,
      oldestUnappliedAt: projector.oldestUnappliedAt?.toISOString() ?? null,
      lastRebuild: projector.lastRebuild
        ? { ...projector.lastRebuild, rebuiltAt: projector.lastRebuild.rebuiltAt.toISOString() }
        : null,
      audit: {
        divergentAccounts: projector.audit.last?.divergentAccounts ?? null,
        repairedAccounts: projector.audit.last?.repairedAccounts ?? null,
        accountsChecked: projector.audit.last?.accountsChecked ?? null,
        startedAt: projector.audit.last?.startedAt.toISOString() ?? null,
        finishedAt: projector.audit.last?.finishedAt.toISOString() ?? null,
        divergent: projector.audit.last?.divergent ?? [],
        running: projector.audit.running !== null,
      },
    },
    deadLetter: { topic: deadLetterTopic, count: kafka.available ? kafka.deadLetters : null },
  });
});
